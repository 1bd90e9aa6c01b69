import { CodedError, type CodedErrorOptions } from './coded-error.ts';
/**
 * Every failure a client can see has one stable, snake_case code. The HTTP status for each
 * code lives in exactly one table (services/api/src/http/error-status.ts), typed as
 * Record<ErrorCode, number>, so adding a code here without a status fails the type-check.
 */
export const ErrorCode = {
  invalid_json: 'invalid_json',
  invalid_characters: 'invalid_characters',
  unsupported_media_type: 'unsupported_media_type',
  validation_failed: 'validation_failed',
  unknown_field: 'unknown_field',
  payload_too_large: 'payload_too_large',
  invalid_id: 'invalid_id',
  invalid_cursor: 'invalid_cursor',
  not_found: 'not_found',
  already_exists: 'already_exists',
  in_use: 'in_use',
  unknown_reference: 'unknown_reference',
  name_looks_like_id: 'name_looks_like_id',
  connection_verification_failed: 'connection_verification_failed',
  secret_required_for_new_destination: 'secret_required_for_new_destination',
  missing_token: 'missing_token',
  invalid_token: 'invalid_token',
  forbidden: 'forbidden',
  csrf_rejected: 'csrf_rejected',
  login_required: 'login_required',
  no_role: 'no_role',
  role_required: 'role_required',
  role_not_held: 'role_not_held',
  kind_not_allowed: 'kind_not_allowed',
  kind_not_available: 'kind_not_available',
  run_finished: 'run_finished',
  legal_hold_released: 'legal_hold_released',
  invalid_schedule: 'invalid_schedule',
  invalid_transition: 'invalid_transition',
  invalid_oauth_state: 'invalid_oauth_state',
  oauth_exchange_failed: 'oauth_exchange_failed',
  not_oauth_connection: 'not_oauth_connection',
  oauth_browser_mismatch: 'oauth_browser_mismatch',
  oauth_provider_refused: 'oauth_provider_refused',
  budget_exhausted: 'budget_exhausted',
  rate_limited: 'rate_limited',
  too_many_streams: 'too_many_streams',
  too_many_invalid_tokens: 'too_many_invalid_tokens',
  webhook_signature_invalid: 'webhook_signature_invalid',
  webhooks_not_configured: 'webhooks_not_configured',
  not_ready: 'not_ready',
  internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const defaultMessages: Record<ErrorCode, string> = {
  invalid_json: 'The request body is not valid JSON.',
  invalid_characters: 'The request contains a NUL character or broken Unicode, which cannot be stored.',
  unsupported_media_type: 'Send the request body as application/json.',
  validation_failed: 'The request does not match the expected shape.',
  unknown_field: 'The request has a field this endpoint does not accept.',
  payload_too_large: 'The request body is too large.',
  invalid_id: 'The id in the path is not valid.',
  invalid_cursor: 'The cursor is not one this list handed out; start again from the first page.',
  not_found: 'No such resource.',
  already_exists: 'A resource with that name already exists.',
  in_use: 'The resource is still referenced and cannot be deleted.',
  unknown_reference: 'The request refers to something that does not exist.',
  name_looks_like_id: 'Names cannot be shaped like an id (a UUID); choose another name.',
  connection_verification_failed: 'The connection did not pass its live check; nothing was saved.',
  secret_required_for_new_destination: 'This change would send the stored secret somewhere new; send the secret again with it. Nothing was saved.',
  missing_token: 'Send a bearer token in the Authorization header.',
  invalid_token: 'The bearer token is not valid.',
  forbidden: 'You are not allowed to do this.',
  csrf_rejected: 'This form was not sent from Remit’s own page in this session; reload the page and try again.',
  login_required: 'Sign in to the console first.',
  no_role: 'You hold no role; ask an admin to bind one to you or your group.',
  role_required: 'You hold several roles; say which one to use.',
  role_not_held: 'You do not hold that role.',
  kind_not_allowed: 'Your role does not allow this kind of run.',
  kind_not_available: 'This kind of run is not available in this release yet.',
  run_finished: 'The run has already finished.',
  legal_hold_released: 'The legal hold has already been released.',
  invalid_schedule: 'The schedule is not a cron expression Remit can run, or its time zone is unknown.',
  invalid_transition: 'The finding cannot move to that status from the one it is in.',
  invalid_oauth_state: 'The authorization link is invalid, used or expired; start again.',
  oauth_exchange_failed: 'The provider did not accept the authorization; start again.',
  not_oauth_connection: 'That connection does not use per-user authorization.',
  oauth_browser_mismatch: 'This browser did not start the authorization; start again and finish it in the same browser.',
  oauth_provider_refused: 'The provider did not authorize Remit; start again.',
  budget_exhausted: 'The monthly budget has no room for this.',
  rate_limited: 'Too many requests; slow down and retry after the time given.',
  too_many_streams: 'Too many open transcript streams; close one and retry after the time given.',
  too_many_invalid_tokens: 'Too many invalid tokens from this address; retry after the time given.',
  webhook_signature_invalid: 'The X-Hub-Signature-256 header is missing or does not match the body under the configured webhook secret.',
  webhooks_not_configured: 'This server accepts no GitHub webhooks: REMIT_GITHUB_WEBHOOK_SECRET is not set.',
  not_ready: 'The service is not ready.',
  internal: 'Internal error.',
};

/**
 * The one error base for Remit. `message` is shown to clients, so it must never carry a
 * secret or an internal detail; put diagnostics for operators in `cause` (logged, not sent).
 */
export class RemitError extends CodedError<ErrorCode> {
  constructor(code: ErrorCode, message?: string, options?: CodedErrorOptions) {
    super('RemitError', code, message ?? defaultMessages[code], options);
  }
}

export function isRemitError(err: unknown): err is RemitError {
  return err instanceof RemitError;
}
