/** Numbers shared by every architecture (added after the tables were unified). */
const UNIFIED = {
  io_uring_setup: 425,
  io_uring_enter: 426,
  io_uring_register: 427,
  open_tree: 428,
  move_mount: 429,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  clone3: 435,
  pidfd_getfd: 438,
  mount_setattr: 442,
  quotactl_fd: 443,
} as const;

/**
 * System call numbers for the two architectures the local driver runs on, from the kernel's
 * uapi headers (arch/x86/entry/syscalls/syscall_64.tbl; include/uapi/asm-generic/unistd.h for
 * aarch64). Since 5.1 new calls get one number on every architecture (io_uring_setup is 425
 * everywhere), so the tables differ only below that. A call an architecture never had
 * (iopl on aarch64) is simply absent.
 */
const SYSCALL_NUMBERS = {
  x64: {
    close: 3,
    getpid: 39,
    clone: 56,
    ptrace: 101,
    syslog: 103,
    setgroups: 116,
    setresuid: 117,
    setresgid: 119,
    uselib: 134,
    personality: 135,
    vhangup: 153,
    modify_ldt: 154,
    pivot_root: 155,
    _sysctl: 156,
    adjtimex: 159,
    acct: 163,
    settimeofday: 164,
    mount: 165,
    umount2: 166,
    swapon: 167,
    swapoff: 168,
    reboot: 169,
    iopl: 172,
    ioperm: 173,
    init_module: 175,
    delete_module: 176,
    quotactl: 179,
    nfsservctl: 180,
    lookup_dcookie: 212,
    clock_settime: 227,
    kexec_load: 246,
    add_key: 248,
    request_key: 249,
    keyctl: 250,
    unshare: 272,
    perf_event_open: 298,
    fanotify_init: 300,
    prlimit64: 302,
    open_by_handle_at: 304,
    clock_adjtime: 305,
    setns: 308,
    process_vm_readv: 310,
    process_vm_writev: 311,
    kcmp: 312,
    finit_module: 313,
    kexec_file_load: 320,
    bpf: 321,
    userfaultfd: 323,
    ...UNIFIED,
  },
  arm64: {
    lookup_dcookie: 18,
    umount2: 39,
    mount: 40,
    pivot_root: 41,
    nfsservctl: 42,
    vhangup: 58,
    quotactl: 60,
    close: 57,
    acct: 89,
    personality: 92,
    unshare: 97,
    kexec_load: 104,
    init_module: 105,
    delete_module: 106,
    clock_settime: 112,
    syslog: 116,
    ptrace: 117,
    reboot: 142,
    setresuid: 147,
    setresgid: 149,
    setgroups: 159,
    settimeofday: 170,
    adjtimex: 171,
    getpid: 172,
    add_key: 217,
    request_key: 218,
    keyctl: 219,
    clone: 220,
    swapon: 224,
    swapoff: 225,
    perf_event_open: 241,
    prlimit64: 261,
    fanotify_init: 262,
    open_by_handle_at: 265,
    clock_adjtime: 266,
    setns: 268,
    process_vm_readv: 270,
    process_vm_writev: 271,
    kcmp: 272,
    finit_module: 273,
    bpf: 280,
    userfaultfd: 282,
    kexec_file_load: 294,
    ...UNIFIED,
  },
} as const satisfies Record<string, Partial<Record<SyscallName, number>>>;

export type SyscallArch = keyof typeof SYSCALL_NUMBERS;

export type SyscallName =
  | 'close'
  | 'getpid'
  | 'clone'
  | 'clone3'
  | 'ptrace'
  | 'syslog'
  | 'setgroups'
  | 'setresuid'
  | 'setresgid'
  | 'uselib'
  | 'personality'
  | 'vhangup'
  | 'modify_ldt'
  | 'pivot_root'
  | '_sysctl'
  | 'adjtimex'
  | 'acct'
  | 'settimeofday'
  | 'mount'
  | 'umount2'
  | 'swapon'
  | 'swapoff'
  | 'reboot'
  | 'iopl'
  | 'ioperm'
  | 'init_module'
  | 'delete_module'
  | 'quotactl'
  | 'nfsservctl'
  | 'lookup_dcookie'
  | 'clock_settime'
  | 'kexec_load'
  | 'add_key'
  | 'request_key'
  | 'keyctl'
  | 'unshare'
  | 'perf_event_open'
  | 'fanotify_init'
  | 'prlimit64'
  | 'open_by_handle_at'
  | 'clock_adjtime'
  | 'setns'
  | 'process_vm_readv'
  | 'process_vm_writev'
  | 'kcmp'
  | 'finit_module'
  | 'kexec_file_load'
  | 'bpf'
  | 'userfaultfd'
  | keyof typeof UNIFIED;

/** The table for this process's architecture; the local driver supports x86_64 and aarch64 only. */
export function hostSyscallArch(): SyscallArch {
  if (process.arch === 'x64' || process.arch === 'arm64') return process.arch;
  throw new Error(`the local sandbox driver has no system call table for ${process.arch}`);
}

/** The number of `name` on `arch`, or undefined where the architecture never had it. */
export function syscallNumber(arch: SyscallArch, name: SyscallName): number | undefined {
  return (SYSCALL_NUMBERS[arch] as Partial<Record<SyscallName, number>>)[name];
}
