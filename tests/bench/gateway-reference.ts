import type { Pool } from 'pg';

/** The GraphQL document the gateway benchmark sends, for one township. */
export function regionDocument(code: string): string {
  return `{ region(code:"${code}") { code name children { code name } ancestors { code } } }`;
}

export const REFERENCE_SQL = {
  region: 'select * from region where code = $1 limit 1',
  children: 'select * from region where parent_code = $1 order by path',
  ancestors: 'select * from region where code = any($1)',
} as const;

interface Row {
  code: string;
  name: string;
  path: string;
}

/**
 * The same answer as `regionDocument(code)` straight from `pg`: the unit, then its children and its
 * ancestors (in parallel, as the gateway's loaders issue them), serialised as the gateway would.
 */
export async function regionRaw(pool: Pool, code: string): Promise<string> {
  const { rows } = await pool.query<Row>(REFERENCE_SQL.region, [code]);
  const region = rows[0];
  if (!region) throw new Error(`region ${code} not found`);
  const ancestorCodes = region.path.split('/').filter(Boolean).slice(0, -1);
  const [children, ancestors] = await Promise.all([
    pool.query<Row>(REFERENCE_SQL.children, [code]),
    pool.query<Row>(REFERENCE_SQL.ancestors, [ancestorCodes]),
  ]);
  const byCode = new Map(ancestors.rows.map((r) => [r.code, r]));
  return JSON.stringify({
    data: {
      region: {
        code: region.code,
        name: region.name,
        children: children.rows.map((c) => ({ code: c.code, name: c.name })),
        ancestors: ancestorCodes.filter((c) => byCode.has(c)).map((c) => ({ code: c })),
      },
    },
  });
}
