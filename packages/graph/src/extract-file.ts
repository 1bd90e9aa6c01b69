import type { Node, QueryCapture } from 'web-tree-sitter';
import type { LoadedLanguage } from './grammars.ts';
import type { GraphSymbol, ServiceFact, SymbolKind } from './graph-schema.ts';
import type { RawImport } from './languages/index.ts';
import { exactLine, oneLine } from './one-line.ts';
import { callFacts, mayStateFact, QUEUE_KEYS, queueName } from './service-facts.ts';

/** A call as written, from the symbol it sits in; resolved against the repository later (link-edges.ts). */
export interface RawCall {
  from: string;
  callee: string;
  line: number;
  /** The qualified name of the class around the call, for `this.x()` / `self.x()`. */
  selfClass?: string;
}

export interface RawHeritage {
  from: string;
  kind: 'extends' | 'implements';
  name: string;
  line: number;
}

/** What one file yields on its own, before cross-file resolution. */
export interface FileRecord {
  symbols: GraphSymbol[];
  facts: ServiceFact[];
  imports: RawImport[];
  calls: RawCall[];
  heritage: RawHeritage[];
}

export const SIGNATURE_MAX = 400;
const DOC_MAX = 240;
const NAME_MAX = 200;
const QUALIFIED_MAX = 400;
/** A callee as written: dotted identifiers (`a.b.c`, `this.x`, `#priv`). */
const DOTTED = /^[\p{L}_$#][\p{L}\p{N}_$]*(?:\.[\p{L}_$#][\p{L}\p{N}_$]*)*$/u;

interface Definition {
  node: Node;
  kind: SymbolKind;
  name: string;
  body?: Node;
  value?: Node;
  receiver?: Node;
  parent?: Definition;
  qualifiedName: string;
  exported: boolean;
  id: string;
}

/** Parses one file and reads its symbols, facts, imports, calls and bases; a parse over `deadline` (performance.now) yields the module alone. */
export function extractFile(loaded: LoadedLanguage, path: string, source: string, deadline: number): FileRecord {
  const moduleId = `${path}#`;
  const record: FileRecord = {
    symbols: [
      {
        id: moduleId,
        path,
        name: exactLine(path.slice(path.lastIndexOf('/') + 1), NAME_MAX) ?? 'module',
        qualifiedName: '',
        kind: 'module',
        signature: '',
        exported: true,
        line: 1,
        endLine: lineCount(source),
      },
    ],
    facts: [],
    imports: [],
    calls: [],
    heritage: [],
  };
  const tree = loaded.parser.parse(source, null, { progressCallback: () => performance.now() > deadline });
  if (tree === null) return record;
  try {
    const { spec } = loaded;
    const { adapter } = spec;
    const definitions: Definition[] = [];
    const callees: Node[] = [];
    const heritage: { node: Node; kind: 'extends' | 'implements' }[] = [];
    const exportNames = new Set<string>();

    const timeoutMicros = Math.max(1000, Math.floor((deadline - performance.now()) * 1000));
    for (const match of loaded.query.matches(tree.rootNode, { timeoutMicros })) {
      const captures = match.captures;
      const main = captures.find(isMainCapture);
      if (main === undefined) continue;
      const get = (name: string) => captures.find((c) => c.name === name)?.node;
      if (main.name.startsWith('definition.')) {
        const nameNode = get('name');
        const name = nameNode ? exactLine(nameNode.text, NAME_MAX) : undefined;
        if (name === undefined) continue;
        let kind = main.name.slice('definition.'.length) as SymbolKind | 'variable';
        let body = get('body');
        const value = get('value');
        if (kind === 'variable') {
          const variable = adapter.classifyVariable(main.node, name, value);
          if (variable === undefined) continue;
          kind = variable.kind;
          body = variable.body;
        }
        definitions.push({ node: main.node, kind, name, body, value, receiver: get('receiver'), qualifiedName: '', exported: false, id: '' });
      } else if (main.name === 'callee') {
        callees.push(main.node);
      } else if (main.name === 'import') {
        record.imports.push(...adapter.imports(main.node));
      } else if (main.name === 'extends' || main.name === 'implements') {
        heritage.push({ node: main.node, kind: main.name });
      } else if (main.name === 'export.name') {
        exportNames.add(main.node.text);
      } else if (main.name === 'setting.key') {
        const valueNode = get('setting.value');
        const text = valueNode ? adapter.stringValue(valueNode) : undefined;
        const target = text !== undefined && QUEUE_KEYS.has(main.node.text) ? queueName(text) : undefined;
        if (target !== undefined) record.facts.push({ kind: 'queue', path, line: main.node.startPosition.row + 1, target });
      }
    }

    const symbols = nestDefinitions(definitions);
    const seen = new Set<string>([moduleId]);
    const kept: Definition[] = [];
    for (const definition of symbols) {
      const parent = definition.parent;
      if (definition.kind === 'function' && parent?.kind === 'class') definition.kind = 'method';
      const qualifier = parent?.qualifiedName ?? (definition.receiver ? adapter.receiverName?.(definition.receiver) : undefined);
      definition.qualifiedName = qualifier ? `${qualifier}.${definition.name}` : definition.name;
      definition.id = `${path}#${definition.qualifiedName}`;
      const isMember = parent?.kind === 'class' || parent?.kind === 'interface';
      definition.exported =
        parent !== undefined && !isMember
          ? false
          : adapter.exported(definition.node, definition.name, definition.kind, isMember ? parent.exported : undefined) ||
            (parent === undefined && exportNames.has(definition.name));
      if (definition.qualifiedName.length > QUALIFIED_MAX || seen.has(definition.id)) continue;
      seen.add(definition.id);
      kept.push(definition);
      const doc = adapter.doc(definition.node, definition.body);
      record.symbols.push({
        id: definition.id,
        path,
        name: definition.name,
        qualifiedName: definition.qualifiedName,
        kind: definition.kind,
        signature: signatureOf(loaded, source, definition),
        exported: definition.exported,
        line: definition.node.startPosition.row + 1,
        endLine: definition.node.endPosition.row + 1,
        ...(doc ? { doc: oneLine(doc, DOC_MAX) } : {}),
      });
    }

    const enclosing = enclosingLookup(kept);
    for (const calleeNode of callees) {
      const callee = calleeText(calleeNode);
      if (callee === undefined) continue;
      const line = calleeNode.startPosition.row + 1;
      if (callee === 'require' || callee === 'import') {
        const first = calleeNode.parent?.childForFieldName('arguments')?.namedChildren[0];
        const specifier = first ? adapter.stringValue(first) : undefined;
        if (specifier !== undefined) record.imports.push({ specifier, line, bindings: [] });
        continue;
      }
      const at = enclosing(calleeNode.startIndex);
      const selfClass = classOf(at);
      record.calls.push({ from: at?.id ?? moduleId, callee, line, ...(selfClass ? { selfClass } : {}) });
      if (!mayStateFact(callee)) continue;
      const call = calleeNode.parent!;
      const decorator = decoratorAround(call);
      for (const fact of callFacts(adapter, callee, call.childForFieldName('arguments') ?? undefined, decorator !== undefined)) {
        const owner = decorator ? kept.find((d) => d.node.startIndex >= decorator.endIndex) : at;
        record.facts.push({ ...fact, path, line, ...(owner ? { symbol: owner.id } : {}) });
      }
    }
    for (const base of heritage) {
      const name = calleeText(base.node);
      const at = enclosing(base.node.startIndex);
      if (name !== undefined && at !== undefined) record.heritage.push({ from: at.id, kind: base.kind, name, line: base.node.startPosition.row + 1 });
    }
    return record;
  } finally {
    tree.delete();
  }
}

function lineCount(source: string): number {
  let lines = 1;
  for (let at = source.indexOf('\n'); at !== -1; at = source.indexOf('\n', at + 1)) lines++;
  return lines;
}

const MAIN_CAPTURES = new Set(['callee', 'import', 'extends', 'implements', 'export.name', 'setting.key']);
const isMainCapture = (capture: QueryCapture) => capture.name.startsWith('definition.') || MAIN_CAPTURES.has(capture.name);

/** Sorts definitions by position and links each to the one around it. */
function nestDefinitions(definitions: Definition[]): Definition[] {
  definitions.sort((a, b) => a.node.startIndex - b.node.startIndex || b.node.endIndex - a.node.endIndex);
  const open: Definition[] = [];
  for (const definition of definitions) {
    while (open.length > 0 && open[open.length - 1]!.node.endIndex <= definition.node.startIndex) open.pop();
    definition.parent = open[open.length - 1];
    open.push(definition);
  }
  return definitions;
}

/** The innermost kept definition around an offset (definitions sorted by start). */
function enclosingLookup(definitions: Definition[]): (offset: number) => Definition | undefined {
  return (offset) => {
    let low = 0;
    let high = definitions.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (definitions[mid]!.node.startIndex <= offset) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    let candidate = found === -1 ? undefined : definitions[found];
    while (candidate !== undefined && candidate.node.endIndex <= offset) candidate = candidate.parent;
    return candidate;
  };
}

function classOf(definition: Definition | undefined): string | undefined {
  for (let d = definition; d !== undefined; d = d.parent) if (d.kind === 'class') return d.qualifiedName;
  return undefined;
}

function decoratorAround(node: Node): Node | undefined {
  const parent = node.parent;
  return parent?.type === 'decorator' ? parent : undefined;
}

/** A callee or base as written when it is a dotted name; else the member it ends with (`….then`). */
function calleeText(node: Node): string | undefined {
  if (node.endIndex - node.startIndex <= NAME_MAX) {
    const text = node.text;
    if (DOTTED.test(text)) return text;
  }
  const member = node.childForFieldName('property') ?? node.childForFieldName('attribute') ?? node.childForFieldName('field');
  return member && member.endIndex - member.startIndex <= NAME_MAX && DOTTED.test(member.text) ? member.text : undefined;
}

/**
 * The declaration's head: from its start to its body (or a constant's value), nested function
 * bodies elided as `{…}`, whitespace collapsed, at most SIGNATURE_MAX characters. A body never
 * gets in, whatever the head holds (default values that are arrow functions, decorators).
 */
function signatureOf(loaded: LoadedLanguage, source: string, definition: Definition): string {
  const { node, kind } = definition;
  const start = node.startIndex;
  let stop: Node | undefined = definition.body;
  if (stop === undefined && kind === 'constant') stop = definition.value ?? node.childForFieldName('value') ?? node.childForFieldName('right') ?? undefined;
  const end = Math.min(stop?.startIndex ?? node.endIndex, start + SIGNATURE_MAX * 4);
  let head = '';
  let cursor = start;
  // Only a head with a brace can hold a nested body; most heads have none, so most skip the search.
  const brace = source.indexOf('{', start);
  if (brace !== -1 && brace < end) {
    const nested = node.descendantsOfType([...loaded.spec.bodyTypes], node.startPosition, stop?.startPosition ?? node.endPosition);
    for (const inner of nested) {
      if (inner === null || inner.startIndex < cursor || inner.startIndex >= end) continue;
      head += `${source.slice(cursor, inner.startIndex)}{…}`;
      cursor = Math.min(inner.endIndex, end);
    }
  }
  if (cursor < end) head += source.slice(cursor, end);
  if (kind === 'constant') head = head.replace(/\s*=?\s*$/, '');
  return oneLine(loaded.spec.adapter.signaturePrefix(node, kind) + head, SIGNATURE_MAX);
}
