import { ConfigError, parseConfig, type ConfigEnv } from '@remit/core';

/** Reads the environment once; a bad value stops the process with exit code 2 and names the variable. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): ConfigEnv {
  try {
    return parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`remit: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
