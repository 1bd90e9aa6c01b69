import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpInput } from '@remit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpTool } from './http-tool.ts';
import { ProcessGroups } from './run-process.ts';
import { REDACTED, createScrubber } from './scrubber.ts';
import type { ToolContext } from './tool-context.ts';

const SECRET = 'sts-session-token-0123456789';

describe('http through the egress socket', () => {
  let root: string;
  let egress: Server;
  let handler: (req: IncomingMessage, res: ServerResponse) => void;
  let ctx: ToolContext;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'remit-http-'));
    egress = createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => egress.listen(join(root, 'egress.sock'), resolve));
    ctx = {
      workdir: root,
      egressSocketPath: join(root, 'egress.sock'),
      bundle: { runId: '00000000-0000-4000-8000-000000000004', connections: [], secrets: [] },
      scrubber: createScrubber([SECRET]),
      groups: new ProcessGroups(),
    };
  });
  afterEach(async () => {
    egress.closeAllConnections();
    await new Promise((resolve) => egress.close(resolve));
    await rm(root, { recursive: true, force: true });
  });

  it('sends the request with Host set to the connection, and only the caller headers it may set', async () => {
    handler = (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => res.writeHead(201, { 'x-seen': 'yes' }).end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body })));
    };
    const output = await httpTool(
      ctx,
      HttpInput.parse({
        connection: 'payments-api',
        method: 'POST',
        path: '/v1/x?y=1',
        headers: { Host: 'evil.example', 'X-Trace': 't1', 'Proxy-Authorization': 'Basic x' },
        body: 'payload',
      }),
    );
    expect(output).toMatchObject({ status: 201, truncated: false });
    expect(output.headers['x-seen']).toBe('yes');
    const seen = JSON.parse(output.body) as { method: string; url: string; headers: Record<string, string>; body: string };
    expect(seen).toMatchObject({ method: 'POST', url: '/v1/x?y=1', body: 'payload' });
    expect(seen.headers.host).toBe('payments-api');
    expect(seen.headers['x-trace']).toBe('t1');
    expect(seen.headers['proxy-authorization']).toBeUndefined();
  });

  it('caps the body and scrubs secrets from body and headers', async () => {
    handler = (_req, res) => res.writeHead(200, { 'x-token': SECRET }).end(`${SECRET}${'z'.repeat(5000)}`);
    const output = await httpTool(ctx, HttpInput.parse({ connection: 'aws', maxOutputBytes: 1024 }));
    expect(output.truncated).toBe(true);
    expect(Buffer.byteLength(output.body)).toBeLessThanOrEqual(1024);
    expect(output.body.startsWith(REDACTED)).toBe(true);
    expect(output.headers['x-token']).toBe(REDACTED);
  });

  it('times out a proxy that never answers', async () => {
    handler = () => undefined;
    await expect(httpTool(ctx, HttpInput.parse({ connection: 'slow', timeoutMs: 200 }))).rejects.toMatchObject({ code: 'timeout' });
  });

  it('fails cleanly when there is no egress socket', async () => {
    await expect(httpTool({ ...ctx, egressSocketPath: join(root, 'missing.sock') }, HttpInput.parse({ connection: 'x' }))).rejects.toMatchObject({
      code: 'failed',
    });
  });
});
