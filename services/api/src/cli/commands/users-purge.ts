import type { AdminUserList, UserPurged } from '@remit/core';
import { apiFromOptions, segment } from '../api-client.ts';
import { CliError, type CommandContext } from '../command-context.ts';
import { escapeForTerminal } from '../escape-for-terminal.ts';
import { ExitCode } from '../exit-codes.ts';
import { printJson } from '../print.ts';
import type { ApiJsonOpts } from '../program.ts';

export interface UsersPurgeOpts extends ApiJsonOpts {
  yes?: boolean;
}

/** What a purge removes, said before it is confirmed. */
export const PURGE_EXPLAINED = `This permanently deletes the user's personal data, and cannot be undone:
  - their user row becomes a tombstone (id kept; subject, email and groups cleared); the same
    identity signing in again starts a new, empty user
  - role bindings granted to their email, their GitHub links and console sessions
  - their OAuth grants, and the sealed tokens in the secret store
  - their runs' inputs, answers and transcripts (the runs' ids, kinds, times and usage stay)
  - their personal audit details: the key they are sealed under is destroyed (the chain still verifies)
Backups taken before now still hold it until they expire; see README.md, "Permanent deletion".`;

/** `remit users purge EMAIL --yes` (admins): finds the user by email and purges them through the API. */
export async function usersPurgeCommand(ctx: CommandContext, email: string, opts: UsersPurgeOpts): Promise<number> {
  if (!opts.yes) {
    process.stderr.write(`${PURGE_EXPLAINED}\nRun it again with --yes to purge ${escapeForTerminal(email)}.\n`);
    return ExitCode.usage;
  }
  const client = await apiFromOptions(opts, ctx.config);
  const found = await client.get<AdminUserList>('/v1/admin/users', { email });
  if (found.items.length === 0) throw new CliError('failed', `No user with the email ${email} (a purged user has none).`);
  // One email can belong to several users (two subjects at the IdP); each is that person.
  const purged: UserPurged[] = [];
  for (const user of found.items) purged.push(await client.delete<UserPurged>(`/v1/admin/users/${segment(user.id)}`));
  if (opts.json) printJson(purged.length === 1 ? purged[0] : purged);
  else
    for (const p of purged) {
      const counts = Object.entries(p.removed)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
      process.stdout.write(`purged user ${escapeForTerminal(p.id)} (audit entry ${p.auditSeq}): ${counts}\n`);
    }
  return ExitCode.ok;
}
