import { syscallNumber, type SyscallArch, type SyscallName } from './syscall-table.ts';

/**
 * The system calls a troubleshooting sandbox never needs, each group an attack surface or a way
 * out: the kernel's most exploited interfaces (io_uring, bpf, userfaultfd, perf), the keyring
 * (shared by uid, not by namespace), loading kernels and modules, changing mounts and namespaces
 * (all refused already for want of capabilities: this is the second wall), reading or steering
 * other processes, and host-wide clocks, swap, quotas and reboot. Denied with EPERM.
 */
export const DENIED_SYSCALLS = [
  'io_uring_setup',
  'io_uring_enter',
  'io_uring_register',
  'bpf',
  'userfaultfd',
  'perf_event_open',
  'add_key',
  'request_key',
  'keyctl',
  'kexec_load',
  'kexec_file_load',
  'init_module',
  'finit_module',
  'delete_module',
  'mount',
  'umount2',
  'pivot_root',
  'fsopen',
  'fsconfig',
  'fsmount',
  'fspick',
  'open_tree',
  'move_mount',
  'mount_setattr',
  'unshare',
  'setns',
  'ptrace',
  'process_vm_readv',
  'process_vm_writev',
  'pidfd_getfd',
  'kcmp',
  'reboot',
  'swapon',
  'swapoff',
  'acct',
  'quotactl',
  'quotactl_fd',
  'syslog',
  'open_by_handle_at',
  'lookup_dcookie',
  'settimeofday',
  'clock_settime',
  'clock_adjtime',
  'adjtimex',
  'fanotify_init',
  'nfsservctl',
  'vhangup',
  'iopl',
  'ioperm',
  'modify_ldt',
  'uselib',
  '_sysctl',
] as const satisfies readonly SyscallName[];

/** seccomp_data.arch values (linux/audit.h): the machine number with the 64-bit and little-endian bits. */
export const AUDIT_ARCH = { x64: 0xc000003e, arm64: 0xc00000b7 } as const satisfies Record<SyscallArch, number>;

/** x86_64 also accepts x32-ABI calls: the same arch value, the number with this bit set, another table. */
export const X32_SYSCALL_BIT = 0x4000_0000;

/**
 * clone() flags that make a namespace. glibc creates threads and processes without them; only
 * a container runtime sets them. The kernel reads clone's flags as 32 bits (kernel/fork.c:
 * lower_32_bits(clone_flags)), so the low word is the whole truth.
 */
const CLONE_NAMESPACE_FLAGS =
  0x0002_0000 /* NEWNS */ |
  0x0200_0000 /* NEWCGROUP */ |
  0x0400_0000 /* NEWUTS */ |
  0x0800_0000 /* NEWIPC */ |
  0x1000_0000 /* NEWUSER */ |
  0x2000_0000 /* NEWPID */ |
  0x4000_0000; /* NEWNET */

/** personality() values a program may pass: PER_LINUX and the 0xffffffff query. Anything else turns off ASLR or emulates another OS. */
const ALLOWED_PERSONALITIES = [0, 0xffff_ffff] as const;

/** seccomp return values (linux/seccomp.h) and the errnos used (asm-generic/errno*.h, the same on both arches). */
export const SECCOMP_RET = { killProcess: 0x8000_0000, errno: 0x0005_0000, allow: 0x7fff_0000 } as const;
export const EPERM = 1;
export const ENOSYS = 38;

// Classic BPF opcodes (linux/bpf_common.h) used here.
const LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS: A = 32-bit word at offset k of seccomp_data
const JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const JGE_K = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const JSET_K = 0x45; // BPF_JMP | BPF_JSET | BPF_K: jump if A & k
const RET_K = 0x06; // BPF_RET | BPF_K

/** Offsets into struct seccomp_data { int nr; u32 arch; u64 instruction_pointer; u64 args[6]; }, little-endian. */
const NR = 0;
const ARCH = 4;
const ARG0_LOW = 16;

type Jump = string | 0; // a label, or 0 for the next instruction
type Line = { label: string } | { code: number; k: number; jt?: Jump; jf?: Jump };

/**
 * The sandbox's seccomp program for `arch`, as bwrap's --seccomp reads it: an array of
 * struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }, 8 bytes each, little-endian.
 * In order: a call from another architecture (i386 via int 0x80, arm32 compat) is read against
 * the wrong table, so it kills the process, as does x32; then the denied calls return EPERM;
 * clone3 returns ENOSYS, because its flags sit in memory a filter cannot read and glibc falls
 * back to clone on ENOSYS; clone with a namespace flag and personality other than the two
 * allowed values return EPERM; everything else is allowed.
 */
export function seccompFilter(arch: SyscallArch): Buffer {
  const nr = (name: SyscallName) => syscallNumber(arch, name);
  const denied = DENIED_SYSCALLS.map(nr).filter((n): n is number => n !== undefined);
  const program: Line[] = [
    { code: LD_W_ABS, k: ARCH },
    { code: JEQ_K, k: AUDIT_ARCH[arch], jf: 'kill' },
    { code: LD_W_ABS, k: NR },
    ...(arch === 'x64' ? [{ code: JGE_K, k: X32_SYSCALL_BIT, jt: 'kill' }] : []),
    ...denied.map((k) => ({ code: JEQ_K, k, jt: 'eperm' })),
    { code: JEQ_K, k: nr('clone3')!, jt: 'enosys' },
    { code: JEQ_K, k: nr('clone')!, jt: 'clone' },
    { code: JEQ_K, k: nr('personality')!, jt: 'personality' },
    { code: RET_K, k: SECCOMP_RET.allow },
    { label: 'clone' },
    { code: LD_W_ABS, k: ARG0_LOW },
    { code: JSET_K, k: CLONE_NAMESPACE_FLAGS, jt: 'eperm', jf: 'allow' },
    { label: 'personality' },
    { code: LD_W_ABS, k: ARG0_LOW },
    ...ALLOWED_PERSONALITIES.map((k) => ({ code: JEQ_K, k, jt: 'allow' })),
    { label: 'eperm' },
    { code: RET_K, k: SECCOMP_RET.errno | EPERM },
    { label: 'allow' },
    { code: RET_K, k: SECCOMP_RET.allow },
    { label: 'enosys' },
    { code: RET_K, k: SECCOMP_RET.errno | ENOSYS },
    { label: 'kill' },
    { code: RET_K, k: SECCOMP_RET.killProcess },
  ];
  return assemble(program);
}

/** Resolves labels to the relative forward jumps classic BPF allows (0–255 instructions) and encodes. */
function assemble(lines: Line[]): Buffer {
  const labels = new Map<string, number>();
  const instructions: Exclude<Line, { label: string }>[] = [];
  for (const line of lines) {
    if ('label' in line) labels.set(line.label, instructions.length);
    else instructions.push(line);
  }
  const out = Buffer.alloc(instructions.length * 8);
  instructions.forEach((insn, i) => {
    const offset = (jump: Jump | undefined) => {
      if (jump === undefined || jump === 0) return 0;
      const target = labels.get(jump);
      const delta = target === undefined ? -1 : target - i - 1;
      if (delta < 0 || delta > 255) throw new Error(`seccomp filter: jump to ${jump} out of range`);
      return delta;
    };
    out.writeUInt16LE(insn.code, i * 8);
    out.writeUInt8(offset(insn.jt), i * 8 + 2);
    out.writeUInt8(offset(insn.jf), i * 8 + 3);
    out.writeUInt32LE(insn.k >>> 0, i * 8 + 4);
  });
  return out;
}
