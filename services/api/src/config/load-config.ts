import { ConfigError, parseConfig, type ConfigEnv } from '@remit/core';

/** Prints a configuration error the way every start-up failure of this kind is printed, one problem a line, and exits 2. */
export function exitOnConfigError(err: ConfigError): never {
  const problems = err.details?.problems ?? [];
  process.stderr.write(`remit: ${err.message}${problems.length ? `:\n${problems.map((p) => `  ${p}`).join('\n')}` : ''}\n`);
  process.exit(2);
}

/** Reads the environment once; a bad value stops the process with exit code 2 and names the variable. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): ConfigEnv {
  try {
    return parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) exitOnConfigError(err);
    throw err;
  }
}
