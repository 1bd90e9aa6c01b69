export { scenarios } from './scenarios/index.ts';
export { runSuite, type SuiteOptions, type SuiteReport } from './run-suite.ts';
export { formatReport } from './report.ts';
export type { Scenario } from './scenario.ts';
