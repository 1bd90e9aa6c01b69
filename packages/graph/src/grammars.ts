import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { Language, Parser, Query } from 'web-tree-sitter';
import type { GraphLanguage } from './graph-schema.ts';
import { LANGUAGES, type LanguageSpec } from './languages/index.ts';

/** A language ready to parse: its parser and compiled query, made once per process. */
export interface LoadedLanguage {
  spec: LanguageSpec;
  parser: Parser;
  query: Query;
}

export type LoadedLanguages = ReadonlyMap<GraphLanguage, LoadedLanguage>;

const loaded = new Map<string, Promise<LoadedLanguages>>();

/**
 * Loads the tree-sitter runtime and every grammar, and compiles each language's query, once per
 * process and `wasmDir`. Without `wasmDir` the files come from the installed npm packages; the
 * sandbox agent's bundle passes the directory it copied them to (by file name).
 */
export function loadLanguages(wasmDir?: string): Promise<LoadedLanguages> {
  const key = wasmDir ?? '';
  let languages = loaded.get(key);
  if (languages === undefined) {
    languages = load(wasmDir);
    loaded.set(key, languages);
    languages.catch(() => loaded.delete(key));
  }
  return languages;
}

async function load(wasmDir: string | undefined): Promise<LoadedLanguages> {
  const require = wasmDir === undefined ? createRequire(import.meta.url) : undefined;
  const locate = (file: string) => (wasmDir === undefined ? require!.resolve(file) : join(wasmDir, basename(file)));
  await Parser.init({ locateFile: (name: string) => locate(`web-tree-sitter/${name}`) });
  const result = new Map<GraphLanguage, LoadedLanguage>();
  const byGrammar = new Map<string, Promise<Language>>();
  for (const spec of LANGUAGES) {
    let grammar = byGrammar.get(spec.grammar);
    if (grammar === undefined) {
      grammar = readFile(locate(spec.grammar)).then((bytes) => Language.load(bytes));
      byGrammar.set(spec.grammar, grammar);
    }
    const language = await grammar;
    const parser = new Parser();
    parser.setLanguage(language);
    result.set(spec.language, { spec, parser, query: new Query(language, spec.query) });
  }
  return result;
}
