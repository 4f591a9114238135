import type { EntityManager } from '@mikro-orm/postgresql';
import { inTransaction, type Tx, withConnection } from '../schema/db/tx';
import { DomainError, NotFoundError } from '../schema/runtime/errors';
import { errorMessage } from '../schema/runtime/retry';
import { recordFleetAudit } from './audit';
import { DiscrepancyClass, FindingState, type ReconciliationParams } from './reconciliation.entity';

/**
 * Reconciles one carrier statement against the fleet, set-based (a dozen SQL statements per carrier statement,
 * whatever its size; the province benchmark is 1.2 million lines a year), in one transaction.
 *
 * Matching: each line by ICCID, then by MSISDN; a matched SIM's assignment "as of the billing month" is the
 * latest assignment of the SIM overlapping the month (China time), giving handset → worker → grid. The import
 * matches the lines as it stores them (from the inventory read once, in memory) and keeps the match on the
 * line; a reconciliation matches them again only when the inventory has changed since (FLEET_DIGEST_SQL).
 *
 * Every line ends in exactly one state: `matched`, or `discrepancy` with its single most important class by
 * the precedence below (every class the line falls in is listed in `detail.classes`), or `accepted` when a
 * finance user accepted that (line, class) — by the line's natural key, so acceptances survive a re-run and a
 * re-import. Only discrepancies and accepted ones are written, one fee_reconciliation_finding row each: the
 * checks are sets of the lines or SIMs they flag (a province month: 100,000 lines, a few hundred flagged), and
 * a line no finding points at is matched, its match on the line (FINDINGS_SQL reads both as findings). Active
 * SIMs the statement does not bill get one ACTIVE_NOT_BILLED finding each (no line).
 *
 * Precedence (first wins) and the amount at stake (fen):
 *  1. BILLED_NOT_IN_INVENTORY  no SIM by ICCID or MSISDN               — the line amount
 *  2. DUPLICATE                 2nd+ line with the same ICCID (or MSISDN when no ICCID), category and item
 *                                                                        — the line amount
 *  3. INACTIVE_SIM_BILLED       SIM suspended or cancelled on or before the month's first day (so not active
 *                               on any day of it), activated after it, or its last
 *                               handset retired before the month         — the line amount
 *  4. PRORATION_ERROR           plan_fee line of a SIM activated or cancelled after the 1st within the
 *                               month: |amount − round(fee × 12 / 365 × days)| > 1 fen, days from the
 *                               activation day (or the 1st) to the cancellation day (or the month's end),
 *                               the cancellation day not counted      — amount − expected (signed)
 *  5. PLAN_MISMATCH             plan_fee line of a full month ≠ the SIM's monthly_fee_fen — amount − fee
 *  6. UNEXPECTED_CATEGORY       third_party or value_added, or an item naming roaming (漫游/国际/roaming)
 *                                                                        — the line amount
 *  7. OVERAGE                   data/voice/sms line above overageThresholdFen — amount − threshold
 *  8. ZERO_USAGE                the SIM had no data, voice or SMS this month and in each of the previous
 *                               zeroUsageMonths − 1 months' statements of the carrier (each must exist and
 *                               bill the SIM)                           — the line amount
 *  9. NO_ASSIGNED_WORKER        no assignment of the SIM overlapping the month — the line amount
 * 10. SIM_IN_OTHER_HANDSET      机卡分离: a check-in in the month (or a handset's latest report, when made in
 *                               the month) shows the SIM in a handset other than the assigned one — the line
 *                               amount
 * 11. HANDSET_SILENT            the assigned handset's last check-in before the month's end is older than
 *                               silentDays (or it never checked in)     — the line amount
 *     ACTIVE_NOT_BILLED         (no line) a SIM of the carrier activated before the month's end and not
 *                               suspended or cancelled on or before its first day, billed by no line — amount 0, at stake the
 *                               SIM's monthly fee (what the carrier should have billed, or may bill later)
 * Matched findings have 0 at stake.
 *
 * Re-running replaces every finding of the carrier and month (older runs keep their counts as history).
 */

export const DEFAULT_RECONCILIATION_PARAMS: ReconciliationParams = {
  zeroUsageMonths: 3,
  silentDays: 30,
  overageThresholdFen: 5_000,
};

/** Classes in precedence order, most important first (ACTIVE_NOT_BILLED has no line and comes last). */
export const CLASS_PRECEDENCE: DiscrepancyClass[] = [
  DiscrepancyClass.BILLED_NOT_IN_INVENTORY,
  DiscrepancyClass.DUPLICATE,
  DiscrepancyClass.INACTIVE_SIM_BILLED,
  DiscrepancyClass.PRORATION_ERROR,
  DiscrepancyClass.PLAN_MISMATCH,
  DiscrepancyClass.UNEXPECTED_CATEGORY,
  DiscrepancyClass.OVERAGE,
  DiscrepancyClass.ZERO_USAGE,
  DiscrepancyClass.NO_ASSIGNED_WORKER,
  DiscrepancyClass.SIM_IN_OTHER_HANDSET,
  DiscrepancyClass.HANDSET_SILENT,
  DiscrepancyClass.ACTIVE_NOT_BILLED,
];

export interface ReconciliationReport {
  runId: string;
  statementId: string;
  carrier: string;
  /** YYYY-MM. */
  month: string;
  status: 'succeeded';
  params: ReconciliationParams;
  lines: number;
  matched: number;
  discrepancies: number;
  accepted: number;
  /** Findings per class (discrepancies and accepted), ACTIVE_NOT_BILLED included. */
  byClass: Partial<Record<DiscrepancyClass, number>>;
  matchedFen: number;
  atStakeFen: number;
}

/**
 * A digest of what a line's match depends on (the SIMs' identifiers, every assignment, the workers' grids),
 * as a SQL expression: order-independent sums of row hashes (of the values themselves, not of a text made of
 * them: several times cheaper), so three plain scans, no sort. Equal digests
 * mean the inventory is as it was; the import stores the digest taken with its match, and the reconciliation
 * matches the lines again only when it differs.
 */
export const FLEET_DIGEST_SQL = `md5(concat_ws(':',
  (select count(*) || '.' || coalesce(sum(hashint8(id)::bigint * 3 + hashtext(iccid)::bigint * 5
     + hashtext(coalesce(msisdn, '-'))), 0) from sim_card),
  (select count(*) || '.' || coalesce(sum(hashint8(id)::bigint * 3 + hashint8(sim_id)::bigint * 5
     + hashint8(handset_id)::bigint * 7 + hashint8(worker_id)::bigint * 11
     + hashint8((extract(epoch from since) * 1000000)::bigint)::bigint * 13
     + hashint8(coalesce((extract(epoch from until) * 1000000)::bigint, -1))), 0) from assignment),
  (select count(*) || '.' || coalesce(sum(hashint8(id)::bigint * 3 + hashtext(coalesce(grid_code, '-'))), 0)
     from fleet_worker)))`;

/**
 * Every finding, as SQL text usable as a subquery: the rows of fee_reconciliation_finding (discrepancies and
 * accepted ones, with ACTIVE_NOT_BILLED) and, for each line of a statement with a successful run that no
 * finding points at, its `matched` finding, read off the line: such a finding has no row of its own; its id
 * is the line's id negated (so ids stay unique and keyset pages still work), its run the statement's latest
 * successful run, its line_key computed as the reconciliation computes it. Columns: those of
 * fee_reconciliation_finding plus statement_id (null for rows: filter matched ones by it).
 */
export const FINDINGS_SQL = `
  select f.id, f.run_id, f.carrier, f.billing_month, f.line_id, f.line_key, f.sim_id, f.iccid, f.msisdn,
    f.matched_by, f.handset_id, f.worker_id, f.grid_code, f.class, f.amount_fen, f.at_stake_fen, f.detail, f.state,
    f.accepted_by, f.accepted_reason, f.accepted_at, null::bigint as statement_id
    from fee_reconciliation_finding f
  union all
  select -l.id, r.id, s.carrier, s.billing_month, l.id, l.line_key, l.sim_id, coalesce(l.iccid, sc.iccid),
    coalesce(l.msisdn, sc.msisdn), l.matched_by, l.handset_id, l.worker_id, l.grid_code,
    null::fee_discrepancy_class, l.amount_fen, 0::bigint, '{}'::jsonb, 'matched'::fee_finding_state,
    null::varchar, null::varchar, null::timestamptz, s.id
    from carrier_statement s
    join lateral (select r.id from fee_reconciliation_run r where r.statement_id = s.id and r.status = 'succeeded'
                   order by r.id desc limit 1) r on true
    cross join lateral (
      select l.*, concat_ws('|', coalesce(l.iccid, ''), coalesce(l.msisdn, ''), l.category::text,
          coalesce(l.item_name, ''), row_number() over (partition by coalesce(l.iccid, '') collate "C",
            coalesce(l.msisdn, '') collate "C", l.category, coalesce(l.item_name, '') collate "C"
            order by l.line_no, l.id)) as line_key
        from carrier_statement_line l where l.statement_id = s.id) l
    left join sim_card sc on sc.id = l.sim_id
   where not exists (select 1 from fee_reconciliation_finding f where f.line_id = l.id)`;

function checkParams(given: Partial<ReconciliationParams> = {}): ReconciliationParams {
  const params = { ...DEFAULT_RECONCILIATION_PARAMS, ...given };
  const bad = (field: string) => {
    throw new DomainError('BAD_PARAMETER', `${field} must be a positive integer`, {
      field,
      rule: 'POSITIVE',
    });
  };
  if (!Number.isInteger(params.zeroUsageMonths) || params.zeroUsageMonths < 1) bad('zeroUsageMonths');
  if (!Number.isInteger(params.silentDays) || params.silentDays < 1) bad('silentDays');
  if (!Number.isInteger(params.overageThresholdFen) || params.overageThresholdFen < 0) {
    bad('overageThresholdFen');
  }
  return params;
}

/** Reconciles a statement; a failure marks the run failed (its findings are rolled back) and rethrows. */
export async function reconcile(
  em: EntityManager,
  statementId: string,
  given?: Partial<ReconciliationParams>,
  { actor = 'system' }: { actor?: string } = {},
): Promise<ReconciliationReport> {
  const params = checkParams(given);
  const [statement] = await withConnection(em, (tx) =>
    tx.query<{ id: string; carrier: string; month: string }>(
      `select id, carrier, to_char(billing_month, 'YYYY-MM-DD') as month from carrier_statement where id = $1`,
      [statementId],
    ),
  );
  if (!statement) throw new NotFoundError('Statement', statementId);
  const [run] = await withConnection(em, (tx) =>
    tx.query<{ id: string }>(
      `insert into fee_reconciliation_run (statement_id, carrier, billing_month, status, params, requested_by, started_at)
       values ($1, $2, $3::date, 'running', $4, $5, now()) returning id`,
      [statement.id, statement.carrier, statement.month, JSON.stringify(params), actor],
    ),
  );
  const runId = run!.id;
  try {
    return await inTransaction(em, (tx) =>
      reconcileIn(tx, runId, statement.id, statement.carrier, statement.month, params),
    );
  } catch (error) {
    await withConnection(em, (tx) =>
      tx.query(
        `update fee_reconciliation_run set status = 'failed', finished_at = now(), error = $2 where id = $1`,
        [runId, errorMessage(error)],
      ),
    );
    throw error;
  }
}

/** Matches the lines again against the inventory as it is, writing only those whose match changed. */
async function rematch(tx: Tx, statementId: string, digest: string | null): Promise<void> {
  await tx.query(
    `update carrier_statement_line l set matched_by = x.matched_by, sim_id = x.sim_id, handset_id = x.handset_id,
       worker_id = x.worker_id, grid_code = x.grid_code
     from (
       select l.id, m.sim_id, m.matched_by, case when a.covers then a.handset_id end as handset_id,
         case when a.covers then a.worker_id end as worker_id, case when a.covers then w.grid_code end as grid_code
       from carrier_statement_line l
       left join sim_card si on si.iccid = l.iccid
       left join lateral (select sm.id from sim_card sm where si.id is null and sm.msisdn = l.msisdn
                           order by sm.id limit 1) sm on true
       cross join lateral (select coalesce(si.id, sm.id) as sim_id,
           case when si.id is not null then 'iccid' when sm.id is not null then 'msisdn' end as matched_by) m
       left join (
         select distinct on (a.sim_id) a.sim_id, a.handset_id, a.worker_id, (a.until is null or a.until > b.ms) as covers
           from assignment a cross join recon_b b
          where a.since < b.me order by a.sim_id, a.since desc, a.id desc) a on a.sim_id = m.sim_id
       left join fleet_worker w on w.id = a.worker_id
       where l.statement_id = $1) x
     where l.id = x.id and (l.sim_id, l.matched_by, l.handset_id, l.worker_id, l.grid_code)
       is distinct from (x.sim_id, x.matched_by, x.handset_id, x.worker_id, x.grid_code)`,
    [statementId],
  );
  await tx.query('update carrier_statement set fleet_digest = $2 where id = $1', [statementId, digest]);
}

async function reconcileIn(
  tx: Tx,
  runId: string,
  statementId: string,
  carrier: string,
  m0: string,
  params: ReconciliationParams,
): Promise<ReconciliationReport> {
  // One reconciliation per carrier and month at a time.
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`fees.reconcile:${carrier}:${m0}`]);
  // A statement's lines are hashed whole (100,000 a month in a province): room for that in memory rather than
  // on disk, and no JIT compilation, which costs more than it saves on statements of this size.
  await tx.query("set local work_mem = '64MB'");
  await tx.query('set local jit = off');
  // The month's bounds: dates, and timestamps in China time.
  await tx.query(
    `create temp table recon_b on commit drop as
     select $1::date as m0, ($1::date + interval '1 month')::date as m1,
       ($1::date::timestamp at time zone 'Asia/Shanghai') as ms,
       (($1::date + interval '1 month')::timestamp at time zone 'Asia/Shanghai') as me`,
    [m0],
  );

  await tx.query(
    `create temp table recon_accepted on commit drop as
     select line_key, class::text as class, accepted_by, accepted_reason, accepted_at
       from fee_reconciliation_finding where carrier = $1 and billing_month = $2::date and state = 'accepted'`,
    [carrier, m0],
  );
  await tx.query('delete from fee_reconciliation_finding where carrier = $1 and billing_month = $2::date', [
    carrier,
    m0,
  ]);

  // The planner has no statistics for a statement just imported (it guesses a few hundred lines, not 100,000)
  // and would probe an index line by line: the checks, which read whole statements, hash instead.
  await tx.query('set local enable_nestloop = off');

  // The import matched each line against the inventory as it stood then. When the inventory has changed
  // since (a SIM added, an assignment made or ended: the digest differs), the lines whose match changed are
  // brought up to date; when it has not, there is nothing to read.
  const [fleet] = await tx.query<{ digest: string; same: boolean }>(
    `select d.digest, d.digest = s.fleet_digest as same
       from carrier_statement s, (select ${FLEET_DIGEST_SQL} as digest) d where s.id = $1`,
    [statementId],
  );
  if (!fleet?.same) await rematch(tx, statementId, fleet?.digest ?? null);

  // Only discrepancies are looked for; what none of the checks below flags is matched, and stays on its line.
  // Each check is a set: the lines or SIMs it flags, usually a handful.

  // DUPLICATE: the 2nd and later lines of a (ICCID, else number; category; item) that occurs more than once.
  await tx.query(
    `create temp table recon_dup on commit drop as
     select x.id as line_id from (
       select l.id, row_number() over (partition by coalesce(l.iccid, l.msisdn) collate "C", l.category,
           coalesce(l.item_name, '') collate "C" order by l.line_no, l.id) as dup_no
         from carrier_statement_line l
         join (select coalesce(iccid, msisdn) collate "C" as k, category, coalesce(item_name, '') collate "C" as item
                 from carrier_statement_line where statement_id = $1 group by 1, 2, 3 having count(*) > 1) d
           on d.k = coalesce(l.iccid, l.msisdn) collate "C" and d.category = l.category
          and d.item = coalesce(l.item_name, '') collate "C"
        where l.statement_id = $1) x
     where x.dup_no > 1`,
    [statementId],
  );

  // ZERO_USAGE: SIMs with no usage on any of their lines this month, and none in each of the previous
  // zeroUsageMonths − 1 statements of the carrier (each must exist and bill the SIM). The previous statements
  // are read only when there is such a SIM, and their lines that could be its matched again against the
  // inventory as this month's are.
  const prevMonths = params.zeroUsageMonths - 1;
  await tx.query(
    `create temp table recon_zero on commit drop as
     with z as (
       select s.id as sim_id, s.iccid, s.msisdn from (
         select l.sim_id from carrier_statement_line l where l.statement_id = $3 and l.sim_id is not null
          group by l.sim_id
         having sum(coalesce(l.data_mb, 0) + coalesce(l.voice_minutes, 0) + coalesce(l.sms_count, 0)) = 0) u
       join sim_card s on s.id = u.sim_id),
     p as (select id from carrier_statement
            where carrier = $1 and billing_month >= $2::date - make_interval(months => ${prevMonths})
              and billing_month < $2::date),
     c as (
       select l.id, l.statement_id, l.iccid, l.msisdn,
           coalesce(l.data_mb, 0) + coalesce(l.voice_minutes, 0) + coalesce(l.sms_count, 0) as u
         from carrier_statement_line l
        where exists (select 1 from z) and l.statement_id in (select id from p)
          and (l.iccid in (select iccid from z) or l.msisdn in (select msisdn from z))),
     prev as (
       select x.sim_id, count(*) filter (where x.u = 0) as zero_months from (
         select coalesce(si.id, sm.id) as sim_id, c.statement_id, sum(c.u) as u
           from c
           left join sim_card si on si.iccid = c.iccid
           left join sim_card sm on si.id is null and sm.msisdn = c.msisdn
          group by 1, 2) x
       group by x.sim_id)
     select z.sim_id from z left join prev on prev.sim_id = z.sim_id
      where coalesce(prev.zero_months, 0) = ${prevMonths}`,
    [carrier, m0, statementId],
  );

  // The month's bounds in China time, as expressions of the billing month ($2): constants to the planner, so
  // that the check-ins are read by time through checkin_at_idx.
  const ms = "($2::date::timestamp at time zone 'Asia/Shanghai')";
  const me = "(($2::date + interval '1 month')::timestamp at time zone 'Asia/Shanghai')";
  const quiet = `${me} - make_interval(days => ${params.silentDays})`;

  // HANDSET_SILENT: assigned handsets whose last check-in (or latest report) before the month's end is older
  // than silentDays, or that never checked in: those without one in the silentDays before the month's end.
  await tx.query(
    `create temp table recon_silent on commit drop as
     select l.handset_id from (select distinct handset_id from carrier_statement_line
                                where statement_id = $1 and handset_id is not null) l
      where not exists (select 1 from checkin c where c.handset_id = l.handset_id and c.at >= ${quiet} and c.at < ${me})
        and not exists (select 1 from handset h where h.id = l.handset_id
                          and h.last_seen_at >= ${quiet} and h.last_seen_at < ${me})`,
    [statementId, m0],
  );

  // SIM_IN_OTHER_HANDSET (机卡分离): the month's check-ins (and the handsets' latest reports, when made in the
  // month) that show a billed SIM in a handset other than its assigned one.
  await tx.query(
    `create temp table recon_other on commit drop as
     select distinct l.sim_id
       from (select c.iccid, c.handset_id from checkin c
              where c.iccid is not null and c.at >= ${ms} and c.at < ${me}
             union all
             select h.iccid_seen, h.id from handset h
              where h.iccid_seen is not null and h.last_seen_at >= ${ms} and h.last_seen_at < ${me}) v
       join sim_card s on s.iccid = v.iccid
       join carrier_statement_line l on l.statement_id = $1 and l.sim_id = s.id
      where l.handset_id is not null and l.handset_id <> v.handset_id`,
    [statementId, m0],
  );

  // INACTIVE_SIM_BILLED through the handset: a SIM without an assignment covering the month whose last
  // handset was retired before the month.
  await tx.query(
    `create temp table recon_retired on commit drop as
     select x.sim_id from (
       select distinct on (a.sim_id) a.sim_id, a.handset_id from assignment a cross join recon_b b
        where a.sim_id in (select sim_id from carrier_statement_line
                            where statement_id = $1 and sim_id is not null and handset_id is null)
          and a.since < b.me
        order by a.sim_id, a.since desc, a.id desc) x
     join handset h on h.id = x.handset_id and h.status = 'retired'
     cross join recon_b b
     where coalesce((select max(fc.at) from fleet_change fc where fc.subject = 'handset'
                       and fc.subject_id = x.handset_id and fc.changes -> 'status' ->> 1 = 'retired'),
                    '-infinity') < b.ms`,
    [statementId],
  );

  // Every line's classes, most important first; only the lines with at least one are kept. The flagged sets
  // are looked up as hashed subplans (`in (select …)`), so that the statement's lines are read once and joined
  // once (to their SIM), and the array of classes is built only for the lines the filter keeps.
  const T = params.overageThresholdFen;
  const m1 = "($2::date + interval '1 month')::date";
  const partial = `coalesce((s.activated_on > $2::date and s.activated_on < ${m1})
    or (s.cancelled_on > $2::date and s.cancelled_on < ${m1}), false)`;
  const days = `(least(coalesce(s.cancelled_on, ${m1}), ${m1}) - greatest(coalesce(s.activated_on, $2::date), $2::date))`;
  const expected = `round(s.monthly_fee_fen::numeric * 12 * ${days} / 365)`;
  const checks: Array<[DiscrepancyClass, string]> = [
    [DiscrepancyClass.BILLED_NOT_IN_INVENTORY, 'l.sim_id is null'],
    [DiscrepancyClass.DUPLICATE, 'l.id in (select line_id from recon_dup)'],
    [
      DiscrepancyClass.INACTIVE_SIM_BILLED,
      `(s.suspended_on <= $2::date or s.cancelled_on <= $2::date or s.activated_on >= ${m1}
        or l.sim_id in (select sim_id from recon_retired))`,
    ],
    [
      DiscrepancyClass.PRORATION_ERROR,
      `(l.category = 'plan_fee' and ${partial} and abs(l.amount_fen - ${expected}) > 1)`,
    ],
    [
      DiscrepancyClass.PLAN_MISMATCH,
      `(l.category = 'plan_fee' and not ${partial} and l.amount_fen <> s.monthly_fee_fen)`,
    ],
    [
      DiscrepancyClass.UNEXPECTED_CATEGORY,
      `(l.category in ('third_party', 'value_added') or l.item_name ~* '漫游|国际|roaming')`,
    ],
    [DiscrepancyClass.OVERAGE, `(l.category in ('data', 'voice', 'sms') and l.amount_fen > ${T})`],
    [DiscrepancyClass.ZERO_USAGE, 'l.sim_id in (select sim_id from recon_zero)'],
    [DiscrepancyClass.NO_ASSIGNED_WORKER, '(l.sim_id is not null and l.handset_id is null)'],
    [DiscrepancyClass.SIM_IN_OTHER_HANDSET, 'l.sim_id in (select sim_id from recon_other)'],
    [DiscrepancyClass.HANDSET_SILENT, 'l.handset_id in (select handset_id from recon_silent)'],
  ];
  await tx.query(
    `create temp table recon_hit on commit drop as
     select l.id as line_id, l.line_no, l.iccid, l.msisdn, l.category::text as category, l.item_name,
       l.amount_fen, l.sim_id, l.matched_by, l.handset_id, l.worker_id, l.grid_code, s.iccid as sim_iccid,
       s.msisdn as sim_msisdn, s.monthly_fee_fen, ${partial} as partial, ${days} as days,
       ${expected}::bigint as expected_fen,
       array_remove(array[${checks.map(([c, test]) => `case when ${test} then '${c}' end`).join(',\n         ')}
       ]::text[], null) as classes
     from carrier_statement_line l
     left join sim_card s on s.id = l.sim_id
     where l.statement_id = $1
       and (${checks.map(([, test]) => `coalesce(${test}, false)`).join('\n         or ')})`,
    [statementId, m0],
  );

  // The flagged lines' natural keys: the occurrence counts every line of the statement with the same ICCID,
  // number, category and item (the lines sharing a flagged line's ICCID, or its number when it has none).
  await tx.query(
    `create temp table recon_key on commit drop as
     with peers as (
       select l.id, l.line_no, l.iccid, l.msisdn, l.category, l.item_name
         from carrier_statement_line l
        where exists (select 1 from recon_hit) and l.statement_id = $1
          and (l.iccid in (select iccid from recon_hit)
               or (l.iccid is null and l.msisdn in (select msisdn from recon_hit where iccid is null))))
     select p.id as line_id,
       concat_ws('|', coalesce(p.iccid, ''), coalesce(p.msisdn, ''), p.category::text, coalesce(p.item_name, ''),
         row_number() over (partition by coalesce(p.iccid, '') collate "C", coalesce(p.msisdn, '') collate "C",
           p.category, coalesce(p.item_name, '') collate "C" order by p.line_no, p.id)) as line_key
     from peers p`,
    [statementId],
  );

  await tx.query(
    `insert into fee_reconciliation_finding (run_id, carrier, billing_month, line_id, line_key, sim_id, iccid,
       msisdn, matched_by, handset_id, worker_id, grid_code, class, amount_fen, at_stake_fen, detail, state,
       accepted_by, accepted_reason, accepted_at)
     select $1, $2, $3::date, f.line_id, k.line_key, f.sim_id, coalesce(f.iccid, f.sim_iccid),
       coalesce(f.msisdn, f.sim_msisdn), f.matched_by, f.handset_id,
       f.worker_id, f.grid_code, f.classes[1]::fee_discrepancy_class, f.amount_fen,
       case when f.classes[1] = 'PRORATION_ERROR' then f.amount_fen - f.expected_fen
            when f.classes[1] = 'PLAN_MISMATCH' then f.amount_fen - f.monthly_fee_fen
            when f.classes[1] = 'OVERAGE' then f.amount_fen - ${T}
            else f.amount_fen end,
       jsonb_strip_nulls(jsonb_build_object('classes', to_jsonb(f.classes), 'monthlyFeeFen', f.monthly_fee_fen,
         'expectedFen', case when f.partial then f.expected_fen end,
         'daysInService', case when f.partial then f.days end)),
       (case when a.line_key is not null then 'accepted' else 'discrepancy' end)::fee_finding_state,
       a.accepted_by, a.accepted_reason, a.accepted_at
     from recon_hit f
     join recon_key k on k.line_id = f.line_id
     left join recon_accepted a on a.line_key = k.line_key and a.class = f.classes[1]
     -- Findings are numbered in line order.
     order by f.line_no, f.line_id`,
    [runId, carrier, m0],
  );

  // Active SIMs of the carrier that no line bills.
  await tx.query(
    `insert into fee_reconciliation_finding (run_id, carrier, billing_month, line_id, line_key, sim_id, iccid,
       msisdn, matched_by, handset_id, worker_id, grid_code, class, amount_fen, at_stake_fen, detail, state,
       accepted_by, accepted_reason, accepted_at)
     select $1, $2::text, b.m0, null, 'sim|' || s.iccid, s.id, s.iccid, s.msisdn, null, a.handset_id, a.worker_id,
       w.grid_code, 'ACTIVE_NOT_BILLED', 0, s.monthly_fee_fen,
       jsonb_build_object('classes', jsonb_build_array('ACTIVE_NOT_BILLED'), 'monthlyFeeFen', s.monthly_fee_fen,
         'status', s.status),
       (case when ac.line_key is not null then 'accepted' else 'discrepancy' end)::fee_finding_state,
       ac.accepted_by, ac.accepted_reason, ac.accepted_at
     from (
       -- The unbilled SIMs first (a few), then their assignments.
       select s.* from sim_card s cross join recon_b b
        where s.carrier = $2::text and s.status <> 'stock'
          and (s.activated_on is null or s.activated_on < b.m1)
          and (s.suspended_on is null or s.suspended_on > b.m0)
          and (s.cancelled_on is null or s.cancelled_on > b.m0)
          and not exists (select 1 from carrier_statement_line l where l.statement_id = $3 and l.sim_id = s.id)
       offset 0) s
     cross join recon_b b
     left join lateral (
       select a.handset_id, a.worker_id from assignment a
        where a.sim_id = s.id and a.since < b.me and (a.until is null or a.until > b.ms)
        order by a.since desc, a.id desc limit 1) a on true
     left join fleet_worker w on w.id = a.worker_id
     left join recon_accepted ac on ac.line_key = 'sim|' || s.iccid and ac.class = 'ACTIVE_NOT_BILLED'`,
    [runId, carrier, statementId],
  );

  // The counts: every line is matched unless a finding points at it.
  const [totals] = await tx.query<Record<string, string | null>>(
    `select st.line_count as lines, st.line_count - f.line_findings as matched, f.discrepancies, f.accepted,
       st.total_fen - f.line_findings_fen as matched_fen, f.at_stake_fen,
       (select coalesce(jsonb_object_agg(class, n), '{}') from (
          select class, count(*) as n from fee_reconciliation_finding
           where run_id = $1 group by class) c)::text as by_class
     from carrier_statement st,
       (select count(line_id) as line_findings, coalesce(sum(amount_fen) filter (where line_id is not null), 0)
           as line_findings_fen,
         count(*) filter (where state = 'discrepancy') as discrepancies,
         count(*) filter (where state = 'accepted') as accepted,
         coalesce(sum(at_stake_fen) filter (where state = 'discrepancy'), 0) as at_stake_fen
        from fee_reconciliation_finding where run_id = $1) f
     where st.id = $2`,
    [runId, statementId],
  );
  const t = totals!;
  await tx.query(
    `update fee_reconciliation_run set status = 'succeeded', finished_at = now(), lines = $2, matched = $3,
       discrepancies = $4, accepted = $5, matched_fen = $6, at_stake_fen = $7, by_class = $8::jsonb where id = $1`,
    [runId, t.lines, t.matched, t.discrepancies, t.accepted, t.matched_fen, t.at_stake_fen, t.by_class],
  );
  return {
    runId,
    statementId,
    carrier,
    month: m0.slice(0, 7),
    status: 'succeeded',
    params,
    lines: Number(t.lines),
    matched: Number(t.matched),
    discrepancies: Number(t.discrepancies),
    accepted: Number(t.accepted),
    byClass: JSON.parse(t.by_class ?? '{}'),
    matchedFen: Number(t.matched_fen),
    atStakeFen: Number(t.at_stake_fen),
  };
}

/**
 * A finance user accepts a discrepancy with a reason (required); audited as 'fees.accept'. The acceptance is
 * carried over to later runs for the same line (natural key) and class.
 */
export async function acceptFinding(
  em: EntityManager,
  actor: string,
  findingId: string,
  reason: string,
): Promise<{ findingId: string; class: DiscrepancyClass; state: FindingState }> {
  const why = reason?.trim() ?? '';
  if (!why) {
    throw new DomainError('REASON_REQUIRED', 'accepting a finding needs a reason', {
      field: 'reason',
      rule: 'REQUIRED',
    });
  }
  return inTransaction(em, async (tx) => {
    const [f] = await tx.query<{
      id: string;
      run_id: string;
      class: DiscrepancyClass | null;
      state: FindingState;
      iccid: string | null;
      msisdn: string | null;
      at_stake_fen: string;
    }>(
      `select id, run_id, class, state, iccid, msisdn, at_stake_fen from fee_reconciliation_finding
        where id = $1 for update`,
      [findingId],
    );
    if (!f) throw new NotFoundError('Finding', findingId);
    if (f.state !== FindingState.DISCREPANCY) {
      throw new DomainError(
        'NOT_A_DISCREPANCY',
        `finding ${findingId} is ${f.state}; only a discrepancy is accepted`,
        {
          field: 'findingId',
          rule: 'NOT_A_DISCREPANCY',
          state: f.state,
        },
      );
    }
    await tx.query(
      `update fee_reconciliation_finding set state = 'accepted', accepted_by = $2, accepted_reason = $3,
         accepted_at = now() where id = $1`,
      [findingId, actor, why],
    );
    await tx.query(
      `update fee_reconciliation_run set discrepancies = discrepancies - 1, accepted = accepted + 1,
         at_stake_fen = at_stake_fen - $2 where id = $1`,
      [f.run_id, f.at_stake_fen],
    );
    await recordFleetAudit(tx, {
      actor,
      action: 'fees.accept',
      detail: {
        findingId,
        runId: f.run_id,
        class: f.class,
        iccid: f.iccid,
        msisdn: f.msisdn,
        atStakeFen: Number(f.at_stake_fen),
        reason: why,
      },
    });
    return { findingId, class: f.class!, state: FindingState.ACCEPTED };
  });
}
