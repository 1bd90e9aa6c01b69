import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialBundle, toolInputSchemas, toolOutputSchemas, type ToolName } from '@remit/core';
import { BootstrapGate, type BootstrapRefusal } from './bootstrap-gate.ts';
import { ChannelServer } from './channel-server.ts';
import { closeEgress, denyAllEgress, listenEgress, type EgressHandler } from './egress-server.ts';
import { resolveSandboxLimits, type SandboxDriver, type SandboxHandle, type SandboxLimits, type SandboxSpec } from './sandbox-driver.ts';
import { SandboxError } from './sandbox-error.ts';
import { callDeadlineMs, toolFailure, type ToolCallInput, type ToolCallResult } from './tool-call.ts';

export type SandboxEvent =
  | { type: 'bootstrap_refused'; runId: string; reason: BootstrapRefusal }
  | { type: 'agent_disconnected'; runId: string; sandboxId: string }
  | { type: 'wall_time_exceeded'; runId: string; sandboxId: string; wallSeconds: number }
  | { type: 'cleanup_failed'; runId: string; step: string; message: string };

export interface SandboxSessionOptions {
  runId: string;
  /** The credentials the agent may hold; default none. Its runId must be this run's. */
  bundle?: CredentialBundle;
  limits?: Partial<SandboxLimits>;
  /** Serves the sandbox's egress socket (the run's proxy); default refuses everything with 403 egress_denied. */
  egress?: EgressHandler;
  /** Spends the token in the caller's store (one-time across workers); false refuses the agent. */
  consumeBootstrapToken?: (token: string) => Promise<boolean>;
  onEvent?: (event: SandboxEvent) => void;
  /** How long the agent has to authenticate after create (default 10 s). */
  readyTimeoutMs?: number;
  /**
   * Where the run's 0700 socket directory is made (default /dev/shm, else the OS temp dir; unix
   * socket paths are short). The local driver binds the sockets into the sandbox, whose
   * /proc/self/mountinfo shows their path inside their filesystem: under /dev/shm (a tmpfs of
   * its own) that is just `/remit-run-…/channel.sock`; under /tmp it would name the host's path.
   */
  runDirParent?: string;
  /** Aborts opening; the sandbox is destroyed. */
  signal?: AbortSignal;
  /** For a sandbox that serves no run: the process that owns it (see SandboxSpec.owner). */
  owner?: SandboxSpec['owner'];
}

interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the wait for the result (default: the tool's own timeout plus 5 s). */
  timeoutMs?: number;
}

export interface SandboxSession {
  readonly runId: string;
  readonly sandboxId: string;
  /** Milliseconds from create to the agent authenticated. */
  readonly readyMs: number;
  /** Runs a tool in the sandbox; never throws: a dead sandbox, a timeout or an abort is an `ok: false` result. */
  call<T extends ToolName>(tool: T, input: ToolCallInput<T>, options?: CallOptions): Promise<ToolCallResult<T>>;
  /** Shuts the agent down, destroys the sandbox, closes the sockets, spends the token. Idempotent; never throws. */
  close(): Promise<void>;
}

const DEFAULT_READY_TIMEOUT_MS = 10_000;

/** Opens a sandbox for one run and waits until its agent has authenticated and holds the bundle. */
export async function openSandboxSession(driver: SandboxDriver, options: SandboxSessionOptions): Promise<SandboxSession> {
  const { runId, signal } = options;
  const limits = resolveSandboxLimits(options.limits);
  const bundle = CredentialBundle.parse(options.bundle ?? { runId, connections: [], secrets: [] });
  if (bundle.runId !== runId) throw new RangeError('the credential bundle belongs to another run');
  const emit = (event: SandboxEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A failing listener must not stop the cleanup that reports through it.
    }
  };
  const bootstrapToken = randomBytes(32).toString('base64url');
  const gate = new BootstrapGate(bootstrapToken, options.consumeBootstrapToken);
  const runDir = await mkdtemp(join(options.runDirParent ?? (await defaultRunDirParent()), 'remit-run-'));
  let channel: ChannelServer | undefined;
  let egress: Server | undefined;
  let handle: SandboxHandle | undefined;
  let closing: Promise<void> | undefined;
  let wallTimer: NodeJS.Timeout | undefined = undefined; // set once the sandbox is up; close() may run before

  const close = () =>
    (closing ??= (async () => {
      clearTimeout(wallTimer);
      gate.spend();
      const step = async (name: string, work: () => Promise<unknown>) =>
        work().catch((err: unknown) => emit({ type: 'cleanup_failed', runId, step: name, message: err instanceof Error ? err.message : String(err) }));
      // Shutdown goes out first, but nothing waits for the agent to act on it: destroy kills it.
      const channelClosed = step('channel', async () => channel?.close());
      await step('destroy', async () => handle && driver.destroy(handle.id));
      await channelClosed;
      await step('egress', async () => egress && closeEgress(egress));
      await step('run_dir', () => rm(runDir, { recursive: true, force: true }));
    })());

  let readyMs: number;
  try {
    // Listening through a descriptor of the run dir: the address a socket is bound with is what
    // /proc/net/unix shows, also inside the sandbox (the agent's connection is created in its
    // network namespace and carries the listener's address), so it must name no host path.
    const runDirFd = openSync(runDir, 'r');
    const listenPath = (name: string) => `/proc/self/fd/${runDirFd}/${name}`;
    try {
      channel = await ChannelServer.listen({
        socketPath: listenPath('channel.sock'),
        gate,
        bundle,
        onRefused: (reason) => emit({ type: 'bootstrap_refused', runId, reason }),
        onDisconnected: () => {
          if (closing === undefined && handle !== undefined) emit({ type: 'agent_disconnected', runId, sandboxId: handle.id });
        },
      });
      egress = await listenEgress(listenPath('egress.sock'), options.egress ?? denyAllEgress);
    } finally {
      closeSync(runDirFd);
    }
    if (signal?.aborted) throw new SandboxError('aborted');
    const started = performance.now();
    handle = await driver
      .create({
        runId,
        bootstrapToken,
        channelSocketPath: join(runDir, 'channel.sock'),
        egressSocketPath: join(runDir, 'egress.sock'),
        limits,
        ...(options.owner ? { owner: options.owner } : {}),
      })
      .catch((cause: unknown) => {
        throw cause instanceof SandboxError ? cause : new SandboxError('start_failed', undefined, { cause });
      });
    await untilReady(channel.ready, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS, signal);
    readyMs = performance.now() - started;
  } catch (err) {
    await close();
    throw err;
  }

  const sandboxId = handle.id;
  wallTimer = setTimeout(() => {
    emit({ type: 'wall_time_exceeded', runId, sandboxId, wallSeconds: limits.wallSeconds });
    void close();
  }, limits.wallSeconds * 1000);
  wallTimer.unref();

  let nextId = 0;
  const connected = channel;
  async function call<T extends ToolName>(tool: T, input: ToolCallInput<T>, callOptions: CallOptions = {}): Promise<ToolCallResult<T>> {
    const parsed = toolInputSchemas[tool].safeParse(input);
    if (!parsed.success) return toolFailure('invalid_input', parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; '));
    if (closing !== undefined || !connected.connected) return toolFailure('sandbox_unavailable', 'The sandbox is not running.');
    if (callOptions.signal?.aborted) return toolFailure('failed', 'The call was aborted.');
    const id = String(++nextId);
    const waitMs = callOptions.timeoutMs ?? callDeadlineMs(tool, parsed.data as { timeoutMs?: unknown });
    return new Promise((resolve) => {
      const settle = (result: ToolCallResult<T>) => {
        clearTimeout(timer);
        callOptions.signal?.removeEventListener('abort', onAbort);
        connected.forget(id);
        resolve(result);
      };
      const timer = setTimeout(() => settle(toolFailure('timeout', `No result within ${waitMs} ms.`)), waitMs);
      const onAbort = () => settle(toolFailure('failed', 'The call was aborted.'));
      callOptions.signal?.addEventListener('abort', onAbort, { once: true });
      void connected.send(id, tool, parsed.data as Record<string, unknown>).then((result) => {
        if (result === undefined) return settle(toolFailure('sandbox_unavailable', 'The sandbox stopped before answering.'));
        if (!result.ok) return settle({ ok: false, error: result.error });
        const output = toolOutputSchemas[tool].safeParse(result.output);
        settle(output.success ? ({ ok: true, output: output.data } as ToolCallResult<T>) : toolFailure('failed', 'The sandbox returned a malformed result.'));
      });
    });
  }

  return { runId, sandboxId, readyMs, call, close };
}

let runDirParent: Promise<string> | undefined;

/** /dev/shm (the tmpfs Linux systems mount for POSIX shared memory) when we may write there, else the OS temp dir. */
function defaultRunDirParent(): Promise<string> {
  return (runDirParent ??= access('/dev/shm', constants.W_OK | constants.X_OK).then(
    () => '/dev/shm',
    () => tmpdir(),
  ));
}

function untilReady(ready: Promise<void>, timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new SandboxError('not_ready')), timeoutMs);
    const onAbort = () => finish(new SandboxError('aborted'));
    const finish = (error?: Error) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    if (signal?.aborted) return finish(new SandboxError('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    ready.then(() => finish(), finish);
  });
}
