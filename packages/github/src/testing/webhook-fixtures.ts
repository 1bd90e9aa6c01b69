import { createRequire } from 'node:module';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// Payloads GitHub recorded (`@octokit/webhooks-examples`), each checked against GitHub's own
// webhook schema (`@octokit/openapi-webhooks`, OpenAPI 3.1 = JSON Schema 2020-12) before a test
// may use it. Where GitHub recorded no example of a case, the case is derived from a recorded
// payload by the smallest change that makes it, the change is written next to it, and the
// derived payload is validated too.

const require = createRequire(import.meta.url);

interface ExampleGroup {
  name: string;
  examples: Record<string, unknown>[];
}
const examples = require('@octokit/webhooks-examples') as ExampleGroup[];
const spec = require('@octokit/openapi-webhooks/generated/api.github.com.json') as { components: object };

// ajv-formats is CommonJS with a default export; under NodeNext it arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => void;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'github-webhooks', components: spec.components });

/** A payload a test may use: `derivedFrom` says what was changed from GitHub's recording, when anything was. */
export interface WebhookFixture {
  event: string;
  payload: Record<string, unknown>;
  derivedFrom?: string;
}

/** Throws unless `payload` is valid under GitHub's schema for `schemaName` (e.g. `webhook-pull-request-opened`). */
export function assertGithubWebhookSchema(schemaName: string, payload: unknown): void {
  const validate: ValidateFunction | undefined = ajv.getSchema(`github-webhooks#/components/schemas/${schemaName}`);
  if (!validate) throw new Error(`GitHub's webhook schema has no ${schemaName}`);
  if (!validate(payload)) throw new Error(`${schemaName}: ${ajv.errorsText(validate.errors)}`);
}

/** GitHub's recorded payloads for an event and action that GitHub's current schema accepts. */
export function recordedPayloads(event: string, action: string): Record<string, unknown>[] {
  const schemaName = `webhook-${event.replaceAll('_', '-')}-${action.replaceAll('_', '-')}`;
  const recorded = examples.find((group) => group.name === event)?.examples.filter((example) => example.action === action) ?? [];
  return recorded.filter((payload) => {
    try {
      assertGithubWebhookSchema(schemaName, payload);
      return true;
    } catch {
      // Older recordings lack fields GitHub has since made required; those are not used.
      return false;
    }
  });
}

function withInstallation(payloads: Record<string, unknown>[]): Record<string, unknown> {
  const payload = payloads.find((candidate) => candidate.installation);
  if (!payload) throw new Error('no recorded payload with an installation');
  return structuredClone(payload);
}

type Patch = (payload: Record<string, unknown>) => void;

function derive(event: string, action: string, base: Record<string, unknown>, derivedFrom: string, patch: Patch): WebhookFixture {
  const payload = structuredClone(base);
  patch(payload);
  assertGithubWebhookSchema(`webhook-${event.replaceAll('_', '-')}-${action.replaceAll('_', '-')}`, payload);
  return { event, payload, derivedFrom };
}

const pr = (payload: Record<string, unknown>) => payload.pull_request as Record<string, unknown>;
const issue = (payload: Record<string, unknown>) => payload.issue as Record<string, unknown>;
const comment = (payload: Record<string, unknown>) => payload.comment as Record<string, unknown>;

/** A GitHub App bot, shaped as GitHub sends one. */
const dependabot = {
  login: 'dependabot[bot]',
  id: 49699333,
  node_id: 'MDM6Qm90NDk2OTkzMzM=',
  avatar_url: 'https://avatars.githubusercontent.com/in/29110?v=4',
  gravatar_id: '',
  url: 'https://api.github.com/users/dependabot%5Bbot%5D',
  html_url: 'https://github.com/apps/dependabot',
  followers_url: 'https://api.github.com/users/dependabot%5Bbot%5D/followers',
  following_url: 'https://api.github.com/users/dependabot%5Bbot%5D/following{/other_user}',
  gists_url: 'https://api.github.com/users/dependabot%5Bbot%5D/gists{/gist_id}',
  starred_url: 'https://api.github.com/users/dependabot%5Bbot%5D/starred{/owner}{/repo}',
  subscriptions_url: 'https://api.github.com/users/dependabot%5Bbot%5D/subscriptions',
  organizations_url: 'https://api.github.com/users/dependabot%5Bbot%5D/orgs',
  repos_url: 'https://api.github.com/users/dependabot%5Bbot%5D/repos',
  events_url: 'https://api.github.com/users/dependabot%5Bbot%5D/events{/privacy}',
  received_events_url: 'https://api.github.com/users/dependabot%5Bbot%5D/received_events',
  type: 'Bot',
  site_admin: false,
};

/** The fixtures intake is tested on, built once. */
export function webhookFixtures() {
  const opened = withInstallation(recordedPayloads('pull_request', 'opened'));
  const commentCreated = withInstallation(recordedPayloads('issue_comment', 'created'));
  const commandOnPr: Patch = (payload) => {
    issue(payload).pull_request = {
      url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1',
      html_url: 'https://github.com/Codertocat/Hello-World/pull/1',
      diff_url: 'https://github.com/Codertocat/Hello-World/pull/1.diff',
      patch_url: 'https://github.com/Codertocat/Hello-World/pull/1.patch',
      merged_at: null,
    };
    comment(payload).body = 'Thanks!\r\n\r\n  /Remit Review  \r\n';
  };
  return {
    opened: { event: 'pull_request', payload: opened } satisfies WebhookFixture,
    reopened: { event: 'pull_request', payload: withInstallation(recordedPayloads('pull_request', 'reopened')) } satisfies WebhookFixture,
    readyForReview: { event: 'pull_request', payload: withInstallation(recordedPayloads('pull_request', 'ready_for_review')) } satisfies WebhookFixture,
    closed: { event: 'pull_request', payload: structuredClone(recordedPayloads('pull_request', 'closed')[0] ?? {}) } satisfies WebhookFixture,
    plainComment: { event: 'issue_comment', payload: commentCreated } satisfies WebhookFixture,
    // GitHub's one recorded `synchronize` predates `has_discussions`, which its schema now requires.
    synchronize: derive(
      'pull_request',
      'synchronize',
      examples.find((group) => group.name === 'pull_request')?.examples.find((example) => example.action === 'synchronize') ?? {},
      'the recorded pull_request.synchronize; has_discussions: false added to base.repo and head.repo',
      (payload) => {
        for (const side of ['base', 'head']) ((pr(payload)[side] as Record<string, unknown>).repo as Record<string, unknown>).has_discussions = false;
      },
    ),
    draftOpened: derive('pull_request', 'opened', opened, 'pull_request.opened with installation; pull_request.draft = true', (payload) => {
      pr(payload).draft = true;
    }),
    botOpened: derive('pull_request', 'opened', opened, 'pull_request.opened with installation; pull_request.user = dependabot[bot]', (payload) => {
      pr(payload).user = dependabot;
    }),
    commandOnPullRequest: derive(
      'issue_comment',
      'created',
      commentCreated,
      'issue_comment.created with installation; issue.pull_request added, comment.body holds the command on its own line',
      commandOnPr,
    ),
    commandOnIssue: derive('issue_comment', 'created', commentCreated, 'issue_comment.created with installation; comment.body = "/remit review"', (payload) => {
      comment(payload).body = '/remit review';
    }),
    commandFromBot: derive('issue_comment', 'created', commentCreated, 'the command on a pull request, commented by dependabot[bot]', (payload) => {
      commandOnPr(payload);
      comment(payload).user = dependabot;
    }),
    commandInline: derive('issue_comment', 'created', commentCreated, 'the command on a pull request, but inside a sentence', (payload) => {
      commandOnPr(payload);
      comment(payload).body = 'please do not /remit review this yet';
    }),
  };
}
