import type { Node } from 'web-tree-sitter';
import type { FactKind } from './graph-schema.ts';
import type { LanguageAdapter } from './languages/index.ts';
import { exactLine } from './one-line.ts';

/** A service fact read off one call, before it is tied to a symbol. */
export interface CallFact {
  kind: FactKind;
  method?: string;
  target: string;
}

const ROUTE_VERBS: Record<string, string | undefined> = {
  get: 'GET',
  post: 'POST',
  put: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
  del: 'DELETE',
  options: 'OPTIONS',
  head: 'HEAD',
  all: undefined,
  any: undefined,
  route: undefined,
};
/** Go's net/http (and gorilla/chi): the pattern may start with a method (`GET /items`, Go 1.22). */
const GO_HANDLERS = new Set(['HandleFunc', 'Handle']);
/** Receivers that are HTTP clients, not routers: `axios.get('/x', config)` is a request. */
const CLIENT_RECEIVERS = new Set([
  'axios',
  'got',
  'ky',
  'superagent',
  'request',
  'requests',
  'httpx',
  'http',
  'https',
  'session',
  'client',
  '$http',
  'aiohttp',
]);
const CLIENT_FUNCTIONS = new Set(['fetch', 'axios', 'got', 'ky', 'request', 'urlopen', 'superagent']);
const CLIENT_CALLS = new Set([
  'get',
  'post',
  'put',
  'patch',
  'delete',
  'head',
  'options',
  'request',
  'fetch',
  'stream',
  'postform',
  'newrequest',
  'newrequestwithcontext',
  'urlopen',
]);
const QUEUE_CALLS = new Set([
  'publish',
  'subscribe',
  'sendMessage',
  'sendMessageBatch',
  'send_message',
  'send_message_batch',
  'receiveMessage',
  'receive_message',
  'createQueue',
  'create_queue',
  'getQueueUrl',
  'get_queue_url',
  'createTopic',
  'create_topic',
  'topic',
  'Topic',
  'queue',
  'Queue',
  'Subscription',
  'subscription',
  'Publish',
  'Subscribe',
  'QueueSubscribe',
]);
/** Keys whose string value names a queue or topic (`QueueUrl: '…'`, `topic="…"`). */
export const QUEUE_KEYS = new Set([
  'QueueUrl',
  'QueueName',
  'QueueArn',
  'TopicArn',
  'TopicName',
  'queueUrl',
  'queue_url',
  'queue_name',
  'topic_arn',
  'topic',
  'queue',
]);

const MAX_TARGET = 400;

/** Whether a callee's name can state a fact at all: most calls are skipped before their arguments are read. */
export function mayStateFact(callee: string): boolean {
  const last = callee.slice(callee.lastIndexOf('.') + 1);
  return (
    GO_HANDLERS.has(last) || last.toLowerCase() in ROUTE_VERBS || CLIENT_FUNCTIONS.has(last) || CLIENT_CALLS.has(last.toLowerCase()) || QUEUE_CALLS.has(last)
  );
}

/** `callee` as written (`app.get`), its arguments node, whether it sits in a decorator. */
export function callFacts(adapter: LanguageAdapter, callee: string, args: Node | undefined, inDecorator: boolean): CallFact[] {
  const dot = callee.lastIndexOf('.');
  const last = callee.slice(dot + 1);
  const receiver = dot === -1 ? '' : callee.slice(callee.lastIndexOf('.', dot - 1) + 1, dot);
  const argNodes = args?.namedChildren ?? [];
  if (argNodes.length === 0) return [];
  const first = argNodes[0] ? adapter.stringValue(argNodes[0]) : undefined;
  const facts: CallFact[] = [];

  if (GO_HANDLERS.has(last) && first !== undefined) {
    const pattern = /^(?:([A-Z]{1,16}) +)?(\/\S*)$/.exec(first);
    if (pattern?.[2] && pattern[2].length <= MAX_TARGET) facts.push(withMethod({ kind: 'http_route', target: pattern[2] }, pattern[1]));
  } else if (last.toLowerCase() in ROUTE_VERBS && first?.startsWith('/') && (receiver !== '' || inDecorator) && !CLIENT_RECEIVERS.has(receiver.toLowerCase())) {
    const target = exactLine(first, MAX_TARGET);
    if (target !== undefined && (argNodes.length >= 2 || inDecorator)) {
      facts.push(withMethod({ kind: 'http_route', target }, ROUTE_VERBS[last.toLowerCase()] ?? keywordMethod(adapter, argNodes)));
    }
  }

  const isClient = (receiver === '' && CLIENT_FUNCTIONS.has(last)) || (CLIENT_RECEIVERS.has(receiver.toLowerCase()) && CLIENT_CALLS.has(last.toLowerCase()));
  if (isClient) {
    for (const node of argNodes.slice(0, 3)) {
      const url = node ? urlTarget(adapter.stringValue(node)) : undefined;
      if (url === undefined) continue;
      const verb = last.toUpperCase();
      const method = verb in { GET: 1, POST: 1, PUT: 1, PATCH: 1, DELETE: 1, HEAD: 1, OPTIONS: 1 } ? verb : undefined;
      facts.push(withMethod({ kind: 'http_client', target: url }, method));
      break;
    }
  }

  if (QUEUE_CALLS.has(last) && first !== undefined) {
    const name = queueName(first);
    if (name !== undefined) facts.push({ kind: 'queue', target: name });
  }
  return facts;
}

/** A queue or topic name or URL as written: one token, no path-like routes. */
export function queueName(value: string): string | undefined {
  return /^[^\s/][^\s]*$/.test(value) ? exactLine(value, MAX_TARGET) : undefined;
}

/**
 * A literal URL's scheme, host and path: user info, query and fragment are dropped, since they
 * are where credentials and tokens hide.
 */
export function urlTarget(value: string | undefined): string | undefined {
  if (value === undefined || !/^https?:\/\//i.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  return exactLine(`${url.protocol}//${url.host}${url.pathname}`, MAX_TARGET);
}

/** Flask's `methods=["POST"]`. */
function keywordMethod(adapter: LanguageAdapter, args: (Node | null)[]): string | undefined {
  for (const arg of args) {
    if (arg?.type !== 'keyword_argument' || arg.childForFieldName('name')?.text !== 'methods') continue;
    const first = arg.childForFieldName('value')?.namedChildren[0];
    const method = first ? adapter.stringValue(first)?.toUpperCase() : undefined;
    return method && /^[A-Z]{1,16}$/.test(method) ? method : undefined;
  }
  return undefined;
}

function withMethod(fact: CallFact, method: string | undefined): CallFact {
  return method === undefined ? fact : { ...fact, method };
}
