import { RunKind } from '@remit/core';
import { CliError, type CommandContext } from '../command-context.ts';
import { escapeForTerminal } from '../escape-for-terminal.ts';
import { watchRun } from '../watch-run.ts';

/** `remit run KIND "input" [--role R] [--watch]`: starts a run through the API as the token's user. */
export async function runCommand(ctx: CommandContext): Promise<number> {
  const opts = ctx.parse({ role: { type: 'string' }, watch: { type: 'boolean' }, token: { type: 'string' }, api: { type: 'string' } }, true);
  const [kind, ...words] = ctx.positionals;
  const parsedKind = RunKind.safeParse(kind);
  if (!parsedKind.success) throw new CliError('usage', `usage: remit run ${RunKind.options.join('|')} "what to look into" [--role R] [--watch]`);
  const input = words.join(' ').trim();
  if (!input) throw new CliError('usage', 'say what the run should look into, e.g. remit run troubleshoot "why is checkout failing?"');
  const token = opts.token ?? process.env.REMIT_TOKEN;
  if (!token)
    throw new CliError(
      'usage',
      'set REMIT_TOKEN (or pass --token); locally: export REMIT_TOKEN=$(bin/remit token --user you@example.com --groups developers | tail -1)',
    );
  const api = (opts.api ?? process.env.REMIT_API ?? `http://127.0.0.1:${ctx.config.REMIT_PORT}`).replace(/\/$/, '');
  let res: Response;
  try {
    res = await fetch(`${api}/v1/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: parsedKind.data, input, ...(opts.role ? { role: opts.role } : {}) }),
    });
  } catch (err) {
    throw new CliError('failed', `cannot reach the API at ${api}; start it with bin/remit serve (or set REMIT_API)`, { cause: err });
  }
  // A body that is not JSON (a proxy's error page) leaves only the status to report.
  const body = (await res.json().catch(() => ({}))) as { id?: string; error?: { code: string; message: string } };
  if (!res.ok || !body.id) throw new CliError('failed', body.error ? `${body.error.message} (${body.error.code})` : `HTTP ${res.status}`);
  // The id is the server's word, printed before anything checks its shape.
  const id = escapeForTerminal(body.id);
  process.stderr.write(`run ${id} queued\n`);
  if (!opts.watch) {
    process.stdout.write(`${id}\n`);
    return 0;
  }
  const status = await watchRun({ api, token, runId: body.id });
  return status === 'succeeded' ? 0 : 1;
}
