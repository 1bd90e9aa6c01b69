import type { Sql } from './sql.ts';

type UsageGroup = 'role' | 'user' | 'model';

interface UsageRow {
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

/** Metered model usage in [from, to), grouped; reservations still open are not spend yet. */
export async function usageBy(sql: Sql, group: UsageGroup, range: { from: Date; to: Date }): Promise<UsageRow[]> {
  const g = groupings[group];
  const res = await sql.query<UsageRow>(
    `select ${g.key} as key, min(${g.label}) as label, count(*)::int as calls,
            coalesce(sum(m.input_tokens), 0)::int as "inputTokens", coalesce(sum(m.output_tokens), 0)::int as "outputTokens",
            coalesce(sum(m.cache_read_tokens), 0)::int as "cacheReadTokens", coalesce(sum(m.cache_write_tokens), 0)::int as "cacheWriteTokens",
            coalesce(sum(m.cost_usd), 0)::float8 as "costUsd"
       from model_calls m ${g.join}
      where m.status = 'settled' and m.at >= $1 and m.at < $2
      group by 1 order by "costUsd" desc, key`,
    [range.from, range.to],
  );
  return res.rows;
}
