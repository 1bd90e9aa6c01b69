import { describe, expect, it } from 'vitest';
import { buildToolCatalog } from '../tool-catalog.ts';
import { runGraphQuery } from './graph-query-tool.ts';

describe('graph_query', () => {
  it('is offered only when the role reaches an indexed repository, with a plain-object input schema naming them', () => {
    expect(buildToolCatalog([]).offered.has('graph_query')).toBe(false);
    const catalog = buildToolCatalog([], { repositories: ['acme/payments'] });
    expect(catalog.offered.has('graph_query')).toBe(true);
    const spec = catalog.specs.find((s) => s.name === 'graph_query')!;
    expect(spec.description).toContain('acme/payments');
    expect(spec.inputSchema).toMatchObject({ type: 'object', required: ['query'] });
  });

  it('refuses malformed input as invalid_input before it opens a transaction', async () => {
    const tenant = () => Promise.reject(new Error('no transaction may open for bad input'));
    for (const input of [
      {},
      { query: 'drop_table' },
      { query: 'callers', repository: 'acme/payments' },
      { query: 'owners', repository: 'acme/payments', path: '../etc/passwd' },
      { query: 'find_symbol', name: 'a\nb' },
      { query: 'find_symbol', name: 'x', limit: 10_000 },
      { query: 'repositories', sql: 'select 1' },
    ]) {
      expect(await runGraphQuery(tenant, input), JSON.stringify(input)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    }
  });
});
