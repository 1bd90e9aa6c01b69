import { posix } from 'node:path';
import type { Node } from 'web-tree-sitter';
import { firstTextLine } from './comments.ts';
import type { LanguageSpec, RawImport } from './language-spec.ts';

const query = String.raw`
(function_definition name: (identifier) @name body: (block) @body) @definition.function
(class_definition name: (identifier) @name body: (block) @body) @definition.class
(module (expression_statement (assignment left: (identifier) @name right: (_) @value) @definition.variable))
(call function: (_) @callee)
(import_statement) @import
(import_from_statement) @import
(class_definition superclasses: (argument_list [(identifier) (attribute)] @extends))
(keyword_argument name: (identifier) @setting.key value: (string) @setting.value)
`;

/** PEP 8: module-level names in capitals are constants. */
const CONSTANT_NAME = /^[A-Z][A-Z0-9_]*$/;

function docstring(body: Node | undefined): string | undefined {
  const first = body?.namedChildren[0];
  const literal = first?.type === 'expression_statement' ? first.namedChildren[0] : undefined;
  if (literal?.type !== 'string') return undefined;
  const content = literal.namedChildren.find((child) => child?.type === 'string_content');
  return content ? firstTextLine(content.text) : undefined;
}

function stringValue(node: Node): string | undefined {
  if (node.type !== 'string') return undefined;
  const parts = node.namedChildren;
  if (parts.some((part) => part?.type === 'interpolation')) return undefined;
  return parts.find((part) => part?.type === 'string_content')?.text ?? '';
}

function dottedNames(node: Node): { name: string; alias?: string } | undefined {
  if (node.type === 'dotted_name') return { name: node.text };
  if (node.type === 'aliased_import') {
    const name = node.childForFieldName('name')?.text;
    return name === undefined ? undefined : { name, alias: node.childForFieldName('alias')?.text };
  }
  return undefined;
}

function imports(statement: Node): RawImport[] {
  const line = statement.startPosition.row + 1;
  if (statement.type === 'import_statement') {
    // `import a.b` binds `a.b`; `import a.b as ab` binds `ab`.
    return statement.childrenForFieldName('name').flatMap((node) => {
      const named = node ? dottedNames(node) : undefined;
      return named ? [{ specifier: named.name, line, bindings: [], namespace: named.alias ?? named.name }] : [];
    });
  }
  const specifier = statement.childForFieldName('module_name')?.text;
  if (specifier === undefined) return [];
  const bindings = statement.childrenForFieldName('name').flatMap((node) => {
    const named = node ? dottedNames(node) : undefined;
    return named ? [{ local: named.alias ?? named.name, imported: named.name }] : [];
  });
  return [{ specifier, line, bindings }];
}

function resolveModule(fromPath: string, specifier: string, files: ReadonlySet<string>): string | undefined {
  const dots = /^\.*/.exec(specifier)![0].length;
  let base = '';
  if (dots > 0) {
    base = posix.dirname(fromPath);
    for (let up = 1; up < dots; up++) base = posix.dirname(base);
    if (base === '.') base = '';
  }
  const rest = specifier.slice(dots).replaceAll('.', '/');
  const stem = [base, rest].filter(Boolean).join('/');
  for (const candidate of [`${stem}.py`, `${stem}/__init__.py`]) if (!candidate.startsWith('/') && files.has(candidate)) return candidate;
  return undefined;
}

export const python: LanguageSpec = {
  language: 'python',
  extensions: ['.py', '.pyi'],
  grammar: 'tree-sitter-python/tree-sitter-python.wasm',
  query,
  bodyTypes: new Set(['block']),
  adapter: {
    selfNames: ['self', 'cls'],
    exported: (_definition, name, _kind, containerExported) => !name.startsWith('_') && containerExported !== false,
    doc: (_definition, body) => docstring(body),
    classifyVariable: (_definition, name) => (CONSTANT_NAME.test(name) ? { kind: 'constant' } : undefined),
    signaturePrefix: () => '',
    imports,
    stringValue,
    resolveModule,
  },
};
