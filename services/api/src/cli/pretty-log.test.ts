import { describe, expect, it } from 'vitest';
import { unsafeIn } from '../testing/hostile-text.ts';
import { formatLogLine } from './pretty-log.ts';
import { createStyle } from './terminal-style.ts';
import { freePort, inTerminal } from './testing.ts';

const plain = createStyle(false);

describe('readable logs', () => {
  it('writes time, level and message first, then the other fields as key=value', () => {
    const line = JSON.stringify({
      level: 'info',
      time: '2026-01-02T03:04:05.678Z',
      service: 'remit',
      msg: 'remit api listening',
      url: 'http://127.0.0.1:8080',
      worker: null,
      n: 3,
    });
    expect(formatLogLine(line, plain)).toBe('03:04:05.678 INFO  remit api listening  url=http://127.0.0.1:8080  worker=null  n=3');
    expect(formatLogLine(JSON.stringify({ level: 'warn', msg: 'x', detail: 'two words', applied: ['a.sql', 'b.sql'], nested: { a: 1 } }), plain)).toBe(
      ' WARN  x  detail="two words"  applied=["a.sql","b.sql"]  nested={"a":1}',
    );
  });

  it('escapes what a log line quotes, so a logged request cannot drive the terminal', () => {
    const line = JSON.stringify({ level: 'error', msg: 'bad \u001b]52;c;eA==\u0007 path', path: '/\u001b[2J', ['\u009b31m']: 'k' });
    const shown = formatLogLine(line, createStyle(true));
    // eslint-disable-next-line no-control-regex -- our own colours are the only escapes allowed
    expect(unsafeIn(shown.replace(/\u001b\[\d+m/g, ''))).toEqual([]);
    expect(formatLogLine('not json \u001b[2J', plain)).toBe('not json \\u001b[2J');
  });

  it('remit serve writes readable lines to a terminal (JSON otherwise, see serve.test.ts), and a Ctrl-C right after its start line stops it in order (exit 0, not 130)', async () => {
    const term = inTerminal(['serve'], { REMIT_PORT: String(await freePort()) });
    // eslint-disable-next-line no-control-regex -- the level's colour sits between the time and the message
    await term.waitFor(/\d\d:\d\d:\d\d\.\d{3}(\u001b\[0m)? (\u001b\[32m)?INFO (\u001b\[0m)? remit api listening {2}/, 60_000);
    term.type('\u0003');
    expect(await term.exit).toBe(0);
    expect(term.output()).not.toContain('{"level"');
  }, 90_000);
});
