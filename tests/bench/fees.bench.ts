import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { EntityManager } from '@mikro-orm/postgresql';
import iconv from 'iconv-lite';
import { Client } from 'pg';
import { type ReconciliationReport, reconcile } from '../../fleet/reconciliation';
import { importStatement, type StatementImportReport } from '../../fleet/statements';
import { runSql } from '../../schema/common/rows';
import { initORM, type MikroORM, migrate } from '../../schema/db/orm';
import { copyText } from '../../schema/demo/copy';
import { luhnCheckDigit } from '../../schema/identifiers/luhn';
import { HUB_ENTITIES } from '../../workers/entities';
import { dropDatabase, recreateDatabase } from '../support/services';
import { fmt, type Machine, machine, table } from './harness';
import { copyIn } from './pg-copy';

/**
 * Benchmark "fees" (issue: province scale): 100,000 SIMs × 12 months = 1.2 million statement lines, each
 * month's GBK CSV statement imported through `importStatement` (streamed, COPY in chunks) and reconciled by
 * `reconcile`, against the reference of COPYing the same 1.2 million parsed lines into a bare table with the
 * same columns (no key, no index, no foreign key) in the same run. Goal: import + reconciliation within 3×
 * the bare COPY.
 */

export const FEES_DATABASE = 'gridhub_bench_fees';
const SIMS = Number(process.env.BENCH_FEES_SIMS ?? 100_000);
const MONTHS = Number(process.env.BENCH_FEES_MONTHS ?? 12);
const YEAR = 2025;
const GOAL_RATIO = 3;
const RSS_SAMPLE_MS = 25;
const CARRIER = 'cmcc';
const HEADER = 'ICCID,手机号码,账期,费用项目,金额(元),流量(MB),通话时长(分钟),短信条数,在网天数';

/** One in PLANT SIMs falls in each planted class (by its number modulo PLANT). */
const PLANT = 2_000;
const PLANTED = {
  planMismatch: 7,
  /** Not billed; a line for a SIM outside the inventory takes its place. */
  notBilled: 11,
  zeroUsage: 13,
  /** Billed an overage data line instead of its plan fee. */
  overage: 17,
  /** Its handset's check-ins report the next SIM (机卡分离 of the next SIM). */
  swapped: 19,
  /** Its handset never checks in. */
  silent: 23,
} as const;

const iccidOf = (n: number) => {
  const body = `898600${String(n).padStart(13, '0')}`;
  return body + luhnCheckDigit(body);
};
const strangerIccidOf = (n: number) => {
  const body = `898602${String(n).padStart(13, '0')}`;
  return body + luhnCheckDigit(body);
};
const msisdnOf = (n: number) => `1398${String(n).padStart(7, '0')}`;
const feeOf = (n: number) => (n % 10 === 0 ? 5_800 : 3_000);
const planted = (n: number, which: keyof typeof PLANTED) => n % PLANT === PLANTED[which];

interface MonthLine {
  iccid: string;
  msisdn: string;
  item: string;
  category: 'plan_fee' | 'data';
  fen: number;
  dataMb: number;
  voice: number;
  sms: number;
  days: number;
}

/** Month m's line for SIM n (1-based), as the carrier would bill it. */
function lineOf(n: number, m: number): MonthLine {
  const days = new Date(Date.UTC(YEAR, m, 0)).getUTCDate();
  const zero = planted(n, 'zeroUsage');
  const usage = {
    dataMb: zero ? 0 : 200 + ((n * 7 + m * 13) % 3_000),
    voice: zero ? 0 : (n + m) % 90,
    sms: 0,
  };
  if (planted(n, 'notBilled')) {
    return {
      iccid: strangerIccidOf(n),
      msisdn: '',
      item: '套餐月功能费',
      category: 'plan_fee',
      fen: 3_000,
      ...usage,
      days,
    };
  }
  if (planted(n, 'overage')) {
    return {
      iccid: iccidOf(n),
      msisdn: msisdnOf(n),
      item: '套餐外流量费',
      category: 'data',
      fen: 8_000,
      ...usage,
      days,
    };
  }
  const fen = feeOf(n) + (planted(n, 'planMismatch') ? 100 : 0);
  return {
    iccid: iccidOf(n),
    msisdn: msisdnOf(n),
    item: '套餐月功能费',
    category: 'plan_fee',
    fen,
    ...usage,
    days,
  };
}

const yuan = (fen: number) => `${Math.trunc(fen / 100)}.${String(Math.abs(fen) % 100).padStart(2, '0')}`;
const monthKey = (m: number) => `${YEAR}-${String(m).padStart(2, '0')}`;

/** The month's statement as the carrier sends it: GBK CSV, one line per SIM, 合计 rows per category and in all. */
export function writeStatement(dir: string, m: number): string {
  const account = `${YEAR}${String(m).padStart(2, '0')}`;
  const rows = [HEADER];
  const totals: Record<string, number> = {};
  for (let n = 1; n <= SIMS; n++) {
    const l = lineOf(n, m);
    totals[l.category] = (totals[l.category] ?? 0) + l.fen;
    rows.push(
      `${l.iccid},${l.msisdn},${account},${l.item},${yuan(l.fen)},${l.dataMb},${l.voice},${l.sms || ''},${l.days}`,
    );
  }
  for (const [category, fen] of Object.entries(totals)) rows.push(`合计,,,${category},${yuan(fen)},,,,`);
  rows.push(`合计,,,,${yuan(Object.values(totals).reduce((a, b) => a + b, 0))},,,,`);
  const file = path.join(dir, `cmcc-${monthKey(m)}.csv`);
  writeFileSync(file, iconv.encode(`${rows.join('\r\n')}\r\n`, 'gbk'));
  return file;
}

/** The same month's lines as parsed, in COPY text: what the bare reference loads (raw as the import keeps it). */
export function copyPayload(m: number): string {
  const account = `${YEAR}${String(m).padStart(2, '0')}`;
  const out: string[] = [];
  for (let n = 1; n <= SIMS; n++) {
    const l = lineOf(n, m);
    const raw: Record<string, string> = { ICCID: l.iccid };
    if (l.msisdn) raw.手机号码 = l.msisdn;
    Object.assign(raw, {
      账期: account,
      费用项目: l.item,
      '金额(元)': yuan(l.fen),
      '流量(MB)': String(l.dataMb),
    });
    raw['通话时长(分钟)'] = String(l.voice);
    if (l.sms) raw.短信条数 = String(l.sms);
    raw.在网天数 = String(l.days);
    out.push(
      [
        m,
        n + 1,
        l.iccid,
        l.msisdn || '\\N',
        l.category,
        l.item,
        l.fen,
        l.dataMb,
        l.voice,
        l.sms || '\\N',
        l.days,
        copyText(JSON.stringify(raw)),
      ].join('\t'),
    );
  }
  return `${out.join('\n')}\n`;
}

/** The fleet the statements bill: one worker, handset, SIM and open assignment per number; check-ins monthly. */
export async function seedFleet(pg: Client): Promise<void> {
  await pg.query(
    `insert into fleet_worker (code, name, grid_code, kind)
     select 'W' || lpad(n::text, 7, '0'), '网格员' || n, '6207250010' || lpad((n % 500)::text, 3, '0'), 'full_time'
       from generate_series(1, $1) n`,
    [SIMS],
  );
  await pg.query(
    `insert into handset (device_id, imei1, model, status, enrolled_at, last_seen_at, iccid_seen)
     select 'dev-' || n, '86' || lpad(n::text, 13, '0'), 'Bench Phone', 'active', '${YEAR - 1}-12-01',
       case when n % ${PLANT} = ${PLANTED.silent} then null else '${YEAR}-12-20'::timestamptz end, null
       from generate_series(1, $1) n`,
    [SIMS],
  );
  await pg.query(
    `insert into sim_card (iccid, msisdn, carrier, plan, monthly_fee_fen, status, activated_on)
     select i.iccid, i.msisdn, '${CARRIER}', case when n % 10 = 0 then '58元套餐' else '30元套餐' end,
       case when n % 10 = 0 then 5800 else 3000 end, 'active', '${YEAR - 1}-06-01'
       from unnest($1::text[], $2::text[]) with ordinality i(iccid, msisdn, n)`,
    [
      Array.from({ length: SIMS }, (_, i) => iccidOf(i + 1)),
      Array.from({ length: SIMS }, (_, i) => msisdnOf(i + 1)),
    ],
  );
  await pg.query(
    `update handset h set iccid_seen = s.iccid from sim_card s where s.id = h.id and h.last_seen_at is not null`,
  );
  await pg.query(
    `insert into assignment (handset_id, sim_id, worker_id, since, assigned_by)
     select n, n, n, '${YEAR - 1}-06-01', 'bench' from generate_series(1, $1) n`,
    [SIMS],
  );
  // One check-in per handset and month (silent handsets none); a swapped handset reports the next SIM.
  await pg.query(
    `insert into checkin (handset_id, at, cert_serial, iccid)
     select h.id, make_timestamptz(${YEAR}, m, 15, 10, 0, 0, 'Asia/Shanghai'), 'bench',
       case when h.id % ${PLANT} = ${PLANTED.swapped} then s2.iccid else s.iccid end
       from handset h join sim_card s on s.id = h.id left join sim_card s2 on s2.id = h.id + 1
       cross join generate_series(1, $1) m
      where h.id % ${PLANT} <> ${PLANTED.silent}`,
    [MONTHS],
  );
  await pg.query('vacuum analyze fleet_worker, handset, sim_card, assignment, checkin');
}

interface MonthResult {
  month: string;
  importMs: number;
  reconcileMs: number;
  copyMs: number;
  lines: number;
  discrepancies: number;
  byClass: ReconciliationReport['byClass'];
}

export interface FeesResults {
  machine: Machine;
  started: Date;
  seconds: number;
  load: [number, number];
  pgVersion: string;
  sims: number;
  months: MonthResult[];
  fileMB: number;
  setupMs: { fleet: number; files: number };
  rss: { baselineMB: number; peakMB: number };
  rows: { lines: number; findings: number };
}

/** Samples the process's RSS while `fn` runs. */
async function withRssPeak<T>(fn: () => Promise<T>): Promise<{ value: T; peak: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, RSS_SAMPLE_MS);
  try {
    const value = await fn();
    return { value, peak: Math.max(peak, process.memoryUsage.rss()) };
  } finally {
    clearInterval(timer);
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

export async function runFeesBench(): Promise<FeesResults> {
  const started = new Date();
  const loadAtStart = os.loadavg()[0]!;
  const t0 = performance.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-bench-fees-'));
  const url = await recreateDatabase(FEES_DATABASE);
  const orm: MikroORM = await initORM({
    url,
    poolMax: 4,
    statementTimeoutMs: 600_000,
    entities: HUB_ENTITIES,
  });
  const em = () => orm.em.fork() as EntityManager;
  const pg = new Client({ connectionString: url });
  try {
    await migrate(orm);
    await pg.connect();
    const pgVersion = (await pg.query<{ server_version: string }>('show server_version')).rows[0]!
      .server_version;
    console.log(
      `  seeding ${fmt(SIMS)} workers, handsets, SIMs, assignments and ${MONTHS} months of check-ins…`,
    );
    const fleet = await timed(() => seedFleet(pg));
    console.log(`  writing ${MONTHS} GBK statements of ${fmt(SIMS)} lines…`);
    const files = await timed(async () =>
      Array.from({ length: MONTHS }, (_, i) => writeStatement(dir, i + 1)),
    );
    const fileMB = files.value.reduce((a, f) => a + statSync(f).size, 0) / 2 ** 20;

    // The reference: the same parsed lines COPYed into a bare table, one COPY per month (payload built untimed).
    await pg.query(
      `create table bare_statement_line (statement_id bigint, line_no int, iccid varchar(20), msisdn varchar(20),
         category fee_category, item_name varchar(200), amount_fen bigint, data_mb int, voice_minutes int,
         sms_count int, days_in_service smallint, raw jsonb)`,
    );
    const copyMs: number[] = [];
    for (let m = 1; m <= MONTHS; m++) {
      const payload = Buffer.from(copyPayload(m), 'utf8');
      const t = await timed(() =>
        copyIn(
          pg,
          `copy bare_statement_line (statement_id, line_no, iccid, msisdn, category, item_name, amount_fen, data_mb,
             voice_minutes, sms_count, days_in_service, raw) from stdin`,
          payload,
        ),
      );
      copyMs.push(t.ms);
    }
    console.log(`  bare COPY: ${fmt(copyMs.reduce((a, b) => a + b, 0) / 1000, 2)} s`);

    if (global.gc) global.gc();
    const baseline = process.memoryUsage.rss();
    const months: MonthResult[] = [];
    let peak = baseline;
    for (let m = 1; m <= MONTHS; m++) {
      const month = monthKey(m);
      const imported = await withRssPeak(() =>
        timed(() => importStatement(em(), 'bench', { carrier: CARRIER, month, file: files.value[m - 1]! })),
      );
      peak = Math.max(peak, imported.peak);
      const report: StatementImportReport = imported.value.value;
      if (!report.applied) throw new Error(`${month} refused: ${JSON.stringify(report.errors.slice(0, 3))}`);
      const reconciled = await timed(() =>
        reconcile(em(), report.statementId!, undefined, { actor: 'bench' }),
      );
      months.push({
        month,
        importMs: imported.value.ms,
        reconcileMs: reconciled.ms,
        copyMs: copyMs[m - 1]!,
        lines: report.lines,
        discrepancies: reconciled.value.discrepancies,
        byClass: reconciled.value.byClass,
      });
      console.log(
        `  ${month}: import ${fmt(imported.value.ms / 1000, 2)} s, reconcile ${fmt(reconciled.ms / 1000, 2)} s, ` +
          `${fmt(reconciled.value.discrepancies)} discrepancies`,
      );
    }
    const [counts] = await runSql<{ lines: string; findings: string }>(
      em(),
      `select (select count(*) from carrier_statement_line) as lines,
         (select count(*) from fee_reconciliation_finding) as findings`,
    );
    return {
      machine: machine(),
      started,
      seconds: (performance.now() - t0) / 1000,
      load: [loadAtStart, os.loadavg()[0]!],
      pgVersion,
      sims: SIMS,
      months,
      fileMB,
      setupMs: { fleet: fleet.ms, files: files.ms },
      rss: { baselineMB: baseline / 2 ** 20, peakMB: peak / 2 ** 20 },
      rows: { lines: Number(counts!.lines), findings: Number(counts!.findings) },
    };
  } finally {
    await pg.end().catch(() => undefined);
    await orm.close();
    rmSync(dir, { recursive: true, force: true });
    await dropDatabase(FEES_DATABASE);
  }
}

function figures(r: FeesResults) {
  const total = (f: (m: MonthResult) => number) => r.months.reduce((a, m) => a + f(m), 0);
  const importMs = total((m) => m.importMs);
  const reconcileMs = total((m) => m.reconcileMs);
  const copyMs = total((m) => m.copyMs);
  const lines = total((m) => m.lines);
  const ratio = (importMs + reconcileMs) / copyMs;
  return { importMs, reconcileMs, copyMs, lines, ratio, met: ratio <= GOAL_RATIO };
}

const verdict = (met: boolean) => (met ? '**met**' : '**not met**');
const s = (ms: number, digits = 2) => fmt(ms / 1000, digits);

export function feesReading(r: FeesResults): string {
  const f = figures(r);
  const perLine = (ms: number) => fmt((ms * 1000) / f.lines, 1);
  const classes = Object.entries(r.months.at(-1)?.byClass ?? {})
    .map(([k, v]) => `${k} ${fmt(v ?? 0)}`)
    .join(', ');
  return [
    `${r.months.length} monthly statements of ${fmt(r.sims)} SIMs (${fmt(f.lines)} lines, ${fmt(r.fileMB, 0)} MB of GBK CSV) ` +
      `import in ${s(f.importMs, 1)} s (${perLine(f.importMs)} µs a line) and reconcile in ${s(f.reconcileMs, 1)} s ` +
      `(${perLine(f.reconcileMs)} µs a line): ${s(f.importMs + f.reconcileMs, 1)} s together, ` +
      `${fmt(f.ratio, 2)}× the ${s(f.copyMs, 1)} s of COPYing the same parsed lines into a bare table: ` +
      `goal ≤ ${GOAL_RATIO}× ${verdict(f.met)}.`,
    `The import streams each file (GBK decoded by the engine's TextDecoder, split into records by CsvRecordReader, ` +
      `every line checked and matched against the inventory read once per import, accepted lines sent with their ` +
      `match by COPY in chunks while the next chunk is read), so memory does not grow with the file: ` +
      `the process peaks at ${fmt(r.rss.peakMB, 0)} MB RSS during the imports, ${fmt(r.rss.peakMB - r.rss.baselineMB, 0)} MB ` +
      `above the ${fmt(r.rss.baselineMB, 0)} MB it held before them.`,
    `The reconciliation finds in the last month: ${classes || 'nothing'} (planted: one SIM in ${fmt(PLANT)} per class).`,
    `The bare COPY does none of the work that makes the difference: no CSV parsing, checking or matching, no ` +
      `index (the line table has its key and a (statement, id) index). The reconciliation writes a finding only ` +
      `for a discrepancy: a matched line keeps its match on the line, so its checks are a few set-based queries ` +
      `that read the month's lines once or twice and write a few hundred rows. ` +
      `Everything shares the machine's ${r.machine.nproc} cores with PostgreSQL; compare ratios across machines ` +
      `rather than absolute figures.`,
  ].join('\n');
}

export function renderFees(r: FeesResults): string {
  const m = r.machine;
  const f = figures(r);
  const months = table(
    [
      'month',
      'lines',
      'import s',
      'reconcile s',
      'bare COPY s',
      '(import + reconcile) / COPY',
      'discrepancies',
    ],
    [
      ...r.months.map((x) => [
        x.month,
        fmt(x.lines),
        s(x.importMs),
        s(x.reconcileMs),
        s(x.copyMs),
        `${fmt((x.importMs + x.reconcileMs) / x.copyMs, 2)}×`,
        fmt(x.discrepancies),
      ]),
      [
        '**all**',
        fmt(f.lines),
        s(f.importMs),
        s(f.reconcileMs),
        s(f.copyMs),
        `${fmt(f.ratio, 2)}×`,
        fmt(r.months.reduce((a, x) => a + x.discrepancies, 0)),
      ],
    ],
  );
  return [
    '## Fees (province scale)',
    '',
    `**Goal: ${fmt(r.sims)} SIMs × ${r.months.length} months (${fmt(f.lines)} lines) imported and reconciled within ${GOAL_RATIO}× the time of COPYing the same lines into a bare table.**`,
    '',
    '| | |',
    '| --- | --- |',
    `| date | ${r.started.toISOString()} |`,
    `| machine | ${m.nproc} CPUs (nproc), ${m.cpu}, ${m.memoryGiB} GiB, ${m.os} |`,
    `| Node | ${m.node} |`,
    `| PostgreSQL | ${r.pgVersion} (database \`${FEES_DATABASE}\`, recreated by the run and dropped after it) |`,
    `| commit | ${m.commit} |`,
    `| data | ${fmt(r.sims)} workers, handsets, SIMs and assignments and ${fmt(r.sims * r.months.length)} check-ins (${s(r.setupMs.fleet, 1)} s); ${r.months.length} GBK CSV statements, ${fmt(r.fileMB, 1)} MB (${s(r.setupMs.files, 1)} s); ${fmt(r.rows.lines)} lines and ${fmt(r.rows.findings)} finding rows (discrepancies; matched lines have none) at the end |`,
    `| whole benchmark | ${fmt(r.seconds, 0)} s |`,
    `| load average (1 min) | ${fmt(r.load[0], 2)} at the start, ${fmt(r.load[1], 2)} at the end |`,
    '',
    '### Reading',
    '',
    feesReading(r),
    '',
    '### Results',
    '',
    table(
      ['goal', 'measured', ''],
      [
        [
          `import + reconcile ≤ ${GOAL_RATIO}× bare COPY`,
          `${s(f.importMs + f.reconcileMs, 1)} s / ${s(f.copyMs, 1)} s = ${fmt(f.ratio, 2)}×`,
          verdict(f.met),
        ],
      ],
    ),
    '',
    table(
      ['phase', 'seconds', 'lines/s', 'µs a line'],
      [
        [
          'importStatement (all months)',
          s(f.importMs),
          fmt(f.lines / (f.importMs / 1000)),
          fmt((f.importMs * 1000) / f.lines, 1),
        ],
        [
          'reconcile (all months)',
          s(f.reconcileMs),
          fmt(f.lines / (f.reconcileMs / 1000)),
          fmt((f.reconcileMs * 1000) / f.lines, 1),
        ],
        [
          'reference: bare COPY',
          s(f.copyMs),
          fmt(f.lines / (f.copyMs / 1000)),
          fmt((f.copyMs * 1000) / f.lines, 1),
        ],
        [
          'peak RSS during the imports',
          `${fmt(r.rss.peakMB, 0)} MB`,
          '',
          `baseline ${fmt(r.rss.baselineMB, 0)} MB`,
        ],
      ],
    ),
    '',
    months,
    '',
    '### Method',
    '',
    `- Setup (not timed): \`recreateDatabase('${FEES_DATABASE}')\`, \`migrate\` (the seeded cmcc template); ${fmt(r.sims)} workers, handsets, SIMs (valid Luhn ICCIDs 898600…, numbers 1398…, plans of 30 and 58 yuan, active since ${YEAR - 1}-06) and open assignments bulk-inserted with SQL, one check-in per handset and month, then \`vacuum analyze\`.`,
    `- Statements: for each month of ${YEAR}, a GBK CSV in the cmcc layout with one line per SIM (${fmt(r.sims)} lines) and 合计 rows per category and in all, so that it ties out. Planted, one SIM in ${fmt(PLANT)} each: a plan fee 1 yuan too high (PLAN_MISMATCH), a SIM not billed and a line for an ICCID outside the inventory in its place (ACTIVE_NOT_BILLED, BILLED_NOT_IN_INVENTORY), no usage (ZERO_USAGE from the third month), an 80-yuan overage data line instead of the plan fee (OVERAGE), a handset reporting another SIM (SIM_IN_OTHER_HANDSET), a handset that never checks in (HANDSET_SILENT).`,
    "- Reference: the same lines as the import parses them (all twelve columns, raw as JSON) in COPY text format, built before timing, COPYed with one `COPY … FROM STDIN` per month into `bare_statement_line`, a table with the line table's columns and nothing else.",
    "- Timed: per month, `importStatement(em, …, { carrier: 'cmcc', month, file })` from the file on disk, then `reconcile(em, statementId)` with the default parameters, one after the other. RSS sampled every 25 ms during the imports (the statements are on disk; the process holds no file).",
  ].join('\n');
}
