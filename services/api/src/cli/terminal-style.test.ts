import { describe, expect, it } from 'vitest';
import { colorEnabled, createStyle } from './terminal-style.ts';

describe('colorEnabled', () => {
  it.each([
    ['a terminal', true, {}, true],
    ['a pipe', false, {}, false],
    ['a terminal with NO_COLOR', true, { NO_COLOR: '1' }, false],
    ['a terminal with an empty NO_COLOR (no-color.org: ignored)', true, { NO_COLOR: '' }, true],
    ['a dumb terminal', true, { TERM: 'dumb' }, false],
    ['a pipe with FORCE_COLOR', false, { FORCE_COLOR: '1' }, true],
    ['a pipe with an empty FORCE_COLOR', false, { FORCE_COLOR: '' }, true],
    ['FORCE_COLOR over NO_COLOR', false, { FORCE_COLOR: '1', NO_COLOR: '1' }, true],
    ['a terminal with FORCE_COLOR=0', true, { FORCE_COLOR: '0' }, false],
    ['a terminal with FORCE_COLOR=false', true, { FORCE_COLOR: 'false' }, false],
  ])('%s: %s', (_name, isTTY, env, expected) => {
    expect(colorEnabled({ isTTY }, env)).toBe(expected);
  });

  it('writes SGR codes only when colour is on', () => {
    expect(createStyle(true).red('x')).toBe('\u001b[31mx\u001b[0m');
    expect(createStyle(false).red('x')).toBe('x');
  });
});
