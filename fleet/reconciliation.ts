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
 * latest assignment of the SIM overlapping the month (China time), giving handset → worker → grid.
 *
 * Every line gets exactly one finding: `matched`, or `discrepancy` with its single most important class by
 * the precedence below (every class the line falls in is listed in `detail.classes`), or `accepted` when a
 * finance user accepted that (line, class) — by the line's natural key, so acceptances survive a re-run and a
 * re-import. Active SIMs the statement does not bill get one ACTIVE_NOT_BILLED finding each (no line).
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
  // A statement's lines are sorted and hashed whole (100,000 a month in a province): room for that in memory
  // rather than on disk, and no JIT compilation, which costs more than it saves on statements of this size.
  await tx.query("set local work_mem = '64MB'");
  await tx.query('set local jit = off');
  // $1 month start (date); bounds in China time for timestamps.
  const bounds = `(select $1::date as m0, ($1::date + interval '1 month')::date as m1,
      ($1::date::timestamp at time zone 'Asia/Shanghai') as ms,
      (($1::date + interval '1 month')::timestamp at time zone 'Asia/Shanghai') as me)`;

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

  // The statement's lines with their SIM (by ICCID, then MSISDN), occurrence and duplicate numbers.
  await tx.query(
    `create temp table recon_line on commit drop as
     with l as (
       select l.id, l.line_no, l.iccid, l.msisdn, l.category, l.item_name, l.amount_fen, l.data_mb,
         l.voice_minutes, l.sms_count,
         -- Partitions need equality only: byte order ("C") sorts them without the cost of collation.
         row_number() over (partition by coalesce(l.iccid, '') collate "C", coalesce(l.msisdn, '') collate "C",
           l.category, coalesce(l.item_name, '') collate "C" order by l.line_no, l.id) as occurrence,
         row_number() over (partition by coalesce(l.iccid, l.msisdn) collate "C", l.category,
           coalesce(l.item_name, '') collate "C" order by l.line_no, l.id) as dup_no
       from carrier_statement_line l where l.statement_id = $1)
     select l.id as line_id, l.line_no, l.iccid, l.msisdn, l.category::text as category, l.item_name,
       l.amount_fen, coalesce(l.data_mb, 0) + coalesce(l.voice_minutes, 0) + coalesce(l.sms_count, 0) as usage,
       concat_ws('|', coalesce(l.iccid, ''), coalesce(l.msisdn, ''), l.category::text, coalesce(l.item_name, ''),
         l.occurrence) as line_key,
       l.dup_no, coalesce(si.id, sm.id) as sim_id,
       case when si.id is not null then 'iccid' when sm.id is not null then 'msisdn' end as matched_by
     from l
     left join sim_card si on si.iccid = l.iccid
     left join sim_card sm on si.id is null and sm.msisdn = l.msisdn`,
    [statementId],
  );
  await tx.query('create index on recon_line (sim_id)');
  await tx.query('analyze recon_line');

  // The SIMs billed, as of the month: latest assignment before the month's end, whether it covers the month.
  await tx.query(
    `create temp table recon_sim on commit drop as
     with x as (select sim_id, sum(usage) as usage_now from recon_line where sim_id is not null group by sim_id),
     a as (
       select distinct on (a.sim_id) a.sim_id, a.handset_id, a.worker_id, (a.until is null or a.until > b.ms) as covers
         from assignment a join x on x.sim_id = a.sim_id cross join ${bounds} b
        where a.since < b.me order by a.sim_id, a.since desc, a.id desc)
     select s.id as sim_id, s.iccid, s.msisdn, s.monthly_fee_fen, s.activated_on, s.suspended_on, s.cancelled_on,
       a.handset_id as last_handset_id, a.covers,
       case when a.covers then a.handset_id end as handset_id,
       case when a.covers then a.worker_id end as worker_id,
       case when a.covers then w.grid_code end as grid_code,
       h.status::text as handset_status, h.last_seen_at, b.m0, b.m1, b.ms, b.me, x.usage_now
     from x
     join sim_card s on s.id = x.sim_id
     cross join ${bounds} b
     left join a on a.sim_id = s.id
     left join handset h on h.id = a.handset_id
     left join fleet_worker w on w.id = a.worker_id`,
    [m0],
  );
  await tx.query('create unique index on recon_sim (sim_id)');
  await tx.query('analyze recon_sim');

  // Where the month's check-ins (and the handsets' last reports) saw each SIM.
  await tx.query(
    `create temp table recon_seen on commit drop as
     select distinct c.iccid, c.handset_id from checkin c, ${bounds} b
      where c.iccid is not null and c.at >= b.ms and c.at < b.me
     union select h.iccid_seen, h.id from handset h, ${bounds} b
      where h.iccid_seen is not null and h.last_seen_at >= b.ms and h.last_seen_at < b.me`,
    [m0],
  );
  await tx.query('analyze recon_seen');

  // The previous zeroUsageMonths − 1 statements of the carrier: per SIM of this statement, in how many of
  // them it was billed with no usage at all (matched by ICCID, then MSISDN, as here).
  const prevMonths = params.zeroUsageMonths - 1;
  // Only a SIM with no usage this month can be ZERO_USAGE, so only the previous lines that could be such a
  // SIM's are read (through the line table's (statement, ICCID) and (statement, number) indexes): the usual
  // handful instead of every previous line. The candidates are then matched exactly as above.
  await tx.query(
    `create temp table recon_prev on commit drop as
     with z as (select sim_id, iccid, msisdn from recon_sim where usage_now = 0),
     p as (select id from carrier_statement
            where carrier = $1 and billing_month >= $2::date - make_interval(months => ${prevMonths})
              and billing_month < $2::date),
     c as (
       select l.id, l.statement_id, l.iccid, l.msisdn,
           coalesce(l.data_mb, 0) + coalesce(l.voice_minutes, 0) + coalesce(l.sms_count, 0) as u
         from p join z on true join carrier_statement_line l on l.statement_id = p.id and l.iccid = z.iccid
       union
       select l.id, l.statement_id, l.iccid, l.msisdn,
           coalesce(l.data_mb, 0) + coalesce(l.voice_minutes, 0) + coalesce(l.sms_count, 0)
         from p join z on true join carrier_statement_line l on l.statement_id = p.id and l.msisdn = z.msisdn)
     select x.sim_id, count(*) filter (where x.u = 0) as zero_months from (
       select coalesce(si.id, sm.id) as sim_id, c.statement_id, sum(c.u) as u
         from c
         left join sim_card si on si.iccid = c.iccid
         left join sim_card sm on si.id is null and sm.msisdn = c.msisdn
        group by 1, 2) x
     where x.sim_id in (select sim_id from z)
     group by x.sim_id`,
    [carrier, m0],
  );
  await tx.query('create unique index on recon_prev (sim_id)');

  // Per-SIM flags.
  await tx.query(
    `create temp table recon_flag on commit drop as
     select s.sim_id,
       coalesce(s.suspended_on <= s.m0 or s.cancelled_on <= s.m0 or s.activated_on >= s.m1
         or (not coalesce(s.covers, false) and s.handset_status = 'retired' and coalesce(
           (select max(fc.at) from fleet_change fc where fc.subject = 'handset' and fc.subject_id = s.last_handset_id
              and fc.changes -> 'status' ->> 1 = 'retired'), '-infinity') < s.ms), false) as inactive,
       coalesce((s.activated_on > s.m0 and s.activated_on < s.m1)
         or (s.cancelled_on > s.m0 and s.cancelled_on < s.m1), false) as partial,
       (least(coalesce(s.cancelled_on, s.m1), s.m1) - greatest(coalesce(s.activated_on, s.m0), s.m0)) as days,
       s.handset_id is null as unassigned,
       (s.handset_id is not null and o.sim_id is not null) as other_handset,
       (s.handset_id is not null and coalesce(greatest(
          (select max(c.at) from checkin c where c.handset_id = s.handset_id and c.at < s.me),
          case when s.last_seen_at < s.me then s.last_seen_at end), '-infinity')
          < s.me - make_interval(days => ${params.silentDays})) as silent,
       coalesce(s.usage_now = 0 and ${prevMonths} = coalesce(z.zero_months, 0), false) as zero_usage
     from recon_sim s left join recon_prev z on z.sim_id = s.sim_id
     -- SIMs seen in a handset other than their own: one hash join rather than a probe per SIM.
     left join (select distinct s2.sim_id from recon_sim s2
                  join recon_seen v on v.iccid = s2.iccid and v.handset_id <> s2.handset_id) o
       on o.sim_id = s.sim_id`,
  );
  await tx.query('create unique index on recon_flag (sim_id)');

  const T = params.overageThresholdFen;
  await tx.query(
    `insert into fee_reconciliation_finding (run_id, carrier, billing_month, line_id, line_key, sim_id, iccid,
       msisdn, matched_by, handset_id, worker_id, grid_code, class, amount_fen, at_stake_fen, detail, state,
       accepted_by, accepted_reason, accepted_at)
     select $1, $2, $3::date, f.line_id, f.line_key, f.sim_id, coalesce(f.iccid, f.sim_iccid),
       coalesce(f.msisdn, f.sim_msisdn), f.matched_by, f.handset_id,
       f.worker_id, f.grid_code, f.classes[1]::fee_discrepancy_class, f.amount_fen,
       case when f.classes[1] is null then 0
            when f.classes[1] = 'PRORATION_ERROR' then f.amount_fen - f.expected_fen
            when f.classes[1] = 'PLAN_MISMATCH' then f.amount_fen - f.monthly_fee_fen
            when f.classes[1] = 'OVERAGE' then f.amount_fen - ${T}
            else f.amount_fen end,
       case when f.classes[1] is null then '{}'::jsonb
         else jsonb_strip_nulls(jsonb_build_object('classes', to_jsonb(f.classes), 'monthlyFeeFen', f.monthly_fee_fen,
           'expectedFen', case when f.partial then f.expected_fen end,
           'daysInService', case when f.partial then f.days end)) end,
       (case when f.classes[1] is null then 'matched' when a.line_key is not null then 'accepted'
            else 'discrepancy' end)::fee_finding_state,
       a.accepted_by, a.accepted_reason, a.accepted_at
     from (
       select l.*, s.iccid as sim_iccid, s.msisdn as sim_msisdn, s.handset_id, s.worker_id, s.grid_code, s.monthly_fee_fen, g.partial, g.days,
         round(s.monthly_fee_fen::numeric * 12 * g.days / 365)::bigint as expected_fen,
         array_remove(array[
           case when l.sim_id is null then 'BILLED_NOT_IN_INVENTORY' end,
           case when l.dup_no > 1 then 'DUPLICATE' end,
           case when g.inactive then 'INACTIVE_SIM_BILLED' end,
           case when l.category = 'plan_fee' and g.partial
             and abs(l.amount_fen - round(s.monthly_fee_fen::numeric * 12 * g.days / 365)) > 1
             then 'PRORATION_ERROR' end,
           case when l.category = 'plan_fee' and not g.partial and l.amount_fen <> s.monthly_fee_fen
             then 'PLAN_MISMATCH' end,
           case when l.category in ('third_party', 'value_added')
             or l.item_name ~* '漫游|国际|roaming' then 'UNEXPECTED_CATEGORY' end,
           case when l.category in ('data', 'voice', 'sms') and l.amount_fen > ${T} then 'OVERAGE' end,
           case when g.zero_usage then 'ZERO_USAGE' end,
           case when g.unassigned then 'NO_ASSIGNED_WORKER' end,
           case when g.other_handset then 'SIM_IN_OTHER_HANDSET' end,
           case when g.silent then 'HANDSET_SILENT' end
         ]::text[], null) as classes
       from recon_line l
       left join recon_sim s on s.sim_id = l.sim_id
       left join recon_flag g on g.sim_id = l.sim_id
       -- offset 0 keeps the subquery whole, so that each line's classes are computed once, not once per use.
       offset 0) f
     left join recon_accepted a on a.line_key = f.line_key and a.class = f.classes[1]
     -- Findings are numbered in line order, whichever way the join is made.
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
     from sim_card s
     cross join ${bounds.replaceAll('$1', '$3')} b
     left join lateral (
       select a.handset_id, a.worker_id from assignment a
        where a.sim_id = s.id and a.since < b.me and (a.until is null or a.until > b.ms)
        order by a.since desc, a.id desc limit 1) a on true
     left join fleet_worker w on w.id = a.worker_id
     left join recon_accepted ac on ac.line_key = 'sim|' || s.iccid and ac.class = 'ACTIVE_NOT_BILLED'
     where s.carrier = $2::text and s.status <> 'stock'
       and (s.activated_on is null or s.activated_on < b.m1)
       and (s.suspended_on is null or s.suspended_on > b.m0)
       and (s.cancelled_on is null or s.cancelled_on > b.m0)
       and not exists (select 1 from recon_line l where l.sim_id = s.id)`,
    [runId, carrier, m0],
  );

  const [totals] = await tx.query<Record<string, string | null>>(
    `select count(*) filter (where line_id is not null) as lines,
       count(*) filter (where state = 'matched') as matched,
       count(*) filter (where state = 'discrepancy') as discrepancies,
       count(*) filter (where state = 'accepted') as accepted,
       coalesce(sum(amount_fen) filter (where state = 'matched'), 0) as matched_fen,
       coalesce(sum(at_stake_fen) filter (where state = 'discrepancy'), 0) as at_stake_fen,
       (select coalesce(jsonb_object_agg(class, n), '{}') from (
          select class, count(*) as n from fee_reconciliation_finding
           where run_id = $1 and class is not null group by class) c)::text as by_class
     from fee_reconciliation_finding where run_id = $1`,
    [runId],
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
