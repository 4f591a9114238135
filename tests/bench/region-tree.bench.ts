import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from 'pg';
import { RegionLevel } from '../../schema/regions/region.entity';
import { listRegions, loadRegionTree } from '../../schema/regions/region.service';
import { fmt, median, opsPerSecond, ratio, table, timed } from './harness';
import { copyField, copyIn } from './pg-copy';
import type { SyntheticTree } from './synthetic-tree';

/**
 * Benchmark 1: the region tree at province scale.
 * - Loading: `loadRegionTree` (one JSON-parameter INSERT … ON CONFLICT) against a raw `COPY` into a
 *   staging table with the same columns, indexes and foreign key.
 * - "All grids under X": the ORM path (`listRegions`), the raw prefix predicate, the same two statements
 *   the ORM issues done raw, and a recursive CTE over parent_code (the design the materialised path replaced).
 */

const LOAD_REPS = 4;
const QUERY_REPS = 5;
const QUERY_MS = 800;
const WARMUP_MS = 300;

const COLUMNS = 'code, name, level, kind, parent_code, path, synthetic';
const STAGING = 'region_copy_ref';

export const SUBTREE_SQL = `select * from region where path like $1 and level = 'grid' order by path`;
const PATH_SQL = 'select path, level from region where code = $1';
export const CTE_SQL = `with recursive sub as (
  select * from region where code = $1
  union all
  select r.* from region r join sub on r.parent_code = sub.code
)
select * from sub where level = 'grid' order by path`;

export interface Explain {
  title: string;
  sql: string;
  plan: string;
  index: string;
  usesIndex: boolean;
}

export type VariantKey = 'orm' | 'ormSql' | 'raw' | 'raw2' | 'cte';

interface Variant {
  key: VariantKey;
  name: string;
  statements: number;
  run: (code: string) => Promise<string[]>;
}

export interface RegionTreeResults {
  rows: number;
  load: { tree: number[]; copy: number[]; resync: number[]; resyncUnchanged: number };
  scopes: Array<{
    scope: string;
    units: number;
    gridsPerQuery: number;
    variants: Array<{ key: VariantKey; name: string; statements: number; qps: number[] }>;
  }>;
  explains: Explain[];
  /** Every statement `listRegions(…, {parentCode: township, level: GRID})` sent, as logged by MikroORM. */
  ormSent: string[];
}

function copyPayload(tree: SyntheticTree): Buffer {
  const lines = tree.seeds.map((s) =>
    [s.code, s.name, s.level, s.kind, s.parentCode, tree.paths.get(s.code)!, s.synthetic]
      .map(copyField)
      .join('\t'),
  );
  return Buffer.from(`${lines.join('\n')}\n`);
}

async function measureLoad(orm: MikroORM, pg: Client, tree: SyntheticTree) {
  await pg.query(`drop table if exists ${STAGING}`);
  await pg.query(`create table ${STAGING} (like region including all)`);
  await pg.query(
    `alter table ${STAGING} add foreign key (parent_code) references ${STAGING} (code)
       on update cascade on delete restrict`,
  );
  const out = { tree: [] as number[], copy: [] as number[], resync: [] as number[], resyncUnchanged: 0 };
  for (let rep = 0; rep < LOAD_REPS; rep++) {
    // The governed tables (people, places, events…) reference region; they are empty in this database.
    await pg.query('truncate region cascade');
    await pg.query('checkpoint');
    const loaded = await timed(() => loadRegionTree(orm.em.fork(), tree.seeds));
    if (loaded.value.inserted !== tree.seeds.length) {
      throw new Error(`loadRegionTree inserted ${loaded.value.inserted} of ${tree.seeds.length}`);
    }
    out.tree.push(loaded.ms);

    await pg.query(`truncate ${STAGING}`);
    await pg.query('checkpoint');
    const copied = await timed(() =>
      copyIn(pg, `copy ${STAGING} (${COLUMNS}) from stdin`, copyPayload(tree)),
    );
    if (copied.value !== tree.seeds.length) throw new Error(`COPY loaded ${copied.value} rows`);
    out.copy.push(copied.ms);
  }
  // A re-sync meets a settled table in practice, not one whose rows were written a second ago.
  await pg.query('vacuum analyze region');
  for (let rep = 0; rep < LOAD_REPS; rep++) {
    const again = await timed(() => loadRegionTree(orm.em.fork(), tree.seeds));
    out.resyncUnchanged = again.value.unchanged;
    out.resync.push(again.ms);
  }
  await pg.query(`drop table ${STAGING}`);
  await pg.query('vacuum analyze region');
  return out;
}

/** The exact SQL MikroORM sends for `listRegions(…, {parentCode, level: GRID})`, from its query log. */
async function ormStatements(orm: MikroORM, captured: string[], code: string): Promise<string[]> {
  captured.length = 0;
  // `query-params` logs the statement as sent: MikroORM inlines the parameters before handing it to knex.
  orm.config.set('debug', ['query', 'query-params']);
  try {
    await listRegions(orm.em.fork(), { parentCode: code, level: RegionLevel.GRID });
  } finally {
    orm.config.set('debug', false);
  }
  return captured.map((m) =>
    m
      // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the ANSI colours of MikroORM's log
      .replace(/\u001b\[[0-9;]*m/g, '')
      .replace(/^\[query\]\s*/, '')
      .replace(/\s*\[took [^\]]*\]\s*$/, ''),
  );
}

async function explain(pg: Client, title: string, sql: string, params: unknown[], index: string) {
  const { rows } = await pg.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${sql}`, params);
  const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
  return { title, sql, plan, index, usesIndex: plan.includes(index) };
}

export async function runRegionTreeBench(
  orm: MikroORM,
  pg: Client,
  tree: SyntheticTree,
  ormLog: string[],
): Promise<RegionTreeResults> {
  console.log(`  loading ${fmt(tree.seeds.length)} regions (${LOAD_REPS} repetitions each)…`);
  const load = await measureLoad(orm, pg, tree);

  const codesOf = (rows: Array<{ code: string }>) => rows.map((r) => r.code);
  const variants: Variant[] = [
    {
      key: 'orm',
      name: '(a) ORM `listRegions(em, {parentCode, level: GRID})`',
      statements: 2,
      run: async (code) =>
        codesOf(await listRegions(orm.em.fork(), { parentCode: code, level: RegionLevel.GRID })),
    },
    {
      key: 'ormSql',
      name: "(a') the ORM's connection, `em.getConnection().execute()` of (b')'s two statements, no entities",
      statements: 2,
      run: async (code) => {
        const conn = orm.em.fork().getConnection();
        const [parent] = await conn.execute<Array<{ path: string }>>(PATH_SQL.replace('$1', '?'), [code]);
        return codesOf(
          await conn.execute<Array<{ code: string }>>(SUBTREE_SQL.replace('$1', '?'), [`${parent!.path}%`]),
        );
      },
    },
    {
      key: 'raw',
      name: '(b) raw `pg`: `path like $1 and level = grid` (path known)',
      statements: 1,
      run: async (code) => codesOf((await pg.query(SUBTREE_SQL, [`${tree.paths.get(code)}%`])).rows),
    },
    {
      key: 'raw2',
      name: "(b') raw `pg`: look up the path, then (b) — the ORM's two statements",
      statements: 2,
      run: async (code) => {
        const { rows } = await pg.query<{ path: string }>(PATH_SQL, [code]);
        return codesOf((await pg.query(SUBTREE_SQL, [`${rows[0]!.path}%`])).rows);
      },
    },
    {
      key: 'cte',
      name: '(c) raw `pg`: recursive CTE over parent_code',
      statements: 1,
      run: async (code) => codesOf((await pg.query(CTE_SQL, [code])).rows),
    },
  ];

  const scopes = [
    { scope: 'township', codes: tree.townships },
    { scope: 'county', codes: tree.counties },
  ];
  const results: RegionTreeResults['scopes'] = [];
  for (const { scope, codes } of scopes) {
    // Every variant must return the same grids, in the same order, before any of them is timed.
    const probe = [codes[0]!, codes[codes.length >> 1]!, codes[codes.length - 1]!];
    let gridsPerQuery = 0;
    for (const code of probe) {
      const answers: string[][] = [];
      for (const v of variants) answers.push(await v.run(code));
      const expected = JSON.stringify(answers[0]);
      answers.forEach((a, i) => {
        if (JSON.stringify(a) !== expected) throw new Error(`${variants[i]!.name} differs for ${code}`);
      });
      gridsPerQuery = answers[0]!.length;
      if (!gridsPerQuery) throw new Error(`no grids under ${code}`);
    }
    console.log(`  subtree queries, ${scope} scope (${gridsPerQuery} grids each)…`);
    const qps = variants.map(() => [] as number[]);
    const offsets = variants.map(() => 0);
    for (const v of variants) await opsPerSecond(WARMUP_MS, (n) => v.run(codes[n % codes.length]!));
    for (let rep = 0; rep < QUERY_REPS; rep++) {
      for (const [i, v] of variants.entries()) {
        let n = 0;
        qps[i]!.push(await opsPerSecond(QUERY_MS, () => v.run(codes[(offsets[i]! + n++) % codes.length]!)));
        offsets[i]! += n;
      }
    }
    results.push({
      scope,
      units: codes.length,
      gridsPerQuery,
      variants: variants.map((v, i) => ({
        key: v.key,
        name: v.name,
        statements: v.statements,
        qps: qps[i]!,
      })),
    });
  }

  const township = tree.townships[tree.townships.length >> 1]!;
  const pattern = `${tree.paths.get(township)}%`;
  const explains: Explain[] = [];
  const sent = await ormStatements(orm, ormLog, township);
  const ormSubtree = sent.find((s) => /\blike\b/i.test(s));
  if (ormSubtree) {
    explains.push(
      await explain(pg, '(a) the statement MikroORM sent', ormSubtree, [], 'region_path_prefix_idx'),
    );
  }
  explains.push(
    await explain(pg, '(b) raw prefix predicate', SUBTREE_SQL, [pattern], 'region_path_prefix_idx'),
  );
  explains.push(await explain(pg, '(c) recursive CTE', CTE_SQL, [township], 'region_parent_code_idx'));
  return { rows: tree.seeds.length, load, scopes: results, explains, ormSent: sent };
}

/** Median queries/s of one variant in one scope. */
export function qpsOf(scope: RegionTreeResults['scopes'][number], key: VariantKey): number {
  const v = scope.variants.find((x) => x.key === key);
  if (!v) throw new Error(`no variant ${key}`);
  return median(v.qps);
}

export function renderRegionTree(r: RegionTreeResults): string {
  const copy = median(r.load.copy);
  const rowsPerS = (ms: number) => r.rows / (ms / 1000);
  const loadRows = [
    ['raw `COPY` into an identically-shaped staging table (reference)', r.load.copy],
    ['`loadRegionTree` into an empty table', r.load.tree],
    [`\`loadRegionTree\` again, nothing changed (${fmt(r.load.resyncUnchanged)} unchanged)`, r.load.resync],
  ] as const;
  const out = [
    '## 1. Region tree at province scale',
    '',
    `${fmt(r.rows)} regions: 100 counties × 10 townships × 15 villages/communities × 5 grids, generated`,
    'deterministically (`tests/bench/synthetic-tree.ts`), same codes and path shape as the demo county.',
    '',
    `### Loading (median of ${LOAD_REPS}; empty table and a checkpoint before each fresh load, \`vacuum analyze\` before the re-syncs)`,
    '',
    table(
      ['method', 'median s', 'rows/s', 'vs COPY', 'all runs (s)'],
      loadRows.map(([name, ms]) => [
        name,
        fmt(median(ms) / 1000, 2),
        fmt(rowsPerS(median(ms))),
        ratio(rowsPerS(median(ms)), rowsPerS(copy)),
        ms.map((m) => fmt(m / 1000, 2)).join(', '),
      ]),
    ),
    '',
    'The staging table is `create table … (like region including all)` plus the same self-referencing foreign',
    'key: the primary key, the unique path, the `text_pattern_ops` path index, the level and parent indexes.',
    'Both timings include building the payload in Node (the COPY text; the JSON parameter and path',
    'computation in `loadRegionTree`).',
  ];
  for (const s of r.scopes) {
    const ref = qpsOf(s, 'raw');
    out.push(
      '',
      `### "All grids under a ${s.scope}" (${s.gridsPerQuery} grids per answer, rotating over all ${fmt(s.units)} ${s.scope === 'county' ? 'counties' : 'townships'})`,
      '',
      `One connection, one query at a time; queries/s is the median of ${QUERY_REPS} runs of ${QUERY_MS / 1000} s, the variants interleaved.`,
      'All variants were checked to return the same grids in the same order (`order by path`).',
      '',
      table(
        ['variant', 'statements', 'queries/s (median)', 'vs (b)', 'runs'],
        s.variants.map((v) => [
          v.name,
          String(v.statements),
          fmt(median(v.qps)),
          ratio(median(v.qps), ref),
          v.qps.map((q) => fmt(q)).join(', '),
        ]),
      ),
    );
    out.push(
      '',
      `The same two statements: ORM path (a) vs raw (b') ${ratio(qpsOf(s, 'orm'), qpsOf(s, 'raw2'))};`,
      `through the ORM's connection without entities (a') vs raw (b') ${ratio(qpsOf(s, 'ormSql'), qpsOf(s, 'raw2'))}.`,
    );
  }
  out.push(
    '',
    `### What the ORM path sends`,
    '',
    `\`listRegions(em, {parentCode: <township>, level: GRID})\` sent ${r.ormSent.length} statement(s), from MikroORM's`,
    'query log (MikroORM inlines the parameters into the SQL text before sending it):',
    '',
    '```sql',
    ...r.ormSent,
    '```',
  );
  out.push('', '### EXPLAIN (ANALYZE, BUFFERS) for one township', '');
  for (const e of r.explains) {
    out.push(
      `**${e.title}** — uses \`${e.index}\`: ${e.usesIndex ? 'yes' : '**no**'}`,
      '',
      '```sql',
      e.sql,
      '```',
      '',
      '```',
      e.plan,
      '```',
      '',
    );
  }
  return out.join('\n');
}
