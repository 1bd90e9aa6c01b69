import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The agent's sources, for the bundler in @remit/sandbox. Importing this module starts nothing. */
export const agentSources = {
  /** The agent itself, exporting startAgent and warmUp; bundled as agent.js. */
  agent: fileURLToPath(new URL('./agent.ts', import.meta.url)),
  /** Its loader, bundled as start.cjs: the file node runs. */
  loader: fileURLToPath(new URL('./agent-loader.ts', import.meta.url)),
  /** The ECS task's entry point (tunnel-main.ts): the TLS tunnel to the sandbox gateway, which starts the agent. */
  tunnel: fileURLToPath(new URL('./tunnel-main.ts', import.meta.url)),
  /** The knowledge-graph indexer that `graph_index` loads, bundled as graph-indexer.cjs beside agent.js. */
  graphIndexer: createRequire(import.meta.url).resolve('@remit/graph/bundled-indexer'),
} as const;
/** The .wasm files graph-indexer.cjs loads from its own directory. */
export { installedWasmFiles as graphWasmFiles } from '@remit/graph/wasm-files';
export { FINGERPRINT_PATTERN, MAX_CONTROL_LINE_BYTES, TICKET_HEADER, TICKET_PATTERN, TUNNEL_ENV, TUNNEL_PATHS, type ClaimMessage } from './tunnel-protocol.ts';
