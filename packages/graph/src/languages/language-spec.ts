import type { Node } from 'web-tree-sitter';
import type { GraphLanguage, SymbolKind } from '../graph-schema.ts';

/**
 * What the indexer knows about one language: its grammar, one tree-sitter query, and a small
 * adapter for what a query cannot say (export rules, doc comments, import bindings, string
 * literals, module resolution). Adding a language is one grammar package and one file like
 * typescript.ts registered in languages/index.ts.
 *
 * The query's capture names are the contract with extract-file.ts:
 * - `@definition.<kind>` a declaration (kind: a SymbolKind, or `variable` for a top-level
 *   binding the adapter classifies), with `@name`, optional `@body` (the signature ends where
 *   it starts), optional `@value` (a variable's initializer), optional `@receiver` (Go).
 * - `@callee` what a call calls (the call is its parent, the arguments its `arguments` field).
 * - `@import` an import statement (the adapter reads its bindings), optional `@source`.
 * - `@extends`, `@implements` a base named in a class or interface head.
 * - `@export.name` a name exported by an export list (`export { a, b }`).
 * - `@setting.key` / `@setting.value` a key and its string value (`QueueUrl: '…'`).
 */
export interface LanguageSpec {
  readonly language: GraphLanguage;
  readonly extensions: readonly string[];
  /** The grammar's .wasm, as `<npm package>/<file>`. */
  readonly grammar: string;
  readonly query: string;
  /** Node types that hold a function's body: elided from any signature they appear in. */
  readonly bodyTypes: ReadonlySet<string>;
  readonly adapter: LanguageAdapter;
}

export interface RawImport {
  /** The module as written (`./pay`, `.models`, `net/http`). */
  specifier: string;
  line: number;
  /** Names bound locally to a name the module exports (`import { a as b }` → b → a). */
  bindings: { local: string; imported: string }[];
  /** A local name for the whole module (`import * as ns`, `import a.b as ab`, Go's package name). */
  namespace?: string;
}

export interface VariableClass {
  kind: SymbolKind;
  /** The function's body, when the variable holds a function. */
  body?: Node;
}

export interface LanguageAdapter {
  /** Whether a definition is visible outside its module (its container's verdict is given for members). */
  exported(definition: Node, name: string, kind: SymbolKind, containerExported: boolean | undefined): boolean;
  /** The first line of the definition's doc comment or docstring. */
  doc(definition: Node, body: Node | undefined): string | undefined;
  /** A top-level variable: a function, an exported constant, or nothing worth a symbol. */
  classifyVariable(definition: Node, name: string, value: Node | undefined): VariableClass | undefined;
  /** Text put before the sliced head (`const `, `type `), when the definition node starts after the keyword. */
  signaturePrefix(definition: Node, kind: SymbolKind): string;
  /** A container name from outside the definition (a Go method's receiver type). */
  receiverName?(receiver: Node): string | undefined;
  imports(statement: Node): RawImport[];
  /** The value of a string literal node with no interpolation, else undefined. */
  stringValue(node: Node): string | undefined;
  /** The repository path a module specifier names, when one of `files` is it. */
  resolveModule(fromPath: string, specifier: string, files: ReadonlySet<string>): string | undefined;
  /** `this` / `self`: calls through it resolve to the enclosing class's members. */
  readonly selfNames: readonly string[];
}
