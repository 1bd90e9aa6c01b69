import type { FileRecord } from './extract-file.ts';
import type { GraphEdge } from './graph-schema.ts';
import type { LanguageSpec } from './languages/index.ts';
import { exactLine } from './one-line.ts';

/** What resolution may look at: every indexed path, and each file's qualified names. */
export interface RepositoryIndex {
  files: ReadonlySet<string>;
  qualifiedNames: ReadonlyMap<string, ReadonlySet<string>>;
}

const TARGET_MAX = 1400;

/**
 * A file's edges from its own record and the repository around it. What a file's edges depend
 * on is its own text plus the symbols of the modules it imports; index-repository.ts relies on
 * that to know which unchanged files need linking again.
 */
export function linkEdges(spec: LanguageSpec, path: string, record: FileRecord, repository: RepositoryIndex): GraphEdge[] {
  const moduleId = `${path}#`;
  const own = repository.qualifiedNames.get(path) ?? new Set<string>();
  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  const add = (edge: GraphEdge) => {
    const key = `${edge.kind}\0${edge.from}\0${edge.to}`;
    if (seen.has(key)) return;
    seen.add(key);
    edges.push(edge);
  };

  const bindings = new Map<string, { module: string; imported: string }>();
  const namespaces = new Map<string, string>();
  for (const found of record.imports) {
    const target = spec.adapter.resolveModule(path, found.specifier, repository.files);
    const to = target === undefined ? exactLine(found.specifier, TARGET_MAX) : `${target}#`;
    if (to === undefined) continue;
    add({ kind: 'imports', path, from: moduleId, to, resolved: target !== undefined, line: found.line });
    if (target === undefined) continue;
    for (const binding of found.bindings) bindings.set(binding.local, { module: target, imported: binding.imported });
    if (found.namespace !== undefined) namespaces.set(found.namespace, target);
  }

  const defined = (module: string, qualifiedName: string) => repository.qualifiedNames.get(module)?.has(qualifiedName) === true;
  const resolve = (name: string, selfClass: string | undefined): string | undefined => {
    const dot = name.indexOf('.');
    if (dot !== -1 && selfClass !== undefined && spec.adapter.selfNames.includes(name.slice(0, dot))) {
      const member = `${selfClass}.${name.slice(dot + 1)}`;
      return own.has(member) ? `${path}#${member}` : undefined;
    }
    if (own.has(name)) return `${path}#${name}`;
    const head = dot === -1 ? name : name.slice(0, dot);
    const binding = bindings.get(head);
    if (binding !== undefined) {
      const qualified = dot === -1 ? binding.imported : `${binding.imported}${name.slice(dot)}`;
      return defined(binding.module, qualified) ? `${binding.module}#${qualified}` : undefined;
    }
    // The longest namespace prefix: `import a.b` then `a.b.run()`.
    for (let cut = name.lastIndexOf('.'); cut > 0; cut = name.lastIndexOf('.', cut - 1)) {
      const module = namespaces.get(name.slice(0, cut));
      if (module !== undefined) return defined(module, name.slice(cut + 1)) ? `${module}#${name.slice(cut + 1)}` : undefined;
    }
    return undefined;
  };

  for (const call of record.calls) {
    const target = resolve(call.callee, call.selfClass);
    add({ kind: 'calls', path, from: call.from, to: target ?? call.callee, resolved: target !== undefined, line: call.line });
  }
  for (const base of record.heritage) {
    const target = resolve(base.name, undefined);
    add({ kind: base.kind, path, from: base.from, to: target ?? base.name, resolved: target !== undefined, line: base.line });
  }
  return edges;
}
