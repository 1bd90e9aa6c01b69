import { randomUUID } from 'node:crypto';
import type { CredentialBundle } from '@remit/core';
import { describe, expect, it } from 'vitest';
import type { EgressHandler } from './egress-server.ts';
import { exec, withSession } from './testing.ts';

const runId = randomUUID();
const GIT_TOKEN = 'ghs_16C7e42F292c6912E7710c838347Ae178B4a';
const STS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const bundle: CredentialBundle = {
  runId,
  connections: [
    { name: 'github', type: 'github' },
    { name: 'aws-prod', type: 'aws' },
  ],
  secrets: [
    { connection: 'github', kind: 'git_token', values: { token: GIT_TOKEN } },
    {
      connection: 'aws-prod',
      kind: 'aws_session',
      values: { accessKeyId: 'ASIAEXAMPLEKEYID1234', secretAccessKey: STS_SECRET, sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLEsessionTOKEN' },
    },
  ],
};
const secrets = bundle.secrets.flatMap((s) => Object.values(s.values));

/** Every spelling an accidental echo might take. */
function spellings(value: string): string[] {
  return [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('base64url'), encodeURIComponent(value)];
}

function expectNoSecret(output: unknown): void {
  const text = JSON.stringify(output);
  for (const secret of secrets) for (const spelling of spellings(secret)) expect(text).not.toContain(spelling);
}

/** An egress proxy stand-in that echoes the secrets back in body and headers. */
const leakyEgress: EgressHandler = (req, res) => {
  req.resume();
  const body = secrets.flatMap(spellings).join('\n');
  res.writeHead(200, { 'content-type': 'text/plain', 'x-echo': GIT_TOKEN }).end(body);
};

describe('secrets from the bundle never come back in tool output', () => {
  it('is scrubbed from exec output, raw, base64 and URL-encoded, on stdout and stderr', async () => {
    await withSession({ runId, bundle }, async (session) => {
      for (const secret of secrets) {
        const printed = await exec(session, [
          'sh',
          '-c',
          'printf "%s\\n" "$1"; printf "%s" "$1" | base64 -w0; echo; printf "%s" "$1" | base64 -w0 | tr "+/" "-_"; echo; echo "$2" >&2',
          'sh',
          secret,
          encodeURIComponent(secret),
        ]);
        expect(printed.stdout).toContain('[redacted]'); // positive control: the echo did happen
        expectNoSecret(printed);
      }
    });
  });

  it('is scrubbed from files read with read_file, and from error messages', async () => {
    await withSession({ runId, bundle }, async (session) => {
      await exec(session, ['sh', '-c', 'printf "token=%s\\nkey=%s\\n" "$1" "$2" > /work/creds.env', 'sh', GIT_TOKEN, STS_SECRET]);
      const read = await session.call('read_file', { path: 'creds.env' });
      expect(read).toMatchObject({ ok: true, output: { content: 'token=[redacted]\nkey=[redacted]\n' } });
      const missing = await session.call('read_file', { path: `${GIT_TOKEN}.txt` });
      expect(missing).toMatchObject({ ok: false, error: { code: 'not_found' } });
      const notCommand = await session.call('exec', { command: [STS_SECRET] });
      expect(notCommand).toMatchObject({ ok: false });
      expectNoSecret([read, missing, notCommand]);
    });
  });

  it('is scrubbed from http bodies and headers', async () => {
    await withSession({ runId, bundle, egress: leakyEgress }, async (session) => {
      const response = await session.call('http', { connection: 'github', path: '/echo' });
      expect(response).toMatchObject({ ok: true, output: { status: 200, headers: { 'x-echo': '[redacted]' } } });
      expectNoSecret(response);
    });
  });
});
