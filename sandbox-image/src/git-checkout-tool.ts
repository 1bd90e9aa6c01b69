import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitCheckoutInput, GitCheckoutOutput } from '@remit/core';
import { startGitBridge } from './git-bridge.ts';
import { runProcess } from './run-process.ts';
import { ToolFailure } from './tool-failure.ts';
import { toolEnvironment, type ToolContext } from './tool-context.ts';
import { prepareDirectory } from './workdir-path.ts';

/** A whole checkout (init, fetch, checkout) must finish within this; the input has no timeout of its own. */
const GIT_CHECKOUT_TIMEOUT_MS = 300_000;
/** git's own output is only read for error messages. */
const GIT_OUTPUT_BYTES = 16_384;

/**
 * `git_checkout`: a shallow fetch of `ref` from the connection into `dir`, then a detached
 * checkout. Traffic goes through the git bridge to the egress proxy; config from the system,
 * the user's HOME and hooks is ignored, so files planted by `exec` cannot steer git.
 */
export async function gitCheckoutTool(ctx: ToolContext, input: GitCheckoutInput): Promise<GitCheckoutOutput> {
  if (input.ref.startsWith('-')) throw new ToolFailure('invalid_input', 'ref must not start with "-"');
  const started = performance.now();
  const deadline = started + GIT_CHECKOUT_TIMEOUT_MS;
  const dir = await prepareDirectory(ctx.workdir, input.dir);
  const bridge = await startGitBridge({
    egressSocketPath: ctx.egressSocketPath,
    connection: input.connection,
    repository: input.repository,
    authorization: gitAuthorization(ctx, input.connection),
  });
  try {
    const git = async (step: string, args: string[]): Promise<string> => {
      const result = await runProcess({
        argv: ['git', ...gitConfig(bridge.port), '-C', dir, ...args],
        cwd: dir,
        env: { ...toolEnvironment(ctx), GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
        timeoutMs: Math.max(1, deadline - performance.now()),
        maxOutputBytes: GIT_OUTPUT_BYTES,
        slackBytes: ctx.scrubber.slackBytes,
        groups: ctx.groups,
      });
      if (result.timedOut) throw new ToolFailure('timeout', `git ${step} did not finish within ${GIT_CHECKOUT_TIMEOUT_MS} ms`);
      if (result.exitCode !== 0) throw new ToolFailure('failed', `git ${step} failed: ${result.stderr.text(ctx.scrubber.scrub).text.trim()}`);
      return result.stdout.text(ctx.scrubber.scrub).text.trim();
    };
    if (!(await exists(join(dir, '.git')))) await git('init', ['init', '-q']);
    await git('fetch', ['fetch', '--depth=1', '--no-tags', '-q', '--', `http://${input.connection}/${input.repository}.git`, input.ref]);
    await git('checkout', ['checkout', '-q', '--force', '--detach', 'FETCH_HEAD']);
    const commit = await git('rev-parse', ['rev-parse', 'HEAD']);
    return { dir: input.dir, commit, durationMs: Math.round(performance.now() - started) };
  } finally {
    await bridge.close();
  }
}

function gitConfig(port: number): string[] {
  const settings = [
    `http.proxy=http://127.0.0.1:${port}`,
    'http.followRedirects=false',
    'protocol.allow=never',
    'protocol.http.allow=always',
    'credential.helper=',
    'core.hooksPath=/dev/null',
    'core.fsmonitor=false',
    'init.defaultBranch=main',
    'advice.detachedHead=false',
  ];
  return settings.flatMap((setting) => ['-c', setting]);
}

/** GitHub-style token auth: Basic with the conventional `x-access-token` user unless the bundle names one. */
function gitAuthorization(ctx: ToolContext, connection: string): string | undefined {
  const secret = ctx.bundle.secrets.find((s) => s.connection === connection && s.kind === 'git_token');
  const token = secret?.values.token;
  if (secret === undefined || token === undefined) return undefined;
  const user = secret.values.username ?? 'x-access-token';
  return `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
