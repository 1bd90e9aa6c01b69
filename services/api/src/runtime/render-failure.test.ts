import { ConfigError } from '@remit/core';
import { DatabaseError } from '@remit/db';
import { SandboxError } from '@remit/sandbox';
import { describe, expect, it } from 'vitest';
import { renderFailure } from './render-failure.ts';
import { StartupError } from './startup-error.ts';

const unreachable = new DatabaseError(
  'database_unreachable',
  'cannot connect to PostgreSQL at 127.0.0.1:1/remit (DATABASE_URL): connection refused (is PostgreSQL running there?); check DATABASE_URL, or unset it to use embedded PGlite',
  { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') },
);

describe('renderFailure (how a command’s failure reaches the terminal)', () => {
  it.each([
    ['an unreachable DATABASE_URL', unreachable],
    ['a data directory another process owns', new DatabaseError('data_dir_in_use', 'the data directory /x is in use by remit serve (pid 12)')],
    ['a refusal to start', new StartupError('worker_needs_database_url')],
  ])('prints %s as its one-line message, no stack', (_, err) => {
    const out = renderFailure(err, {});
    expect(out).toEqual({ message: err.message, exitCode: 1 });
    expect(out.message).not.toContain('\n');
  });

  it('names DATABASE_URL for an unreachable database', () => {
    expect(renderFailure(unreachable, {}).message).toMatch(/^cannot connect to PostgreSQL at 127\.0\.0\.1:1\/remit \(DATABASE_URL\): connection refused/);
  });

  it('adds the cause to a sandbox that could not start, which says little alone', () => {
    const err = new SandboxError('start_failed', undefined, { cause: new Error("cgroups 'v2': no writable cgroup v2 hierarchy") });
    expect(renderFailure(err, {})).toEqual({ message: "The sandbox could not be started. cgroups 'v2': no writable cgroup v2 hierarchy", exitCode: 1 });
  });

  it('prints a configuration error one problem a line, exit 2', () => {
    const err = new ConfigError('invalid_config', undefined, { details: { problems: ['REMIT_MODEL_PRICES: has no price', 'REMIT_PORT: too big'] } });
    expect(renderFailure(err, {})).toEqual({ message: 'invalid configuration:\n  REMIT_MODEL_PRICES: has no price\n  REMIT_PORT: too big', exitCode: 2 });
  });

  it('prints an unexpected error without its stack, saying how to see it', () => {
    const out = renderFailure(new TypeError('x is not a function'), {});
    expect(out).toEqual({ message: 'TypeError: x is not a function (REMIT_DEBUG=1 shows where it happened)', exitCode: 1 });
  });

  it('prints the stack, and its causes, with REMIT_DEBUG=1', () => {
    const out = renderFailure(unreachable, { REMIT_DEBUG: '1' });
    expect(out.exitCode).toBe(1);
    expect(out.message).toMatch(/^DatabaseError: cannot connect.*\n {4}at /);
    expect(out.message).toContain('caused by: Error: connect ECONNREFUSED 127.0.0.1:1');
  });
});
