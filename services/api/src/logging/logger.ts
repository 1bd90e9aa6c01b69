import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Field names whose values are never written, wherever they appear (two levels deep covers
 * our log shapes: `{ headers: { authorization } }`, `{ connection: { secret } }`).
 */
const REDACTED_KEYS = [
  'authorization',
  'cookie',
  'password',
  'secret',
  'secretValue',
  'token',
  'accessToken',
  'refreshToken',
  'bootstrapToken',
  'apiKey',
  'privateKey',
  'clientSecret',
  'masterKey',
] as const;

const redactPaths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'remit' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}

export type { Logger };
