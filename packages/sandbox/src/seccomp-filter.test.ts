import { describe, expect, it } from 'vitest';
import { AUDIT_ARCH, DENIED_SYSCALLS, ENOSYS, EPERM, SECCOMP_RET, X32_SYSCALL_BIT, seccompFilter } from './seccomp-filter.ts';
import { syscallNumber, type SyscallArch } from './syscall-table.ts';

/**
 * Runs a seccomp program the way the kernel does (kernel/bpf/core.c, the subset of classic BPF
 * the generator emits; anything else fails the test) on one seccomp_data.
 */
function run(program: Buffer, data: { arch: number; nr: number; args?: number[] }): number {
  const word = (offset: number) => {
    if (offset === 0) return data.nr >>> 0;
    if (offset === 4) return data.arch >>> 0;
    if (offset >= 16 && offset < 64 && offset % 8 === 0) return (data.args?.[(offset - 16) / 8] ?? 0) >>> 0; // low word of args[i]
    throw new Error(`load from offset ${offset}`);
  };
  let a = 0;
  for (let pc = 0; pc < program.length / 8; pc++) {
    const code = program.readUInt16LE(pc * 8);
    const jt = program.readUInt8(pc * 8 + 2);
    const jf = program.readUInt8(pc * 8 + 3);
    const k = program.readUInt32LE(pc * 8 + 4);
    if (code === 0x20) a = word(k);
    else if (code === 0x06) return k;
    else if (code === 0x15) pc += a === k ? jt : jf;
    else if (code === 0x35) pc += a >= k ? jt : jf;
    else if (code === 0x45) pc += (a & k) !== 0 ? jt : jf;
    else throw new Error(`opcode ${code.toString(16)}`);
  }
  throw new Error('fell off the end of the program');
}

const ARCHES = ['x64', 'arm64'] as const satisfies readonly SyscallArch[];
const eperm = SECCOMP_RET.errno | EPERM;

/** read, write, openat, mmap, execve, wait4, futex, exit_group, epoll_pwait, memfd_create. */
const ORDINARY: Record<SyscallArch, number[]> = { x64: [0, 1, 257, 9, 59, 61, 202, 231, 281, 319], arm64: [63, 64, 56, 222, 221, 260, 98, 94, 22, 279] };

describe('seccompFilter', () => {
  it('encodes struct sock_filter little-endian, starting with the architecture check', () => {
    const program = seccompFilter('x64');
    expect(program.length % 8).toBe(0);
    // ld [4] (seccomp_data.arch); jeq #AUDIT_ARCH_X86_64, next, kill; ld [0] (nr); jge #0x40000000 (x32), kill
    expect(program.subarray(0, 8).toString('hex')).toBe('2000000004000000');
    const last = program.length / 8 - 1; // ret KILL_PROCESS
    expect(program.subarray(8, 12).toString('hex')).toBe(`150000${(last - 2).toString(16).padStart(2, '0')}`);
    expect(program.subarray(12, 16).toString('hex')).toBe('3e0000c0');
    expect(program.subarray(16, 24).toString('hex')).toBe('2000000000000000');
    expect(program.subarray(24, 28).toString('hex')).toBe(`3500${(last - 4).toString(16).padStart(2, '0')}00`);
    expect(program.subarray(28, 32).toString('hex')).toBe('00000040');
    // The program ends ret EPERM, ret ALLOW, ret ENOSYS, ret KILL_PROCESS.
    expect(program.subarray(-32).toString('hex')).toBe('0600000001000500' + '060000000000ff7f' + '0600000026000500' + '0600000000000080');
    expect(seccompFilter('arm64').subarray(12, 16).toString('hex')).toBe('b70000c0');
  });

  for (const arch of ARCHES) {
    const program = seccompFilter(arch);
    const call = (name: Parameters<typeof syscallNumber>[1], args: number[] = []) =>
      run(program, { arch: AUDIT_ARCH[arch], nr: syscallNumber(arch, name)!, args });

    it(`${arch}: denies every listed call the architecture has with EPERM`, () => {
      const present = DENIED_SYSCALLS.filter((name) => syscallNumber(arch, name) !== undefined);
      expect(present.length).toBeGreaterThan(40);
      for (const name of present) expect(`${name}: ${call(name)}`).toBe(`${name}: ${eperm}`);
    });

    it(`${arch}: allows the calls programs make, and clone without namespace flags`, () => {
      for (const nr of ORDINARY[arch]) expect(`${nr}: ${run(program, { arch: AUDIT_ARCH[arch], nr })}`).toBe(`${nr}: ${SECCOMP_RET.allow}`);
      for (const name of ['getpid', 'close', 'prlimit64', 'setresuid'] as const) expect(call(name)).toBe(SECCOMP_RET.allow);
      // What glibc passes for fork() and pthread_create(): SIGCHLD; CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|*TID.
      expect(call('clone', [0x11])).toBe(SECCOMP_RET.allow);
      expect(call('clone', [0x3d0f00])).toBe(SECCOMP_RET.allow);
    });

    it(`${arch}: refuses a namespace through clone, answers clone3 ENOSYS so glibc falls back to clone`, () => {
      for (const flag of [0x0002_0000, 0x0200_0000, 0x0400_0000, 0x0800_0000, 0x1000_0000, 0x2000_0000, 0x4000_0000]) {
        expect(call('clone', [flag | 0x11])).toBe(eperm);
      }
      // High bits of the 64-bit register are ignored by the kernel and by the filter alike.
      expect(run(program, { arch: AUDIT_ARCH[arch], nr: syscallNumber(arch, 'clone')!, args: [0x1000_0000] })).toBe(eperm);
      expect(call('clone3')).toBe(SECCOMP_RET.errno | ENOSYS);
    });

    it(`${arch}: lets personality query or reset, nothing else (no ADDR_NO_RANDOMIZE, no PER_LINUX32)`, () => {
      expect(call('personality', [0])).toBe(SECCOMP_RET.allow);
      expect(call('personality', [0xffff_ffff])).toBe(SECCOMP_RET.allow);
      for (const persona of [0x0004_0000, 0x0008, 0x0040_0000, 0x0400_0000, 1]) expect(call('personality', [persona])).toBe(eperm);
    });

    it(`${arch}: kills a call made under another architecture's numbering`, () => {
      const other = arch === 'x64' ? AUDIT_ARCH.arm64 : AUDIT_ARCH.x64;
      for (const audit of [other, 0x4000_0003 /* i386 */, 0x4000_0028 /* arm */, 0]) {
        expect(run(program, { arch: audit, nr: syscallNumber(arch, 'getpid')! })).toBe(SECCOMP_RET.killProcess);
      }
    });
  }

  it('x64: kills x32-ABI calls, whose numbers follow another table', () => {
    const program = seccompFilter('x64');
    for (const nr of [X32_SYSCALL_BIT, X32_SYSCALL_BIT | 39, X32_SYSCALL_BIT | 250, 0xffff_ffff]) {
      expect(run(program, { arch: AUDIT_ARCH.x64, nr })).toBe(SECCOMP_RET.killProcess);
    }
  });
});
