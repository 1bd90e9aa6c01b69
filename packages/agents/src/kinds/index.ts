import type { RunKind } from '@remit/core';
import type { RunKindModule } from './run-kind.ts';
import { indexRepository } from './index-repository.ts';
import { insight } from './insight.ts';
import { review } from './review.ts';
import { troubleshoot } from './troubleshoot.ts';

/** The kinds this release can run; a role may name a kind before its module lands, and startRun then refuses it plainly. */
const modules: Partial<Record<RunKind, RunKindModule>> = {
  troubleshoot,
  review: review as unknown as RunKindModule,
  insight: insight as unknown as RunKindModule,
  index: indexRepository as unknown as RunKindModule,
};

export function runKindModule(kind: RunKind): RunKindModule | undefined {
  return modules[kind];
}
