import { z } from 'zod';

/**
 * The channel between the orchestrator and the sandbox agent: newline-delimited JSON over one
 * unix socket (locally) or TLS stream (ECS). The agent connects, proves itself once with its
 * bootstrap token, receives its run's credential bundle, then answers tool calls. Both ends
 * parse every message with these schemas; anything else closes the channel.
 */

/** `graph_index` is never offered to a model: the orchestrator calls it to index a checkout (see GraphIndexInput). */
export const ToolName = z.enum(['exec', 'http', 'read_file', 'git_checkout', 'graph_index']);
export type ToolName = z.infer<typeof ToolName>;

const relativePath = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => !p.split('/').includes('..'), 'must not contain ".."');

export const ExecInput = z
  .object({
    command: z.array(z.string().max(8192)).min(1).max(256).meta({ description: 'argv; no shell unless you call one' }),
    cwd: relativePath.optional().meta({ description: 'relative to the workdir' }),
    stdin: z.string().max(1_000_000).optional(),
    timeoutMs: z.int().min(100).max(600_000).default(30_000),
    maxOutputBytes: z.int().min(1024).max(10_000_000).default(65_536),
  })
  .strict();
export type ExecInput = z.infer<typeof ExecInput>;

export const ExecOutput = z.object({
  exitCode: z.int().nullable(),
  signal: z.string().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  truncated: z.boolean(),
  timedOut: z.boolean(),
  durationMs: z.number(),
});
export type ExecOutput = z.infer<typeof ExecOutput>;

export const HttpInput = z
  .object({
    connection: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/),
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
    path: z.string().startsWith('/').max(4096).default('/'),
    headers: z.record(z.string().max(256), z.string().max(8192)).default({}),
    body: z.string().max(1_000_000).optional(),
    timeoutMs: z.int().min(100).max(120_000).default(30_000),
    maxOutputBytes: z.int().min(1024).max(10_000_000).default(65_536),
  })
  .strict();
export type HttpInput = z.infer<typeof HttpInput>;

export const HttpOutput = z.object({
  status: z.int(),
  headers: z.record(z.string(), z.string()),
  body: z.string(),
  truncated: z.boolean(),
  durationMs: z.number(),
});
export type HttpOutput = z.infer<typeof HttpOutput>;

export const ReadFileInput = z
  .object({
    path: relativePath.meta({ description: 'relative to the workdir' }),
    maxBytes: z.int().min(1).max(10_000_000).default(65_536),
  })
  .strict();
export type ReadFileInput = z.infer<typeof ReadFileInput>;

export const ReadFileOutput = z.object({ content: z.string(), size: z.int(), truncated: z.boolean() });
export type ReadFileOutput = z.infer<typeof ReadFileOutput>;

export const GitCheckoutInput = z
  .object({
    connection: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,62}$/)
      .meta({ description: 'a github/http connection that hosts the repository' }),
    repository: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/)
      .meta({ example: 'acme/payments' }),
    ref: z
      .string()
      .regex(/^[\w./-]{1,255}$/)
      .default('HEAD'),
    dir: relativePath.default('repo'),
  })
  .strict();
export type GitCheckoutInput = z.infer<typeof GitCheckoutInput>;

export const GitCheckoutOutput = z.object({ dir: z.string(), commit: z.string(), durationMs: z.number() });
export type GitCheckoutOutput = z.infer<typeof GitCheckoutOutput>;

/**
 * Indexes a directory inside the sandbox (a checkout, or a path mounted for development) into a
 * knowledge-graph snapshot: the source never leaves the sandbox, only identifiers and signatures.
 */
export const GraphIndexInput = z
  .object({
    dir: relativePath.default('repo').meta({ description: 'relative to the workdir' }),
    repository: z
      .string()
      .min(1)
      .max(300)
      .regex(/^[^\r\n\0]+$/)
      .meta({ example: 'acme/payments' }),
    /** The commit the snapshot is for; default the checkout's HEAD, or `worktree` outside git. */
    commit: z
      .string()
      .regex(/^[\w.-]{1,64}$/)
      .optional(),
    timeoutMs: z.int().min(1000).max(600_000).default(300_000),
    /**
     * The repository's stored graph of an earlier commit, so unchanged files keep their records
     * unparsed; the sandbox checks it against the graph's schema (@remit/graph) and indexes in
     * full when it is not a snapshot of this repository.
     */
    previous: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type GraphIndexInput = z.infer<typeof GraphIndexInput>;

/** The snapshot is checked on arrival against the graph's own schema (@remit/graph), which core cannot import. */
export const GraphIndexOutput = z.object({ snapshot: z.record(z.string(), z.unknown()), parsedFiles: z.int().nonnegative(), durationMs: z.number() });
export type GraphIndexOutput = z.infer<typeof GraphIndexOutput>;

export const toolInputSchemas = {
  exec: ExecInput,
  http: HttpInput,
  read_file: ReadFileInput,
  git_checkout: GitCheckoutInput,
  graph_index: GraphIndexInput,
} as const satisfies Record<ToolName, z.ZodType>;
/** A tool's input once its schema has parsed it (defaults applied). */
export type ToolInput<T extends ToolName> = z.output<(typeof toolInputSchemas)[T]>;

/** What each tool answers; the orchestrator checks every result on arrival (the agent runs next to untrusted code). */
export const toolOutputSchemas = {
  exec: ExecOutput,
  http: HttpOutput,
  read_file: ReadFileOutput,
  git_checkout: GitCheckoutOutput,
  graph_index: GraphIndexOutput,
} as const satisfies Record<ToolName, z.ZodType>;

/** Credentials a tool inside the sandbox must hold itself (git tokens, STS keys); never http secrets. */
export const CredentialBundle = z
  .object({
    runId: z.uuid(),
    connections: z.array(z.object({ name: z.string(), type: z.string() }).strict()),
    secrets: z.array(
      z
        .object({
          connection: z.string(),
          kind: z.enum(['git_token', 'aws_session']),
          values: z.record(z.string(), z.string()),
        })
        .strict(),
    ),
  })
  .strict();
export type CredentialBundle = z.infer<typeof CredentialBundle>;

export const ToolErrorCode = z.enum(['invalid_input', 'not_allowed', 'timeout', 'output_too_large', 'not_found', 'failed', 'sandbox_unavailable']);
export type ToolErrorCode = z.infer<typeof ToolErrorCode>;

// A plain union: the two `result` variants share a discriminator value, which z.discriminatedUnion rejects at the first parse.
export const AgentMessage = z.union([
  z.object({ type: z.literal('hello'), token: z.string().min(16).max(256), agentVersion: z.string().max(64) }).strict(),
  z
    .object({
      type: z.literal('result'),
      id: z.string().max(64),
      ok: z.literal(true),
      output: z.record(z.string(), z.unknown()),
    })
    .strict(),
  z
    .object({
      type: z.literal('result'),
      id: z.string().max(64),
      ok: z.literal(false),
      error: z.object({ code: ToolErrorCode, message: z.string().max(4096) }).strict(),
    })
    .strict(),
]);
export type AgentMessage = z.infer<typeof AgentMessage>;

export const OrchestratorMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('welcome'), bundle: CredentialBundle }).strict(),
  z.object({ type: z.literal('refused'), reason: z.string().max(256) }).strict(),
  z.object({ type: z.literal('call'), id: z.string().max(64), tool: ToolName, input: z.record(z.string(), z.unknown()) }).strict(),
  z.object({ type: z.literal('shutdown') }).strict(),
]);
export type OrchestratorMessage = z.infer<typeof OrchestratorMessage>;
