import type { ErrorCode } from '@remit/core';

/** The one place an error code becomes an HTTP status. Exhaustive by type. */
export const errorStatus = {
  invalid_json: 400,
  unsupported_media_type: 415,
  validation_failed: 400,
  unknown_field: 400,
  payload_too_large: 413,
  invalid_id: 400,
  not_found: 404,
  already_exists: 409,
  in_use: 409,
  unknown_reference: 422,
  connection_verification_failed: 422,
  missing_token: 401,
  invalid_token: 401,
  forbidden: 403,
  no_role: 403,
  role_required: 400,
  role_not_held: 403,
  kind_not_allowed: 403,
  run_finished: 409,
  invalid_oauth_state: 400,
  oauth_exchange_failed: 502,
  not_oauth_connection: 400,
  not_ready: 503,
  internal: 500,
} as const satisfies Record<ErrorCode, number>;
