import { open } from 'node:fs/promises';

const PT_INTERP = 3;

/**
 * The program interpreter (PT_INTERP, e.g. /lib64/ld-linux-x86-64.so.2) a 64-bit little-endian
 * ELF executable names, read from its program headers (elf(5)); undefined for a static binary
 * or anything else.
 */
export async function elfInterpreter(path: string): Promise<string | undefined> {
  const file = await open(path, 'r');
  try {
    const header = Buffer.alloc(64);
    await file.read(header, 0, 64, 0);
    // \x7fELF, ELFCLASS64, ELFDATA2LSB
    if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2 || header[5] !== 1) return undefined;
    const phoff = Number(header.readBigUInt64LE(0x20));
    const phentsize = header.readUInt16LE(0x36);
    const phnum = header.readUInt16LE(0x38);
    const table = Buffer.alloc(phentsize * phnum);
    await file.read(table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) {
      const entry = table.subarray(i * phentsize, (i + 1) * phentsize);
      if (entry.readUInt32LE(0) !== PT_INTERP) continue;
      const offset = Number(entry.readBigUInt64LE(0x08));
      const size = Number(entry.readBigUInt64LE(0x20));
      if (size < 2 || size > 4096) return undefined;
      const name = Buffer.alloc(size);
      await file.read(name, 0, size, offset);
      return name.subarray(0, name.indexOf(0) === -1 ? size : name.indexOf(0)).toString('utf8');
    }
    return undefined;
  } finally {
    await file.close();
  }
}
