import { ExecInput, GitCheckoutInput, HttpInput, ReadFileInput, type ConnectionType, type ToolName } from '@remit/core';
import type { ToolSpec } from '@remit/models';
import { z } from 'zod';
import { connectionType } from './connections/types/index.ts';
import { GRAPH_QUERY, GraphQueryInput, type GraphReach } from './graph/graph-query-tool.ts';

export interface RunConnection {
  name: string;
  type: ConnectionType;
  description: string;
}

/** A tool the model may be offered: the sandbox's, or graph_query, which the orchestrator answers from the graph store. */
export type CatalogTool = ToolName | typeof GRAPH_QUERY;

export interface ToolCatalog {
  specs: ToolSpec[];
  offered: ReadonlySet<CatalogTool>;
  /** Connections the model may name, per tool. */
  connectionsFor: Readonly<Partial<Record<CatalogTool, ReadonlySet<string>>>>;
}

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;

/** The role's connections whose type offers `tool` (connections/types/). */
const offering = (connections: readonly RunConnection[], tool: ToolName) => connections.filter((c) => connectionType(c.type).tools.includes(tool));

/**
 * The tools the model is offered for a run, derived from the role's connections: everyone gets
 * `exec` and `read_file` inside their own sandbox; `http` and `git_checkout` name only the
 * connections whose type offers them (HTTP-reachable ones; GitHub). A connection outside the
 * role is not even in the schema, and the loop refuses it again if the model names it anyway.
 * `graph_query` is offered only when the role reaches at least one indexed repository.
 */
export function buildToolCatalog(connections: readonly RunConnection[], graph: GraphReach = { repositories: [] }): ToolCatalog {
  const specs: ToolSpec[] = [
    {
      name: 'exec',
      description: 'Run a command (argv, no shell unless you call one) in your sandbox workdir. No network; output is capped.',
      inputSchema: jsonSchema(ExecInput),
    },
    { name: 'read_file', description: 'Read a file from your sandbox workdir.', inputSchema: jsonSchema(ReadFileInput) },
  ];
  const offered = new Set<CatalogTool>(['exec', 'read_file']);
  const connectionsFor: Partial<Record<ToolName, ReadonlySet<string>>> = {};

  const httpTargets = offering(connections, 'http');
  if (httpTargets.length) {
    const names = httpTargets.map((c) => c.name) as [string, ...string[]];
    specs.push({
      name: 'http',
      description: `Send an HTTP request to one of your connections; credentials are added for you. Connections: ${httpTargets
        .map((c) => `${c.name}${c.description ? ` (${c.description})` : ''}`)
        .join('; ')}.`,
      inputSchema: jsonSchema(HttpInput.extend({ connection: z.enum(names) })),
    });
    offered.add('http');
    connectionsFor.http = new Set(names);
  }
  const repos = offering(connections, 'git_checkout');
  if (repos.length) {
    const names = repos.map((c) => c.name) as [string, ...string[]];
    specs.push({
      name: 'git_checkout',
      description: 'Clone a repository from one of your GitHub connections into the workdir.',
      inputSchema: jsonSchema(GitCheckoutInput.extend({ connection: z.enum(names) })),
    });
    offered.add('git_checkout');
    connectionsFor.git_checkout = new Set(names);
  }
  if (graph.repositories.length) {
    specs.push({
      name: GRAPH_QUERY,
      description: `Query the knowledge graph of your repositories (symbols and signatures, calls, imports, routes, clients, queues, owners; never source). Repositories: ${graph.repositories.join(', ')}.`,
      inputSchema: jsonSchema(GraphQueryInput),
    });
    offered.add(GRAPH_QUERY);
  }
  return { specs, offered, connectionsFor };
}
