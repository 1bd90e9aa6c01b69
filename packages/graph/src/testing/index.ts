export { copyThirdPartyCorpus, type Corpus } from './third-party-corpus.ts';
export { createFixtureRepository, SERVICE_FIXTURE, type FixtureRepository } from './fixture-repository.ts';
