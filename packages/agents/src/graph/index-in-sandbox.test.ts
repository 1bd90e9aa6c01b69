import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SandboxSession } from '@remit/sandbox';
import { buildToolCatalog } from '../tool-catalog.ts';
import { GraphIndexError } from './graph-index-error.ts';
import { indexInSandbox, PREVIOUS_MAX_BYTES } from './index-in-sandbox.ts';

/** A sandbox whose agent answers `graph_index` with whatever the test (the attacker) chooses. */
function sandboxAnswering(answer: Awaited<ReturnType<SandboxSession['call']>>): Pick<SandboxSession, 'call'> {
  return { call: async () => answer as never };
}

const validSnapshot = {
  repository: 'acme/payments',
  commit: 'a'.repeat(40),
  files: [{ path: 'src/a.ts', language: 'typescript', size: 10, sha256: 'b'.repeat(64) }],
  symbols: [{ id: 'src/a.ts#', path: 'src/a.ts', name: 'a.ts', qualifiedName: '', kind: 'module', signature: '', exported: true, line: 1, endLine: 1 }],
  edges: [],
  facts: [],
  owners: [],
};
const answer = (snapshot: unknown) => sandboxAnswering({ ok: true, output: { snapshot: snapshot as Record<string, unknown>, parsedFiles: 1, durationMs: 1 } });

async function refusal(session: Pick<SandboxSession, 'call'>, repository = 'acme/payments'): Promise<GraphIndexError> {
  const error: unknown = await indexInSandbox(session, { repository }).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(GraphIndexError);
  return error as GraphIndexError;
}

describe('indexInSandbox refuses what a compromised sandbox sends', () => {
  it('accepts a well-formed snapshot of the repository asked for', async () => {
    expect(await indexInSandbox(answer(validSnapshot), { repository: 'acme/payments' })).toEqual({ snapshot: validSnapshot, parsedFiles: 1 });
  });

  it('never reports more parsed files than the graph holds, nor a count that is not one', async () => {
    const counting = (parsedFiles: number) =>
      sandboxAnswering({ ok: true, output: { snapshot: validSnapshot as Record<string, unknown>, parsedFiles, durationMs: 1 } });
    expect((await indexInSandbox(counting(1_000_000), { repository: 'acme/payments' })).parsedFiles).toBe(1);
    expect((await indexInSandbox(counting(-5), { repository: 'acme/payments' })).parsedFiles).toBe(0);
    expect((await indexInSandbox(counting(Number.NaN), { repository: 'acme/payments' })).parsedFiles).toBe(1);
  });

  it.each([
    ['a body smuggled in a signature', { ...validSnapshot, symbols: [{ ...validSnapshot.symbols[0], signature: 'function f() {\n  return secret;\n}' }] }],
    ['a signature over 400 characters', { ...validSnapshot, symbols: [{ ...validSnapshot.symbols[0], signature: 'x'.repeat(401) }] }],
    ['a path outside the repository', { ...validSnapshot, files: [{ ...validSnapshot.files[0], path: '../../etc/passwd' }] }],
    ['an absolute path', { ...validSnapshot, files: [{ ...validSnapshot.files[0], path: '/etc/passwd' }] }],
    ['a file’s contents in an extra field', { ...validSnapshot, files: [{ ...validSnapshot.files[0], content: 'export const key = 1;' }] }],
    ['an extra top-level field', { ...validSnapshot, source: 'everything' }],
    ['more files than the schema allows', { ...validSnapshot, files: Array.from({ length: 50_001 }, () => validSnapshot.files[0]) }],
    ['not an object', 'a string'],
  ])('refuses %s as snapshot_invalid', async (_name, snapshot) => {
    expect((await refusal(answer(snapshot))).code).toBe('snapshot_invalid');
  });

  it('refuses the graph of another repository', async () => {
    expect((await refusal(answer({ ...validSnapshot, repository: 'acme/other' }))).code).toBe('snapshot_invalid');
  });

  it('maps the agent refusing an oversized result, a timeout and any other failure to its own codes', async () => {
    const failing = (code: 'output_too_large' | 'timeout' | 'not_allowed' | 'sandbox_unavailable') =>
      sandboxAnswering({ ok: false, error: { code, message: 'from the sandbox' } });
    expect((await refusal(failing('output_too_large'))).code).toBe('snapshot_too_large');
    expect((await refusal(failing('timeout'))).code).toBe('index_timeout');
    const other = await refusal(failing('not_allowed'));
    expect(other.code).toBe('index_failed');
    expect(other.message).not.toContain('from the sandbox');
    expect((await refusal(failing('sandbox_unavailable'))).code).toBe('index_failed');
  });

  it('never throws anything but a GraphIndexError, whatever the snapshot holds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.anything(), fc.record({ repository: fc.constant('acme/payments'), commit: fc.string(), files: fc.array(fc.anything()) })),
        async (snapshot) => {
          await indexInSandbox(answer(snapshot), { repository: 'acme/payments' }).catch((err: unknown) => {
            if (!(err instanceof GraphIndexError)) throw err;
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('indexInSandbox sends the previous graph only when it fits the channel', () => {
  const sent = async (previous: typeof validSnapshot) => {
    const inputs: Record<string, unknown>[] = [];
    const session: Pick<SandboxSession, 'call'> = {
      call: async (_tool, input) => {
        inputs.push(input as Record<string, unknown>);
        return { ok: true, output: { snapshot: validSnapshot, parsedFiles: 0, durationMs: 1 } } as never;
      },
    };
    await indexInSandbox(session, { repository: 'acme/payments', previous: previous as never });
    return inputs[0]!.previous;
  };

  it('sends the stored graph of the repository', async () => {
    expect(await sent(validSnapshot)).toEqual(validSnapshot);
  });

  it('sends no graph of another repository', async () => {
    expect(await sent({ ...validSnapshot, repository: 'acme/other' })).toBeUndefined();
  });

  it('sends nothing, so the sandbox indexes in full, when the graph would not fit one channel line', async () => {
    const symbol = validSnapshot.symbols[0]!;
    const count = Math.ceil(PREVIOUS_MAX_BYTES / JSON.stringify({ ...symbol, signature: 'x'.repeat(400) }).length) + 1;
    const huge = { ...validSnapshot, symbols: Array.from({ length: count }, (_, i) => ({ ...symbol, id: `src/a.ts#s${i}`, signature: 'x'.repeat(400) })) };
    expect(await sent(huge)).toBeUndefined();
  });
});

describe("graph_index is the orchestrator's, never the model's", () => {
  it('is not offered to a run, even one whose role reaches a repository', () => {
    const catalog = buildToolCatalog([{ name: 'github', type: 'github', description: 'acme' }]);
    expect(catalog.offered.has('git_checkout')).toBe(true);
    expect(catalog.offered.has('graph_index')).toBe(false);
    expect(catalog.specs.map((spec) => spec.name)).not.toContain('graph_index');
  });
});
