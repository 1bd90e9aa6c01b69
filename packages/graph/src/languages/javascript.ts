import { ECMASCRIPT_BODY_TYPES, ecmascriptAdapter } from './ecmascript.ts';
import type { LanguageSpec } from './language-spec.ts';

const query = String.raw`
(function_declaration name: (identifier) @name body: (_) @body) @definition.function
(generator_function_declaration name: (identifier) @name body: (_) @body) @definition.function
(class_declaration name: (_) @name body: (_) @body) @definition.class
(class_body (method_definition name: (_) @name body: (_) @body) @definition.method)
(program (lexical_declaration (variable_declarator name: (identifier) @name value: (_) @value) @definition.variable))
(program (variable_declaration (variable_declarator name: (identifier) @name value: (_) @value) @definition.variable))
(program (export_statement declaration: (lexical_declaration (variable_declarator name: (identifier) @name value: (_) @value) @definition.variable)))
(call_expression function: (_) @callee)
(new_expression constructor: (_) @callee)
(import_statement source: (string) @source) @import
(export_statement source: (string) @source) @import
(export_statement (export_clause (export_specifier name: (_) @export.name)))
(class_heritage (_) @extends)
(pair key: (property_identifier) @setting.key value: [(string) (template_string)] @setting.value)
`;

export const javascript: LanguageSpec = {
  language: 'javascript',
  extensions: ['.js', '.jsx', '.mjs', '.cjs'],
  grammar: 'tree-sitter-javascript/tree-sitter-javascript.wasm',
  query,
  bodyTypes: ECMASCRIPT_BODY_TYPES,
  adapter: ecmascriptAdapter,
};
