import { createHash, randomBytes } from 'node:crypto';
import { mkdir, realpath, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleAgent } from './agent-bundle.ts';
import { SANDBOX_PATHS, SANDBOX_UID } from './bwrap-args.ts';
import { elfInterpreter } from './elf-interpreter.ts';

/**
 * The host files every local sandbox starts from. The driver opens them and bwrap copies them
 * into the sandbox's root (--file), so no bind mount shows their host paths in
 * /proc/self/mountinfo; only node itself, when it lives outside /usr, is bound.
 */
export interface SandboxImageFiles {
  /** The agent bundle's directory (start.cjs, agent.js, agent.cache). */
  agentDir: string;
  /** The graph indexer's files in agentDir, copied in beside the agent (see agent-bundle.ts). */
  indexerFiles: string[];
  /** node's real path. */
  nodePath: string;
  /**
   * node's ELF interpreter (ld.so). The sandbox gets an execute-only copy and the agent runs as
   * `ld.so node start.cjs`: the kernel marks a process that execs a file it cannot read as not
   * dumpable, which closes /proc/<agent>/mem, /environ, /fd and ptrace to the code the agent
   * runs for `exec` under the same uid, so the git token in the agent's memory stays there. The
   * loader then maps node (readable) itself, in user space. (This replaces an execute-only copy
   * of node: 100 MB per image directory, and a bind mount naming its host path.)
   */
  loaderPath: string;
  /** Host files copied to /etc/passwd and /etc/group, naming the sandbox user. */
  passwdPath: string;
  groupPath: string;
}

const prepared = new Map<string, Promise<SandboxImageFiles>>();

/** Builds (once per process and directory) the agent bundle and the passwd files in `imageDir`, and finds node's loader. */
export function prepareImageFiles(imageDir: string, nodePath: string): Promise<SandboxImageFiles> {
  const key = `${imageDir}\0${nodePath}`;
  let files = prepared.get(key);
  if (files === undefined) {
    files = build(imageDir, nodePath);
    prepared.set(key, files);
    files.catch(() => prepared.delete(key)); // the caller gets the failure; the next call tries again
  }
  return files;
}

async function build(imageDir: string, nodePath: string): Promise<SandboxImageFiles> {
  await mkdir(imageDir, { recursive: true, mode: 0o755 });
  const node = await realpath(nodePath);
  const [agent, loaderPath, passwdPath, groupPath] = await Promise.all([
    bundleAgent(imageDir, { nodePath }),
    elfInterpreter(node),
    writeOnce(imageDir, 'passwd', `sandbox:x:${SANDBOX_UID}:${SANDBOX_UID}:Remit sandbox:${SANDBOX_PATHS.workdir}:/bin/sh\n`),
    writeOnce(imageDir, 'group', `sandbox:x:${SANDBOX_UID}:\n`),
  ]);
  if (loaderPath === undefined) throw new Error(`${node} names no ELF interpreter; the sandbox agent needs a dynamically linked node`);
  return { agentDir: agent.dir, indexerFiles: agent.indexerFiles, nodePath: node, loaderPath, passwdPath, groupPath };
}

async function writeOnce(imageDir: string, name: string, content: string): Promise<string> {
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 16);
  const target = join(imageDir, `${name}-${hash}`);
  const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, content, { mode: 0o444 });
  await rename(temp, target);
  return target;
}
