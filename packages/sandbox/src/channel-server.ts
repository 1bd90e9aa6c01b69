import { createServer, type Server, type Socket } from 'node:net';
import { AgentMessage, type CredentialBundle, type OrchestratorMessage, type ToolName } from '@remit/core';
import { MAX_RESULT_LINE_BYTES, readLines, writeLine } from '@remit/core/channel-framing';
import type { BootstrapGate, BootstrapRefusal } from './bootstrap-gate.ts';
import { SandboxError } from './sandbox-error.ts';

type AgentResult = Extract<AgentMessage, { type: 'result' }>;

interface ChannelServerOptions {
  socketPath: string;
  gate: BootstrapGate;
  bundle: CredentialBundle;
  onRefused: (reason: BootstrapRefusal) => void;
  onDisconnected: () => void;
}

/** A hello must arrive this soon after connecting; only sandbox processes can connect at all. */
const HELLO_TIMEOUT_MS = 5000;
/** A hello is a token and a version; nothing before authentication may make us buffer more. */
const MAX_HELLO_BYTES = 4096;
/** How long a shut-down agent may keep its side of the channel open. */
const SHUTDOWN_GRACE_MS = 1000;
/** Unauthenticated connections held at once: a process in the sandbox cannot exhaust our descriptors. */
const MAX_PENDING_CONNECTIONS = 4;

/**
 * The orchestrator's end of the channel socket. The first connection whose `hello` passes the
 * gate becomes the agent and receives `welcome`; every other hello is answered `refused`.
 * A refusal before the agent is in fails `ready`: until then the agent is the sandbox's only
 * process, so a bad token there means the agent itself was not given the right one.
 */
export class ChannelServer {
  readonly ready: Promise<void>;
  private agent: Socket | undefined;
  private pending = new Set<Socket>();
  private readonly results = new Map<string, (result: AgentResult | undefined) => void>();
  private settleReady!: (error?: SandboxError) => void;

  private constructor(
    private readonly server: Server,
    private readonly options: ChannelServerOptions,
  ) {
    this.ready = new Promise((resolve, reject) => {
      this.settleReady = (error) => (error === undefined ? resolve() : reject(error));
    });
    this.ready.catch(() => undefined); // awaited by the session; this only keeps an early refusal from being unhandled
    server.on('connection', (socket) => this.accept(socket));
  }

  static async listen(options: ChannelServerOptions): Promise<ChannelServer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.socketPath, () => resolve());
    });
    return new ChannelServer(server, options);
  }

  get connected(): boolean {
    return this.agent !== undefined && !this.agent.destroyed;
  }

  /** Sends a call; resolves with the agent's result, or undefined if the channel closes first. */
  send(id: string, tool: ToolName, input: Record<string, unknown>): Promise<AgentResult | undefined> {
    const agent = this.agent;
    if (agent === undefined || !writeLine(agent, { type: 'call', id, tool, input } satisfies OrchestratorMessage)) return Promise.resolve(undefined);
    return new Promise((resolve) => this.results.set(id, resolve));
  }

  /** Stops waiting for a call's result (timeout or abort); a late result is dropped. */
  forget(id: string): void {
    this.results.delete(id);
  }

  /**
   * Sends `shutdown` and ends the agent's connection (the agent closes its side and exits),
   * drops unauthenticated connections, and resolves once the socket is closed. An agent that
   * keeps its side open is cut off after SHUTDOWN_GRACE_MS.
   */
  async close(): Promise<void> {
    this.settleReady(new SandboxError('aborted'));
    const agent = this.agent;
    if (agent !== undefined) {
      writeLine(agent, { type: 'shutdown' } satisfies OrchestratorMessage);
      agent.end();
      setTimeout(() => agent.destroy(), SHUTDOWN_GRACE_MS).unref();
    }
    for (const socket of this.pending) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    if (this.pending.size >= MAX_PENDING_CONNECTIONS) {
      socket.destroy();
      return;
    }
    this.pending.add(socket);
    const timer = setTimeout(() => socket.destroy(), HELLO_TIMEOUT_MS);
    socket.on('error', () => undefined); // 'close' follows, and the session learns of it there
    socket.once('close', () => {
      clearTimeout(timer);
      this.pending.delete(socket);
    });
    let greeted = false;
    readLines(socket, MAX_HELLO_BYTES, (line) => {
      if (greeted) return socket.destroy(); // nothing may follow a hello before our answer
      greeted = true;
      clearTimeout(timer);
      // A gate that fails (the database is down) refuses like a bad token: nothing a sandbox
      // sends may leave a rejection unhandled, which would end the whole process.
      this.greet(socket, line).catch(() => this.refuse(socket, 'malformed'));
    });
  }

  private async greet(socket: Socket, line: string): Promise<void> {
    const hello = parseAgentMessage(line);
    const decision = hello?.type === 'hello' ? await this.options.gate.check(hello.token) : ({ ok: false, reason: 'malformed' } as const);
    if (!decision.ok || this.agent !== undefined || socket.destroyed) return this.refuse(socket, decision.ok ? 'token_used' : decision.reason);
    this.pending.delete(socket);
    this.agent = socket;
    socket.removeAllListeners('data');
    socket.once('close', () => this.disconnected());
    readLines(socket, MAX_RESULT_LINE_BYTES, (next) => this.receive(socket, next));
    writeLine(socket, { type: 'welcome', bundle: this.options.bundle } satisfies OrchestratorMessage);
    this.settleReady();
  }

  private refuse(socket: Socket, reason: BootstrapRefusal): void {
    writeLine(socket, { type: 'refused', reason: 'bootstrap token refused' } satisfies OrchestratorMessage);
    socket.end();
    this.options.onRefused(reason);
    this.settleReady(new SandboxError('bootstrap_refused'));
  }

  private receive(socket: Socket, line: string): void {
    const message = parseAgentMessage(line);
    if (message?.type !== 'result') {
      socket.destroy(); // the protocol: anything else closes the channel
      return;
    }
    const resolve = this.results.get(message.id);
    this.results.delete(message.id);
    resolve?.(message);
  }

  private disconnected(): void {
    for (const resolve of this.results.values()) resolve(undefined);
    this.results.clear();
    this.options.onDisconnected();
  }
}

function parseAgentMessage(line: string): AgentMessage | undefined {
  try {
    const parsed = AgentMessage.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // not JSON: treated like a message that fails the schema
  }
}
