import { existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { elfInterpreter } from './elf-interpreter.ts';

describe('elfInterpreter', () => {
  it("names node's program interpreter, a file that exists", async () => {
    const loader = await elfInterpreter(realpathSync(process.execPath));
    expect(loader).toMatch(process.arch === 'arm64' ? /^\/lib\/ld-linux-aarch64\.so\.1$/ : /^\/lib64\/ld-linux-x86-64\.so\.2$/);
    expect(existsSync(loader!)).toBe(true);
  });

  it('answers undefined for a statically linked program and for what is not ELF', async () => {
    if (existsSync('/usr/sbin/ldconfig')) expect(await elfInterpreter('/usr/sbin/ldconfig')).toBeUndefined(); // static on Debian
    expect(await elfInterpreter(fileURLToPath(import.meta.url))).toBeUndefined();
    expect(await elfInterpreter('/dev/null')).toBeUndefined();
  });
});
