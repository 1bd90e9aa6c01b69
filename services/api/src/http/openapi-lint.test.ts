import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BaseResolver, createConfig, lint } from '@redocly/openapi-core';
import { ErrorCode } from '@remit/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withTestApp } from '../testing/test-app.ts';

interface Operation {
  operationId?: string;
  security?: unknown[];
  responses: Record<string, { headers?: Record<string, unknown> }>;
}
interface Document {
  servers?: { url: string }[];
  security?: unknown[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, { properties?: Record<string, { enum?: string[] }> }> }> };
}

afterEach(() => vi.restoreAllMocks());

describe('the OpenAPI document', () => {
  it('passes Redocly’s recommended rules, offline', async () => {
    // The linter may fetch only for absolute-URL $refs; the document has none, and this proves it never tries.
    const fetchSpy = vi.spyOn(globalThis, 'fetch').mockRejectedValue(new Error('the linter must not reach the network'));
    const noNetwork = new BaseResolver({
      http: {
        headers: [],
        customFetch: () => {
          throw new Error('the linter must not reach the network');
        },
      },
    });
    await withTestApp(async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'remit-openapi-'));
      try {
        const file = join(dir, 'openapi.json');
        writeFileSync(file, await (await t.request('/openapi.json')).text());
        const config = await createConfig(
          {
            extends: ['recommended'],
            rules: {
              // Every tag an operation uses is declared, with a description (tag-description, in recommended).
              'operation-tag-defined': 'error',
              // Remit has not chosen a licence yet; naming one is its owners' decision, not the document's.
              'info-license': 'off',
              'info-license-strict': 'off',
            },
          },
          { externalRefResolver: noNetwork },
        );
        const problems = await lint({ ref: file, config, externalRefResolver: noNetwork });
        const shown = problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location.map((l) => l.pointer).join(', ')}`);
        expect(shown).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('names every operation, says which need no token, and types error codes, run events and challenge headers', async () => {
    await withTestApp(async (t) => {
      const doc = (await (await t.request('/openapi.json')).json()) as Document;
      const ops = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ name: `${method} ${path}`, op })));
      expect(new Set(ops.map((o) => o.op.operationId)).size).toBe(ops.length);
      expect(doc.servers).toEqual([{ url: '/', description: expect.any(String) }]);
      expect(doc.security).toEqual([{ bearer: [] }]);
      const open = ops.filter((o) => Array.isArray(o.op.security) && o.op.security.length === 0).map((o) => o.name);
      expect(open.sort()).toEqual(['get /healthz', 'get /readyz', 'get /v1/oauth/{connection}/callback', 'post /v1/webhooks/github']);
      for (const { name, op } of ops) {
        if (op.responses['401']) expect(op.responses['401'].headers, name).toHaveProperty('WWW-Authenticate');
        if (op.responses['429']) expect(op.responses['429'].headers, name).toHaveProperty('Retry-After');
      }
      expect(doc.paths['/v1/runs']!.post!.responses['202']!.headers).toHaveProperty('Location');
      expect(doc.components.schemas.Error?.properties?.error?.properties?.code?.enum).toEqual(Object.values(ErrorCode));
      expect(doc.components.schemas.RunEvent).toMatchObject({
        discriminator: { propertyName: 'type', mapping: { status: '#/components/schemas/RunEventStatus' } },
      });
    });
  });
});
