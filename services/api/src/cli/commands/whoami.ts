import { apiFromOptions } from '../api-client.ts';
import type { CommandContext } from '../command-context.ts';
import { ExitCode } from '../exit-codes.ts';
import { printJson, printRecord } from '../print.ts';
import type { ApiJsonOpts } from '../program.ts';
import { styleFor } from '../terminal-style.ts';

interface Me {
  userId: string;
  sub: string;
  email: string | null;
  groups: string[];
  roles: string[];
  isAdmin: boolean;
}

/** `remit whoami`: who the token says you are, your roles and whether you are an admin; the first check when a run is refused. */
export async function whoamiCommand(ctx: CommandContext, opts: ApiJsonOpts): Promise<number> {
  const client = await apiFromOptions(opts, ctx.config);
  const me = await client.get<Me>('/v1/me');
  if (opts.json) {
    printJson(me);
    return ExitCode.ok;
  }
  printRecord(
    [
      ['user', me.email ?? me.sub],
      ['subject', me.sub],
      ['id', me.userId],
      ['groups', me.groups.join(', ') || '-'],
      ['roles', me.roles.join(', ') || '- (none: ask an admin for a binding)'],
      ['admin', me.isAdmin ? 'yes' : 'no'],
      ['api', client.url],
    ],
    styleFor(process.stdout),
  );
  return ExitCode.ok;
}
