import { fileURLToPath } from 'node:url';

/** The agent's entry file, for the bundler in @remit/sandbox. Importing this module does not start an agent. */
export const agentEntryPath = fileURLToPath(new URL('./agent.ts', import.meta.url));

export { AGENT_VERSION } from './version.ts';
export { MAX_CALL_LINE_BYTES, MAX_RESULT_LINE_BYTES, LineTooLongError, createLineSplitter, readLines, writeLine } from './line-reader.ts';
