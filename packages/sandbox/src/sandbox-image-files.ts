import { createHash, randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, realpath, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleAgent } from './agent-bundle.ts';
import { SANDBOX_PATHS, SANDBOX_UID } from './bwrap-args.ts';

/** The host files every local sandbox binds read-only. Content-addressed, so many drivers may share a directory. */
export interface SandboxImageFiles {
  /** The agent bundle's directory (start.cjs, agent.js, agent.cache). */
  agentDir: string;
  nodePath: string;
  passwdPath: string;
  groupPath: string;
}

const prepared = new Map<string, Promise<SandboxImageFiles>>();

/** Builds (once per process and directory) the agent bundle, the node copy and the passwd files in `imageDir`. */
export function prepareImageFiles(imageDir: string, nodePath: string): Promise<SandboxImageFiles> {
  const key = `${imageDir}\0${nodePath}`;
  let files = prepared.get(key);
  if (files === undefined) {
    files = build(imageDir, nodePath);
    prepared.set(key, files);
    files.catch(() => prepared.delete(key));
  }
  return files;
}

async function build(imageDir: string, nodePath: string): Promise<SandboxImageFiles> {
  // Nothing here is secret (code, a node binary, a passwd line); the sandbox's host uid must read it.
  await mkdir(imageDir, { recursive: true, mode: 0o755 });
  await chmod(imageDir, 0o755);
  const [agent, node, passwdPath, groupPath] = await Promise.all([
    bundleAgent(imageDir, { nodePath }),
    executeOnlyNode(imageDir, nodePath),
    writeOnce(imageDir, 'passwd', `sandbox:x:${SANDBOX_UID}:${SANDBOX_UID}:Remit sandbox:${SANDBOX_PATHS.workdir}:/bin/sh\n`),
    writeOnce(imageDir, 'group', `sandbox:x:${SANDBOX_UID}:\n`),
  ]);
  return { agentDir: agent.dir, nodePath: node, passwdPath, groupPath };
}

/**
 * A copy of node with mode 0111. The kernel marks a process that execs a binary it cannot read
 * as not dumpable, which closes /proc/<agent>/mem, /environ, /fd and ptrace to the code the
 * agent runs for `exec` under the same uid: the git token in the agent's memory stays there.
 * (Binds cannot change a file's mode, hence the copy: ~100 MB, once per image directory.)
 */
async function executeOnlyNode(imageDir: string, nodePath: string): Promise<string> {
  const source = await realpath(nodePath);
  const { size, mtimeMs } = await stat(source);
  const hash = createHash('sha256').update(`${source}\0${size}\0${mtimeMs}`).digest('hex').slice(0, 16);
  const target = join(imageDir, `node-${hash}`);
  const existing = await stat(target).catch(() => undefined);
  if (existing?.size === size && (existing.mode & 0o777) === 0o111) return target;
  const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
  await copyFile(source, temp);
  await chmod(temp, 0o111);
  await rename(temp, target);
  return target;
}

async function writeOnce(imageDir: string, name: string, content: string): Promise<string> {
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 16);
  const target = join(imageDir, `${name}-${hash}`);
  const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, content, { mode: 0o444 });
  await rename(temp, target);
  return target;
}
