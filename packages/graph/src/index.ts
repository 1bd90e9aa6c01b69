export * from './graph-schema.ts';
export { DEFAULT_INDEX_LIMITS, indexRepository, type IndexLimits, type IndexRepositoryOptions } from './index-repository.ts';
