import { existsSync, lstatSync, readlinkSync } from 'node:fs';

/** Where things are inside every local sandbox. */
export const SANDBOX_PATHS = {
  workdir: '/work',
  agent: '/opt/remit/agent.mjs',
  node: '/opt/remit/node',
  channel: '/run/remit/channel.sock',
  egress: '/run/remit/egress.sock',
} as const;

/** The sandbox's uid and gid. Not 0, and unmapped to anything but the host uid running bwrap. */
export const SANDBOX_UID = 1000;

/** /tmp is scratch space; the workdir gets the memory limit's worth. */
const TMP_BYTES = 64 * 1024 * 1024;

/**
 * Namespaces: every one bwrap offers. The network namespace has only its own loopback (bwrap
 * brings `lo` up), so nothing of the host is reachable, not even 127.0.0.1:5432, nor the host's
 * abstract unix sockets; the two bound sockets are the only way out. --disable-userns stops
 * nested user namespaces (a favourite kernel attack surface); --new-session stops TIOCSTI.
 */
export const NAMESPACE_ARGS = [
  '--unshare-user',
  '--unshare-pid',
  '--unshare-ipc',
  '--unshare-uts',
  '--unshare-cgroup-try',
  '--unshare-net',
  '--disable-userns',
  '--die-with-parent',
  '--new-session',
] as const;

export interface SandboxMounts {
  agentPath: string;
  /** An execute-only copy of node: the agent that runs it is not dumpable (see node-image.ts). */
  nodePath: string;
  /** Host files bound as /etc/passwd and /etc/group, naming the sandbox user. */
  passwdPath: string;
  groupPath: string;
  channelSocketPath: string;
  egressSocketPath: string;
  workdirBytes: number;
}

export interface BwrapCommand {
  /** Options, passed on a descriptor with `--args FD` so the host paths in them stay out of the cmdline visible inside. */
  options: string[];
  /** The agent's command line inside the sandbox. */
  command: string[];
}

/**
 * The bwrap options for one sandbox, and the agent's command line. The
 * filesystem is a fresh root tmpfs, remounted read-only at the end, holding: /usr read-only
 * (plus the /bin, /lib… entries as the host has them), from /etc only what node and git read
 * (CA certificates, alternatives symlinks, the loader cache, a passwd naming the sandbox
 * user: /etc/ssl/private stays out), fresh /proc and /dev, private tmpfs /tmp and /work, the
 * agent, and this run's two sockets. Nothing else of the host is visible.
 */
export function bwrapCommand(mounts: SandboxMounts): BwrapCommand {
  const options = [
    ...NAMESPACE_ARGS,
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
    '--dev', '/dev',
    '--size', String(TMP_BYTES), '--tmpfs', '/tmp',
    '--size', String(mounts.workdirBytes), '--tmpfs', SANDBOX_PATHS.workdir,
    '--ro-bind', mounts.agentPath, SANDBOX_PATHS.agent,
    '--ro-bind', mounts.nodePath, SANDBOX_PATHS.node,
    '--ro-bind', mounts.channelSocketPath, SANDBOX_PATHS.channel,
    '--ro-bind', mounts.egressSocketPath, SANDBOX_PATHS.egress,
    '--remount-ro', '/',
    '--chdir', SANDBOX_PATHS.workdir,
  ];
  return { options, command: [SANDBOX_PATHS.node, SANDBOX_PATHS.agent, SANDBOX_PATHS.channel] };
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
