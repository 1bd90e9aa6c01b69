export {
  FakeGithub,
  generateFakeAppKeys,
  type FakeFault,
  type FakeGithubOptions,
  type FakeInstallation,
  type FakeRequest,
  type FakeReview,
  type FakeRoute,
  type FakeToken,
} from './fake-github.ts';
export { MAX_DIFF_FILES, MAX_DIFF_LINES, type FakePullRequest, type FakePullRequestSetup } from './fake-pull-requests.ts';
export { assertGithubWebhookSchema, recordedPayloads, webhookFixtures, type WebhookFixture } from './webhook-fixtures.ts';
