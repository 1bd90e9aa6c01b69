import { describe, expect, it } from 'vitest';
import { BWRAP_FDS, BWRAP_ISOLATION_FLAGS, SANDBOX_PATHS, bwrapCommand, tmpfsBytes } from './bwrap-args.ts';

const mounts = {
  agentDir: '/state/image/agent-abc',
  nodePath: '/usr/bin/node',
  loaderPath: '/lib64/ld-linux-x86-64.so.2',
  passwdPath: '/state/image/passwd-abc',
  groupPath: '/state/image/group-abc',
  channelSocketPath: '/tmp/remit-run-1/channel.sock',
  egressSocketPath: '/tmp/remit-run-1/egress.sock',
  memoryMb: 512,
};

/** Every host path bwrap exposes inside, read-only or not. */
function hostSources(options: string[]): string[] {
  const sources: string[] = [];
  options.forEach((option, i) => {
    if (/^--(ro-|dev-)?bind(-try)?$/.test(option)) sources.push(options[i + 1]!);
  });
  return sources;
}

describe('bwrapCommand', () => {
  const { options, command, copies } = bwrapCommand(mounts);
  const joined = options.join(' ');

  it('unshares every namespace, network included, and drops all capabilities', () => {
    for (const flag of BWRAP_ISOLATION_FLAGS) expect(options).toContain(flag);
    expect(options.join(' ')).toContain('--unshare-net');
    expect(options.join(' ')).toContain('--cap-drop ALL');
    expect(options).not.toContain('--share-net');
  });

  it('binds only system dirs and this run’s two sockets, read-only, and copies in the image files instead', () => {
    const allowed = [
      '/usr',
      '/proc/sys',
      '/bin',
      '/sbin',
      '/lib',
      '/lib32',
      '/lib64',
      '/libx32',
      '/etc/ssl/certs',
      '/etc/alternatives',
      '/etc/ld.so.cache',
      mounts.channelSocketPath,
      mounts.egressSocketPath,
    ];
    for (const source of hostSources(options)) expect(allowed).toContain(source);
    expect(options.filter((o) => o === '--bind' || o === '--dev-bind')).toEqual([]); // nothing of the host is writable
    expect(joined).toContain(`--ro-bind ${mounts.channelSocketPath} ${SANDBOX_PATHS.channel}`);
    // A bind shows its host path in /proc/self/mountinfo; a copy (--file) into the root tmpfs does not.
    expect(copies).toEqual([
      mounts.passwdPath,
      mounts.groupPath,
      `${mounts.agentDir}/start.cjs`,
      `${mounts.agentDir}/agent.js`,
      `${mounts.agentDir}/agent.cache`,
      mounts.loaderPath,
    ]);
    const fd = (i: number) => BWRAP_FDS.firstCopy + i;
    expect(joined).toContain(`--perms 0444 --file ${fd(0)} /etc/passwd`);
    expect(joined).toContain(`--perms 0444 --file ${fd(4)} ${SANDBOX_PATHS.agent}/agent.cache`);
    expect(joined).toContain(`--perms 0111 --file ${fd(5)} ${SANDBOX_PATHS.loader}`); // execute-only: the agent is not dumpable
    // The root tmpfs, and with it every copy, is read-only once everything is in place.
    expect(options.slice(-4)).toEqual(['--remount-ro', '/', '--chdir', SANDBOX_PATHS.workdir]);
  });

  it('binds node only when it lives outside /usr, which the sandbox shares', () => {
    expect(hostSources(options)).not.toContain(mounts.nodePath);
    const elsewhere = bwrapCommand({ ...mounts, nodePath: '/home/dev/.nvm/versions/node/v20/bin/node' });
    expect(elsewhere.options.join(' ')).toContain(`--ro-bind /home/dev/.nvm/versions/node/v20/bin/node ${SANDBOX_PATHS.node}`);
    expect(elsewhere.command[1]).toBe(SANDBOX_PATHS.node);
  });

  it('applies the seccomp program from its descriptor', () => {
    expect(joined).toContain(`--seccomp ${BWRAP_FDS.seccomp}`);
  });

  it('gives /dev/shm a sized tmpfs of its own and makes the rest of /dev read-only', () => {
    expect(joined).toContain(`--dev /dev --size ${tmpfsBytes(512).shm} --tmpfs /dev/shm --remount-ro /dev`);
  });

  it('starts from an empty environment with PATH and HOME only, as uid 1000', () => {
    const setenv = options.flatMap((o, i) => (o === '--setenv' ? [`${options[i + 1]}=${options[i + 2]}`] : []));
    expect(options).toContain('--clearenv');
    expect(setenv).toEqual(['PATH=/usr/bin:/bin', 'HOME=/work']);
    expect(options.join(' ')).toContain('--uid 1000 --gid 1000');
  });

  it('keeps host paths out of the agent command line', () => {
    expect(command).toEqual([SANDBOX_PATHS.loader, '/usr/bin/node', `${SANDBOX_PATHS.agent}/start.cjs`, SANDBOX_PATHS.channel]);
  });

  it('sizes the tmpfs mounts to leave the agent room under the memory limit', () => {
    const { workdir, tmp, shm } = tmpfsBytes(512);
    expect(workdir + tmp + shm).toBeLessThan(512 * 1024 * 1024 - 64 * 1024 * 1024);
    expect(options.join(' ')).toContain(`--size ${workdir} --tmpfs /work`);
  });
});
