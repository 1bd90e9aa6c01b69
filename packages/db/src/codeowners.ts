/**
 * Whether a CODEOWNERS pattern matches a repository path, as GitHub reads the file (gitignore
 * rules, less `!` and `[…]`, which GitHub does not support): a leading or inner `/` anchors the
 * pattern at the root, otherwise it matches at any depth; `*` and `?` stay within one path
 * segment, `**` crosses them; a pattern that names a directory owns everything under it, except
 * `dir/*`, which owns only the directory's own files.
 */
export function codeownersMatches(pattern: string, path: string): boolean {
  let p = pattern.replace(/\\(.)/g, '$1');
  const dirOnly = p.endsWith('/');
  if (dirOnly) p = p.slice(0, -1);
  const anchored = p.startsWith('/') || p.includes('/');
  if (p.startsWith('/')) p = p.slice(1);
  if (p === '' || p === '**') return true;
  const body = p
    .split('/')
    .map((segment, i, all) => {
      if (segment === '**') return i === all.length - 1 ? '.*' : '(?:[^/]+/)*';
      const re = segment
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]');
      return i === all.length - 1 ? re : `${re}/`;
    })
    .join('');
  const lead = anchored ? '^' : '^(?:.*/)?';
  // `dir/*` stops at the directory's own files; any other pattern also owns what lies below a match.
  const below = p.endsWith('/*') ? '' : '(?:/.*)?';
  const tail = dirOnly ? '/.*' : below;
  return new RegExp(`${lead}${body}${tail}$`).test(path);
}

/** The owners of `path`: CODEOWNERS' last matching rule wins (an empty owner list means nobody). */
export function ownersOf<Rule extends { pattern: string; owners: readonly string[]; line: number }>(rules: readonly Rule[], path: string): Rule | undefined {
  const inOrder = [...rules].sort((a, b) => a.line - b.line);
  for (let i = inOrder.length - 1; i >= 0; i--) if (codeownersMatches(inOrder[i]!.pattern, path)) return inOrder[i];
  return undefined;
}
