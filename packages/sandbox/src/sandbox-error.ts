import { CodedError, type CodedErrorOptions } from '@remit/core';
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
export class SandboxError extends CodedError<SandboxErrorCode> {
  constructor(code: SandboxErrorCode, message?: string, options?: CodedErrorOptions) {
    super('SandboxError', code, message ?? messages[code], options);
  }
}
