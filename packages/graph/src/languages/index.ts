import type { GraphLanguage } from '../graph-schema.ts';
import { go } from './go.ts';
import { javascript } from './javascript.ts';
import type { LanguageSpec } from './language-spec.ts';
import { python } from './python.ts';
import { tsx, typescript } from './typescript.ts';

/** Every language the indexer reads; one entry per grammar. */
export const LANGUAGES: readonly LanguageSpec[] = [typescript, tsx, javascript, python, go];

const byExtension = new Map(LANGUAGES.flatMap((spec) => spec.extensions.map((extension) => [extension, spec] as const)));
const byLanguage = new Map(LANGUAGES.map((spec) => [spec.language, spec] as const));

/** The language of a path by its extension (`.d.ts` is TypeScript like any `.ts`). */
export function languageOf(path: string): LanguageSpec | undefined {
  const dot = path.lastIndexOf('.');
  return dot <= path.lastIndexOf('/') ? undefined : byExtension.get(path.slice(dot).toLowerCase());
}

export function languageSpec(language: GraphLanguage): LanguageSpec {
  return byLanguage.get(language)!;
}

export type { LanguageAdapter, LanguageSpec, RawImport } from './language-spec.ts';
