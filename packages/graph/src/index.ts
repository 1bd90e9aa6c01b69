export * from './graph-schema.ts';
