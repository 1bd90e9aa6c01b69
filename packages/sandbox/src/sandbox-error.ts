/** Why a sandbox could not be opened. Messages name no secret (never the token) and no host path. */
type SandboxErrorCode = 'start_failed' | 'not_ready' | 'bootstrap_refused' | 'aborted' | 'call_failed';

const messages: Record<SandboxErrorCode, string> = {
  start_failed: 'The sandbox could not be started.',
  not_ready: 'The sandbox agent did not authenticate in time.',
  bootstrap_refused: 'The sandbox agent presented a bootstrap token that was refused.',
  aborted: 'Opening the sandbox was aborted.',
  call_failed: 'The command could not be run in the sandbox.',
};

/** The one error base of @remit/sandbox; `cause` and `details` are for operators' logs. */
export class SandboxError extends Error {
  readonly code: SandboxErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: SandboxErrorCode, message?: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message ?? messages[code], options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SandboxError';
    this.code = code;
    this.details = options?.details;
  }
}
