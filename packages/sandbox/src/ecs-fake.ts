import { randomBytes } from 'node:crypto';
import {
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  TagResourceCommand,
  InvalidParameterException,
  type RunTaskCommandInput,
  type Task,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';

/** Test-only: a FAKE of the ECS API behind the real @aws-sdk/client-ecs client (aws-sdk-client-mock). Not exported from the package. */

export interface FakeTask {
  arn: string;
  clientToken: string | undefined;
  startedBy: string | undefined;
  tags: Record<string, string>;
  input: RunTaskCommandInput;
  lastStatus: 'RUNNING' | 'STOPPED';
  createdAt: Date;
  /** What the launcher returned: stops the task's process. */
  stop?: () => void;
}

type Fault = 'throttle' | 'lost_answer' | 'server_error';
type Operation = 'RunTask' | 'StopTask' | 'TagResource' | 'ListTasks' | 'DescribeTasks';

export interface FakeEcs {
  client: ECSClient;
  tasks: Map<string, FakeTask>;
  /** Every RunTask input, as sent. */
  runTaskInputs: RunTaskCommandInput[];
  /** Faults the next calls of an operation meet, in order. */
  inject(operation: Operation, ...faults: Fault[]): void;
  /** Drops the faults no call has met yet. */
  clearFaults(): void;
  running(): FakeTask[];
}

/** ECS answers throttling as a ThrottlingException (HTTP 400), which the SDK has no class for. */
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
const serverError = () => Object.assign(new Error('We encountered an internal error'), { name: 'ServerException', $metadata: { httpStatusCode: 500 } });
/** The call reached ECS and took effect, but its answer never came back. */
const lostAnswer = () => Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });

/**
 * `launch` is called for each new task with its RunTask input and may start something that
 * plays the task (the real tunnel and agent as local processes); it returns a stop function and
 * the address the task dials from.
 */
export function fakeEcs(launch?: (input: RunTaskCommandInput, task: FakeTask) => (() => void) | undefined): FakeEcs {
  const client = new ECSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' } });
  const mock = mockClient(client);
  const tasks = new Map<string, FakeTask>();
  const runTaskInputs: RunTaskCommandInput[] = [];
  const faults = new Map<Operation, Fault[]>();
  const fault = (operation: Operation): Fault | undefined => faults.get(operation)?.shift();
  const fail = (f: Fault) => {
    throw f === 'throttle' ? throttled() : f === 'server_error' ? serverError() : lostAnswer();
  };
  const describe = (task: FakeTask): Task => ({
    taskArn: task.arn,
    lastStatus: task.lastStatus,
    desiredStatus: task.lastStatus,
    createdAt: task.createdAt,
    startedBy: task.startedBy,
    tags: Object.entries(task.tags).map(([key, value]) => ({ key, value })),
    attachments: [{ type: 'ElasticNetworkInterface', details: [{ name: 'privateIPv4Address', value: '127.0.0.1' }] }],
  });

  mock.on(RunTaskCommand).callsFake((input: RunTaskCommandInput) => {
    runTaskInputs.push(input);
    const f = fault('RunTask');
    if (f !== undefined && f !== 'lost_answer') fail(f);
    let task = [...tasks.values()].find((t) => input.clientToken !== undefined && t.clientToken === input.clientToken);
    if (task === undefined) {
      const arn = `arn:aws:ecs:eu-west-1:123456789012:task/${input.cluster}/${randomBytes(16).toString('hex')}`;
      task = {
        arn,
        clientToken: input.clientToken,
        startedBy: input.startedBy,
        tags: Object.fromEntries((input.tags ?? []).map((t) => [t.key!, t.value!])),
        input,
        lastStatus: 'RUNNING',
        createdAt: new Date(),
      };
      tasks.set(arn, task);
      task.stop = launch?.(input, task);
    }
    if (f === 'lost_answer') fail(f);
    return { tasks: [describe(task)], failures: [] };
  });
  mock.on(StopTaskCommand).callsFake(({ task: arn }: { task: string }) => {
    const f = fault('StopTask');
    if (f) fail(f);
    const task = tasks.get(arn);
    if (task === undefined) throw new InvalidParameterException({ message: 'The referenced task was not found.', $metadata: {} });
    if (task.lastStatus === 'RUNNING') {
      task.lastStatus = 'STOPPED';
      task.stop?.();
    }
    return { task: describe(task) };
  });
  mock.on(TagResourceCommand).callsFake(({ resourceArn, tags }: { resourceArn: string; tags: { key: string; value: string }[] }) => {
    const f = fault('TagResource');
    if (f) fail(f);
    const task = tasks.get(resourceArn);
    if (task === undefined) throw new InvalidParameterException({ message: 'The referenced task was not found.', $metadata: {} });
    for (const { key, value } of tags) task.tags[key] = value;
    return {};
  });
  mock.on(ListTasksCommand).callsFake(({ startedBy, nextToken }: { startedBy?: string; nextToken?: string }) => {
    const f = fault('ListTasks');
    if (f) fail(f);
    const matching = [...tasks.values()].filter((t) => t.lastStatus === 'RUNNING' && (startedBy === undefined || t.startedBy === startedBy)).map((t) => t.arn);
    // Pages of 2, so the driver's pagination is exercised.
    const from = nextToken === undefined ? 0 : Number(nextToken);
    return { taskArns: matching.slice(from, from + 2), ...(from + 2 < matching.length ? { nextToken: String(from + 2) } : {}) };
  });
  mock.on(DescribeTasksCommand).callsFake(({ tasks: arns }: { tasks: string[] }) => {
    const f = fault('DescribeTasks');
    if (f) fail(f);
    return { tasks: arns.flatMap((arn) => (tasks.has(arn) ? [describe(tasks.get(arn)!)] : [])), failures: [] };
  });

  return {
    client,
    tasks,
    runTaskInputs,
    inject: (operation, ...more) => faults.set(operation, [...(faults.get(operation) ?? []), ...more]),
    clearFaults: () => faults.clear(),
    running: () => [...tasks.values()].filter((t) => t.lastStatus === 'RUNNING'),
  };
}
