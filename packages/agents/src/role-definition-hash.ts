import { createHash } from 'node:crypto';
import { canonicalJson } from '@remit/audit';
import type { Role } from '@remit/core';

/**
 * SHA-256 (hex) of the role's definition as an admin writes it (RoleCreate's fields: name,
 * description, connections, runKinds, limits) in canonical JSON (RFC 8785 key order, no
 * whitespace). run.create records it, so evidence shows which definition a run acted under
 * even after the role is edited; a reviewer recomputes it from a role file (docs/evidence.md).
 */
export function roleDefinitionSha256(role: Pick<Role, 'name' | 'description' | 'connections' | 'runKinds' | 'limits'>): string {
  const { name, description, connections, runKinds, limits } = role;
  const definition = { name, description, connections, runKinds, limits: { maxDurationSeconds: limits.maxDurationSeconds, maxSteps: limits.maxSteps } };
  return createHash('sha256').update(canonicalJson(definition)).digest('hex');
}
