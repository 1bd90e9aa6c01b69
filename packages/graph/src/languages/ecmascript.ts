import { posix } from 'node:path';
import type { Node } from 'web-tree-sitter';
import type { SymbolKind } from '../graph-schema.ts';
import { precedingCommentLine } from './comments.ts';
import type { LanguageAdapter, RawImport, VariableClass } from './language-spec.ts';

/** What TypeScript, TSX and JavaScript share: export rules, JSDoc, ES imports, module resolution. */

const FUNCTION_VALUES = new Set(['arrow_function', 'function_expression', 'function', 'generator_function']);

/** Statement blocks (functions, methods, arrows) and class static blocks. */
export const ECMASCRIPT_BODY_TYPES: ReadonlySet<string> = new Set(['statement_block', 'class_static_block']);

/** The statement that carries a declaration's `export` and its comment. */
function declarationStatement(definition: Node): Node {
  let node = definition;
  if (node.type === 'variable_declarator' && node.parent) node = node.parent;
  if (node.parent?.type === 'export_statement') node = node.parent;
  return node;
}

function stringValue(node: Node): string | undefined {
  if (node.type === 'string') return node.text.slice(1, -1);
  if (node.type === 'template_string' && node.namedChildren.every((child) => child?.type === 'string_fragment')) return node.text.slice(1, -1);
  return undefined;
}

const RESOLVE_SUFFIXES = ['', '.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '/index.ts', '/index.tsx', '/index.js', '/index.jsx', '/index.mjs'];

export const ecmascriptAdapter: LanguageAdapter = {
  selfNames: ['this'],
  exported(definition: Node, name: string, kind: SymbolKind, containerExported: boolean | undefined): boolean {
    if (containerExported !== undefined) {
      if (name.startsWith('#')) return false;
      const modifier = definition.namedChildren.find((child) => child?.type === 'accessibility_modifier');
      return containerExported && modifier?.text !== 'private' && modifier?.text !== 'protected';
    }
    return declarationStatement(definition).type === 'export_statement';
  },
  doc(definition: Node): string | undefined {
    return precedingCommentLine(declarationStatement(definition));
  },
  classifyVariable(definition: Node, _name: string, value: Node | undefined): VariableClass | undefined {
    if (value && FUNCTION_VALUES.has(value.type)) {
      const body = value.childForFieldName('body') ?? undefined;
      return { kind: 'function', body: body?.type === 'statement_block' ? body : undefined };
    }
    const declaration = definition.parent;
    const isConst = declaration?.type === 'lexical_declaration' && declaration.firstChild?.type === 'const';
    return isConst && declaration.parent?.type === 'export_statement' ? { kind: 'constant' } : undefined;
  },
  signaturePrefix(definition: Node): string {
    if (definition.type !== 'variable_declarator') return '';
    return `${definition.parent?.firstChild?.text ?? 'const'} `;
  },
  imports(statement: Node): RawImport[] {
    const source = statement.childForFieldName('source');
    const specifier = source ? stringValue(source) : undefined;
    if (specifier === undefined) return [];
    const found: RawImport = { specifier, line: statement.startPosition.row + 1, bindings: [] };
    const clause = statement.namedChildren.find((child) => child?.type === 'import_clause');
    for (const part of clause?.namedChildren ?? []) {
      if (part?.type === 'namespace_import') found.namespace = part.namedChildren[0]?.text;
      else if (part?.type === 'identifier') found.bindings.push({ local: part.text, imported: 'default' });
      else if (part?.type === 'named_imports') {
        for (const specifierNode of part.namedChildren) {
          const imported = specifierNode?.childForFieldName('name')?.text;
          if (imported === undefined) continue;
          found.bindings.push({ local: specifierNode?.childForFieldName('alias')?.text ?? imported, imported });
        }
      }
    }
    return [found];
  },
  stringValue,
  resolveModule(fromPath: string, specifier: string, files: ReadonlySet<string>): string | undefined {
    if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
    const base = posix.normalize(posix.join(posix.dirname(fromPath), specifier));
    if (base.startsWith('../')) return undefined;
    for (const suffix of RESOLVE_SUFFIXES) if (files.has(base + suffix)) return base + suffix;
    // ESM TypeScript imports `./x.js` for the file `./x.ts`.
    const withoutJs = base.replace(/\.(m|c)?jsx?$/, '');
    if (withoutJs !== base) for (const suffix of ['.ts', '.tsx', '.mts', '.cts']) if (files.has(withoutJs + suffix)) return withoutJs + suffix;
    return undefined;
  },
};
