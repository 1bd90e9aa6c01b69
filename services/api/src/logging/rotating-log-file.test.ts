import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { pruneRotatedLogs, RotatingLogFile } from './rotating-log-file.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'remit-logs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const files = () => readdirSync(dir).sort();

describe('the rotating log file', () => {
  it('starts a new file at the first line of a new UTC day, naming the old one by the day it was begun', () => {
    let now = new Date('2031-06-01T23:59:59Z');
    const file = new RotatingLogFile({ dir, now: () => now });
    file.write('a\n');
    file.write('b\n');
    now = new Date('2031-06-02T00:00:01Z');
    file.write('c\n');
    file.close();
    expect(files()).toEqual(['remit.log', 'remit.log.2031-06-01.1']);
    expect(readFileSync(join(dir, 'remit.log.2031-06-01.1'), 'utf8')).toBe('a\nb\n');
    expect(readFileSync(join(dir, 'remit.log'), 'utf8')).toBe('c\n');
  });

  it('rotates before a line would take the file past its size, never splitting a line', () => {
    const now = () => new Date('2031-06-01T12:00:00Z');
    const file = new RotatingLogFile({ dir, maxBytes: 10, now });
    for (const line of ['1234\n', '1234\n', '123456789\n', 'x\n']) file.write(line);
    file.close();
    expect(files()).toEqual(['remit.log', 'remit.log.2031-06-01.1', 'remit.log.2031-06-01.2']);
    expect(readFileSync(join(dir, 'remit.log.2031-06-01.1'), 'utf8')).toBe('1234\n1234\n');
    expect(readFileSync(join(dir, 'remit.log.2031-06-01.2'), 'utf8')).toBe('123456789\n');
    expect(readFileSync(join(dir, 'remit.log'), 'utf8')).toBe('x\n');
  });

  it('continues a file an earlier process left, and takes pino’s lines', () => {
    writeFileSync(join(dir, 'remit.log'), 'earlier\n');
    const file = new RotatingLogFile({ dir });
    createLogger({ level: 'info', destination: file }).info({ runId: 'r1' }, 'hello');
    file.close();
    const lines = readFileSync(join(dir, 'remit.log'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('earlier');
    expect(JSON.parse(lines[1]!)).toMatchObject({ msg: 'hello', runId: 'r1' });
  });
});

describe('pruneRotatedLogs', () => {
  it('deletes rotated files last written before the cutoff, and nothing else', async () => {
    const cutoff = new Date('2031-03-01T00:00:00Z');
    const at = (name: string, iso: string) => {
      writeFileSync(join(dir, name), 'x\n');
      utimesSync(join(dir, name), new Date(iso), new Date(iso));
    };
    at('remit.log.2031-01-01.1', '2031-01-01T10:00:00Z');
    at('remit.log.2031-02-28.2', '2031-02-28T23:59:59Z');
    at('remit.log.2031-02-28.3', '2031-03-01T00:00:01Z');
    at('remit.log', '2020-01-01T00:00:00Z');
    at('notes.txt', '2020-01-01T00:00:00Z');
    at('remit.log.2031-01-01.1.bak', '2020-01-01T00:00:00Z');

    expect(await pruneRotatedLogs(dir, cutoff)).toBe(2);
    expect(files()).toEqual(['notes.txt', 'remit.log', 'remit.log.2031-01-01.1.bak', 'remit.log.2031-02-28.3']);
    expect(await pruneRotatedLogs(dir, cutoff)).toBe(0);
    expect(await pruneRotatedLogs(join(dir, 'missing'), cutoff)).toBe(0);
  });
});
