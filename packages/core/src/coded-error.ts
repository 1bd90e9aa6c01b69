/** What every error of ours may carry besides its code and message: both are for operators' logs, never for clients. */
export interface CodedErrorOptions<Details = Record<string, unknown>> {
  cause?: unknown;
  details?: Details;
}

/**
 * The one shape of every error class in Remit: a literal `code` callers switch on, a message
 * that is safe to show (each class keeps a default per code), and `cause`/`details` for
 * operators. Subclasses only name themselves and choose the default message.
 */
export abstract class CodedError<Code extends string, Details = Record<string, unknown>> extends Error {
  readonly code: Code;
  readonly details: Readonly<Details> | undefined;

  protected constructor(name: string, code: Code, message: string, options?: CodedErrorOptions<Details>) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = name;
    this.code = code;
    this.details = options?.details;
  }
}
