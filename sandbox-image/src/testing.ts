import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Test-only helpers, shared with @remit/sandbox's tests through `@remit/sandbox-agent/testing`. */

export interface TestRepository {
  /** The directory git-http-backend serves as its project root. */
  projectRoot: string;
  /** `owner/name`, served at `/<repository>.git`. */
  repository: string;
  commit: string;
  /** Deletes the repository and its temp dir. */
  remove(): void;
}

/** A bare repository `acme/payments` holding README.md with `content`, in a fresh temp dir. */
export function createTestRepository(content: string): TestRepository {
  const root = mkdtempSync(join(tmpdir(), 'remit-git-'));
  const work = join(root, 'work');
  mkdirSync(work);
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', ...args], {
      cwd,
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin', HOME: root },
    }).trim();
  git(work, 'init', '-q');
  writeFileSync(join(work, 'README.md'), content);
  git(work, 'add', 'README.md');
  git(work, 'commit', '-q', '-m', 'first');
  const projectRoot = join(root, 'served');
  mkdirSync(join(projectRoot, 'acme'), { recursive: true });
  git(root, 'clone', '-q', '--bare', work, join(projectRoot, 'acme', 'payments.git'));
  return { projectRoot, repository: 'acme/payments', commit: git(work, 'rev-parse', 'HEAD'), remove: () => rmSync(root, { recursive: true, force: true }) };
}

export interface RecordedRequest {
  method: string;
  host: string | undefined;
  url: string;
  authorization: string | undefined;
}

/**
 * A fake egress proxy that serves git's smart HTTP from `projectRoot` through the real
 * git-http-backend (CGI), recording each request it sees.
 */
export function gitHttpBackendHandler(projectRoot: string, seen: RecordedRequest[]): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    seen.push({ method: req.method ?? '', host: req.headers.host, url: req.url ?? '', authorization: req.headers.authorization });
    const url = new URL(req.url ?? '/', 'http://egress');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: '/usr/bin:/bin',
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
        ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    req.pipe(cgi.stdin);
    const chunks: Buffer[] = [];
    cgi.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    cgi.on('close', () => {
      const output = Buffer.concat(chunks);
      const split = output.indexOf('\r\n\r\n');
      const head = output.subarray(0, split).toString('latin1').split('\r\n');
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        if (name === 'status') status = Number.parseInt(value, 10);
        else if (name !== '') headers[name] = value;
      }
      res.writeHead(status, headers).end(output.subarray(split + 4));
    });
  };
}
