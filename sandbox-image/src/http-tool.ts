import { request, type IncomingHttpHeaders } from 'node:http';
import type { HttpInput, HttpOutput } from '@remit/core';
import { CappedOutput } from './capped-output.ts';
import { ToolFailure } from './tool-failure.ts';
import type { ToolContext } from './tool-context.ts';

/** Headers the agent owns: framing is node's, routing is the connection name, proxy auth is the proxy's. */
const RESERVED_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'proxy-authorization',
  'proxy-connection',
]);

/**
 * `http`: the request goes to the run's egress proxy on its unix socket with `Host` set to the
 * connection name; the proxy, outside the sandbox, decides and attaches credentials.
 */
export function httpTool(ctx: ToolContext, input: HttpInput): Promise<HttpOutput> {
  const started = performance.now();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) {
    if (!RESERVED_HEADERS.has(name.toLowerCase())) headers[name] = value;
  }
  headers.host = input.connection;
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: ctx.egressSocketPath, method: input.method, path: input.path, headers }, (res) => {
      const body = new CappedOutput(input.maxOutputBytes, ctx.scrubber.slackBytes);
      res.on('data', (chunk: Buffer) => {
        if (!body.push(chunk)) res.destroy();
      });
      res.once('close', () => {
        clearTimeout(timer);
        const { text, truncated } = body.text(ctx.scrubber.scrub);
        // An incomplete body (the proxy hung up, or we stopped at the cap) is reported as truncated.
        resolve({
          status: res.statusCode ?? 0,
          headers: flattenHeaders(res.headers, ctx.scrubber.scrub),
          body: text,
          truncated: truncated || !res.complete,
          durationMs: Math.round(performance.now() - started),
        });
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new ToolFailure('timeout', `no complete response from ${input.connection} within ${input.timeoutMs} ms`));
    }, input.timeoutMs);
    req.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new ToolFailure('failed', `request to ${input.connection} failed: ${err.code ?? err.message}`));
    });
    req.end(input.body);
  });
}

function flattenHeaders(headers: IncomingHttpHeaders, scrub: (text: string) => string): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = scrub(Array.isArray(value) ? value.join(', ') : value);
  }
  return flat;
}
