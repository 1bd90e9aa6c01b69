import type { Node } from 'web-tree-sitter';
import { precedingCommentLine } from './comments.ts';
import type { LanguageSpec, RawImport } from './language-spec.ts';

const query = String.raw`
(function_declaration name: (identifier) @name body: (block) @body) @definition.function
(method_declaration receiver: (parameter_list) @receiver name: (field_identifier) @name body: (block) @body) @definition.method
(type_spec name: (type_identifier) @name type: (struct_type (field_declaration_list) @body)) @definition.class
(type_spec name: (type_identifier) @name type: (interface_type) @body) @definition.interface
(type_spec name: (type_identifier) @name type: [(type_identifier) (qualified_type) (function_type) (map_type) (slice_type) (pointer_type) (channel_type) (array_type) (generic_type)]) @definition.type
(type_alias name: (type_identifier) @name) @definition.type
(source_file (const_declaration (const_spec name: (identifier) @name) @definition.variable))
(call_expression function: (_) @callee)
(import_spec path: (_) @source) @import
`;

/** Go exports what starts with an upper-case letter. */
const isExported = (name: string) => /^\p{Lu}/u.test(name);

function stringValue(node: Node): string | undefined {
  if (node.type === 'interpreted_string_literal') {
    const text = node.text.slice(1, -1);
    return text.includes('\\') ? undefined : text;
  }
  if (node.type === 'raw_string_literal') return node.text.slice(1, -1);
  return undefined;
}

function imports(spec: Node): RawImport[] {
  const path = spec.childForFieldName('path');
  const specifier = path ? stringValue(path) : undefined;
  if (specifier === undefined) return [];
  const alias = spec.childForFieldName('name')?.text;
  const namespace = alias === '_' || alias === '.' ? undefined : (alias ?? specifier.split('/').pop());
  return [{ specifier, line: spec.startPosition.row + 1, bindings: [], ...(namespace ? { namespace } : {}) }];
}

/** `(s *Server)` → `Server`; `(l List[T])` → `List`. */
function receiverName(receiver: Node): string | undefined {
  const type = receiver.namedChildren[0]?.childForFieldName('type');
  const match = type ? /([A-Za-z_]\w*)(?:\[[^\]]*\])?$/.exec(type.text.replace(/^\*/, '')) : null;
  return match?.[1];
}

export const go: LanguageSpec = {
  language: 'go',
  extensions: ['.go'],
  grammar: 'tree-sitter-go/tree-sitter-go.wasm',
  query,
  bodyTypes: new Set(['block']),
  adapter: {
    selfNames: [],
    exported: (_definition, name) => isExported(name),
    // A type_spec's and const_spec's comment sits above their declaration.
    doc: (definition) =>
      precedingCommentLine(definition.type.endsWith('_spec') || definition.type === 'type_alias' ? (definition.parent ?? definition) : definition),
    classifyVariable: (_definition, name) => (isExported(name) ? { kind: 'constant' } : undefined),
    signaturePrefix: (definition) =>
      definition.type === 'const_spec' ? 'const ' : definition.type === 'type_spec' || definition.type === 'type_alias' ? 'type ' : '',
    receiverName,
    imports,
    stringValue,
    // Go imports name packages by module path, which needs go.mod to map to a directory: left as written.
    resolveModule: () => undefined,
  },
};
