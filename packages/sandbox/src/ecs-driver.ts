import { randomBytes } from 'node:crypto';
import {
  DescribeTasksCommand,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  TagResourceCommand,
  type ECSClient,
  type RunTaskCommandInput,
  type Task,
} from '@aws-sdk/client-ecs';
import { TUNNEL_ENV } from '@remit/sandbox-agent';
import type { PoolableDriver, PooledSandbox, SandboxHandle, SandboxInfo, SandboxLimits, SandboxSpec } from './sandbox-driver.ts';
import { SandboxError } from './sandbox-error.ts';
import { startSandboxGateway, type GatewayEvent, type GatewayTicket, type SandboxGateway, type SandboxGatewayOptions } from './sandbox-gateway.ts';
import { withBackoff, type BackoffOptions } from './ecs-retry.ts';

export interface EcsDriverOptions {
  /** A real ECSClient (region and credentials are the worker's own; the task's role grants nothing). */
  client: ECSClient;
  cluster: string;
  /** One task definition for every role: the sandbox image, its entry point the tunnel (see the Dockerfile). */
  taskDefinition: string;
  /** The container the overrides address (default `sandbox`). */
  containerName?: string;
  /** Isolated subnets (no route out) and the sandbox security group, whose only egress is the gateway's port. */
  subnets: string[];
  securityGroups: string[];
  /** The address tasks dial: this worker's private IP or name; the port is the gateway's (gateway.port). */
  gatewayHost: string;
  /** Gateway options; the gateway starts with the driver and stops with it. */
  gateway?: Omit<SandboxGatewayOptions, 'verifyPeer' | 'onEvent'>;
  /**
   * Checks that a ticket is redeemed from its own task's address (DescribeTasks → the ENI's
   * private IPv4), so a ticket read from ecs:DescribeTasks is useless from anywhere else
   * (default true; off only where the tasks' addresses are not theirs, as in tests).
   */
  verifyTaskAddress?: boolean;
  /** Marks every task of ours for ListTasks (at most 36 characters; default `remit-sandbox`). */
  startedBy?: string;
  /** How long another process's unclaimed pool task counts as owned (default 15 min): its tunnel ends with its pool anyway. */
  poolMemberMaxAgeMs?: number;
  backoff?: Partial<BackoffOptions>;
  onEvent?: (event: GatewayEvent) => void;
}

export interface EcsDriver extends PoolableDriver {
  readonly name: 'ecs';
  readonly gateway: SandboxGateway;
  /** Stops the gateway: every task's tunnel ends, and with it the task. */
  close(): Promise<void>;
}

/** The tags every task carries; the reaper finds runs' tasks by `remit:run-id`. */
export const ECS_TAGS = { runId: 'remit:run-id', kind: 'remit:sandbox', pool: 'remit:pool', ticketId: 'remit:ticket-id' } as const;

const TASK_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task\/[A-Za-z0-9_-]+\/[0-9a-f]{32}$/;

/**
 * Sandboxes as Fargate tasks (awsvpc, isolated subnets, no public IP), one per run, started
 * identity-less: the request carries the gateway's address, its certificate's fingerprint and a
 * single-use ticket, none of them a credential. The run's bootstrap token travels only over the
 * tunnel once the task has redeemed its ticket (sandbox-gateway.ts). A RunTask retried after a
 * lost answer reuses the same input and clientToken (the run id), so it starts one task.
 */
export async function createEcsDriver(options: EcsDriverOptions): Promise<EcsDriver> {
  const { client, cluster } = options;
  const startedBy = options.startedBy ?? 'remit-sandbox';
  const containerName = options.containerName ?? 'sandbox';
  const poolOwner = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const maxAgeMs = options.poolMemberMaxAgeMs ?? 15 * 60_000;
  /** Tickets of tasks this process started, by ticket id, with the task's ARN once RunTask answered. */
  const tasks = new Map<string, { ticket: GatewayTicket; arn: Promise<string> }>();
  const byArn = new Map<string, GatewayTicket>();
  const poolArns = new Set<string>();

  const gateway = await startSandboxGateway({
    ...options.gateway,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.verifyTaskAddress === false ? {} : { verifyPeer: (ticketId: string, address: string | undefined) => taskHasAddress(ticketId, address) }),
  });

  async function taskHasAddress(ticketId: string, address: string | undefined): Promise<boolean> {
    const started = tasks.get(ticketId);
    if (started === undefined || address === undefined) return false;
    const arn = await started.arn;
    const { tasks: described = [] } = await withBackoff(() => client.send(new DescribeTasksCommand({ cluster, tasks: [arn] })), options.backoff);
    const ips = (described[0]?.attachments ?? []).flatMap((a) => (a.details ?? []).filter((d) => d.name === 'privateIPv4Address').map((d) => d.value));
    return ips.includes(address.replace(/^::ffff:/, ''));
  }

  function runTaskInput(ticket: GatewayTicket, clientToken: string, tags: Record<string, string>): RunTaskCommandInput {
    return {
      cluster,
      taskDefinition: options.taskDefinition,
      launchType: 'FARGATE',
      count: 1,
      clientToken,
      startedBy,
      networkConfiguration: { awsvpcConfiguration: { subnets: options.subnets, securityGroups: options.securityGroups, assignPublicIp: 'DISABLED' } },
      overrides: {
        containerOverrides: [
          {
            name: containerName,
            environment: [
              { name: TUNNEL_ENV.gateway, value: `${options.gatewayHost}:${gateway.address.port}` },
              { name: TUNNEL_ENV.fingerprint, value: gateway.fingerprint },
              // Single-use, short-lived, bound to this task's address, and worthless once redeemed.
              { name: TUNNEL_ENV.ticket, value: ticket.secret },
            ],
          },
        ],
      },
      tags: Object.entries({ ...tags, [ECS_TAGS.ticketId]: ticket.id }).map(([key, value]) => ({ key, value })),
      enableECSManagedTags: true,
    };
  }

  /** RunTask, retried with the same input through throttling and lost answers; the ticket is revoked if no task starts. */
  async function start(ticket: GatewayTicket, clientToken: string, tags: Record<string, string>): Promise<string> {
    let resolveArn!: (arn: string) => void;
    let rejectArn!: (err: unknown) => void;
    const arn = new Promise<string>((resolve, reject) => {
      resolveArn = resolve;
      rejectArn = reject;
    });
    arn.catch(() => undefined); // awaited only by a redemption, which fails closed
    tasks.set(ticket.id, { ticket, arn });
    const input = runTaskInput(ticket, clientToken, tags);
    try {
      const answer = await withBackoff(() => client.send(new RunTaskCommand(input)), options.backoff);
      const taskArn = answer.tasks?.[0]?.taskArn;
      if (taskArn === undefined)
        throw new SandboxError('start_failed', undefined, { details: { failures: answer.failures?.map((f) => f.reason ?? 'unknown') ?? [] } });
      byArn.set(taskArn, ticket);
      resolveArn(taskArn);
      return taskArn;
    } catch (cause) {
      rejectArn(cause);
      tasks.delete(ticket.id);
      ticket.revoke();
      throw cause instanceof SandboxError ? cause : new SandboxError('start_failed', undefined, { cause });
    }
  }

  async function create(spec: SandboxSpec): Promise<SandboxHandle> {
    const ticket = gateway.issueTicket();
    ticket.claim(spec);
    const startedAt = new Date();
    const id = await start(ticket, spec.runId, { [ECS_TAGS.runId]: spec.runId, [ECS_TAGS.kind]: 'run' });
    return { id, runId: spec.runId, driver: 'ecs', startedAt };
  }

  async function prestart(limits: SandboxLimits): Promise<PooledSandbox> {
    const ticket = gateway.issueTicket();
    const id = await start(ticket, `pool-${ticket.id}`, { [ECS_TAGS.kind]: 'pool', [ECS_TAGS.pool]: poolOwner });
    poolArns.add(id);
    const startedAt = new Date();
    return {
      id,
      limits,
      ready: ticket.attached,
      gone: ticket.detached,
      claim: async (spec) => {
        ticket.claim(spec); // the bootstrap goes over the tunnel now; the tag below lets the reaper see the run
        poolArns.delete(id);
        await withBackoff(
          () =>
            client.send(
              new TagResourceCommand({
                resourceArn: id,
                tags: [
                  { key: ECS_TAGS.runId, value: spec.runId },
                  { key: ECS_TAGS.kind, value: 'run' },
                ],
              }),
            ),
          options.backoff,
        );
        return { id, runId: spec.runId, driver: 'ecs', startedAt };
      },
    };
  }

  async function destroy(id: string): Promise<void> {
    if (!TASK_ARN.test(id)) return;
    const ticket = byArn.get(id);
    ticket?.revoke(); // cuts the tunnel at once; the task's essential container then exits
    try {
      await withBackoff(() => client.send(new StopTaskCommand({ cluster, task: id, reason: 'remit: sandbox destroyed' })), {
        ...options.backoff,
        forever: true,
      });
    } catch (err) {
      // A task ECS no longer knows is as stopped as it gets.
      if (!(err instanceof Error && err.name === 'InvalidParameterException' && /not found/i.test(err.message))) throw err;
    }
    byArn.delete(id);
    poolArns.delete(id);
    if (ticket) tasks.delete(ticket.id);
  }

  async function list(): Promise<SandboxInfo[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await withBackoff(() => client.send(new ListTasksCommand({ cluster, startedBy, desiredStatus: 'RUNNING', nextToken })), options.backoff);
      arns.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    const described: Task[] = [];
    for (let i = 0; i < arns.length; i += 100) {
      const batch = arns.slice(i, i + 100);
      const page = await withBackoff(() => client.send(new DescribeTasksCommand({ cluster, tasks: batch, include: ['TAGS'] })), options.backoff);
      described.push(...(page.tasks ?? []));
    }
    const now = Date.now();
    return described.flatMap((task) => {
      if (task.taskArn === undefined) return [];
      const tags = Object.fromEntries((task.tags ?? []).map((t) => [t.key, t.value]));
      const startedAt = task.createdAt ?? new Date(0);
      const info: SandboxInfo = {
        id: task.taskArn,
        runId: tags[ECS_TAGS.runId] ?? '',
        startedAt,
        alive: task.lastStatus !== 'STOPPED' && task.desiredStatus !== 'STOPPED',
      };
      if (tags[ECS_TAGS.kind] !== 'pool') return [info];
      const ours = tags[ECS_TAGS.pool] === poolOwner;
      const ownerRunning = ours ? poolArns.has(task.taskArn) : now - startedAt.getTime() < maxAgeMs;
      return [{ ...info, throwaway: { ownerPid: 0, ownerRunning }, pool: true as const }];
    });
  }

  return { name: 'ecs', gateway, create, prestart, destroy, list, close: () => gateway.close() };
}
