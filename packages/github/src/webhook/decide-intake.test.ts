import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isGithubError } from '../github-error.ts';
import { webhookFixtures } from '../testing/webhook-fixtures.ts';
import { decideIntake } from './decide-intake.ts';

const fixtures = webhookFixtures();

describe('decideIntake on GitHub payloads', () => {
  it.each(['opened', 'reopened', 'readyForReview', 'synchronize'] as const)('reviews pull_request %s with the author and both SHAs', (name) => {
    const { event, payload } = fixtures[name];
    const decision = decideIntake(event, payload);
    expect(decision).toEqual({
      action: 'review',
      trigger: {
        deliveryKind: 'pull_request',
        action: payload.action,
        repository: { id: 186853002, owner: 'Codertocat', name: 'Hello-World', fullName: 'Codertocat/Hello-World' },
        installationId: 1,
        pullNumber: 2,
        headSha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
        baseSha: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
        author: { login: 'Codertocat', id: 21031067, type: 'User' },
      },
    });
  });

  it('skips a draft, and a bot author, keeping the trigger for the record', () => {
    const draft = decideIntake('pull_request', fixtures.draftOpened.payload);
    expect(draft).toMatchObject({ action: 'skip', reason: 'draft', trigger: { pullNumber: 2 } });
    const bot = decideIntake('pull_request', fixtures.botOpened.payload);
    expect(bot).toMatchObject({ action: 'skip', reason: 'bot_author', trigger: { author: { login: 'dependabot[bot]', type: 'Bot' } } });
  });

  it('skips a login ending in [bot] even when GitHub says type User', () => {
    const payload = structuredClone(fixtures.opened.payload) as { pull_request: { user: { login: string } } };
    payload.pull_request.user.login = 'renovate[bot]';
    expect(decideIntake('pull_request', payload)).toMatchObject({ action: 'skip', reason: 'bot_author' });
  });

  it('ignores pull_request actions that do not change the code', () => {
    expect(decideIntake('pull_request', fixtures.closed.payload)).toEqual({ action: 'ignore', reason: 'action_not_handled' });
  });

  it('reviews `/remit review` on a pull request, as its author, requested by the commenter', () => {
    expect(decideIntake('issue_comment', fixtures.commandOnPullRequest.payload)).toEqual({
      action: 'review',
      trigger: {
        deliveryKind: 'review_command',
        action: 'created',
        repository: { id: 186853002, owner: 'Codertocat', name: 'Hello-World', fullName: 'Codertocat/Hello-World' },
        installationId: 1,
        pullNumber: 1,
        author: { login: 'Codertocat', id: 21031067, type: 'User' },
        requestedBy: { login: 'Codertocat', id: 21031067 },
        commentId: 492700400,
      },
    });
  });

  it('ignores the command on an issue, inside a sentence, and ordinary comments; skips it from a bot', () => {
    expect(decideIntake('issue_comment', fixtures.commandOnIssue.payload)).toEqual({ action: 'ignore', reason: 'not_a_pull_request' });
    expect(decideIntake('issue_comment', fixtures.commandInline.payload)).toEqual({ action: 'ignore', reason: 'not_a_command' });
    expect(decideIntake('issue_comment', fixtures.plainComment.payload)).toEqual({ action: 'ignore', reason: 'not_a_pull_request' });
    expect(decideIntake('issue_comment', fixtures.commandFromBot.payload)).toMatchObject({ action: 'skip', reason: 'bot_author' });
  });

  it.each(['/remit reviewer', '/remit review please', '//remit review', '/remitreview', '> /remit review', '`/remit review`'])(
    'does not take %j for the command',
    (body) => {
      const payload = structuredClone(fixtures.commandOnPullRequest.payload) as { comment: { body: string } };
      payload.comment.body = body;
      expect(decideIntake('issue_comment', payload)).toEqual({ action: 'ignore', reason: 'not_a_command' });
    },
  );

  it('ignores other events without reading them', () => {
    for (const event of ['push', 'ping', 'pull_request_review', undefined, ''])
      expect(decideIntake(event, null)).toEqual({ action: 'ignore', reason: 'event_not_handled' });
  });

  it('ignores a delivery with no installation: it cannot be acted on as an app', () => {
    const payload = structuredClone(fixtures.opened.payload);
    delete payload.installation;
    expect(decideIntake('pull_request', payload)).toEqual({ action: 'ignore', reason: 'no_installation' });
  });
});

describe('decideIntake refuses malformed payloads with its typed error', () => {
  const cases: [string, (payload: Record<string, unknown>) => unknown][] = [
    ['not an object', () => 'opened'],
    ['null', () => null],
    ['an array', () => []],
    ['head SHA not hex', (p) => ({ ...p, pull_request: { ...(p.pull_request as object), head: { sha: 'HEAD; rm -rf /' } } })],
    ['repository id a string', (p) => ({ ...p, repository: { ...(p.repository as object), id: '186853002' } })],
    ['no pull_request', (p) => ({ ...p, pull_request: undefined })],
    ['action a number', (p) => ({ ...p, action: 1 })],
    ['negative number', (p) => ({ ...p, number: -2, pull_request: { ...(p.pull_request as object), number: -2 } })],
  ];
  it.each(cases)('%s', (_name, mutate) => {
    const payload = mutate(structuredClone(fixtures.opened.payload));
    let thrown: unknown;
    try {
      decideIntake('pull_request', payload);
    } catch (err) {
      thrown = err;
    }
    expect(isGithubError(thrown) && thrown.code).toBe('github_webhook_payload_invalid');
  });

  it('never throws anything else, whatever JSON arrives (fuzz)', () => {
    const actions = fc.constantFrom('opened', 'synchronize', 'created', 'reopened', 'ready_for_review', 'closed');
    const json = fc.oneof(
      fc.jsonValue(),
      fc.record({ action: actions }).chain((base) => fc.dictionary(fc.string(), fc.jsonValue()).map((extra) => ({ ...extra, ...base }))),
    );
    fc.assert(
      fc.property(fc.constantFrom('pull_request', 'issue_comment', 'push'), json, (event, payload) => {
        try {
          decideIntake(event, payload);
        } catch (err) {
          expect(isGithubError(err) && err.code).toBe('github_webhook_payload_invalid');
        }
      }),
    );
  });

  it('never throws anything else on a real payload with one field replaced by random JSON (fuzz)', () => {
    const paths = [
      ['pull_request'],
      ['pull_request', 'user'],
      ['pull_request', 'head'],
      ['repository', 'owner'],
      ['installation'],
      ['number'],
      ['pull_request', 'draft'],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue(), (path, value) => {
        const payload = structuredClone(fixtures.opened.payload);
        let target: Record<string, unknown> = payload;
        for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
        target[path.at(-1) as string] = value;
        try {
          decideIntake('pull_request', payload);
        } catch (err) {
          expect(isGithubError(err) && err.code).toBe('github_webhook_payload_invalid');
        }
      }),
    );
  });
});
