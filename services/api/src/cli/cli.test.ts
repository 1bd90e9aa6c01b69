import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunKind, RunStatus } from '@remit/core';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { ExitCode } from './exit-codes.ts';
import { RUN_KINDS, RUN_STATUSES, buildProgram } from './program.ts';

const remit = fileURLToPath(new URL('../../../../bin/remit', import.meta.url));

function run(args: string[], env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'remit-cli-'));
  try {
    const res = spawnSync(remit, args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', REMIT_DATA_DIR: dir, ...env }, timeout: 60_000 });
    return { status: res.status, stdout: res.stdout, stderr: res.stderr, dir };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('bin/remit', () => {
  it.each([
    ['REMIT_PORT', 'eighty', /REMIT_PORT: .*\(got "eighty"\)/],
    ['REMIT_PORT', '70000', /REMIT_PORT: /],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL: /],
    ['REMIT_SANDBOX_DRIVER', 'docker', /REMIT_SANDBOX_DRIVER: .*local.*ecs/],
    ['REMIT_MASTER_KEY', 'c2hvcnQ=', /REMIT_MASTER_KEY: expected 32 bytes, base64-encoded \(value hidden\)/],
    ['REMIT_OIDC_ISSUER', 'https://idp.example.com', /REMIT_OIDC_JWKS_URL: required when REMIT_OIDC_ISSUER is set/],
    // The development issuer never runs silently where others can reach it.
    ['REMIT_HOST', '0.0.0.0', /REMIT_OIDC_ISSUER: required because REMIT_HOST is "0.0.0.0", not loopback; .*REMIT_DEV_ISSUER=1/],
    ['DATABASE_URL', 'postgres://remit@127.0.0.1:1/remit', /REMIT_OIDC_ISSUER: required because DATABASE_URL is set; .*REMIT_DEV_ISSUER=1/],
    ['DATABASE_OWNER_URL', 'postgres://owner@127.0.0.1:1/remit', /DATABASE_OWNER_URL: no longer read: DATABASE_URL is now the owner login/],
  ])('stops at start with exit 2 and names %s when it is %s', (name, value, message) => {
    const res = run(['migrate'], { [name]: value });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).not.toContain('c2hvcnQ=');
  });

  it('prints a token alone on the last line of stdout', () => {
    const res = run(['token', '--user', 'alice@example.com', '--groups', 'developers']);
    expect(res.status).toBe(0);
    const last = res.stdout.trim().split('\n').at(-1)!;
    expect(last).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it('rejects unknown commands and flags with exit 2', () => {
    expect(run(['frobnicate']).status).toBe(2);
    expect(run(['token', '--usr', 'x']).status).toBe(2);
  });

  it('sandbox exec runs one command in a throwaway sandbox with no network and no credentials, and exits with its code', () => {
    const res = run(
      ['sandbox', 'exec', '--', 'bash', '-c', 'echo "uid=$(id -u)"; env; (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && echo CONNECTED; exit 7'],
      {
        REMIT_CANARY: 'canary-f00d',
      },
    );
    expect(res.stdout).toMatch(/^uid=1000\n/);
    expect(res.stdout).not.toMatch(/canary-f00d|REMIT_/);
    expect(res.stdout).not.toContain('CONNECTED');
    expect(res.status).toBe(7);
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data/', 3, 'metadata'],
    ['http://0x7f000001/', 3, 'loopback'],
    ['file:///etc/passwd', 3, 'unsupported_scheme'],
    ['http://8.8.8.8/', 0, undefined],
  ])('egress check %s exits %i and says why, without connecting', (url, code, reason) => {
    const res = run(['egress', 'check', url]);
    expect(res.status).toBe(code);
    const verdict = JSON.parse(res.stdout.trim()) as { allowed: boolean; reason?: string };
    expect(verdict.allowed).toBe(code === 0);
    expect(verdict.reason).toBe(reason);
  });
});

describe('bin/remit conventions', () => {
  it('prints its version, and help that lists every exit code', () => {
    const version = run(['--version']);
    expect(version).toMatchObject({ status: 0, stdout: `${packageJson.version}\n` });
    const help = run(['--help']);
    expect(help.status).toBe(0);
    for (const code of Object.values(ExitCode)) expect(help.stdout).toMatch(new RegExp(`^ +${code}  \\S`, 'm'));
    expect(help.stdout).not.toContain('\u001b'); // not a terminal
  });

  it('has --help on every command and subcommand', () => {
    const program = buildProgram({ version: '0', setExitCode: () => undefined });
    const commands = (cmd: Command): Command[] => cmd.commands.flatMap((c) => [c, ...commands(c)]);
    const all = commands(program);
    expect(all.length).toBeGreaterThan(30);
    for (const cmd of all) {
      const help = cmd.helpInformation();
      expect(help, cmd.name()).toMatch(/^Usage: remit /);
      expect(help.replace(/\s+/g, ' '), cmd.name()).toContain(cmd.description());
      expect(help, cmd.name()).toContain('-h, --help');
    }
    const sub = run(['roles', 'create', '--help']);
    expect(sub.status).toBe(0);
    expect(sub.stdout).toContain('Usage: remit roles create [options] [name]');
  });

  it('offers every data command --json', () => {
    const program = buildProgram({ version: '0', setExitCode: () => undefined });
    const path = (c: Command): string => (c.parent?.parent ? `${path(c.parent)} ${c.name()}` : c.name());
    const leaves = (cmd: Command): Command[] => cmd.commands.flatMap((c) => (c.commands.length ? leaves(c) : [c]));
    // What prints no data: servers, the demo, the token (alone on its line by contract), shell scripts, a sandbox's own output, and doctor (runtime's).
    const printsNoData = new Set(['serve', 'worker', 'demo', 'migrate', 'token', 'completion', 'sandbox exec', 'doctor', 'help']);
    for (const cmd of leaves(program).filter((c) => !printsNoData.has(path(c))))
      expect(
        cmd.options.map((o) => o.long),
        path(cmd),
      ).toContain('--json');
  });

  it('names the command or option meant by a typo, and exits 2', () => {
    const command = run(['rols']);
    expect(command.status).toBe(ExitCode.usage);
    expect(command.stderr).toBe("remit: unknown command 'rols'\n(Did you mean roles?)\n(see --help)\n");
    const option = run(['roles', 'list', '--jsn']);
    expect(option.status).toBe(ExitCode.usage);
    expect(option.stderr).toContain('(Did you mean --json?)');
    expect(run(['roles']).status).toBe(ExitCode.usage); // a group without its subcommand
  });

  it('colours help with FORCE_COLOR, and never with NO_COLOR', () => {
    expect(run(['--help'], { FORCE_COLOR: '1' }).stdout).toContain('\u001b[1mUsage:\u001b[0m');
    expect(run(['--help'], { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout).toContain('\u001b[1mUsage:');
    expect(run(['--help'], { NO_COLOR: '1' }).stdout).not.toContain('\u001b');
  });

  it('completes commands, subcommands and options in bash', () => {
    const script = run(['completion', 'bash']).stdout;
    const complete = (words: string[]) => {
      const res = spawnSync(
        'bash',
        ['-c', `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _remit; echo "\${COMPREPLY[*]}"`],
        {
          encoding: 'utf8',
        },
      );
      return res.stdout.trim().split(' ');
    };
    expect(complete(['remit', 'ro'])).toEqual(['roles']);
    expect(complete(['remit', 'roles', ''])).toEqual(['list', 'get', 'create', 'delete', '--help']);
    expect(complete(['remit', 'runs', 'list', '--st'])).toEqual(['--status']);
    expect(complete(['remit', 'sandbox', 'exec', '--', 'l'])).toEqual(['']);
    expect(run(['completion', 'fish']).status).toBe(ExitCode.usage);
  });

  // .ci/run installs zsh, so this runs in CI; a machine without zsh skips it.
  it.runIf(spawnSync('zsh', ['--version']).status === 0)('writes a zsh completion script that zsh loads and that completes as bash does', () => {
    const script = run(['completion', 'zsh']).stdout;
    const loaded = spawnSync('zsh', ['-c', `autoload -U compinit; compinit -u; ${script}\nwhence -w _remit`], { encoding: 'utf8' });
    expect(loaded.stdout).toContain('_remit: function');
    // zsh's completion system calls _remit with words and CURRENT set; _describe (zsh's own) is
    // replaced by a stand-in that prints the candidates it was given, word:description each.
    const complete = (words: string[]) => {
      const res = spawnSync(
        'zsh',
        [
          '-c',
          `compdef() { :; }; _describe() { local name=$2; print -rl -- \${(P)name} }; _files() { :; }\n${script}\n` +
            `words=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}; _remit`,
        ],
        { encoding: 'utf8' },
      );
      return res.stdout
        .trim()
        .split('\n')
        .map((l) => l.replace(/(?<!\\):.*$/, ''));
    };
    expect(complete(['remit', 'ro'])).toContain('roles');
    expect(complete(['remit', 'roles', ''])).toEqual(['list', 'get', 'create', 'delete', '--help']);
    expect(complete(['remit', 'runs', 'list', '--st'])).toContain('--status');
    expect(complete(['remit', 'sandbox', ''])).toEqual(expect.arrayContaining(['exec', 'list', 'kill']));
  });

  it('keeps its lists of run kinds and statuses equal to the API’s', () => {
    expect(RUN_KINDS).toEqual(RunKind.options);
    expect(RUN_STATUSES).toEqual(RunStatus.options);
  });
});
