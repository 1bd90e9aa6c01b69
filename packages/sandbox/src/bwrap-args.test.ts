import { describe, expect, it } from 'vitest';
import { BWRAP_ISOLATION_FLAGS, SANDBOX_PATHS, bwrapCommand, tmpfsBytes } from './bwrap-args.ts';

const mounts = {
  agentDir: '/state/image/agent-abc',
  nodePath: '/state/image/node-abc',
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
  const { options, command } = bwrapCommand(mounts);

  it('unshares every namespace, network included, and drops all capabilities', () => {
    for (const flag of BWRAP_ISOLATION_FLAGS) expect(options).toContain(flag);
    expect(options.join(' ')).toContain('--unshare-net');
    expect(options.join(' ')).toContain('--cap-drop ALL');
    expect(options).not.toContain('--share-net');
  });

  it('exposes only system dirs, the image files and this run’s two sockets, and only /work and /tmp writable', () => {
    const allowed = ['/usr', '/proc/sys', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc/ssl/certs', '/etc/alternatives', '/etc/ld.so.cache', ...Object.values(mounts).filter((v) => typeof v === 'string')];
    for (const source of hostSources(options)) expect(allowed).toContain(source);
    expect(options.filter((o) => o === '--bind' || o === '--dev-bind')).toEqual([]); // nothing of the host is writable
    expect(options).toContain('--remount-ro');
    expect(options.join(' ')).toContain(`--ro-bind ${mounts.channelSocketPath} ${SANDBOX_PATHS.channel}`);
  });

  it('starts from an empty environment with PATH and HOME only, as uid 1000', () => {
    const setenv = options.flatMap((o, i) => (o === '--setenv' ? [`${options[i + 1]}=${options[i + 2]}`] : []));
    expect(options).toContain('--clearenv');
    expect(setenv).toEqual(['PATH=/usr/bin:/bin', 'HOME=/work']);
    expect(options.join(' ')).toContain('--uid 1000 --gid 1000');
  });

  it('keeps host paths out of the agent command line', () => {
    expect(command).toEqual([SANDBOX_PATHS.node, `${SANDBOX_PATHS.agent}/start.cjs`, SANDBOX_PATHS.channel]);
  });

  it('sizes the tmpfs mounts to leave the agent room under the memory limit', () => {
    const { workdir, tmp } = tmpfsBytes(512);
    expect(workdir + tmp).toBeLessThan(512 * 1024 * 1024 - 64 * 1024 * 1024);
    expect(options.join(' ')).toContain(`--size ${workdir} --tmpfs /work`);
  });
});
