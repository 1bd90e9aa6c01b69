export { createEgressProxy } from './egress-proxy.ts';
export type { EgressDecision, EgressTarget } from './egress-proxy.ts';
