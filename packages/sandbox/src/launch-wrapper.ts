import { WRAPPER_NAME } from './sandbox-state.ts';
import { syscallNumber, type SyscallArch, type SyscallName } from './syscall-table.ts';

/** Where perl is on every Debian (perl-base is Essential: installed everywhere, removable nowhere). */
export const PERL = '/usr/bin/perl';

/** Resource numbers for prlimit (asm-generic/resource.h, the same on x86_64 and aarch64). */
export const RLIMIT = { cpu: 0, data: 2, core: 4, nproc: 6 } as const;

export interface LaunchSetup {
  /** cgroup.procs files the process joins first, while still privileged. */
  cgroupProcs: string[];
  /** Soft and hard limit alike: the sandbox may not raise them back. */
  rlimits: { resource: number; value: number }[];
  /** Host uid and gid to become before exec (a root driver's sandbox); undefined keeps the caller's. */
  hostId?: number;
  /** Descriptors above 2 left open for the command (bwrap's --args, --seccomp, --file inputs, which bwrap reads and closes). */
  keepFds: number[];
}

/**
 * The process between the driver and bwrap, as `perl -e`: Node has no setrlimit, setresuid,
 * keyctl or close-range of its own, dash has no `ulimit -u`, and perl is on every Debian. In
 * order, so that nothing of the sandbox ever runs with more than it should:
 * 1. joins the sandbox's cgroups (as root a process may move itself anywhere; after the switch
 *    below a cgroup v2 move would also need write access to the common ancestor);
 * 2. sets the rlimits;
 * 3. becomes the sandbox's host uid and gid, with no supplementary groups;
 * 4. joins a new anonymous session keyring: the orchestrator's (and any key in it) is not
 *    reachable by possession, whatever the seccomp filter lets through. ENOSYS or EPERM (a
 *    kernel without keys, or a container runtime's own filter) mean no process here can reach
 *    a keyring at all, the sandbox included;
 * 5. closes every descriptor above 2 except the ones bwrap consumes: whatever the orchestrator
 *    inherited without close-on-exec (a CI runner's pipe, a socket from the service manager)
 *    would otherwise reach the agent and every command it runs;
 * 6. execs the command (bwrap).
 * Any failure exits 125 before the exec; the sandbox then never starts, and the session reports
 * not_ready. Numbers from @ARGV are forced numeric (`0 +`): perl's syscall passes a string as a
 * pointer.
 */
function launchScript(arch: SyscallArch): string {
  const nr = (name: SyscallName) => {
    const number = syscallNumber(arch, name);
    if (number === undefined) throw new Error(`no ${name} on ${arch}`);
    return number;
  };
  return `use strict;
my (@procs, @limits, %keep, $id);
shift @ARGV;
while (defined(my $arg = shift @ARGV)) {
  last if $arg eq '--';
  if ($arg =~ /^cgroup=(.+)$/s) { push @procs, $1 }
  elsif ($arg =~ /^rlimit=(\\d+):(\\d+)$/) { push @limits, [0 + $1, 0 + $2] }
  elsif ($arg =~ /^keep=(\\d+)$/) { $keep{0 + $1} = 1 }
  elsif ($arg =~ /^id=(\\d+)$/) { $id = 0 + $1 }
  else { exit 125 }
}
exit 125 unless @ARGV;
for my $procs (@procs) {
  open(my $f, '>', $procs) or exit 125;
  print $f "$$\\n" or exit 125;
  close($f) or exit 125;
}
for my $limit (@limits) {
  my $value = pack('QQ', $limit->[1], $limit->[1]);
  syscall(${nr('prlimit64')}, 0, $limit->[0], $value, 0) == 0 or exit 125;
}
if (defined $id) {
  my $groups = pack('L', $id);
  syscall(${nr('setgroups')}, 1, $groups) == 0 or exit 125;
  syscall(${nr('setresgid')}, $id, $id, $id) == 0 or exit 125;
  syscall(${nr('setresuid')}, $id, $id, $id) == 0 or exit 125;
}
if (syscall(${nr('keyctl')}, 1, 0) < 0) { exit 125 unless $! == 38 || $! == 1 }
opendir(my $dir, '/proc/self/fd') or exit 125;
my @fds = grep { /^\\d+$/ && $_ > 2 && !$keep{$_} } readdir($dir);
my $listing = fileno($dir);
closedir($dir);
for my $fd (@fds) { syscall(${nr('close')}, 0 + $fd) unless $fd == $listing }
exec { $ARGV[0] } @ARGV;
exit 125;
`;
}

/** perl's argv for a setup and a command: `-e SCRIPT`, the marker isSandboxProcess looks for as argv[3], the setup, `--`, the command. */
export function launchArgs(arch: SyscallArch, setup: LaunchSetup, command: string[]): string[] {
  return [
    '-e',
    launchScript(arch),
    WRAPPER_NAME,
    ...setup.cgroupProcs.map((path) => `cgroup=${path}`),
    ...setup.rlimits.map(({ resource, value }) => `rlimit=${resource}:${value}`),
    ...setup.keepFds.map((fd) => `keep=${fd}`),
    ...(setup.hostId === undefined ? [] : [`id=${setup.hostId}`]),
    '--',
    ...command,
  ];
}
