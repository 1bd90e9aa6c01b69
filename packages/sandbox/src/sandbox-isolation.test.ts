import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HOST_ID_RANGE } from './host-identity.ts';
import { PERL } from './launch-wrapper.ts';
import { DENIED_SYSCALLS, X32_SYSCALL_BIT } from './seccomp-filter.ts';
import type { SandboxState } from './sandbox-state.ts';
import { hostSyscallArch, syscallNumber, type SyscallName } from './syscall-table.ts';
import { TEST_IMAGE_DIR, exec, nodeScript, withSession } from './testing.ts';

const arch = hostSyscallArch();
const EPERM = '1';
const ENOSYS = '38';

/** How the agent runs inside: node's loader, then node (at its own path when under /usr, which the sandbox shares). */
const hostNode = realpathSync(process.execPath);
const AGENT_CMDLINE = `/opt/remit/ld.so ${hostNode.startsWith('/usr/') ? hostNode : '/opt/remit/node'} /opt/remit/agent/start.cjs /run/remit/channel.sock `;

/**
 * Arguments that make each call harmless. `host`: the call, run on the host with these
 * arguments, succeeds or fails with another errno whatever the host's sysctls, so EPERM inside
 * can only be the sandbox's filter (the others could be EPERM for want of a capability alone).
 * 'buf' is 256 zero bytes (an empty string where the call wants a name).
 */
const PROBES: { name: SyscallName; args: (number | 'buf')[]; host: boolean }[] = [
  { name: 'io_uring_setup', args: [1, 'buf'], host: false },
  { name: 'io_uring_enter', args: [-1, 0, 0, 0, 0, 0], host: true },
  { name: 'io_uring_register', args: [-1, 0, 0, 0], host: true },
  { name: 'bpf', args: [-1, 0, 0], host: false },
  { name: 'userfaultfd', args: [1], host: false },
  { name: 'perf_event_open', args: [0, 0, -1, -1, 0], host: false },
  { name: 'add_key', args: ['buf', 'buf', 'buf', 0, -3], host: true },
  { name: 'request_key', args: ['buf', 'buf', 0, 0], host: true },
  { name: 'keyctl', args: [0, -3, 0], host: true },
  { name: 'kexec_load', args: [0, 0, 0, 0], host: false },
  { name: 'kexec_file_load', args: [-1, -1, 0, 0, 0], host: false },
  { name: 'init_module', args: [0, 0, 0], host: false },
  { name: 'finit_module', args: [-1, 0, 0], host: false },
  { name: 'delete_module', args: [0, 0], host: false },
  { name: 'mount', args: [0, 0, 0, 0, 0], host: true },
  { name: 'umount2', args: [0, -1], host: true },
  { name: 'pivot_root', args: [0, 0], host: false },
  { name: 'fsopen', args: [0, 0], host: false },
  { name: 'fsconfig', args: [-1, 0, 0, 0, 0], host: true },
  { name: 'fsmount', args: [-1, 0, 0], host: false },
  { name: 'fspick', args: [-1, 0, 0], host: false },
  { name: 'open_tree', args: [-1, 0, 0], host: true },
  { name: 'move_mount', args: [-1, 0, -1, 0, 0], host: false },
  { name: 'mount_setattr', args: [-1, 0, 0, 0, 0], host: true },
  { name: 'unshare', args: [0], host: true },
  { name: 'setns', args: [-1, 0], host: true },
  { name: 'ptrace', args: [16, 0, 0, 0], host: true }, // PTRACE_ATTACH to pid 0: ESRCH
  { name: 'process_vm_readv', args: [0, 0, 0, 0, 0, 0], host: true },
  { name: 'process_vm_writev', args: [0, 0, 0, 0, 0, 0], host: true },
  { name: 'pidfd_getfd', args: [-1, -1, 0], host: true },
  { name: 'kcmp', args: [0, 0, 0, 0, 0], host: true },
  { name: 'reboot', args: [0, 0, 0, 0], host: false },
  { name: 'swapon', args: [0, 0], host: false },
  { name: 'swapoff', args: [0], host: false },
  { name: 'acct', args: [0], host: false },
  { name: 'quotactl', args: [0, 0, 0, 0], host: false },
  { name: 'quotactl_fd', args: [-1, 0, 0, 0], host: true },
  { name: 'syslog', args: [10, 0, 0], host: false },
  { name: 'open_by_handle_at', args: [-1, 0, 0], host: false },
  { name: 'lookup_dcookie', args: [0, 0, 0], host: false },
  { name: 'settimeofday', args: [0, 0], host: true }, // both NULL: sets nothing
  { name: 'clock_settime', args: [-1, 0], host: true },
  { name: 'clock_adjtime', args: [-1, 0], host: true },
  { name: 'adjtimex', args: [0], host: true },
  { name: 'fanotify_init', args: [0, 0], host: false },
  { name: 'nfsservctl', args: [0, 0, 0], host: false },
  { name: 'vhangup', args: [], host: false },
  { name: 'iopl', args: [0], host: false }, // ENOSYS where the kernel has no CONFIG_X86_IOPL_IOPERM
  { name: 'ioperm', args: [0, 0, 0], host: false },
  { name: 'modify_ldt', args: [0, 0, 0], host: false },
  { name: 'uselib', args: [0], host: false },
  { name: '_sysctl', args: [0], host: false },
  { name: 'personality', args: [0x0004_0000], host: true }, // ADDR_NO_RANDOMIZE
  { name: 'clone3', args: [0, 0], host: true },
];

/** perl: runs each `name,nr,arg…` and prints name=errno, or name=ok. */
const PROBE_SCRIPT = `for my $spec (@ARGV) {
  my ($name, $nr, @args) = split /,/, $spec;
  my @a = map { $_ eq 'buf' ? "\\0" x 256 : 0 + $_ } @args;
  $! = 0;
  my $r = syscall(0 + $nr, @a);
  print "$name=", ($r == -1 ? $! + 0 : 'ok'), "\\n";
}`;

const probeArgs = (probes: typeof PROBES) =>
  probes.flatMap(({ name, args }) => {
    const nr = syscallNumber(arch, name);
    return nr === undefined ? [] : [[name, nr, ...args].join(',')];
  });

const parseProbes = (stdout: string) =>
  Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => line.split('=') as [string, string]),
  );

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
      const fromHost = await new Promise<boolean>((resolve) =>
        createConnection({ host: '127.0.0.1', port })
          .once('connect', () => resolve(true))
          .once('error', () => resolve(false)),
      );
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
        const probe = await nodeScript(
          session,
          `require('net').connect('\\0${name}').on('data', (d) => console.log(String(d).trim())).on('error', (e) => console.log(e.code))`,
        );
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
      expect(
        all.stdout
          .trim()
          .split('\n')
          .filter((line) => line !== '' && !['HOME=/work', 'PATH=/usr/bin:/bin', 'PWD=/work'].includes(line)),
      ).toEqual([]);
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
      expect(bwrapArgs.stdout).toBe(`/usr/bin/bwrap --args 3 ${AGENT_CMDLINE}`);
    });
  });

  it('cannot write host sysctls or read root-only kernel files', async () => {
    await withSession({}, async (session) => {
      // Writes back the value already there: harmless even if the protection were missing.
      const sysctl = await exec(session, [
        'sh',
        '-c',
        'v=$(cat /proc/sys/kernel/core_pattern); (printf "%s" "$v" > /proc/sys/kernel/core_pattern) 2>/dev/null && echo WRITABLE || echo denied',
      ]);
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
          (await readdir(stateDir))
            .filter((n) => n.endsWith('.json'))
            .map(async (name) => {
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
      expect(agent.stdout).toBe(AGENT_CMDLINE);
      const probe = await exec(session, [
        'sh',
        '-c',
        'for f in maps environ mem fd/0 fd/3; do head -c1 /proc/2/$f >/dev/null 2>&1 && echo "$f readable" || echo "$f denied"; done; readlink /proc/2/exe >/dev/null 2>&1 && echo "exe readable" || echo "exe denied"',
      ]);
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
      for (const path of [
        '/usr/bin/planted',
        '/etc/planted',
        '/planted',
        '/opt/remit/agent/agent.js',
        '/opt/remit/agent/new',
        '/opt/remit/ld.so',
        '/dev/planted',
        '/run/remit/planted',
      ]) {
        const write = await exec(session, ['sh', '-c', `echo x > ${path} 2>&1 || echo refused`]);
        expect(write.stdout).toMatch(/refused/);
      }
      // Positive control: the workdir, /tmp and /dev/shm are writable, and so are /dev/null's kind.
      expect(
        (await exec(session, ['sh', '-c', 'echo x > /work/f && echo x > /tmp/f && echo x > /dev/shm/f && echo x > /dev/null && echo ok'])).stdout.trim(),
      ).toBe('ok');
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
  it('gets EPERM from every system call a sandbox never needs (ENOSYS from clone3), where the host gets an answer', async () => {
    const probed = new Set(PROBES.map((p) => p.name));
    expect(DENIED_SYSCALLS.filter((name) => !probed.has(name))).toEqual([]); // every denied call is probed
    await withSession({}, async (session) => {
      const inside = parseProbes((await exec(session, ['perl', '-e', PROBE_SCRIPT, ...probeArgs(PROBES)])).stdout);
      for (const { name } of PROBES) {
        if (syscallNumber(arch, name) === undefined) continue;
        expect(`${name}: ${inside[name]}`).toBe(`${name}: ${name === 'clone3' ? ENOSYS : EPERM}`);
      }
      // clone with a namespace flag (here CLONE_NEWUSER | SIGCHLD); without one it is how fork works.
      const clone = syscallNumber(arch, 'clone')!;
      const cloned = await exec(session, [
        'perl',
        '-e',
        `$! = 0; my $r = syscall(${clone}, 0x10000011, 0, 0, 0, 0); exit 0 if $r == 0; print $r == -1 ? $! + 0 : 'child'`,
      ]);
      expect(cloned.stdout).toBe(EPERM);
      // Positive controls: ordinary calls, fork, the personality query, threads; node, git and sh run.
      const fine = await exec(session, [
        'perl',
        '-e',
        `my $pid = fork(); exit 7 if $pid == 0; waitpid($pid, 0); print $? >> 8, ' ', syscall(${syscallNumber(arch, 'getpid')}) > 0 ? 'pid' : 'nopid', ' ', syscall(${syscallNumber(arch, 'personality')}, 0xffffffff)`,
      ]);
      expect(fine.stdout).toBe('7 pid 0');
      expect(
        (
          await nodeScript(
            session,
            `new (require('worker_threads').Worker)('require("worker_threads").parentPort.postMessage(6 * 7)', { eval: true }).on('message', (m) => console.log(m))`,
          )
        ).stdout,
      ).toBe('42\n');
      expect((await exec(session, ['sh', '-c', 'git --version >/dev/null && echo ok'])).stdout).toBe('ok\n');
    });
    // Control: on the host, outside the filter, the same calls succeed or fail otherwise, so
    // EPERM above is the filter's doing. (In a session keyring of its own: add_key must not touch the test's.)
    const keyctl = syscallNumber(arch, 'keyctl')!;
    const host = await new Promise<string>((resolve, reject) => {
      const child = spawn(PERL, ['-e', `syscall(${keyctl}, 1, 0); ${PROBE_SCRIPT}`, ...probeArgs(PROBES.filter((p) => p.host))], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.once('error', reject);
      child.once('close', () => resolve(out));
    });
    const outside = parseProbes(host);
    expect(Object.keys(outside).length).toBeGreaterThan(20);
    for (const [name, result] of Object.entries(outside))
      expect(`${name}: ${[EPERM, ENOSYS].includes(result) ? 'denied' : 'answered'}`).toBe(`${name}: answered`);
  });

  it.runIf(arch === 'x64')('kills a process that makes an x32-ABI system call', async () => {
    await withSession({}, async (session) => {
      const x32 = await exec(session, ['perl', '-e', `syscall(${X32_SYSCALL_BIT | syscallNumber(arch, 'getpid')!}); print 'survived'`]);
      expect(x32).toMatchObject({ stdout: '', signal: 'SIGSYS' });
      expect((await exec(session, ['echo', 'alive'])).stdout).toBe('alive\n');
    });
  });

  it("inherits neither the orchestrator's open descriptors nor its session keyring", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'remit-orchestrator-'));
    await chmod(dir, 0o711);
    try {
      const script = join(dir, 'orchestrator.mts');
      const module = (name: string) => JSON.stringify(fileURLToPath(new URL(name, import.meta.url)));
      // An orchestrator that, like one started by a service manager or a CI runner, holds
      // descriptors without close-on-exec (3, 4, 5 here) and a session keyring with a key in it.
      await writeFile(
        script,
        `import { readFileSync, readlinkSync } from 'node:fs';
         import { createLocalDriver } from ${module('./local-driver.ts')};
         import { openSandboxSession } from ${module('./sandbox-session.ts')};
         const planted = [3, 4, 5].map((fd) => readlinkSync('/proc/self/fd/' + fd));
         const driver = createLocalDriver({ stateDir: ${JSON.stringify(join(dir, 'state'))}, imageDir: ${JSON.stringify(TEST_IMAGE_DIR)} });
         const session = await openSandboxSession(driver, { runId: ${JSON.stringify(crypto.randomUUID())} });
         const run = async (command) => { const r = await session.call('exec', { command }); return r.ok ? r.output.stdout : 'failed: ' + r.error.code; };
         const report = {
           planted,
           keysOutside: readFileSync('/proc/keys', 'utf8'),
           ownFds: await run(['perl', '-e', 'opendir(my $d, "/proc/self/fd"); my $own = fileno($d); print join(" ", sort { $a <=> $b } grep { /^\\\\d+$/ && $_ != $own } readdir $d)']),
           allFds: await run(['sh', '-c', 'for f in /proc/[0-9]*/fd/*; do readlink "$f"; done 2>/dev/null; true']),
           keysInside: await run(['cat', '/proc/keys']),
         };
         await session.close();
         console.log(JSON.stringify(report));`,
      );
      const keyctl = syscallNumber(arch, 'keyctl')!;
      const withKey = `my ($ring, $type, $desc, $data) = ("remit-test-orchestrator", "user", "remit-planted-key", "planted-payload"); syscall(${keyctl}, 1, $ring) > 0 or die "keyring: $!"; syscall(${syscallNumber(arch, 'add_key')}, $type, $desc, $data, length($data), -3) > 0 or die "add_key: $!"; exec @ARGV;`;
      const orchestrator = spawn(PERL, ['-e', withKey, process.execPath, '--import', 'tsx', script], {
        stdio: ['ignore', 'pipe', 'inherit', 'pipe', 'pipe', 'pipe'],
        cwd: dirname(fileURLToPath(import.meta.url)),
      });
      let out = '';
      orchestrator.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      await new Promise((resolve) => orchestrator.once('close', resolve));
      const report = JSON.parse(out) as { planted: string[]; keysOutside: string; ownFds: string; allFds: string; keysInside: string };
      // Positive controls: the orchestrator does hold the descriptors and the key.
      expect(report.planted).toEqual([expect.stringMatching(/^socket:\[\d+\]$/), expect.stringMatching(/^socket:/), expect.stringMatching(/^socket:/)]);
      expect(report.keysOutside).toContain('remit-planted-key');
      expect(report.ownFds).toBe('0 1 2');
      for (const link of report.planted) expect(report.allFds.split('\n')).not.toContain(link);
      expect(report.keysInside).not.toMatch(/remit-planted-key|remit-test-orchestrator/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names no host path in /proc: mountinfo, net/unix, cgroup, any cmdline or environ', async () => {
    await withSession({}, async (session, { stateDir }) => {
      const [stateFile] = (await readdir(stateDir)).filter((name) => name.endsWith('.json'));
      const { sockets } = JSON.parse(await readFile(join(stateDir, stateFile!), 'utf8')) as SandboxState;
      const repo = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');
      const hostPaths = [stateDir, TEST_IMAGE_DIR, dirname(sockets[0]!), ...sockets, repo, `${tmpdir()}/`, realpathSync(TEST_IMAGE_DIR)];
      const read = await exec(session, [
        'sh',
        '-c',
        'cat /proc/self/mountinfo; echo =====; cat /proc/net/unix /proc/self/cgroup; for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline; echo; tr "\\0" " " < $p/environ; echo; done 2>/dev/null; true',
      ]);
      const [mountinfo, rest] = read.stdout.split('=====\n') as [string, string];
      expect(rest).toContain('/run/remit/channel.sock'); // positive control: the agent's cmdline is in there
      expect(rest).toContain('channel.sock'); // and the channel's entry in /proc/net/unix
      // A mountinfo line's mount point is the sandbox's own path; its root (field 4), source and
      // options are where the host shows through.
      const hostFacing = mountinfo
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const fields = line.split(' ');
          return `${fields[3]} ${line.split(' - ')[1]}`;
        });
      expect(hostFacing.length).toBeGreaterThan(10);
      for (const path of hostPaths) {
        expect(hostFacing.filter((line) => line.includes(path))).toEqual([]);
        expect(`${path}: ${rest.includes(path)}`).toBe(`${path}: false`);
      }
      // Nothing is bound from anywhere but the system directories and the sockets' own tmpfs.
      const roots = hostFacing.map((line) => line.split(' ')[0]!).filter((root) => root !== '/');
      for (const root of roots)
        expect(root).toMatch(
          /^(\/usr|\/etc\/(ssl\/certs|alternatives|ld\.so\.cache)|\/sys|\/(null|zero|full|random|urandom|tty)|\/newroot|\/remit-run-\w+\/(channel|egress)\.sock)$/,
        );
    });
  });
});
