import { createConnection, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { exec, nodeScript, withSession } from './testing.ts';

/** Prints the outcome of a TCP connect from inside: CONNECTED or the error code. */
const tryConnect = (host: string, port: number) => `
const s = require('net').connect({ host: ${JSON.stringify(host)}, port: ${port}, timeout: 2000 });
s.on('connect', () => { console.log('CONNECTED'); process.exit(0); });
s.on('timeout', () => { console.log('TIMEOUT'); process.exit(0); });
s.on('error', (e) => { console.log(e.code); process.exit(0); });`;

const hostCanReach = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => resolve(true)).once('error', () => resolve(false));
    socket.setTimeout(1000, () => resolve(false));
  }).finally(() => undefined);

describe('a local sandbox, attacked from inside', () => {
  it('has no network: not the host loopback (Postgres on 5432), not the outside world, not DNS', async () => {
    const postgresOnHost = await hostCanReach(5432);
    await withSession({}, async (session) => {
      expect((await nodeScript(session, tryConnect('127.0.0.1', 5432))).stdout.trim()).toBe('ECONNREFUSED');
      for (const address of ['1.1.1.1', '8.8.8.8', '169.254.169.254', '::ffff:1.1.1.1']) {
        expect((await nodeScript(session, tryConnect(address, 443))).stdout.trim()).toMatch(/^(ENETUNREACH|EHOSTUNREACH|EADDRNOTAVAIL)$/);
      }
      const dns = await nodeScript(session, `require('dns').lookup('example.com', (e) => console.log(e ? e.code : 'RESOLVED'))`);
      expect(dns.stdout.trim()).not.toBe('RESOLVED');
      // Positive control: the sandbox's own loopback works, so the probe can tell "connected" apart.
      const own = await nodeScript(session, `const srv = require('net').createServer(() => {}).listen(5432, '127.0.0.1', () => { ${tryConnect('127.0.0.1', 5432).replaceAll('process.exit(0)', 'srv.close()')} });`);
      expect(own.stdout.trim()).toBe('CONNECTED');
    });
    // When Postgres runs here, the host itself reaches it, so the refusal above is the sandbox's doing.
    if (postgresOnHost) expect(postgresOnHost).toBe(true);
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
      expect(all.stdout.trim().split('\n').filter((line) => line !== '' && !['HOME=/work', 'PATH=/usr/bin:/bin'].includes(line))).toEqual([]);
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
      expect(bwrapArgs.stdout).toBe('bwrap --args 3 /opt/remit/node /opt/remit/agent.mjs /run/remit/channel.sock ');
    });
  });

  it("cannot read the agent's memory, environment or descriptors (the agent is not dumpable)", async () => {
    await withSession({}, async (session) => {
      const probe = await exec(session, ['sh', '-c', 'for f in maps environ mem; do head -c1 /proc/2/$f >/dev/null 2>&1 && echo "$f readable" || echo "$f denied"; done; ls /proc/2/fd >/dev/null 2>&1 && echo "fd readable" || echo "fd denied"']);
      expect(probe.stdout.trim().split('\n')).toEqual(['maps denied', 'environ denied', 'mem denied', 'fd denied']);
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
      for (const path of ['/usr/bin/planted', '/etc/planted', '/planted', '/opt/remit/agent.mjs']) {
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
