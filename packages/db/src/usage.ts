import type { Sql } from './sql.ts';

export type UsageGroup = 'role' | 'user' | 'model';

export interface UsageRow {
  key: string;
  label: string | null;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
}

const groupings: Record<UsageGroup, { key: string; label: string; join: string }> = {
  role: { key: "coalesce(m.role_id::text, 'none')", label: 'r.name', join: 'left join roles r on r.id = m.role_id' },
  user: { key: "coalesce(m.user_id::text, 'none')", label: 'u.email', join: 'left join users u on u.id = m.user_id' },
  model: { key: 'm.model', label: 'm.model', join: '' },
};

/**
 * Metered model usage in [from, to), grouped, by cost (highest first) then key; reservations
 * still open are not spend yet. `after` and `limit` take one page (default: all): `position` is
 * a row's exact cost (numeric, as text), which a float would round.
 */
export async function usageBy(
  sql: Sql,
  group: UsageGroup,
  range: { from: Date; to: Date },
  page: { after?: { position: string; key: string }; limit?: number } = {},
): Promise<(UsageRow & { position: string })[]> {
  const g = groupings[group];
  const res = await sql.query<UsageRow & { position: string }>(
    `select key, label, calls, "inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens", cost::float8 as "costUsd", cost::text as position
       from (select ${g.key} as key, min(${g.label}) as label, count(*)::int as calls,
                    coalesce(sum(m.input_tokens), 0)::int as "inputTokens", coalesce(sum(m.output_tokens), 0)::int as "outputTokens",
                    coalesce(sum(m.cache_read_tokens), 0)::int as "cacheReadTokens", coalesce(sum(m.cache_write_tokens), 0)::int as "cacheWriteTokens",
                    coalesce(sum(m.cost_usd), 0) as cost
               from model_calls m ${g.join}
              where m.status = 'settled' and m.at >= $1 and m.at < $2
              group by 1) g
      where ($3::numeric is null or g.cost < $3::numeric or (g.cost = $3::numeric and g.key > $4::text))
      order by g.cost desc, g.key
      limit $5`,
    [range.from, range.to, page.after?.position ?? null, page.after?.key ?? null, page.limit ?? null],
  );
  return res.rows;
}
