import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Where things are inside every local sandbox. */
export const SANDBOX_PATHS = {
  workdir: '/work',
  agent: '/opt/remit/agent',
  /** node's ELF interpreter, execute-only (see sandbox-image-files.ts). */
  loader: '/opt/remit/ld.so',
  /** node, when it lives outside /usr (under /usr it keeps its own path). */
  node: '/opt/remit/node',
  channel: '/run/remit/channel.sock',
  egress: '/run/remit/egress.sock',
} as const;

/**
 * The sandbox's uid and gid: not 0. The user namespace maps only this id, onto the host uid
 * that runs bwrap: the sandbox's own (see host-identity.ts) under a root driver, else the
 * driver's user, whose files would then look like the sandbox user's own; hence only
 * world-readable system paths are bound, /usr read-only.
 */
export const SANDBOX_UID = 1000;

/**
 * Namespaces: every one bwrap offers. The network namespace has only its own loopback (bwrap
 * brings `lo` up), so nothing of the host is reachable, not even 127.0.0.1:5432, nor the host's
 * abstract unix sockets; the two bound sockets are the only way out. --disable-userns stops
 * nested user namespaces (a favourite kernel attack surface); --new-session stops TIOCSTI.
 * --cap-drop ALL: run as root, bwrap otherwise keeps its capabilities up to the agent's execve
 * (and a full bounding set after it), and with CAP_DAC_OVERRIDE at execve the kernel does not
 * mark the agent undumpable for running an unreadable binary (see sandbox-image-files.ts).
 * The seccomp filter (seccomp-filter.ts) is the last thing bwrap applies before the exec.
 */
export const BWRAP_ISOLATION_FLAGS = [
  '--unshare-user',
  '--unshare-pid',
  '--unshare-ipc',
  '--unshare-uts',
  '--unshare-cgroup-try',
  '--unshare-net',
  '--disable-userns',
  '--cap-drop',
  'ALL',
  '--die-with-parent',
  '--new-session',
] as const;

/** Where bubblewrap is on every Debian (the bubblewrap package). */
export const BWRAP = '/usr/bin/bwrap';

/** The descriptors bwrap reads its inputs from; the launch wrapper closes every other one above 2. */
export const BWRAP_FDS = { args: 3, seccomp: 4, firstCopy: 5 } as const;

interface SandboxMounts {
  /** The agent bundle's directory (see agent-bundle.ts). */
  agentDir: string;
  /**
   * The graph indexer's files in agentDir (graph-indexer.cjs and its .wasm, ~4 MB), copied in
   * beside the agent, which loads them on its first `graph_index`.
   */
  indexerFiles?: readonly string[];
  /** node's real path, and its ELF interpreter (see sandbox-image-files.ts). */
  nodePath: string;
  loaderPath: string;
  /** Host files copied to /etc/passwd and /etc/group, naming the sandbox user. */
  passwdPath: string;
  groupPath: string;
  channelSocketPath: string;
  egressSocketPath: string;
  /** The sandbox's memory limit, which its tmpfs mounts must fit in (see tmpfsBytes). */
  memoryMb: number;
}

/**
 * tmpfs pages count against the sandbox's memory cgroup but belong to no process, so the OOM
 * killer cannot free them, and without a memory cgroup nothing else bounds them: all of them
 * full plus the agent (~50 MB resident) must stay under the limit. Half the limit for /work, an
 * eighth for /tmp and a sixteenth for /dev/shm leave that room.
 */
export function tmpfsBytes(memoryMb: number): { workdir: number; tmp: number; shm: number } {
  const mib = 1024 * 1024;
  return { workdir: Math.floor(memoryMb / 2) * mib, tmp: Math.floor(memoryMb / 8) * mib, shm: Math.floor(memoryMb / 16) * mib };
}

interface BwrapCommand {
  /** Options, passed on a descriptor with `--args FD` so the host paths in them stay out of the cmdline visible inside. */
  options: string[];
  /** The agent's command line inside the sandbox. */
  command: string[];
  /** Host files to open, in order, on descriptors BWRAP_FDS.firstCopy…: bwrap copies each into the sandbox (--file). */
  copies: string[];
}

/**
 * The bwrap options for one sandbox, and the agent's command line. The filesystem is a fresh
 * root tmpfs, remounted read-only at the end, holding: /usr read-only (plus the /bin, /lib…
 * entries as the host has them), from /etc only what node and git read (CA certificates,
 * alternatives symlinks, the loader cache, a passwd naming the sandbox user; /etc/ssl/private
 * stays out), fresh /proc, a read-only /dev whose /dev/shm is a sized tmpfs, private tmpfs /tmp
 * and /work, copies of the agent (with its graph indexer) and of node's loader, and this run's two sockets. Nothing else
 * of the host is visible, and /proc/self/mountinfo names no host path but the system
 * directories above and the sockets' path inside their tmpfs (see sandbox-session.ts).
 */
export function bwrapCommand(mounts: SandboxMounts): BwrapCommand {
  const copies: string[] = [];
  const copy = (source: string, dest: string, mode: number) => {
    copies.push(source);
    return copyOptions(copies.length - 1, dest, mode);
  };
  // Under /usr, node is already in the sandbox at its own path.
  const node = mounts.nodePath.startsWith('/usr/') ? mounts.nodePath : SANDBOX_PATHS.node;
  const options = [
    ...sandboxRoot(mounts.memoryMb, { passwd: copy(mounts.passwdPath, '/etc/passwd', 0o444), group: copy(mounts.groupPath, '/etc/group', 0o444) }),
    ...copy(join(mounts.agentDir, 'start.cjs'), `${SANDBOX_PATHS.agent}/start.cjs`, 0o444),
    ...copy(join(mounts.agentDir, 'agent.js'), `${SANDBOX_PATHS.agent}/agent.js`, 0o444),
    ...copy(join(mounts.agentDir, 'agent.cache'), `${SANDBOX_PATHS.agent}/agent.cache`, 0o444),
    ...(mounts.indexerFiles ?? []).flatMap((name) => copy(join(mounts.agentDir, name), `${SANDBOX_PATHS.agent}/${name}`, 0o444)),
    ...copy(mounts.loaderPath, SANDBOX_PATHS.loader, 0o111),
    ...(node === SANDBOX_PATHS.node ? ['--ro-bind', mounts.nodePath, SANDBOX_PATHS.node] : []),
    '--ro-bind',
    mounts.channelSocketPath,
    SANDBOX_PATHS.channel,
    '--ro-bind',
    mounts.egressSocketPath,
    SANDBOX_PATHS.egress,
    ...SEAL,
  ];
  return { options, command: [SANDBOX_PATHS.loader, node, `${SANDBOX_PATHS.agent}/start.cjs`, SANDBOX_PATHS.channel], copies };
}

/** `--file` of the copy on descriptor BWRAP_FDS.firstCopy + index, with its mode. */
function copyOptions(index: number, dest: string, mode: number): string[] {
  return ['--perms', mode.toString(8).padStart(4, '0'), '--file', String(BWRAP_FDS.firstCopy + index), dest];
}

/** Applied last, in this order: the seccomp filter, the read-only root, the workdir. */
const SEAL = ['--seccomp', String(BWRAP_FDS.seccomp), '--remount-ro', '/', '--chdir', SANDBOX_PATHS.workdir] as const;

/**
 * What every local sandbox is, agent or not: the namespaces, the cleared environment, the
 * sandbox user, and the filesystem up to the workdir (see bwrapCommand), with /etc/passwd and
 * /etc/group from the given `--file` options.
 */
function sandboxRoot(memoryMb: number, etc: { passwd: string[]; group: string[] }): string[] {
  const sizes = tmpfsBytes(memoryMb);
  return [
    ...BWRAP_ISOLATION_FLAGS,
    '--clearenv',
    '--setenv',
    'PATH',
    '/usr/bin:/bin',
    '--setenv',
    'HOME',
    SANDBOX_PATHS.workdir,
    '--uid',
    String(SANDBOX_UID),
    '--gid',
    String(SANDBOX_UID),
    '--hostname',
    'sandbox',
    '--ro-bind',
    '/usr',
    '/usr',
    ...rootLinks(),
    '--ro-bind-try',
    '/etc/ssl/certs',
    '/etc/ssl/certs',
    '--ro-bind-try',
    '/etc/alternatives',
    '/etc/alternatives',
    '--ro-bind-try',
    '/etc/ld.so.cache',
    '/etc/ld.so.cache',
    ...etc.passwd,
    ...etc.group,
    '--proc',
    '/proc',
    // bwrap covers /proc/sys only when its directory is writable, which it never is; its files are.
    '--ro-bind',
    '/proc/sys',
    '/proc/sys',
    // bwrap's /dev is an unsized tmpfs the sandbox user owns: /dev/shm gets its own sized one, and /dev is made read-only.
    '--dev',
    '/dev',
    '--size',
    String(sizes.shm),
    '--tmpfs',
    '/dev/shm',
    '--remount-ro',
    '/dev',
    '--size',
    String(sizes.tmp),
    '--tmpfs',
    '/tmp',
    '--size',
    String(sizes.workdir),
    '--tmpfs',
    SANDBOX_PATHS.workdir,
  ];
}

/** The account files every local sandbox has: its one user and group (the agent's image writes the same, see sandbox-image-files.ts). */
export const SANDBOX_ACCOUNT = {
  passwd: `sandbox:x:${SANDBOX_UID}:${SANDBOX_UID}:Remit sandbox:${SANDBOX_PATHS.workdir}:/bin/sh\n`,
  group: `sandbox:x:${SANDBOX_UID}:\n`,
} as const;

/**
 * How a command runs as a sandbox's own process (direct-exec.ts): through sh, so a command that
 * does not exist exits 127 (and one that cannot run 126) with one line, as a shell or
 * timeout(1) would, rather than bwrap's exit 1; then exec, so the command is the process. PWD,
 * which sh sets, is unset: the command's environment is the agent's exec's, PATH and HOME alone.
 */
const DIRECT_SHIM = 'unset PWD; command -v -- "$1" >/dev/null || { printf \'remit: command not found: %s\\n\' "$1" >&2; exit 127; }; exec "$@"';

interface DirectBwrapCommand {
  /** As BwrapCommand's. */
  options: string[];
  command: string[];
  /** Contents to write, in order, on descriptors BWRAP_FDS.firstCopy…: bwrap copies each into the sandbox (--file). */
  contents: string[];
}

/**
 * The bwrap options for a sandbox whose process is `argv` itself, with no agent (`remit sandbox
 * exec`): the same namespaces, environment, user, filesystem and seccomp filter as bwrapCommand,
 * without the agent's files, node and the run's two sockets, so it has no way out at all.
 */
export function bwrapDirectCommand(memoryMb: number, argv: string[]): DirectBwrapCommand {
  const options = [...sandboxRoot(memoryMb, { passwd: copyOptions(0, '/etc/passwd', 0o444), group: copyOptions(1, '/etc/group', 0o444) }), ...SEAL];
  return { options, command: ['/bin/sh', '-c', DIRECT_SHIM, 'sh', ...argv], contents: [SANDBOX_ACCOUNT.passwd, SANDBOX_ACCOUNT.group] };
}

let cachedRootLinks: string[] | undefined;

/** /bin, /lib, /lib64, /sbin as the host has them: symlinks into /usr on merged-/usr systems, else read-only binds. */
function rootLinks(): string[] {
  cachedRootLinks ??= ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'].flatMap((path) => {
    if (!existsSync(path)) return [];
    return lstatSync(path).isSymbolicLink() ? ['--symlink', readlinkSync(path), path] : ['--ro-bind', path, path];
  });
  return cachedRootLinks;
}
