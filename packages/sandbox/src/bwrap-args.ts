import { existsSync, lstatSync, readlinkSync } from 'node:fs';

/** Where things are inside every local sandbox. */
export const SANDBOX_PATHS = {
  workdir: '/work',
  agent: '/opt/remit/agent',
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

export interface SandboxMounts {
  /** The agent bundle's directory (see agent-bundle.ts). */
  agentDir: string;
  /** An execute-only copy of node: the agent that runs it is not dumpable (see node-image.ts). */
  nodePath: string;
  /** Host files bound as /etc/passwd and /etc/group, naming the sandbox user. */
  passwdPath: string;
  groupPath: string;
  channelSocketPath: string;
  egressSocketPath: string;
  /** The sandbox's memory limit, which its tmpfs mounts must fit in (see tmpfsBytes). */
  memoryMb: number;
}

/**
 * tmpfs pages count against the sandbox's memory cgroup but belong to no process, so the OOM
 * killer cannot free them: a full workdir plus the agent (~50 MB resident) must stay under the
 * limit. Half the limit for /work and an eighth for /tmp leave that room.
 */
export function tmpfsBytes(memoryMb: number): { workdir: number; tmp: number } {
  const mib = 1024 * 1024;
  return { workdir: Math.floor(memoryMb / 2) * mib, tmp: Math.floor(memoryMb / 8) * mib };
}

export interface BwrapCommand {
  /** Options, passed on a descriptor with `--args FD` so the host paths in them stay out of the cmdline visible inside. */
  options: string[];
  /** The agent's command line inside the sandbox. */
  command: string[];
}

/**
 * The bwrap options for one sandbox, and the agent's command line. The filesystem is a fresh
 * root tmpfs, remounted read-only at the end, holding: /usr read-only (plus the /bin, /lib…
 * entries as the host has them), from /etc only what node and git read (CA certificates,
 * alternatives symlinks, the loader cache, a passwd naming the sandbox user; /etc/ssl/private
 * stays out), fresh /proc and /dev, private tmpfs /tmp and /work sized to fit the memory
 * limit, the agent, and this run's two sockets. Nothing else of the host is visible.
 */
export function bwrapCommand(mounts: SandboxMounts): BwrapCommand {
  const sizes = tmpfsBytes(mounts.memoryMb);
  const options = [
    ...BWRAP_ISOLATION_FLAGS,
    '--clearenv',
    '--setenv', 'PATH', '/usr/bin:/bin',
    '--setenv', 'HOME', SANDBOX_PATHS.workdir,
    '--uid', String(SANDBOX_UID),
    '--gid', String(SANDBOX_UID),
    '--hostname', 'sandbox',
    '--ro-bind', '/usr', '/usr',
    ...rootLinks(),
    '--ro-bind-try', '/etc/ssl/certs', '/etc/ssl/certs',
    '--ro-bind-try', '/etc/alternatives', '/etc/alternatives',
    '--ro-bind-try', '/etc/ld.so.cache', '/etc/ld.so.cache',
    '--ro-bind', mounts.passwdPath, '/etc/passwd',
    '--ro-bind', mounts.groupPath, '/etc/group',
    '--proc', '/proc',
    // bwrap covers /proc/sys only when its directory is writable, which it never is; its files are.
    '--ro-bind', '/proc/sys', '/proc/sys',
    '--dev', '/dev',
    '--size', String(sizes.tmp), '--tmpfs', '/tmp',
    '--size', String(sizes.workdir), '--tmpfs', SANDBOX_PATHS.workdir,
    '--ro-bind', mounts.agentDir, SANDBOX_PATHS.agent,
    '--ro-bind', mounts.nodePath, SANDBOX_PATHS.node,
    '--ro-bind', mounts.channelSocketPath, SANDBOX_PATHS.channel,
    '--ro-bind', mounts.egressSocketPath, SANDBOX_PATHS.egress,
    '--remount-ro', '/',
    '--chdir', SANDBOX_PATHS.workdir,
  ];
  return { options, command: [SANDBOX_PATHS.node, `${SANDBOX_PATHS.agent}/start.cjs`, SANDBOX_PATHS.channel] };
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
