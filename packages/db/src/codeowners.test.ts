import { describe, expect, it } from 'vitest';
import { codeownersMatches, ownersOf } from './codeowners.ts';

// Vectors from GitHub's "About code owners" example file, and gitignore's documented rules.
const cases: [pattern: string, path: string, matches: boolean][] = [
  ['*', 'README.md', true],
  ['*', 'src/deep/file.go', true],
  ['*.js', 'app.js', true],
  ['*.js', 'src/lib/app.js', true],
  ['*.js', 'src/lib/app.ts', false],
  ['*.go', 'cmd/main.go', true],
  ['/build/logs/', 'build/logs/today.log', true],
  ['/build/logs/', 'x/build/logs/today.log', false],
  ['/build/logs/', 'build/logs', false],
  ['docs/*', 'docs/getting-started.md', true],
  ['docs/*', 'docs/build-app/troubleshooting.md', false],
  ['docs/*', 'x/docs/a.md', false],
  ['apps/', 'apps/web/index.ts', true],
  ['apps/', 'services/apps/web/index.ts', true],
  ['apps/', 'apps.ts', false],
  ['/docs/', 'docs/a/b.md', true],
  ['/docs/', 'src/docs/a.md', false],
  ['**/logs', 'logs/a.log', true],
  ['**/logs', 'deep/er/logs/a.log', true],
  ['**/logs', 'deep/catalogs/a', false],
  ['/scripts/**', 'scripts/a/b.sh', true],
  ['/scripts/**', 'other/scripts/a.sh', false],
  ['src/**/test', 'src/test/a.ts', true],
  ['src/**/test', 'src/a/b/test/c.ts', true],
  ['src/**/test', 'lib/src/a/test/c.ts', false],
  ['/src/ledger.ts', 'src/ledger.ts', true],
  ['/src/ledger.ts', 'src/ledger.tsx', false],
  ['src/ledger.ts', 'a/src/ledger.ts', false],
  ['ledger.ts', 'a/src/ledger.ts', true],
  ['file?.txt', 'file1.txt', true],
  ['file?.txt', 'file/.txt', false],
  ['a+b(c).md', 'a+b(c).md', true],
  ['a+b(c).md', 'aab(c).md', false],
  ['\\#notes', '#notes', true],
];

describe('CODEOWNERS patterns', () => {
  it.each(cases)('%s matches %s: %s', (pattern, path, matches) => {
    expect(codeownersMatches(pattern, path)).toBe(matches);
  });

  it('the last matching rule wins, in file order whatever order the rules come in; none matching is undefined', () => {
    const rules = [
      { line: 9, pattern: '/apps/github', owners: [] },
      { line: 1, pattern: '*', owners: ['@global'] },
      { line: 4, pattern: '*.js', owners: ['@js-owner'] },
      { line: 7, pattern: 'apps/', owners: ['@octocat'] },
    ];
    expect(ownersOf(rules, 'README.md')?.owners).toEqual(['@global']);
    expect(ownersOf(rules, 'lib/x.js')?.owners).toEqual(['@js-owner']);
    expect(ownersOf(rules, 'apps/x.js')?.owners).toEqual(['@octocat']);
    // An empty owner list is a rule too: the path has no owners.
    expect(ownersOf(rules, 'apps/github/x.js')).toMatchObject({ line: 9, owners: [] });
    expect(ownersOf([{ line: 1, pattern: '/only', owners: ['@a'] }], 'other')).toBeUndefined();
  });
});
