import type { CodeOwnerRule } from './graph-schema.ts';
import { exactLine } from './one-line.ts';

/** Where GitHub looks for CODEOWNERS, in its order of precedence. */
export const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const;

const MAX_RULES = 5000;
const MAX_OWNERS = 50;
/** `@user`, `@org/team`, or an email address. */
const OWNER = /^(?:@[\w.-]+(?:\/[\w.-]+)?|[^@\s\0]+@[^@\s\0]+)$/;

/**
 * CODEOWNERS' rules as written: a pattern, then owners, `#` starting a comment. Lines that are
 * not rules, owners that are not owners, and anything beyond the schema's bounds are skipped.
 */
export function parseCodeOwners(text: string): CodeOwnerRule[] {
  const rules: CodeOwnerRule[] = [];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length && rules.length < MAX_RULES; index++) {
    const line = lines[index]!.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    const [rawPattern, ...rest] = line.split(/[ \t]+/);
    const pattern = exactLine(rawPattern!.replace(/\0/g, ''), 1024);
    if (pattern === undefined) continue;
    const owners = rest.filter((owner) => owner.length <= 200 && OWNER.test(owner)).slice(0, MAX_OWNERS);
    rules.push({ pattern, owners, line: index + 1 });
  }
  return rules;
}
