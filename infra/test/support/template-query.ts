/** A synthesized CloudFormation template, read as a reviewer reads it: raw JSON, no CDK types. */
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Parameters?: Record<string, unknown>;
}
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

/** An IAM policy statement with its lists normalized, and the logical ids of the roles it is attached to. */
export interface Statement {
  roles: string[];
  effect: string;
  actions: string[];
  notActions: boolean;
  resources: unknown[];
  notResources: boolean;
  condition: Record<string, unknown> | undefined;
}

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function resourcesOfType(t: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(t.Resources).filter(([, r]) => r.Type === type);
}

export function props(r: CfnResource): Record<string, unknown> {
  return r.Properties ?? {};
}

/** The logical id a value points at: `{Ref: id}` or `{"Fn::GetAtt": [id, attr]}`; undefined otherwise. */
export function logicalIdOf(v: unknown): string | undefined {
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.Ref === 'string') return o.Ref;
    const att = o['Fn::GetAtt'];
    if (Array.isArray(att) && typeof att[0] === 'string') return att[0];
  }
  return undefined;
}

/**
 * Every identity-policy statement in the template: AWS::IAM::Policy and ManagedPolicy
 * documents and roles' inline policies. Whatever way a permission is attached, it is here.
 */
export function identityStatements(t: CfnTemplate): Statement[] {
  const out: Statement[] = [];
  const push = (roles: string[], doc: unknown) => {
    for (const s of list((doc as { Statement?: unknown })?.Statement) as Record<string, unknown>[]) {
      out.push({
        roles,
        effect: String(s.Effect),
        actions: list(s.Action ?? s.NotAction).map(String),
        notActions: s.NotAction !== undefined,
        resources: list(s.Resource ?? s.NotResource),
        notResources: s.NotResource !== undefined,
        condition: s.Condition as Record<string, unknown> | undefined,
      });
    }
  };
  for (const [, r] of [...resourcesOfType(t, 'AWS::IAM::Policy'), ...resourcesOfType(t, 'AWS::IAM::ManagedPolicy')]) {
    const p = props(r);
    push(
      list(p.Roles).map((x) => logicalIdOf(x) ?? JSON.stringify(x)),
      p.PolicyDocument,
    );
  }
  for (const [id, r] of resourcesOfType(t, 'AWS::IAM::Role')) {
    for (const policy of list(props(r).Policies) as { PolicyDocument?: unknown }[]) push([id], policy.PolicyDocument);
  }
  return out;
}

/** Whether an IAM action pattern (`*`, `?` wildcards, case-insensitive) covers the action. */
export function coversAction(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(action);
}

/** Allow statements that grant the action, however spelled (wildcards, NotAction). */
export function grantsOf(statements: Statement[], action: string): Statement[] {
  return statements.filter(
    (s) => s.effect === 'Allow' && (s.notActions ? !s.actions.some((a) => coversAction(a, action)) : s.actions.some((a) => coversAction(a, action))),
  );
}

/** The environment and secrets of a task definition's containers, by name. */
export function containers(r: CfnResource): Record<string, unknown>[] {
  return list(props(r).ContainerDefinitions) as Record<string, unknown>[];
}

export function environmentOf(container: Record<string, unknown>): Map<string, unknown> {
  return new Map((list(container.Environment) as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]));
}

/** The API/worker task definition: the one whose container is started with `serve`. */
export function serviceContainer(t: CfnTemplate): Record<string, unknown> {
  const found = resourcesOfType(t, 'AWS::ECS::TaskDefinition')
    .flatMap(([, r]) => containers(r))
    .find((c) => list(c.Command).includes('serve'));
  if (!found) throw new Error('no container runs `serve`');
  return found;
}
