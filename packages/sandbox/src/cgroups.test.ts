import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENT_TASKS, createCgroups, probeCgroups, type CgroupFiles } from './cgroups.ts';
import { defaultSandboxLimits } from './sandbox-driver.ts';

/**
 * A fake cgroup filesystem in a temp dir: plain files stand in for the kernel's, so these tests
 * check which files the driver reads and writes on hosts this machine is not (a pure v2 host, a
 * delegated subtree). Real enforcement is tested in sandbox-limits.test.ts for every mode this
 * host provides.
 */
async function fakeHost(root: string, layout: { cgroup: string; mountinfo: string[]; files: Record<string, string> }): Promise<CgroupFiles> {
  await writeFile(join(root, 'cgroup'), layout.cgroup);
  await writeFile(join(root, 'mountinfo'), `${layout.mountinfo.join('\n')}\n`);
  for (const [path, content] of Object.entries(layout.files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return { procSelfCgroup: join(root, 'cgroup'), procSelfMountinfo: join(root, 'mountinfo'), root };
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('cgroup support', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'remit-cgroupfs-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const pureV2 = {
    cgroup: '0::/system.slice/remit.service\n',
    mountinfo: ['35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot'],
    files: {
      'sys/fs/cgroup/system.slice/remit.service/cgroup.controllers': 'cpuset cpu io memory hugetlb pids rdma misc\n',
      'sys/fs/cgroup/system.slice/remit.service/cgroup.subtree_control': '\n',
      'sys/fs/cgroup/system.slice/remit.service/cgroup.procs': '',
    },
  };

  it('v2: hands pids and memory down to a remit parent under its own cgroup, and gives each sandbox a leaf with its limits', async () => {
    const files = await fakeHost(root, pureV2);
    const own = join(root, 'sys/fs/cgroup/system.slice/remit.service');
    const probe = await probeCgroups('v2', files);
    expect(probe).toEqual({ support: { version: 'v2', parent: join(own, 'remit') } });
    expect(await readFile(join(own, 'cgroup.subtree_control'), 'utf8')).toBe('+pids +memory');
    expect(await readFile(join(own, 'remit', 'cgroup.subtree_control'), 'utf8')).toBe('+pids +memory');
    expect(await probeCgroups('auto', files)).toEqual(probe);

    const [leaf, ...more] = await createCgroups(
      (probe as { support: { version: 'v2'; parent: string } }).support,
      'sbx-0123456789abcdef',
      defaultSandboxLimits,
    );
    expect(more).toEqual([]);
    expect(leaf).toBe(join(own, 'remit', 'sbx-0123456789abcdef'));
    expect(await readFile(join(leaf!, 'pids.max'), 'utf8')).toBe(String(defaultSandboxLimits.maxProcesses + AGENT_TASKS));
    expect(await readFile(join(leaf!, 'memory.max'), 'utf8')).toBe(String(512 * 1024 * 1024));
    expect(await readFile(join(leaf!, 'memory.swap.max'), 'utf8')).toBe('0');
  });

  it('v2: a cgroup namespace or bind that shows the hierarchy from below its root still maps to the right directory', async () => {
    const files = await fakeHost(root, {
      ...pureV2,
      mountinfo: ['35 24 0:30 /system.slice /sys/fs/cgroup rw - cgroup2 cgroup2 rw'],
      files: { 'sys/fs/cgroup/remit.service/cgroup.controllers': 'memory pids\n', 'sys/fs/cgroup/remit.service/cgroup.subtree_control': '' },
    });
    expect(await probeCgroups('v2', files)).toEqual({ support: { version: 'v2', parent: join(root, 'sys/fs/cgroup/remit.service/remit') } });
  });

  it('v2 on a hybrid host, where pids and memory belong to v1: refused with the reason, and auto falls back to v1', async () => {
    const files = await fakeHost(root, {
      cgroup: '8:pids:/\n4:memory:/svc\n0::/\n',
      mountinfo: [
        '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
        '39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
        '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
      ],
      files: { 'sys/fs/cgroup/unified/cgroup.controllers': 'hugetlb\n', 'sys/fs/cgroup/unified/cgroup.subtree_control': '' },
    });
    const v2 = await probeCgroups('v2', files);
    expect(v2).toEqual({ unavailable: expect.stringMatching(/offers \[hugetlb\].*not pids and memory/) });
    const v1 = { version: 'v1', pids: join(root, 'sys/fs/cgroup/pids/remit'), memory: join(root, 'sys/fs/cgroup/memory/svc/remit') };
    expect(await probeCgroups('v1', files)).toEqual({ support: v1 });
    expect(await probeCgroups('auto', files)).toEqual({ support: v1 });
    expect(await probeCgroups('none', files)).toEqual({ support: { version: 'none' } });
  });

  it('v1 on a pure v2 host: refused, and makes no v2 cgroup named "pids" (a mkdir under /sys/fs/cgroup/pids would)', async () => {
    const files = await fakeHost(root, pureV2);
    expect(await probeCgroups('v1', files)).toEqual({ unavailable: expect.stringContaining('no cgroup v1 pids hierarchy') });
    expect(await exists(join(root, 'sys/fs/cgroup/pids'))).toBe(false);
    expect(await exists(join(root, 'sys/fs/cgroup/memory'))).toBe(false);
  });

  it('auto with neither version usable: rlimits alone', async () => {
    const files = await fakeHost(root, {
      cgroup: '0::/\n',
      mountinfo: ['41 31 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw'],
      files: { 'sys/fs/cgroup/cgroup.controllers': '' },
    });
    expect(await probeCgroups('auto', files)).toEqual({ support: { version: 'none' } });
    expect(await probeCgroups('v2', files)).toEqual({ unavailable: expect.stringContaining('offers []') });
  });
});
