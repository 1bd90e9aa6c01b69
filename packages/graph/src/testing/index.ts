export { copyThirdPartyCorpus, type Corpus } from './third-party-corpus.ts';
export { createFixtureRepository, fixtureGit, SERVICE_FIXTURE, type FixtureRepository } from './fixture-repository.ts';
