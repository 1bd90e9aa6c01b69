import { ConfigError, parseConfig } from '../config.ts';

/** The problems parseConfig reports for `env` (none when it parses): what configuration tests compare. */
export function configProblems(env: Record<string, string>): readonly string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.details?.problems ?? [];
    throw err;
  }
  return [];
}
