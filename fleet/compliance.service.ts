import type { EntityManager } from '@mikro-orm/postgresql';
import { stringify } from 'csv-stringify/sync';
import { registerEnumType } from 'type-graphql';
import type { Page, PageRequest } from '../schema/common/listing';
import { runSql } from '../schema/common/rows';
import { getRegionCached } from '../schema/regions/region.service';
import { subtreePattern } from '../schema/regions/region-path';
import { DomainError } from '../schema/runtime/errors';
import { HandsetStatus } from './inventory.entity';

/**
 * The IT office's compliance view of the handset fleet, computed in one SQL statement over every handset
 * (or those of one township), as of a given instant `now`.
 *
 * Definitions (each one a test asserts):
 * - **The counted fleet** is every handset not retired (in stock, assigned, active, lost, under repair):
 *   a retired handset is no longer the county's to track, and is reported apart as `retired`. A township's
 *   view counts the handsets held (open assignment) by workers of grids in that township; handsets in stock
 *   or otherwise unassigned belong to no township and appear only in the county's view.
 * - **Online buckets**, by the age of `last_seen_at` at `now`, half-open so that they never overlap:
 *   UNDER_1H [0, 1 h) — a check-in stamped after `now` (clock skew) counts here too —, FROM_1H_TO_24H
 *   [1 h, 24 h), FROM_1D_TO_30D [24 h, 720 h), OVER_30D [720 h, ∞), NEVER (no check-in at all). So a handset
 *   seen exactly 1 h ago is in FROM_1H_TO_24H, exactly 24 h in FROM_1D_TO_30D, exactly 30 days in OVER_30D.
 *   Every counted handset is in exactly one bucket: the buckets sum to the fleet.
 * - **Version state** against the current release (the highest version_code in app_release): MISSING when
 *   the handset never reported a version code; UP_TO_DATE when it runs exactly the current release (or when
 *   no release is registered yet: nothing is desired); VERSION_MISMATCH otherwise (older, or a build newer
 *   than any release). The three sum to the fleet. BELOW_MIN_VERSION is flagged besides when the reported
 *   code is under the current release's minimum.
 * - **Certificates**: a handset's certificate is its latest active (not revoked, not superseded) one.
 *   CERT_EXPIRING when it expires within 30 days (now < notAfter ≤ now + 30 d), CERT_EXPIRED when it has
 *   (notAfter ≤ now) but was never renewed; NO_CERTIFICATE for an `active` handset without one.
 * - **In service** means status assigned or active: only those must have a worker and a SIM. A handset in
 *   stock, lost or under repair is out of a worker's hands on purpose, so lacking either is no finding.
 *   NO_WORKER: in service without an open assignment; NO_SIM: in service with no SIM on its open assignment.
 * - **SIM_MISMATCH** (机卡分离): the handset reported an ICCID at its last check-in and it differs from the
 *   ICCID of the SIM on its open assignment. A handset with no SIM assigned cannot mismatch (it is NO_SIM).
 * - **LOST_STILL_CHECKING_IN**: status lost and last seen after it was marked lost: the latest fleet_change
 *   that set its status to lost (or created it lost); without such a row, its creation.
 */

export enum OnlineBucket {
  UNDER_1H = 'UNDER_1H',
  FROM_1H_TO_24H = 'FROM_1H_TO_24H',
  FROM_1D_TO_30D = 'FROM_1D_TO_30D',
  OVER_30D = 'OVER_30D',
  NEVER = 'NEVER',
}
registerEnumType(OnlineBucket, {
  name: 'OnlineBucket',
  description:
    'Age of the last check-in, half-open intervals: [0, 1 h), [1 h, 24 h), [24 h, 30 d), ≥ 30 d, never seen',
});

export enum VersionState {
  UP_TO_DATE = 'UP_TO_DATE',
  VERSION_MISMATCH = 'VERSION_MISMATCH',
  MISSING = 'MISSING',
}
registerEnumType(VersionState, {
  name: 'VersionState',
  description: 'Reported app version code against the current (highest) release; MISSING: never reported',
});

export enum ComplianceFinding {
  SIM_MISMATCH = 'SIM_MISMATCH',
  NO_SIM = 'NO_SIM',
  NO_WORKER = 'NO_WORKER',
  VERSION_MISMATCH = 'VERSION_MISMATCH',
  VERSION_MISSING = 'VERSION_MISSING',
  BELOW_MIN_VERSION = 'BELOW_MIN_VERSION',
  CERT_EXPIRING = 'CERT_EXPIRING',
  CERT_EXPIRED = 'CERT_EXPIRED',
  NO_CERTIFICATE = 'NO_CERTIFICATE',
  LOST_STILL_CHECKING_IN = 'LOST_STILL_CHECKING_IN',
  OFFLINE_OVER_30D = 'OFFLINE_OVER_30D',
  IMEI_CHANGED = 'IMEI_CHANGED',
}
registerEnumType(ComplianceFinding, {
  name: 'ComplianceFinding',
  description: 'What the compliance view found wrong with a handset (see fleet/compliance.service.ts)',
});

/** Statuses that make a handset in service: it must then have a worker and a SIM. */
export const IN_SERVICE_STATUSES: readonly HandsetStatus[] = [HandsetStatus.ASSIGNED, HandsetStatus.ACTIVE];

const HOUR = "interval '1 hour'";
const DAY = "interval '24 hours'";
const THIRTY_DAYS = "interval '720 hours'";

/** The online bucket of `lastSeen` (a timestamptz expression) at `now` (another), as SQL text. */
export function onlineBucketSql(lastSeen: string, now: string): string {
  return `case when ${lastSeen} is null then 'NEVER'
    when ${lastSeen} > ${now} - ${HOUR} then 'UNDER_1H'
    when ${lastSeen} > ${now} - ${DAY} then 'FROM_1H_TO_24H'
    when ${lastSeen} > ${now} - ${THIRTY_DAYS} then 'FROM_1D_TO_30D'
    else 'OVER_30D' end`;
}

/** The version state of a reported `code` (int expression) against the current release code `current`. */
export function versionStateSql(code: string, current: string): string {
  return `case when ${code} is null then 'MISSING'
    when ${current} is null or ${code} = ${current} then 'UP_TO_DATE'
    else 'VERSION_MISMATCH' end`;
}

export interface ComplianceOptions {
  /** A township (or any unit: village, grid) code: only handsets held by workers of its grids. */
  townshipCode?: string | null;
  /** The instant the view is computed at; default the database's now. */
  now?: Date | null;
}

export interface ComplianceRowFilter {
  buckets?: OnlineBucket[] | null;
  versionStates?: VersionState[] | null;
  /** Rows with at least one of these findings. */
  findings?: ComplianceFinding[] | null;
  /** Only rows with any finding at all. */
  withFindings?: boolean | null;
  statuses?: HandsetStatus[] | null;
}

export interface ComplianceRow {
  /** The handset's id (the rows' cursor). */
  id: string;
  deviceId: string;
  imei1: string;
  model: string;
  status: HandsetStatus;
  workerCode: string | null;
  workerName: string | null;
  gridCode: string | null;
  townshipCode: string | null;
  townshipName: string | null;
  simIccid: string | null;
  iccidSeen: string | null;
  lastSeenAt: Date | null;
  onlineBucket: OnlineBucket;
  appVersion: string | null;
  appVersionCode: number | null;
  versionState: VersionState;
  certSerial: string | null;
  certNotAfter: Date | null;
  lostAt: Date | null;
  findings: ComplianceFinding[];
}

export interface CurrentRelease {
  version: string;
  versionCode: number;
  minVersionCode: number;
}

export interface ComplianceSummary {
  now: Date;
  townshipCode: string | null;
  release: CurrentRelease | null;
  /** Counted handsets (not retired): every bucket and version-state family sums to this. */
  fleet: number;
  /** Retired handsets in the same scope, outside the count. */
  retired: number;
  byStatus: Array<{ status: HandsetStatus; count: number }>;
  online: Record<OnlineBucket, number>;
  versions: Record<VersionState, number>;
  belowMinVersion: number;
  certExpiring: number;
  certExpired: number;
  noCertificate: number;
  simMismatch: number;
  /** Handsets assigned or active: the base of withoutSim and withoutWorker. */
  inService: number;
  withoutSim: number;
  withoutWorker: number;
  lostStillCheckingIn: number;
  imeiChanged: number;
  /** Handsets with at least one finding. */
  withFindings: number;
}

interface Scoped {
  now: Date;
  townshipCode: string | null;
  /** The region subtree pattern, when a unit was given. */
  pattern: string | null;
}

async function scopeOf(em: EntityManager, opts: ComplianceOptions): Promise<Scoped> {
  const now = opts.now ?? new Date();
  if (Number.isNaN(now.getTime()))
    throw new DomainError('INVALID_NOW', 'now: not a valid instant', {
      field: 'now',
      rule: 'ISO 8601 instant',
    });
  const code = opts.townshipCode?.trim() || null;
  if (!code) return { now, townshipCode: null, pattern: null };
  const region = await getRegionCached(em, code);
  return { now, townshipCode: region.code, pattern: subtreePattern(region.path) };
}

/**
 * One row per handset in scope (retired ones included, flagged by `counted`), with everything the view
 * needs. Parameters: now, then the region pattern when scoped.
 */
function handsetRowsSql(scope: Scoped): { sql: string; params: unknown[] } {
  const params: unknown[] = [scope.now.toISOString()];
  let where = 'true';
  if (scope.pattern) {
    where = 'g.path like ?';
    params.push(scope.pattern);
  }
  const inService = `h.status in (${IN_SERVICE_STATUSES.map((s) => `'${s}'`).join(', ')})`;
  const sql = `
    select h.id::text as id, h.device_id, h.imei1, h.model, h.status::text as status,
      h.status <> 'retired' as counted, ${inService} as in_service,
      w.code as worker_code, w.name as worker_name, w.grid_code,
      t.code as township_code, t.name as township_name,
      s.iccid as sim_iccid, h.iccid_seen, h.last_seen_at, h.app_version, h.app_version_code,
      ${onlineBucketSql('h.last_seen_at', 'p.now')} as online_bucket,
      ${versionStateSql('h.app_version_code', 'rel.version_code')} as version_state,
      c.serial as cert_serial, c.not_after as cert_not_after, lost.at as lost_at,
      array_remove(array[
        case when h.iccid_seen is not null and s.iccid is not null and h.iccid_seen <> s.iccid
          then 'SIM_MISMATCH' end,
        case when ${inService} and a.id is not null and a.sim_id is null then 'NO_SIM' end,
        case when ${inService} and a.id is null then 'NO_WORKER' end,
        case when h.app_version_code is not null and rel.version_code is not null
          and h.app_version_code <> rel.version_code then 'VERSION_MISMATCH' end,
        case when h.app_version_code is null then 'VERSION_MISSING' end,
        case when h.app_version_code < rel.min_version_code then 'BELOW_MIN_VERSION' end,
        case when c.not_after > p.now and c.not_after <= p.now + ${THIRTY_DAYS} then 'CERT_EXPIRING' end,
        case when c.not_after <= p.now then 'CERT_EXPIRED' end,
        case when h.status = 'active' and c.serial is null then 'NO_CERTIFICATE' end,
        case when h.status = 'lost' and h.last_seen_at > coalesce(lost.at, h.created_at)
          then 'LOST_STILL_CHECKING_IN' end,
        case when h.last_seen_at <= p.now - ${THIRTY_DAYS} then 'OFFLINE_OVER_30D' end,
        case when h.imei_changed_at is not null then 'IMEI_CHANGED' end
      ]::text[], null) as findings
    from (select ?::timestamptz as now) p
    cross join (
      select max(version_code) as version_code,
        (array_agg(min_version_code order by version_code desc))[1] as min_version_code
      from app_release
    ) rel
    join handset h on true
    left join assignment a on a.handset_id = h.id and a.until is null
    left join fleet_worker w on w.id = a.worker_id
    left join sim_card s on s.id = a.sim_id
    left join region g on g.code = w.grid_code
    left join region t on t.code = split_part(g.path, '/', 3)
    left join lateral (
      select dc.serial, dc.not_after from device_certificate dc
      where dc.handset_id = h.id and dc.status = 'active'
      order by dc.not_after desc limit 1
    ) c on true
    left join lateral (
      select max(fc.at) as at from fleet_change fc
      where h.status = 'lost' and fc.subject = 'handset' and fc.subject_id = h.id
        and (fc.changes -> 'status' ->> 1 = 'lost' or fc.changes -> 'created' ->> 1 = 'lost')
    ) lost on true
    where ${where}`;
  return { sql, params };
}

interface RawRow {
  id: string;
  device_id: string;
  imei1: string;
  model: string;
  status: string;
  counted: boolean;
  in_service: boolean;
  worker_code: string | null;
  worker_name: string | null;
  grid_code: string | null;
  township_code: string | null;
  township_name: string | null;
  sim_iccid: string | null;
  iccid_seen: string | null;
  last_seen_at: Date | string | null;
  app_version: string | null;
  app_version_code: number | null;
  online_bucket: string;
  version_state: string;
  cert_serial: string | null;
  cert_not_after: Date | string | null;
  lost_at: Date | string | null;
  findings: string[];
}

/** A timestamptz as the pool returns it (ISO text, `2026-06-01 01:00:00.5+00`), as a Date. */
function instant(value: Date | string | null): Date | null {
  if (value == null || value instanceof Date) return value;
  return new Date(value.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
}

function toRow(r: RawRow): ComplianceRow {
  return {
    id: r.id,
    deviceId: r.device_id,
    imei1: r.imei1,
    model: r.model,
    status: r.status as HandsetStatus,
    workerCode: r.worker_code,
    workerName: r.worker_name,
    gridCode: r.grid_code,
    townshipCode: r.township_code,
    townshipName: r.township_name,
    simIccid: r.sim_iccid,
    iccidSeen: r.iccid_seen,
    lastSeenAt: instant(r.last_seen_at),
    onlineBucket: r.online_bucket as OnlineBucket,
    appVersion: r.app_version,
    appVersionCode: r.app_version_code,
    versionState: r.version_state as VersionState,
    certSerial: r.cert_serial,
    certNotAfter: instant(r.cert_not_after),
    lostAt: instant(r.lost_at),
    findings: r.findings as ComplianceFinding[],
  };
}

const textArray = (values: readonly string[]) => `{${values.map((v) => JSON.stringify(v)).join(',')}}`;

/** The rows' extra conditions on the per-handset relation `x`; counted handsets only. */
function rowConditions(filter: ComplianceRowFilter): { sql: string; params: unknown[] } {
  const sql = ['x.counted'];
  const params: unknown[] = [];
  if (filter.buckets?.length) {
    sql.push('x.online_bucket = any(?::text[])');
    params.push(textArray(filter.buckets));
  }
  if (filter.versionStates?.length) {
    sql.push('x.version_state = any(?::text[])');
    params.push(textArray(filter.versionStates));
  }
  if (filter.statuses?.length) {
    sql.push('x.status = any(?::text[])');
    params.push(textArray(filter.statuses));
  }
  if (filter.findings?.length) {
    sql.push('x.findings && ?::text[]');
    params.push(textArray(filter.findings));
  }
  if (filter.withFindings === true) sql.push('cardinality(x.findings) > 0');
  if (filter.withFindings === false) sql.push('cardinality(x.findings) = 0');
  return { sql: sql.join(' and '), params };
}

/** The summary: counts over the counted fleet, one statement. */
export async function complianceSummary(
  em: EntityManager,
  opts: ComplianceOptions = {},
): Promise<ComplianceSummary> {
  const scope = await scopeOf(em, opts);
  const base = handsetRowsSql(scope);
  const has = (finding: ComplianceFinding) =>
    `count(*) filter (where x.counted and '${finding}' = any(x.findings))::int`;
  const bucket = (b: OnlineBucket) => `count(*) filter (where x.counted and x.online_bucket = '${b}')::int`;
  const state = (v: VersionState) => `count(*) filter (where x.counted and x.version_state = '${v}')::int`;
  const [counts] = await runSql<Record<string, number>>(
    em,
    `select count(*) filter (where x.counted)::int as fleet,
       count(*) filter (where not x.counted)::int as retired,
       ${Object.values(OnlineBucket)
         .map((b) => `${bucket(b)} as "b_${b}"`)
         .join(', ')},
       ${Object.values(VersionState)
         .map((v) => `${state(v)} as "v_${v}"`)
         .join(', ')},
       ${Object.values(ComplianceFinding)
         .map((f) => `${has(f)} as "f_${f}"`)
         .join(', ')},
       count(*) filter (where x.counted and x.in_service)::int as in_service,
       count(*) filter (where x.counted and cardinality(x.findings) > 0)::int as with_findings
     from (${base.sql}) x`,
    base.params,
  );
  const statuses = await runSql<{ status: HandsetStatus; n: number }>(
    em,
    `select x.status, count(*)::int as n from (${base.sql}) x where x.counted group by x.status`,
    base.params,
  );
  const [release] = await runSql<{ version: string; version_code: number; min_version_code: number }>(
    em,
    'select version, version_code, min_version_code from app_release order by version_code desc limit 1',
  );
  const byStatus = new Map(statuses.map((s) => [s.status, s.n]));
  const c = counts!;
  return {
    now: scope.now,
    townshipCode: scope.townshipCode,
    release: release
      ? {
          version: release.version,
          versionCode: release.version_code,
          minVersionCode: release.min_version_code,
        }
      : null,
    fleet: c.fleet!,
    retired: c.retired!,
    byStatus: Object.values(HandsetStatus)
      .filter((s) => s !== HandsetStatus.RETIRED)
      .map((status) => ({ status, count: byStatus.get(status) ?? 0 })),
    online: Object.fromEntries(Object.values(OnlineBucket).map((b) => [b, c[`b_${b}`]!])) as Record<
      OnlineBucket,
      number
    >,
    versions: Object.fromEntries(Object.values(VersionState).map((v) => [v, c[`v_${v}`]!])) as Record<
      VersionState,
      number
    >,
    belowMinVersion: c[`f_${ComplianceFinding.BELOW_MIN_VERSION}`]!,
    certExpiring: c[`f_${ComplianceFinding.CERT_EXPIRING}`]!,
    certExpired: c[`f_${ComplianceFinding.CERT_EXPIRED}`]!,
    noCertificate: c[`f_${ComplianceFinding.NO_CERTIFICATE}`]!,
    simMismatch: c[`f_${ComplianceFinding.SIM_MISMATCH}`]!,
    inService: c.in_service!,
    withoutSim: c[`f_${ComplianceFinding.NO_SIM}`]!,
    withoutWorker: c[`f_${ComplianceFinding.NO_WORKER}`]!,
    lostStillCheckingIn: c[`f_${ComplianceFinding.LOST_STILL_CHECKING_IN}`]!,
    imeiChanged: c[`f_${ComplianceFinding.IMEI_CHANGED}`]!,
    withFindings: c.with_findings!,
  };
}

/** A page of per-handset rows of the counted fleet, in handset id order (keyset on the id). */
export async function complianceRows(
  em: EntityManager,
  opts: ComplianceOptions,
  filter: ComplianceRowFilter,
  page: PageRequest,
): Promise<Page<ComplianceRow>> {
  const scope = await scopeOf(em, opts);
  const base = handsetRowsSql(scope);
  const cond = rowConditions(filter);
  const after = page.afterId ? ' and x.id::bigint > ?::bigint' : '';
  const rows =
    page.first === 0
      ? []
      : await runSql<RawRow>(
          em,
          `select x.* from (${base.sql}) x where ${cond.sql}${after} order by x.id::bigint limit ?`,
          [...base.params, ...cond.params, ...(page.afterId ? [page.afterId] : []), page.first + 1],
        );
  return {
    nodes: rows.slice(0, page.first).map(toRow),
    hasNextPage: rows.length > page.first,
    pageSize: page.first,
    count: async () => {
      const [{ n }] = await runSql<{ n: number }>(
        em,
        `select count(*)::int as n from (${base.sql}) x where ${cond.sql}`,
        [...base.params, ...cond.params],
      );
      return n;
    },
  };
}

/** Every per-handset row of the counted fleet in scope (for exports), in handset id order. */
export async function allComplianceRows(
  em: EntityManager,
  opts: ComplianceOptions = {},
  filter: ComplianceRowFilter = {},
): Promise<ComplianceRow[]> {
  const scope = await scopeOf(em, opts);
  const base = handsetRowsSql(scope);
  const cond = rowConditions(filter);
  const rows = await runSql<RawRow>(
    em,
    `select x.* from (${base.sql}) x where ${cond.sql} order by x.id::bigint`,
    [...base.params, ...cond.params],
  );
  return rows.map(toRow);
}

export const COMPLIANCE_CSV_COLUMNS = [
  'deviceId',
  'imei1',
  'model',
  'status',
  'workerCode',
  'workerName',
  'gridCode',
  'townshipCode',
  'townshipName',
  'simIccid',
  'iccidSeen',
  'lastSeenAt',
  'onlineBucket',
  'appVersion',
  'appVersionCode',
  'versionState',
  'certSerial',
  'certNotAfter',
  'findings',
] as const;

/**
 * A spreadsheet program runs a cell starting with = + - @ as a formula (CSV injection): such text cells get
 * a leading apostrophe. Only free text can start that way here (worker names); codes and dates cannot.
 */
function cellText(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * The per-handset rows as CSV: UTF-8 with a byte-order mark (so Excel reads the Chinese names right), CRLF
 * line ends, RFC 4180 quoting, instants in ISO 8601 UTC, findings separated by `;`.
 */
export function complianceCsv(rows: readonly ComplianceRow[]): string {
  const records = rows.map((r) =>
    COMPLIANCE_CSV_COLUMNS.map((col) => {
      const v = r[col];
      if (v == null) return '';
      if (v instanceof Date) return v.toISOString();
      if (Array.isArray(v)) return v.join(';');
      return typeof v === 'string' ? cellText(v) : String(v);
    }),
  );
  return `\uFEFF${stringify([[...COMPLIANCE_CSV_COLUMNS], ...records], { record_delimiter: 'windows' })}`;
}

/** The whole view as CSV, for `hub fleet compliance --csv` and the GraphQL export. */
export async function exportComplianceCsv(
  em: EntityManager,
  opts: ComplianceOptions = {},
  filter: ComplianceRowFilter = {},
): Promise<{ csv: string; rows: number }> {
  const rows = await allComplianceRows(em, opts, filter);
  return { csv: complianceCsv(rows), rows: rows.length };
}
