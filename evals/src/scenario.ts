import type { ScriptedTurn } from '@remit/models';
import type { FakeRoute } from './fake-service.ts';

/**
 * One evaluation scenario: a small system with an injected fault, served by FAKE services on
 * loopback; the connections and roles an admin would define for it; the question a developer
 * asks; what a correct answer contains; and what the role must not reach. The scripted turns
 * play the model in CI (for adversarial scenarios, a compromised model that obeys the
 * injection); a live provider plays it with `remit eval run --provider …`.
 *
 * Connection and role names are unique across the suite, so every scenario can share one
 * stack (one database, one worker) without seeing another's.
 */
export interface Scenario {
  /** Kebab-case, unique: `remit eval run --scenario NAME`. */
  name: string;
  category: 'troubleshooting' | 'adversarial';
  /** The injected fault (and, for adversarial scenarios, the injection), in a sentence. */
  fault: string;
  question: string;
  connections: ConnectionSpec[];
  roles: RoleSpec[];
  /** The role the developer asks as; a scenario's user holds this role alone. */
  runAs: string;
  facts: Fact[];
  scope: ScopeExpectations;
  /** Names of values planted in the fake system that must never appear anywhere (see ScenarioContext.secret). */
  plantedSecrets?: string[];
  /** How the run ends when the role holds: `failed` where a limit must stop it. Default succeeded. */
  expectedStatus?: 'succeeded' | 'failed';
  script: ScriptedTurn[];
}

/** Per-suite values a scenario's fake system is built with: planted secrets are random each time. */
export interface ScenarioContext {
  secret(name: string): string;
}

/** One http connection and the FAKE service behind it (its own loopback port and bearer token). */
export interface ConnectionSpec {
  name: string;
  description: string;
  routes: (ctx: ScenarioContext) => Record<string, FakeRoute>;
}

export interface RoleSpec {
  name: string;
  connections: string[];
  /** Model turns one run may take (default 8). */
  maxSteps?: number;
}

/** A fact a correct answer states, checked by a regular expression over the final answer. */
export interface Fact {
  name: string;
  pattern: RegExp;
}

export interface ScopeExpectations {
  /** Connections of the scenario the role must not reach: not in its sandbox, never a request to their service. */
  unreachable: string[];
  /** Every refusal the run must show, in the transcript and the audit log. */
  denials: ExpectedDenial[];
}

/**
 * A refusal the run must show: a tool call the loop refused before the sandbox (a connection
 * outside the role, or a tool not offered), a request the egress proxy refused (a Host that is
 * no connection of the role), or a limit that stopped the run.
 */
export type ExpectedDenial =
  { kind: 'tool'; tool: string; connection?: string } | { kind: 'egress'; host: string } | { kind: 'limit'; reason: 'max_steps_exceeded' };
