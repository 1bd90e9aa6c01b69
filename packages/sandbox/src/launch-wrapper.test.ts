import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PERL, RLIMIT, launchArgs, type LaunchSetup } from './launch-wrapper.ts';
import { hostSyscallArch, syscallNumber } from './syscall-table.ts';

const arch = hostSyscallArch();
const asRoot = process.getuid?.() === 0;
const none: LaunchSetup = { cgroupProcs: [], rlimits: [], keepFds: [] };

/** Lists the calling perl's own descriptors, leaving out the one it reads the listing through. */
const LIST_FDS = [
  '-e',
  'opendir(my $d, "/proc/self/fd"); my $own = fileno($d); print join(" ", sort { $a <=> $b } grep { /^\\d+$/ && $_ != $own } readdir $d)',
];

/** Runs `argv` with `planted` extra pipes inherited at descriptors 3, 4, …, as a service manager or CI runner might leave them. */
function run(argv: string[], planted = 0): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit', ...Array<'pipe'>(planted).fill('pipe')], env: {}, cwd: '/' });
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout }));
  });
}

const wrap = (setup: LaunchSetup, command: string[], planted = 0) => run([PERL, ...launchArgs(arch, setup, command)], planted);

describe('the launch wrapper', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'remit-launch-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('closes every inherited descriptor above 2 but the ones it is told to keep', async () => {
    // Positive control: without the wrapper, the planted descriptors (and whatever this test
    // process inherited without close-on-exec itself) reach the command.
    expect((await run([PERL, ...LIST_FDS], 4)).stdout.split(' ')).toEqual(expect.arrayContaining(['0', '1', '2', '3', '4', '5', '6']));
    expect((await wrap({ ...none, keepFds: [4] }, [PERL, ...LIST_FDS], 4)).stdout).toBe('0 1 2 4');
    expect((await wrap(none, [PERL, ...LIST_FDS], 4)).stdout).toBe('0 1 2');
  });

  it("puts the command in a new session keyring: a key in the caller's is out of reach", async () => {
    const keyctl = syscallNumber(arch, 'keyctl')!;
    // KEYCTL_SEARCH (10) of the session keyring (-3), and KEYCTL_GET_KEYRING_ID (0) of it.
    const report = (who: string) =>
      `my ($type, $desc) = ("user", "remit-planted-key"); my $found = syscall(${keyctl}, 10, -3, $type, $desc, 0); ` +
      `print "${who}=", ($found > 0 ? "found" : "missing"), " ${who}-ring=", syscall(${keyctl}, 0, -3, 0), "\\n";`;
    // The caller: joins a session keyring of its own (the test's stays untouched), plants a key, then runs the wrapper.
    const caller =
      `my ($name, $type, $desc, $data) = ("remit-test-caller", "user", "remit-planted-key", "payload"); ` +
      `syscall(${keyctl}, 1, $name) > 0 or die "join: $!"; ` +
      `syscall(${syscallNumber(arch, 'add_key')}, $type, $desc, $data, length($data), -3) > 0 or die "add_key: $!"; ` +
      `${report('caller')} exec @ARGV;`;
    const { stdout } = await run([PERL, '-e', caller, PERL, ...launchArgs(arch, none, [PERL, '-e', report('sandbox')])]);
    const fields = Object.fromEntries(
      stdout
        .trim()
        .split(/\s+/)
        .map((f) => f.split('=') as [string, string]),
    );
    expect(fields).toMatchObject({ caller: 'found', sandbox: 'missing' });
    expect(Number(fields['sandbox-ring'])).toBeGreaterThan(0);
    expect(fields['sandbox-ring']).not.toBe(fields['caller-ring']);
  });

  it('sets each rlimit, soft and hard alike, so the command cannot raise it back', async () => {
    const rlimits = [
      { resource: RLIMIT.cpu, value: 7 },
      { resource: RLIMIT.data, value: 64 * 1024 * 1024 },
      { resource: RLIMIT.core, value: 0 },
      { resource: RLIMIT.nproc, value: 4321 },
    ];
    const { stdout } = await wrap({ ...none, rlimits }, ['/bin/cat', '/proc/self/limits']);
    const limit = (name: string) => new RegExp(`^${name}\\s+(\\S+)\\s+(\\S+)`, 'm').exec(stdout)?.slice(1);
    expect(limit('Max cpu time')).toEqual(['7', '7']);
    expect(limit('Max data size')).toEqual([String(64 * 1024 * 1024), String(64 * 1024 * 1024)]);
    expect(limit('Max core file size')).toEqual(['0', '0']);
    expect(limit('Max processes')).toEqual(['4321', '4321']);
  });

  it('joins its cgroups as itself, so the command starts inside them', async () => {
    const procs = [join(dir, 'a.procs'), join(dir, 'b.procs')];
    await Promise.all(procs.map((path) => writeFile(path, '')));
    const { stdout } = await wrap({ ...none, cgroupProcs: procs }, ['/bin/sh', '-c', 'echo $$']);
    for (const path of procs) expect(await readFile(path, 'utf8')).toBe(stdout); // exec keeps the pid
  });

  it.runIf(asRoot)('becomes the host id it is given, with no supplementary group and no capability', async () => {
    const id = 0x4000_1234;
    const { stdout } = await wrap({ ...none, hostId: id }, ['/bin/cat', '/proc/self/status']);
    expect(/^Uid:\s+(.*)$/m.exec(stdout)?.[1]?.split(/\s+/)).toEqual([id, id, id, id].map(String));
    expect(/^Gid:\s+(.*)$/m.exec(stdout)?.[1]?.split(/\s+/)).toEqual([id, id, id, id].map(String));
    expect(/^Groups:\s*(.*)$/m.exec(stdout)?.[1]?.trim()).toBe(String(id));
    expect(/^CapEff:\s+(\S+)/m.exec(stdout)?.[1]).toMatch(/^0+$/);
    expect(/^CapPrm:\s+(\S+)/m.exec(stdout)?.[1]).toMatch(/^0+$/);
  });

  it('never runs the command when a step fails: exit 125', async () => {
    const marker = join(dir, 'ran');
    const command = ['/bin/sh', '-c', `touch ${marker}`];
    for (const setup of [
      { ...none, cgroupProcs: [join(dir, 'missing', 'cgroup.procs')] },
      { ...none, rlimits: [{ resource: 9999, value: 1 }] },
    ]) {
      expect((await wrap(setup, command)).code).toBe(125);
    }
    expect((await run([PERL, '-e', launchArgs(arch, none, command)[1]!, 'remit-sandbox', 'bogus=1', '--', ...command])).code).toBe(125);
    await expect(readFile(marker)).rejects.toMatchObject({ code: 'ENOENT' });
    // Positive control: the same command runs when nothing fails.
    expect((await wrap(none, command)).code).toBe(0);
  });
});
