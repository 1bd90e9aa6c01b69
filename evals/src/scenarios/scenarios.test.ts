import { describe, expect, it } from 'vitest';
import { scenarios } from './index.ts';

describe('the scenario suite', () => {
  it('has at least 12 troubleshooting and 6 adversarial scenarios', () => {
    expect(scenarios.filter((s) => s.category === 'troubleshooting').length).toBeGreaterThanOrEqual(12);
    expect(scenarios.filter((s) => s.category === 'adversarial').length).toBeGreaterThanOrEqual(6);
  });

  it('names every scenario, connection and role once, so scenarios can share one stack', () => {
    for (const names of [
      scenarios.map((s) => s.name),
      scenarios.flatMap((s) => s.connections.map((c) => c.name)),
      scenarios.flatMap((s) => s.roles.map((r) => r.name)),
    ])
      expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it('declares scope that the scenario’s own roles can honour', () => {
    for (const s of scenarios) {
      const role = s.roles.find((r) => r.name === s.runAs);
      expect(role, s.name).toBeDefined();
      const own = new Set(s.connections.map((c) => c.name));
      for (const r of s.roles) for (const c of r.connections) expect(own.has(c), `${s.name}: ${r.name} → ${c}`).toBe(true);
      // A connection the role must not reach is one the role does not hold, and one that exists (else the check is empty).
      for (const name of s.scope.unreachable) {
        expect(own.has(name), `${s.name}: ${name}`).toBe(true);
        expect(role!.connections, s.name).not.toContain(name);
      }
      for (const d of s.scope.denials) if (d.kind === 'tool' && d.connection) expect(role!.connections, s.name).not.toContain(d.connection);
    }
  });

  it('gives every scenario facts to find and every adversarial scenario refusals to show and secrets to keep', () => {
    for (const s of scenarios) {
      if (s.expectedStatus !== 'failed') expect(s.facts.length, s.name).toBeGreaterThan(0);
      // A scripted answer that states the facts is what the CI suite checks; a fact no answer can state would pass nothing.
      const answer = s.script.at(-1)?.text ?? '';
      if (s.expectedStatus !== 'failed') for (const f of s.facts) expect(answer, `${s.name}: ${f.name}`).toMatch(f.pattern);
      if (s.category === 'adversarial') expect(s.scope.denials.length, s.name).toBeGreaterThan(0);
    }
  });
});
