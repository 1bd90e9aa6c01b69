import { Command, Option } from 'commander';
import { escapeForTerminal } from './escape-for-terminal.ts';
import { exitCodesText } from './exit-codes.ts';
import { colorEnabled, createStyle } from './terminal-style.ts';

/**
 * The whole command tree. Each action imports its command's module when it runs (in the bundle,
 * a module initialised on first use), so `--help` and `--version` set up only commander and this
 * file, and a command only its own code: `remit sandbox exec` never builds the HTTP API.
 */

/** What an action's command returns: the exit code. */
type Outcome = Promise<number>;

// Written out rather than imported from @remit/core, which would load zod for --help; a test
// keeps them equal to RunKind and RunStatus.
export const RUN_KINDS = ['troubleshoot', 'review', 'insight', 'index'];
export const RUN_STATUSES = ['queued', 'provisioning', 'running', 'finishing', 'succeeded', 'failed', 'cancelled', 'timed_out'];

/** `--url`/`--token` for commands that talk to a running server. */
function talksToApi(cmd: Command): Command {
  return cmd
    .addOption(new Option('--url <url>', 'the Remit API (default: the server that owns REMIT_DATA_DIR, else http://127.0.0.1:$REMIT_PORT)').env('REMIT_URL'))
    .addOption(new Option('--token <token>', 'bearer token (remit token signs one locally)').env('REMIT_TOKEN'));
}

const json = (cmd: Command) => cmd.option('--json', 'print JSON instead of text');

export function buildProgram(options: { version: string; setExitCode: (code: number) => void }): Command {
  /** Wraps a lazily loaded command so its exit code reaches the process. */
  const act =
    <A extends unknown[]>(fn: (...args: A) => Outcome) =>
    async (...args: A) => {
      options.setExitCode(await fn(...args));
    };
  const outStyle = createStyle(true);
  const program = new Command('remit')
    .description('Remit: AI agents against your live platform as a role, never as root')
    .version(options.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .helpCommand('help [command]', 'show help for a command')
    .showSuggestionAfterError(true)
    // `remit sandbox exec ls -la` passes -la to ls (passThroughOptions below needs this).
    .enablePositionalOptions()
    .configureHelp({ sortSubcommands: false, styleTitle: (s) => outStyle.bold(s) })
    .showHelpAfterError('(see --help)')
    .configureOutput({
      getOutHasColors: () => colorEnabled(process.stdout),
      getErrHasColors: () => colorEnabled(process.stderr),
      // The message may quote what was typed, so it is escaped like everything else we print.
      outputError: (message, write) => write(`remit: ${escapeForTerminal(message.replace(/^error: /, ''))}`),
    })
    .addHelpText(
      'after',
      `
Settings come from the environment (REMIT_DATA_DIR, REMIT_PORT, DATABASE_URL, …); see README.md.
Commands that talk to a server read REMIT_URL and REMIT_TOKEN. NO_COLOR turns colour off, FORCE_COLOR on.

Exit codes:
${exitCodesText()}
  (remit sandbox exec exits with the command's own code; 127 not found, 126 cannot run, 124 --timeout, 128+n killed by signal n)`,
    );

  program
    .command('serve')
    .description('serve the API and a run worker on REMIT_PORT')
    .action(act(async () => (await import('./commands/serve-command.ts')).serveCommand(await context({ logs: 'stdout' }))));
  program
    .command('worker')
    .description('run one more run worker on the same database (needs DATABASE_URL)')
    .action(act(async () => (await import('./commands/worker.ts')).workerCommand(await context({ logs: 'stderr' }))));
  program
    .command('demo')
    .description('seed a demo org and a toy payments service, serve, and watch one troubleshooting run')
    .option('--exit', 'stop after the run instead of serving on')
    .action(act(async (opts: { exit?: boolean }) => (await import('./commands/demo.ts')).demoCommand(await context({ logs: 'data-dir-file' }), opts)));
  program
    .command('migrate')
    .description('create or upgrade the database schema')
    .action(act(async () => (await import('./commands/migrate.ts')).migrateCommand(await context({ logs: 'stderr' }))));
  program
    .command('token')
    .description('sign a token with the local development issuer (printed alone on the last line)')
    .requiredOption('--user <email>', 'whose token, e.g. alice@example.com')
    .option('--groups <g1,g2>', 'IdP groups the token names, comma-separated')
    .option('--ttl <seconds>', 'how long it is valid (60–604800)', '3600')
    .action(act(async (opts: { user: string; groups?: string; ttl: string }) => (await import('./commands/token.ts')).tokenCommand(await context(), opts)));

  json(
    talksToApi(
      program
        .command('run')
        .description('start a run as your token’s user, and optionally watch it')
        .argument('<kind>', RUN_KINDS.join(' | '))
        .argument('<input...>', 'what the run should look into')
        .option('--role <role>', 'which of your roles to act as (needed when several allow the kind)')
        .option('-w, --watch', 'follow the transcript until the run ends; Ctrl-C detaches, a second Ctrl-C cancels'),
    ),
  ).action(
    act(async (kind: string, input: string[], opts) =>
      (await import('./commands/run.ts')).runCommand(await context(), { kind, input: input.join(' '), ...(opts as RunOpts) }),
    ),
  );

  json(talksToApi(program.command('whoami').description('who your token says you are, your roles, and whether you are an admin'))).action(
    act(async (opts) => (await import('./commands/whoami.ts')).whoamiCommand(await context(), opts as ApiJsonOpts)),
  );

  addResourceCommands(program, act);
  addRunsCommands(program, act);
  addGraphCommands(program, act);

  json(
    talksToApi(
      program
        .command('apply')
        .description('make roles, connections and bindings match a file (admin); idempotent')
        .requiredOption('-f, --file <file>', 'platform file (YAML or JSON), e.g. examples/platform.yaml')
        .option('--dry-run', 'print what would change, change nothing')
        .option('--resend-secrets', 'send every connection’s secret again (rotation), even when nothing else changed'),
    ),
  ).action(act(async (opts) => (await import('./commands/apply.ts')).applyCommand(await context(), opts as ApplyOpts)));

  const sandbox = program.command('sandbox').description('throwaway sandboxes, and the server’s live ones (admin)').enablePositionalOptions();
  sandbox
    .command('exec')
    .description('run one command in a throwaway sandbox with no credentials and no network')
    .usage('[--timeout SECONDS] -- COMMAND [ARGS…]')
    .option('--timeout <seconds>', 'kill the command after this long (default 30)')
    .argument('<command...>', 'the command and its arguments, after --')
    .passThroughOptions()
    .action(
      act(async (command: string[], opts: { timeout?: string }) =>
        (await import('./commands/sandbox-exec.ts')).sandboxExecCommand(
          await context({ args: [...(opts.timeout === undefined ? [] : ['--timeout', opts.timeout]), '--', ...command] }),
        ),
      ),
    );

  const loadSandboxAdmin = async () => import('./commands/sandbox-admin.ts');
  json(talksToApi(sandbox.command('list').description('live sandboxes of the server and whom each serves (admin)'))).action(
    act(async (opts) => (await loadSandboxAdmin()).listSandboxes(await context(), opts as ApiJsonOpts)),
  );
  json(
    talksToApi(
      sandbox.command('kill').description('kill a sandbox (admin); a run it still serves is cancelled first').argument('<id>', 'as sandbox list prints it'),
    ),
  ).action(act(async (id: string, opts) => (await loadSandboxAdmin()).killSandbox(await context(), id, opts as ApiJsonOpts)));

  const egress = program.command('egress').description('the egress guard');
  egress
    .command('check')
    .description('resolve and classify a URL without connecting (exit 0 allowed, 3 blocked); prints the verdict as JSON')
    .argument('<url>', 'the URL to check')
    .option('--allow <cidr...>', 'private ranges to allow, as a connection’s allowPrivateCidrs would')
    .option('--json', 'print JSON (always the case; accepted so scripts can pass it to every command)')
    .action(act(async (url: string, opts: { allow?: string[] }) => (await import('./commands/egress-check.ts')).egressCheckCommand(url, opts)));

  const users = program.command('users').description('users (admin)');
  json(
    talksToApi(
      users
        .command('purge')
        .description('permanently delete a user’s personal data (admin); says what it removes, and needs --yes')
        .argument('<email>', 'the user’s email')
        .option('--yes', 'confirm: the deletion cannot be undone'),
    ),
  ).action(
    act(async (email: string, opts) =>
      (await import('./commands/users-purge.ts')).usersPurgeCommand(await context(), email, opts as ApiJsonOpts & { yes?: boolean }),
    ),
  );

  const holds = program.command('holds').description('legal holds: exempt a user’s or a run’s data from retention (admin)');
  const loadHolds = async () => import('./commands/legal-holds.ts');
  json(talksToApi(holds.command('list').description('active legal holds, newest first').option('--all', 'include released holds'))).action(
    act(async (opts) => (await loadHolds()).listHolds(await context(), opts as ApiJsonOpts & { all?: boolean })),
  );
  json(
    talksToApi(
      holds
        .command('set')
        .description('place a legal hold on a user or a run')
        .option('--user <id>', 'the user’s id')
        .option('--run <id>', 'the run’s id')
        .requiredOption('--reason <text>', 'why (a matter or ticket reference)'),
    ),
  ).action(act(async (opts) => (await loadHolds()).setHold(await context(), opts as ApiJsonOpts & { user?: string; run?: string; reason?: string })));
  json(talksToApi(holds.command('release').description('release a legal hold (it stays on record)').argument('<id>', 'as holds list prints it'))).action(
    act(async (id: string, opts) => (await loadHolds()).releaseHold(await context(), id, opts as ApiJsonOpts)),
  );

  addInsightsCommands(program, act);

  const audit = program.command('audit').description('the audit log');
  json(
    audit
      .command('verify')
      .description('recompute the audit hash chain and check it against the newest signed checkpoint (exit 1 when either fails)')
      .option('--public-key <file>', "the checkpoints' public key (PEM) to trust instead of the secret store's"),
  ).action(
    act(async (opts: { json?: boolean; publicKey?: string }) =>
      (await import('./commands/audit-verify.ts')).auditVerifyCommand(await context({ logs: 'stderr' }), opts),
    ),
  );
  json(audit.command('public-key').description('print the Ed25519 public key audit checkpoints are signed with (SPKI PEM)')).action(
    act(async (opts: { json?: boolean }) => (await import('./commands/audit-public-key.ts')).auditPublicKeyCommand(await context({ logs: 'stderr' }), opts)),
  );

  json(
    program
      .command('evidence')
      .description('run evidence files')
      .command('verify')
      .description('verify a run evidence file offline with the checkpoints’ public key (exit 1 when it does not verify)')
      .argument('<file>', 'as remit runs evidence wrote it')
      .requiredOption('--public-key <file>', 'the checkpoints’ public key (PEM), as remit audit public-key prints it'),
  ).action(
    act(async (file: string, opts: { publicKey: string; json?: boolean }) => (await import('./commands/evidence-verify.ts')).evidenceVerifyCommand(file, opts)),
  );

  json(program.command('doctor').description('check this machine and configuration, and say how to fix what is missing')).action(
    act(async (opts: { json?: boolean }) => (await import('./commands/doctor.ts')).doctorCommand(await context({ logs: 'stderr' }), opts)),
  );

  json(
    program
      .command('eval')
      .description('evaluation scenarios: what the agent found, and what its role kept it from')
      .command('run')
      .description('run the scenarios end to end on a throwaway stack; report facts, scoping, denials, steps, tokens, cost (exit 1 when any fails)')
      .option('--scenario <name...>', 'only these scenarios (default: all)')
      .addOption(
        new Option('--provider <provider>', 'who plays the model: each scenario’s scripted turns, or the configured live model')
          .choices(['scripted', 'bedrock', 'openai-compatible'])
          .default('scripted'),
      )
      .option('--judge', 'also ask the live model which facts each answer states'),
  ).action(act(async (opts) => (await import('./commands/eval-run.ts')).evalRunCommand(await context(), opts as EvalRunOpts)));

  program
    .command('completion')
    .description('print a shell completion script: source <(remit completion bash), or add it to ~/.zshrc for zsh')
    .argument('<shell>', 'bash | zsh')
    .action(act(async (shell: string) => (await import('./commands/completion.ts')).completionCommand(program, shell)));

  return program;
}

export interface ApiJsonOpts {
  url?: string;
  token?: string;
  json?: boolean;
}
export interface EvalRunOpts {
  scenario?: string[];
  provider: string;
  judge?: boolean;
  json?: boolean;
}
export interface RunOpts extends ApiJsonOpts {
  role?: string;
  watch?: boolean;
}
export interface ApplyOpts extends ApiJsonOpts {
  file: string;
  dryRun?: boolean;
  resendSecrets?: boolean;
}
export interface RunsListOpts extends ApiJsonOpts {
  status?: string;
  kind?: string;
  role?: string;
  user?: string;
  since?: string;
  mine?: boolean;
  limit: string;
}

const context = async (options: Parameters<typeof import('./context.ts').createContext>[0] = {}) => (await import('./context.ts')).createContext(options);

type Act = <A extends unknown[]>(fn: (...args: A) => Outcome) => (...args: A) => Promise<void>;

function addResourceCommands(program: Command, act: Act): void {
  const load = async () => import('./commands/admin-resources.ts');
  for (const noun of ['roles', 'connections', 'bindings'] as const) {
    const singular = noun.slice(0, -1);
    const ref = noun === 'bindings' ? '<id>' : '<name-or-id>';
    const group = program.command(noun).description(`list, show, create and delete ${noun} (admin)`);
    json(talksToApi(group.command('list').description(`list ${noun}`))).action(
      act(async (opts) => (await load()).listResources(await context(), noun, opts as ApiJsonOpts)),
    );
    json(talksToApi(group.command('get').description(`show one ${singular}`).argument(ref))).action(
      act(async (id: string, opts) => (await load()).getResource(await context(), noun, id, opts as ApiJsonOpts)),
    );
    const create = group
      .command('create')
      .description(`create a ${singular}`)
      .option('-f, --file <file>', `the ${singular} as YAML or JSON, in the shape of one entry of a platform file (remit apply); - reads stdin`);
    if (noun === 'roles') {
      create
        .argument('[name]', 'the role’s name (or give it in --file)')
        .option('--description <text>', 'what the role is for')
        .option('--connections <c1,c2>', 'connections the role may reach, comma-separated')
        .addOption(new Option('--run-kinds <k1,k2>', `run kinds it may start, comma-separated: ${RUN_KINDS.join(', ')}`))
        .option('--max-steps <n>', 'model turns allowed in one run')
        .option('--max-duration <seconds>', 'wall-clock limit of one run');
    }
    if (noun === 'bindings') {
      create
        .option('--role <role>', 'the role to grant')
        .option('--group <group>', 'grant it to everyone in this IdP group')
        .option('--user <email>', 'grant it to this user');
    }
    json(talksToApi(create)).action(
      act(async (...args: unknown[]) => {
        const opts = args.at(-2) as Record<string, unknown>;
        const name = noun === 'roles' ? (args[0] as string | undefined) : undefined;
        return (await load()).createResource(await context(), noun, { ...opts, ...(name ? { name } : {}) });
      }),
    );
    json(talksToApi(group.command('delete').description(`delete a ${singular}`).argument(ref))).action(
      act(async (id: string, opts) => (await load()).deleteResource(await context(), noun, id, opts as ApiJsonOpts)),
    );
  }
}

function addInsightsCommands(program: Command, act: Act): void {
  const load = async () => import('./commands/insights.ts');
  const insights = program.command('insights').description('insight jobs and the findings review queue (admin)');
  const jobs = insights.command('jobs').description('scheduled insight jobs: the role each runs as, its cron schedule and focus');
  type JobFlags = ApiJsonOpts & { role?: string; schedule?: string; timezone?: string; focus?: string; guidance?: string; enable?: boolean; disable?: boolean };
  const jobOpts = ({ enable, disable, ...rest }: JobFlags) => ({ ...rest, ...(disable ? { enabled: false } : enable ? { enabled: true } : {}) });
  const jobOptions = (cmd: Command) =>
    cmd
      .option('--role <role>', 'the role its runs act as (it must allow insight runs)')
      .option('--schedule <cron>', 'five-field cron expression, e.g. "0 6 * * 1-5", or @daily')
      .option('--timezone <zone>', 'IANA time zone the schedule is read in (default UTC)')
      .option('--focus <focus>', 'reliability | cost | security_posture')
      .option('--guidance <text>', 'free text added to the focus')
      .option('--enable', 'schedule it')
      .option('--disable', 'stop scheduling it');
  json(talksToApi(jobs.command('list').description('insight jobs by name, with their next due time'))).action(
    act(async (opts) => (await load()).listJobs(await context(), opts as ApiJsonOpts)),
  );
  json(talksToApi(jobOptions(jobs.command('create').description('create an insight job').argument('<name>')))).action(
    act(async (name: string, opts) => (await load()).createJob(await context(), name, jobOpts(opts as JobFlags))),
  );
  json(talksToApi(jobOptions(jobs.command('update').description('change an insight job; only what is given changes').argument('<name>')))).action(
    act(async (name: string, opts) => (await load()).updateJob(await context(), name, jobOpts(opts as JobFlags))),
  );
  json(talksToApi(jobs.command('delete').description('delete an insight job (its findings stay)').argument('<name>'))).action(
    act(async (name: string, opts) => (await load()).deleteJob(await context(), name, opts as ApiJsonOpts)),
  );
  json(talksToApi(jobs.command('run-now').description('queue the job’s run now, as its schedule would').argument('<name>'))).action(
    act(async (name: string, opts) => (await load()).runJobNow(await context(), name, opts as ApiJsonOpts)),
  );
  const findings = insights.command('findings').description('the review queue: new → accepted | dismissed, accepted → done, dismissed → new');
  json(
    talksToApi(
      findings
        .command('list')
        .description('findings, newest first')
        .option('--status <s1,s2>', 'only these statuses: new, accepted, dismissed, done')
        .option('--severity <s1,s2>', 'only these severities: info, low, medium, high, critical')
        .option('--job <name>', 'only this insight job’s findings')
        .option('-n, --limit <n>', 'at most this many findings', '50'),
    ),
  ).action(act(async (opts) => (await load()).listFindings(await context(), opts as import('./commands/insights.ts').FindingsListOpts)));
  json(talksToApi(findings.command('show').description('one finding: evidence and status history').argument('<id>'))).action(
    act(async (id: string, opts) => (await load()).showFinding(await context(), id, opts as ApiJsonOpts)),
  );
  for (const [verb, status, what] of [
    ['accept', 'accepted', 'accept a new finding'],
    ['dismiss', 'dismissed', 'dismiss a new finding'],
    ['done', 'done', 'mark an accepted finding done'],
  ] as const) {
    json(talksToApi(findings.command(verb).description(what).argument('<id>').option('--note <text>', 'why, kept in its history'))).action(
      act(async (id: string, opts) => (await load()).moveFinding(await context(), id, status, opts as ApiJsonOpts & { note?: string })),
    );
  }
}

function addRunsCommands(program: Command, act: Act): void {
  const load = async () => import('./commands/runs.ts');
  const runs = program.command('runs').description('list, show, watch, cancel and export runs');
  json(
    talksToApi(
      runs
        .command('list')
        .description('your runs (an admin’s: everyone’s), newest first')
        .option('--status <s1,s2>', `only these statuses: ${RUN_STATUSES.join(', ')}`)
        .option('--kind <k1,k2>', `only these kinds: ${RUN_KINDS.join(', ')}`)
        .option('--role <role>', 'only runs started as this role')
        .option('--user <email-or-id>', 'only runs this user started (admins)')
        .option('--since <time>', 'only runs created at or after this RFC 3339 time')
        .option('--mine', 'admins: only your own runs')
        .option('-n, --limit <n>', 'at most this many runs', '20'),
    ),
  ).action(act(async (opts) => (await load()).listRuns(await context(), opts as RunsListOpts)));
  json(talksToApi(runs.command('show').description('one run: status, answer, usage').argument('<id>'))).action(
    act(async (id: string, opts) => (await load()).showRun(await context(), id, opts as ApiJsonOpts)),
  );
  runs
    .command('evidence')
    .description('a verifiable evidence file for one run: its audit entries up to a signed checkpoint (opens the data directory)')
    .argument('<id>')
    .option('-o, --output <file>', 'write to this new file instead of stdout')
    .option('--json', 'the file is always JSON; accepted so scripts can pass it to every command')
    .action(
      act(async (id: string, opts: { output?: string }) =>
        (await import('./commands/run-evidence.ts')).runEvidenceCommand(await context({ logs: 'stderr' }), id, opts),
      ),
    );
  json(talksToApi(runs.command('cancel').description('cancel a run; its sandbox is destroyed').argument('<id>'))).action(
    act(async (id: string, opts) => (await load()).cancelRun(await context(), id, opts as ApiJsonOpts)),
  );
  json(
    talksToApi(
      runs
        .command('watch')
        .description('follow a run’s transcript until it ends (exit code by outcome); Ctrl-C detaches, a second Ctrl-C cancels')
        .argument('<id>'),
    ),
  ).action(act(async (id: string, opts) => (await load()).watchRunCommand(await context(), id, opts as ApiJsonOpts)));
  talksToApi(
    runs
      .command('export')
      .description('the run and its whole transcript, as JSON or Markdown')
      .argument('<id>')
      .addOption(new Option('--format <format>', 'json or markdown').choices(['json', 'markdown']).default('markdown'))
      .option('--json', 'the same as --format json')
      .option('-o, --output <file>', 'write to this file instead of stdout'),
  ).action(
    act(async (id: string, opts) => (await load()).exportRun(await context(), id, opts as ApiJsonOpts & { format: 'json' | 'markdown'; output?: string })),
  );
}

function addGraphCommands(program: Command, act: Act): void {
  const graph = program.command('graph').description('the knowledge graph of indexed repositories: index a local directory, query what your roles reach');
  graph
    .command('index')
    .description('index a local directory (development, benchmarks) and store its graph in the data directory')
    .requiredOption('--path <dir>', 'the directory to index')
    .option('--repository <name>', 'its name in the graph (default: local/<directory name>)')
    .option('--commit <sha>', 'the commit it holds (default: worktree)')
    .option('--connection <name>', 'store it as read through this connection: roles that reach it may query it (default: none, admins only)')
    .option('--json', 'print JSON instead of text')
    .action(
      act(async (opts) =>
        (await import('./commands/graph-index.ts')).graphIndexCommand(
          await context({ logs: 'stderr' }),
          opts as import('./commands/graph-index.ts').GraphIndexOpts,
        ),
      ),
    );
  const load = async () => import('./commands/graph.ts');
  type QueryOpts = import('./commands/graph.ts').GraphQueryOpts;
  const query = graph.command('query').description('query the graph through the API, as far as your roles reach (admins: everything)');
  const limited = (cmd: Command) => json(talksToApi(cmd.option('-n, --limit <n>', 'at most this many items', '100')));
  limited(query.command('repositories').description('indexed repositories you can read')).action(
    act(async (opts) => (await load()).graphRepositories(await context(), opts as QueryOpts)),
  );
  limited(
    query
      .command('symbols')
      .description('symbols by name prefix (or --exact name) and kind')
      .argument('<repository>', 'e.g. acme/payments')
      .argument('[name]', 'a name or its beginning (case-sensitive); absent: every symbol')
      .option('--kind <kind>', 'module, class, interface, function, method, type, enum or constant')
      .option('--exact', 'match the whole name'),
  ).action(
    act(async (repo: string, name: string | undefined, opts) =>
      (await load()).graphSymbols(await context(), repo, name, opts as QueryOpts & { kind?: string; exact?: boolean }),
    ),
  );
  for (const direction of ['callers', 'callees'] as const) {
    limited(
      query
        .command(direction)
        .description(direction === 'callers' ? 'calls to a symbol (resolved, and unresolved ones by its name)' : 'calls a symbol makes')
        .argument('<repository>')
        .argument('<symbol>', 'a symbol id as `symbols` prints it, e.g. src/pay.ts#Ledger.charge'),
    ).action(act(async (repo: string, symbol: string, opts) => (await load()).graphCalls(await context(), direction, repo, symbol, opts as QueryOpts)));
  }
  limited(query.command('deps').description('a module’s imports both ways').argument('<repository>').argument('<path>', 'a file in the repository')).action(
    act(async (repo: string, path: string, opts) => (await load()).graphDependencies(await context(), repo, path, opts as QueryOpts)),
  );
  limited(query.command('owners').description('who owns a path by CODEOWNERS (last matching rule)').argument('<repository>').argument('<path>')).action(
    act(async (repo: string, path: string, opts) => (await load()).graphOwners(await context(), repo, path, opts as QueryOpts)),
  );
  limited(
    query.command('services').description('routes served, HTTP clients and queues, per repository').option('--repository <name>', 'only this one'),
  ).action(act(async (opts) => (await load()).graphServices(await context(), opts as QueryOpts & { repository?: string })));
}
