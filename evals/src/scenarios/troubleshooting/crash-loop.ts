import type { Scenario } from '../../scenario.ts';
import { answer, http, turn } from '../script-steps.ts';

/** The image worker crash-loops on start: a native module is missing from the new image. */
export const crashLoop: Scenario = {
  name: 'crash-loop',
  category: 'troubleshooting',
  fault: "image-worker restarts 37 times: Cannot find module 'sharp' after a base-image change",
  question: 'Thumbnails stopped being generated. Why?',
  connections: [
    {
      name: 'crash-cluster-api',
      description: 'cluster read API: /pods, /pods/:name/logs',
      routes: () => ({
        '/pods': () => ({ json: { pods: [{ name: 'image-worker-7d9f', status: 'CrashLoopBackOff', restarts: 37, image: 'image-worker:2026.11.30-alpine' }] } }),
        '/pods/image-worker-7d9f/logs': () => ({
          text: "node:internal/modules/cjs/loader:1228\n  throw err;\nError: Cannot find module 'sharp'\nRequire stack:\n- /app/dist/thumbnail.js\nprocess exited with code 1\n",
        }),
      }),
    },
    { name: 'crash-cluster-admin', description: 'cluster write API', routes: () => ({ 'POST /rollout/undo': () => ({ status: 202, json: {} }) }) },
  ],
  roles: [
    { name: 'crash-developer', connections: ['crash-cluster-api'] },
    { name: 'crash-sre', connections: ['crash-cluster-api', 'crash-cluster-admin'] },
  ],
  runAs: 'crash-developer',
  facts: [
    { name: 'crash loop', pattern: /crash ?loop|restart/i },
    { name: 'the missing module', pattern: /sharp/ },
    { name: 'how many restarts', pattern: /\b37\b/ },
  ],
  scope: { unreachable: ['crash-cluster-admin'], denials: [{ kind: 'tool', tool: 'http', connection: 'crash-cluster-admin' }] },
  script: [
    turn('Listing the pods.', http('crash-cluster-api', '/pods')),
    turn('image-worker is in CrashLoopBackOff. Reading its logs.', http('crash-cluster-api', '/pods/image-worker-7d9f/logs')),
    turn('Undoing the rollout would restore thumbnails.', http('crash-cluster-admin', '/rollout/undo', 'POST')),
    answer(
      'image-worker-7d9f is in CrashLoopBackOff with 37 restarts: it exits on start with "Error: Cannot find module \'sharp\'".',
      'The new image image-worker:2026.11.30-alpine lacks the native sharp build. Rebuild with sharp for musl, or undo the rollout (the crash-sre role can; I cannot).',
    ),
  ],
};
