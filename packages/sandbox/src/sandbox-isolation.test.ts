import { readdir, readFile } from 'node:fs/promises';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOST_ID_RANGE } from './host-identity.ts';
import { exec, nodeScript, withSession } from './testing.ts';

/** Prints the outcome of a TCP connect from inside: CONNECTED or the error code. */
const tryConnect = (host: string, port: number) => `
const s = require('net').connect({ host: ${JSON.stringify(host)}, port: ${port}, timeout: 2000 });
s.on('connect', () => { console.log('CONNECTED'); process.exit(0); });
s.on('timeout', () => { console.log('TIMEOUT'); process.exit(0); });
s.on('error', (e) => { console.log(e.code); process.exit(0); });`;

describe('a local sandbox, attacked from inside', () => {
  it('has no network: not the host loopback (Postgres on 5432, a listener of ours), not the outside world, not DNS', async () => {
    // A listener on the host's loopback that the host itself can reach: the control for "refused".
    const listener = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as AddressInfo;
    try {
      await withSession({}, async (session) => {
        for (const target of [5432, port]) expect((await nodeScript(session, tryConnect('127.0.0.1', target))).stdout.trim()).toBe('ECONNREFUSED');
        for (const address of ['1.1.1.1', '8.8.8.8', '169.254.169.254', '::ffff:1.1.1.1']) {
          expect((await nodeScript(session, tryConnect(address, 443))).stdout.trim()).toMatch(/^(ENETUNREACH|EHOSTUNREACH|EADDRNOTAVAIL)$/);
        }
        const dns = await nodeScript(session, `require('dns').lookup('example.com', (e) => console.log(e ? e.code : 'RESOLVED'))`);
        expect(dns.stdout.trim()).not.toBe('RESOLVED');
        // Positive control: the sandbox's own loopback works, so the probe can tell "connected" apart.
        const own = await nodeScript(session, `require('net').createServer(() => {}).listen(5432, '127.0.0.1', () => { ${tryConnect('127.0.0.1', 5432)} });`);
        expect(own.stdout.trim()).toBe('CONNECTED');
      });
      const fromHost = await new Promise<boolean>((resolve) => createConnection({ host: '127.0.0.1', port }).once('connect', () => resolve(true)).once('error', () => resolve(false)));
      expect(fromHost).toBe(true);
    } finally {
      listener.close();
    }
  });

  it("cannot reach the host's abstract unix sockets", async () => {
    const name = `remit-isolation-${process.pid}-${Date.now()}`;
    const server = createServer((socket) => socket.end('reached\n'));
    await new Promise<void>((resolve) => server.listen(`\0${name}`, resolve));
    try {
      await withSession({}, async (session) => {
        const probe = await nodeScript(session, `require('net').connect('\\0${name}').on('data', (d) => console.log(String(d).trim())).on('error', (e) => console.log(e.code))`);
        expect(probe.stdout.trim()).toBe('ECONNREFUSED');
      });
    } finally {
      server.close();
    }
  });

  it('sees an empty environment: only PATH and HOME', async () => {
    await withSession({}, async (session) => {
      const env = await exec(session, ['env']);
      expect(env.stdout.trim().split('\n').sort()).toEqual(['HOME=/work', 'PATH=/usr/bin:/bin']);
      // Nor does any process in the sandbox (bwrap, the agent) carry more, or the bootstrap token.
      const all = await exec(session, ['sh', '-c', 'cat /proc/[0-9]*/environ 2>/dev/null | tr "\\0" "\\n" | sort -u']);
      // (PWD is the shell's own, set by the `sh -c` this test runs.)
      expect(all.stdout.trim().split('\n').filter((line) => line !== '' && !['HOME=/work', 'PATH=/usr/bin:/bin', 'PWD=/work'].includes(line))).toEqual([]);
    });
  });

  it('sees only its own processes, as a non-root user without capabilities', async () => {
    await withSession({}, async (session) => {
      const pids = (await exec(session, ['sh', '-c', 'ls /proc | grep -E "^[0-9]+$"'])).stdout.trim().split('\n').map(Number);
      expect(pids).not.toContain(process.pid);
      expect(Math.max(...pids)).toBeLessThan(50);
      const ps = await exec(session, ['ps', '-eo', 'pid,args']);
      expect(ps.stdout).not.toMatch(/vitest|postgres|redis/);
      expect((await exec(session, ['id', '-u'])).stdout.trim()).toBe('1000');
      expect((await exec(session, ['grep', 'CapEff', '/proc/self/status'])).stdout).toMatch(/CapEff:\s+0+\n/);
      const bwrapArgs = await exec(session, ['sh', '-c', 'tr "\\0" " " < /proc/1/cmdline']);
      expect(bwrapArgs.stdout).toBe('/usr/bin/bwrap --args 3 /opt/remit/node /opt/remit/agent/start.cjs /run/remit/channel.sock ');
    });
  });

  it('cannot write host sysctls or read root-only kernel files', async () => {
    await withSession({}, async (session) => {
      // Writes back the value already there: harmless even if the protection were missing.
      const sysctl = await exec(session, ['sh', '-c', 'v=$(cat /proc/sys/kernel/core_pattern); (printf "%s" "$v" > /proc/sys/kernel/core_pattern) 2>/dev/null && echo WRITABLE || echo denied']);
      expect(sysctl.stdout.trim()).toBe('denied');
      for (const path of ['/proc/slabinfo', '/proc/kcore', '/proc/sysrq-trigger']) {
        const read = await exec(session, ['sh', '-c', `head -c1 ${path} >/dev/null 2>&1 && echo readable || echo denied`]);
        expect(`${path}: ${read.stdout.trim()}`).toBe(`${path}: denied`);
      }
      // Positive control: ordinary /proc files are readable.
      expect((await exec(session, ['sh', '-c', 'head -c1 /proc/meminfo >/dev/null && echo ok'])).stdout.trim()).toBe('ok');
    });
  });

  it('runs as an unprivileged host uid of its own when the driver is root', async () => {
    if (process.getuid?.() !== 0) return;
    await withSession({}, async (first, { stateDir }) => {
      await withSession({}, async () => {
        const hostUids = await Promise.all(
          (await readdir(stateDir)).filter((n) => n.endsWith('.json')).map(async (name) => {
            const { pid } = JSON.parse(await readFile(join(stateDir, name), 'utf8')) as { pid: number };
            return Number(/^Uid:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1]);
          }),
        );
        expect(hostUids).toHaveLength(1); // the second session has its own state dir
        expect(hostUids[0]).toBeGreaterThanOrEqual(HOST_ID_RANGE.first);
      });
      expect((await exec(first, ['id', '-u'])).stdout.trim()).toBe('1000');
    });
  });

  it("cannot read the agent's memory, environment or descriptors (the agent is not dumpable)", async () => {
    await withSession({}, async (session) => {
      // pid 2 is the agent (pid 1 is bwrap's reaper).
      const agent = await exec(session, ['sh', '-c', 'tr "\\0" " " < /proc/2/cmdline']);
      expect(agent.stdout).toBe('/opt/remit/node /opt/remit/agent/start.cjs /run/remit/channel.sock ');
      const probe = await exec(session, ['sh', '-c', 'for f in maps environ mem fd/0 fd/3; do head -c1 /proc/2/$f >/dev/null 2>&1 && echo "$f readable" || echo "$f denied"; done; readlink /proc/2/exe >/dev/null 2>&1 && echo "exe readable" || echo "exe denied"']);
      expect(probe.stdout.trim().split('\n')).toEqual(['maps denied', 'environ denied', 'mem denied', 'fd/0 denied', 'fd/3 denied', 'exe denied']);
      // Positive control: a process's own /proc entries are readable.
      expect((await exec(session, ['sh', '-c', 'head -c1 /proc/self/maps >/dev/null && echo ok'])).stdout.trim()).toBe('ok');
    });
  });

  it("sees nothing of the host's filesystem beyond the read-only system binds", async () => {
    await withSession({}, async (session, { stateDir }) => {
      for (const path of ['/work/main', '/root', stateDir, '/home', '/var', '/sys', '/etc/shadow', '/etc/ssl/private', '/tmp/remit-test-sandbox-image']) {
        const probe = await exec(session, ['sh', '-c', `ls -d "${path}" >/dev/null 2>&1 && echo visible || echo absent`]);
        expect(`${path}: ${probe.stdout.trim()}`).toBe(`${path}: absent`);
      }
      expect((await exec(session, ['ls', '/run/remit'])).stdout.trim().split('\n')).toEqual(['channel.sock', 'egress.sock']);
      for (const path of ['/usr/bin/planted', '/etc/planted', '/planted', '/opt/remit/agent/agent.js', '/opt/remit/agent/new']) {
        const write = await exec(session, ['sh', '-c', `echo x > ${path} 2>&1 || echo refused`]);
        expect(write.stdout).toMatch(/refused/);
      }
      // Positive control: the workdir and /tmp are writable.
      expect((await exec(session, ['sh', '-c', 'echo x > /work/f && echo x > /tmp/f && echo ok'])).stdout.trim()).toBe('ok');
    });
  });

  it("cannot see a concurrent sandbox's workdir", async () => {
    const marker = `marker-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    await withSession({}, async (runA) => {
      await exec(runA, ['sh', '-c', `echo ${marker} > /work/${marker}.txt; echo ${marker} > /tmp/${marker}.txt`]);
      await withSession({}, async (runB) => {
        const search = await exec(runB, ['sh', '-c', `grep -rl ${marker} /work /tmp /run /opt 2>/dev/null; find / -name '${marker}*' 2>/dev/null; echo done`]);
        expect(search.stdout.trim()).toBe('done');
      });
      // Positive control: run A still finds its own marker.
      expect((await exec(runA, ['cat', `/work/${marker}.txt`])).stdout.trim()).toBe(marker);
    });
  });
});
