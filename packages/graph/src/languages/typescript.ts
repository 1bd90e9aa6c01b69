import { ECMASCRIPT_BODY_TYPES, ecmascriptAdapter } from './ecmascript.ts';
import type { LanguageSpec } from './language-spec.ts';

/** TypeScript and TSX share one query: TSX's grammar is TypeScript's plus JSX. */
const query = String.raw`
(function_declaration name: (identifier) @name body: (_) @body) @definition.function
(generator_function_declaration name: (identifier) @name body: (_) @body) @definition.function
(class_declaration name: (_) @name body: (_) @body) @definition.class
(abstract_class_declaration name: (_) @name body: (_) @body) @definition.class
(class_body (method_definition name: (_) @name body: (_) @body) @definition.method)
(interface_declaration name: (_) @name body: (_) @body) @definition.interface
(type_alias_declaration name: (_) @name) @definition.type
(enum_declaration name: (_) @name body: (_) @body) @definition.enum
(program (lexical_declaration (variable_declarator name: (identifier) @name value: (_) @value) @definition.variable))
(program (export_statement declaration: (lexical_declaration (variable_declarator name: (identifier) @name value: (_) @value) @definition.variable)))
(call_expression function: (_) @callee)
(new_expression constructor: (_) @callee)
(import_statement source: (string) @source) @import
(export_statement source: (string) @source) @import
(export_statement (export_clause (export_specifier name: (_) @export.name)))
(extends_clause value: (_) @extends)
(implements_clause (_) @implements)
(extends_type_clause type: (_) @extends)
(pair key: (property_identifier) @setting.key value: [(string) (template_string)] @setting.value)
`;

export const typescript: LanguageSpec = {
  language: 'typescript',
  extensions: ['.ts', '.mts', '.cts'],
  grammar: 'tree-sitter-typescript/tree-sitter-typescript.wasm',
  query,
  bodyTypes: ECMASCRIPT_BODY_TYPES,
  adapter: ecmascriptAdapter,
};

export const tsx: LanguageSpec = {
  ...typescript,
  language: 'tsx',
  extensions: ['.tsx'],
  grammar: 'tree-sitter-typescript/tree-sitter-tsx.wasm',
};
