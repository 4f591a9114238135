import type { EntityManager } from '@mikro-orm/postgresql';
import { Conditions, keysetPage, type Page, type PageRequest } from '../schema/common/listing';
import { queryRows, runSql, shapeRows } from '../schema/common/rows';
import { normaliseIccid } from '../schema/identifiers/iccid';
import { normaliseImei, validateImei } from '../schema/identifiers/imei';
import { getRegionCached } from '../schema/regions/region.service';
import { subtreePattern } from '../schema/regions/region-path';
import { DomainError, NotFoundError } from '../schema/runtime/errors';
import { DeviceCertificate, FleetAudit } from './ca.entity';
import { AppRelease, Checkin } from './checkin.entity';
import { type OnlineBucket, onlineBucketSql, type VersionState, versionStateSql } from './compliance.service';
import {
  Assignment,
  FleetChange,
  Handset,
  type HandsetStatus,
  SimCard,
  type SimStatus,
  Worker,
  type WorkerKind,
  type WorkerStatus,
} from './inventory.entity';

/**
 * Finding handsets, SIM cards and workers: filters that all must hold, keyset pages in id order (the
 * listings of schema/common/listing.ts). A handset's worker, SIM and region are those of its open
 * assignment; a region filter takes any unit code (township, village, grid) and means that unit and
 * everything below it, through the worker's grid.
 */

export interface HandsetSearch {
  statuses?: HandsetStatus[] | null;
  /** Exact model name, case-insensitive. */
  model?: string | null;
  /** A unit code: handsets held by workers of grids in that unit. */
  regionCode?: string | null;
  /** Part of a device id, serial, IMEI, ICCID (assigned or seen), MSISDN, or a worker's name or number. */
  search?: string | null;
  online?: OnlineBucket[] | null;
  versionStates?: VersionState[] | null;
  /** true: with an open assignment; false: without. */
  hasWorker?: boolean | null;
  /** true: a SIM on its open assignment; false: none (no assignment, or one without SIM). */
  hasSim?: boolean | null;
  /** The instant online buckets are measured from; default now. */
  now?: Date | null;
}

export interface SimSearch {
  statuses?: SimStatus[] | null;
  carrier?: string | null;
  regionCode?: string | null;
  /** Part of the ICCID or MSISDN, or the plan name. */
  search?: string | null;
  /** true: on an open assignment; false: not. */
  assigned?: boolean | null;
}

export interface WorkerSearch {
  statuses?: WorkerStatus[] | null;
  kinds?: WorkerKind[] | null;
  regionCode?: string | null;
  /** Part of the worker's name or number (工号). */
  search?: string | null;
  /** true: holding a handset now; false: not. */
  hasHandset?: boolean | null;
}

/** `%text%` for ILIKE, its wildcards escaped. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const textArray = (values: readonly string[]) => `{${values.map((v) => JSON.stringify(v)).join(',')}}`;

function searchText(value: string | null | undefined): string | null {
  const text = value?.trim();
  if (!text) return null;
  if ([...text].length > 100)
    throw new DomainError('SEARCH_TOO_LONG', 'search: at most 100 characters', {
      field: 'search',
      rule: 'length ≤ 100',
    });
  return text;
}

async function regionPattern(em: EntityManager, code: string | null | undefined): Promise<string | null> {
  const trimmed = code?.trim();
  if (!trimmed) return null;
  return subtreePattern((await getRegionCached(em, trimmed)).path);
}

const OPEN = (alias: string) => `a.handset_id = ${alias}.id and a.until is null`;

export async function searchHandsets(
  em: EntityManager,
  filter: HandsetSearch,
  page: PageRequest,
): Promise<Page<Handset>> {
  const where = new Conditions();
  if (filter.statuses?.length) where.add('h.status::text = any(?::text[])', textArray(filter.statuses));
  const model = filter.model?.trim();
  if (model) where.add('lower(h.model) = lower(?)', model);
  const pattern = await regionPattern(em, filter.regionCode);
  if (pattern)
    where.add(
      `exists (select 1 from assignment a join fleet_worker w on w.id = a.worker_id
        join region r on r.code = w.grid_code where ${OPEN('h')} and r.path like ?)`,
      pattern,
    );
  if (filter.hasWorker != null)
    where.add(`${filter.hasWorker ? '' : 'not '}exists (select 1 from assignment a where ${OPEN('h')})`);
  if (filter.hasSim != null)
    where.add(
      `${filter.hasSim ? '' : 'not '}exists (select 1 from assignment a where ${OPEN('h')} and a.sim_id is not null)`,
    );
  const now = filter.now ?? new Date();
  if (filter.online?.length)
    where.add(
      `exists (select 1 from (select ?::timestamptz as now) n
        where (${onlineBucketSql('h.last_seen_at', 'n.now')}) = any(?::text[]))`,
      now.toISOString(),
      textArray(filter.online),
    );
  if (filter.versionStates?.length)
    where.add(
      `(${versionStateSql('h.app_version_code', '(select max(version_code) from app_release)')}) = any(?::text[])`,
      textArray(filter.versionStates),
    );
  const text = searchText(filter.search);
  if (text) {
    const like = containsPattern(text);
    // Identifiers are compared in their stored (normalised) form: spaces and dashes typed in are dropped.
    const imei = containsPattern(normaliseImei(text));
    const iccid = containsPattern(normaliseIccid(text));
    const digits = containsPattern(text.replace(/[\s\-+]/g, ''));
    where.add(
      `(h.device_id ilike ? or h.serial ilike ? or h.imei1 like ? or h.imei2 like ? or h.iccid_seen like ?
        or exists (select 1 from assignment a join fleet_worker w on w.id = a.worker_id
          left join sim_card s on s.id = a.sim_id
          where ${OPEN('h')} and (w.name ilike ? or w.code ilike ? or s.iccid like ? or s.msisdn like ?)))`,
      like,
      like,
      imei,
      imei,
      iccid,
      like,
      like,
      iccid,
      digits,
    );
  }
  return keysetPage(em, Handset, 'h', where, page);
}

export async function searchSims(
  em: EntityManager,
  filter: SimSearch,
  page: PageRequest,
): Promise<Page<SimCard>> {
  const where = new Conditions();
  if (filter.statuses?.length) where.add('s.status::text = any(?::text[])', textArray(filter.statuses));
  const carrier = filter.carrier?.trim().toLowerCase();
  if (carrier) where.add('s.carrier = ?', carrier);
  const pattern = await regionPattern(em, filter.regionCode);
  if (pattern)
    where.add(
      `exists (select 1 from assignment a join fleet_worker w on w.id = a.worker_id
        join region r on r.code = w.grid_code where a.sim_id = s.id and a.until is null and r.path like ?)`,
      pattern,
    );
  if (filter.assigned != null)
    where.add(
      `${filter.assigned ? '' : 'not '}exists (select 1 from assignment a where a.sim_id = s.id and a.until is null)`,
    );
  const text = searchText(filter.search);
  if (text)
    where.add(
      '(s.iccid like ? or s.msisdn like ? or s.plan ilike ?)',
      containsPattern(normaliseIccid(text)),
      containsPattern(text.replace(/[\s\-+]/g, '')),
      containsPattern(text),
    );
  return keysetPage(em, SimCard, 's', where, page);
}

export async function searchWorkers(
  em: EntityManager,
  filter: WorkerSearch,
  page: PageRequest,
): Promise<Page<Worker>> {
  const where = new Conditions();
  if (filter.statuses?.length) where.add('w.status::text = any(?::text[])', textArray(filter.statuses));
  if (filter.kinds?.length) where.add('w.kind::text = any(?::text[])', textArray(filter.kinds));
  const pattern = await regionPattern(em, filter.regionCode);
  if (pattern)
    where.add('exists (select 1 from region r where r.code = w.grid_code and r.path like ?)', pattern);
  if (filter.hasHandset != null)
    where.add(
      `${filter.hasHandset ? '' : 'not '}exists (select 1 from assignment a where a.worker_id = w.id and a.until is null)`,
    );
  const text = searchText(filter.search);
  if (text) {
    const like = containsPattern(text);
    where.add('(w.name ilike ? or w.code ilike ?)', like, like);
  }
  return keysetPage(em, Worker, 'w', where, page);
}

/** One handset by its device id or either IMEI (an IMEISV finds its IMEI); HANDSET_NOT_FOUND otherwise. */
export async function findHandset(
  em: EntityManager,
  key: { deviceId?: string | null; imei?: string | null },
): Promise<Handset> {
  const deviceId = key.deviceId?.trim();
  if (deviceId) {
    const [row] = await queryRows(em, Handset, 'select * from handset where device_id = ?', [deviceId]);
    if (!row) throw new NotFoundError('Handset', deviceId);
    return row;
  }
  if (key.imei?.trim()) {
    const checked = validateImei(key.imei, { allowTest: true });
    if (!checked.ok)
      throw new DomainError(checked.rule, `imei: ${checked.message}`, { field: 'imei', rule: checked.rule });
    const [row] = await queryRows(em, Handset, 'select * from handset where imei1 = ? or imei2 = ?', [
      checked.value,
      checked.value,
    ]);
    if (!row)
      throw new DomainError('HANDSET_NOT_FOUND', `No handset with IMEI "${checked.value}"`, {
        imei: checked.value,
      });
    return row;
  }
  throw new DomainError('HANDSET_KEY_REQUIRED', 'Give a deviceId or an imei', {
    field: 'deviceId',
    rule: 'deviceId or imei required',
  });
}

export async function findSim(em: EntityManager, iccid: string): Promise<SimCard> {
  const key = normaliseIccid(iccid);
  // A 19-digit ICCID (without its check digit) finds the card too.
  const [row] = await queryRows(
    em,
    SimCard,
    'select * from sim_card where iccid = ? or left(iccid, 19) = ?',
    [key, key.length === 19 ? key : '-'],
  );
  if (!row)
    throw new DomainError('SIM_NOT_FOUND', `No SIM card with ICCID "${key}"`, { iccid: key, field: 'iccid' });
  return row;
}

export async function findWorker(em: EntityManager, code: string): Promise<Worker> {
  const [row] = await queryRows(em, Worker, 'select * from fleet_worker where code = ?', [code.trim()]);
  if (!row) throw new NotFoundError('Worker', code.trim());
  return row;
}

/** Open assignments of these handsets, keyed by handset id. */
export async function openAssignmentsByHandset(
  em: EntityManager,
  handsetIds: readonly string[],
): Promise<Map<string, Assignment>> {
  return openAssignmentsBy(em, 'handset_id', handsetIds);
}

export async function openAssignmentsBySim(
  em: EntityManager,
  simIds: readonly string[],
): Promise<Map<string, Assignment>> {
  return openAssignmentsBy(em, 'sim_id', simIds);
}

export async function openAssignmentsByWorker(
  em: EntityManager,
  workerIds: readonly string[],
): Promise<Map<string, Assignment>> {
  return openAssignmentsBy(em, 'worker_id', workerIds);
}

async function openAssignmentsBy(
  em: EntityManager,
  column: 'handset_id' | 'sim_id' | 'worker_id',
  ids: readonly string[],
): Promise<Map<string, Assignment>> {
  if (!ids.length) return new Map();
  const rows = await runSql<Record<string, unknown>>(
    em,
    `select * from assignment where ${column} = any(?::bigint[]) and until is null`,
    [`{${ids.join(',')}}`],
  );
  const shaped = shapeRows(em, Assignment, rows);
  return new Map(rows.map((r, i) => [String(r[column]), shaped[i]!]));
}

/** Every assignment (past and present) of a handset, a SIM or a worker, newest first. */
export function assignmentHistory(
  em: EntityManager,
  column: 'handset_id' | 'sim_id' | 'worker_id',
  id: string,
): Promise<Assignment[]> {
  return queryRows(
    em,
    Assignment,
    `select * from assignment where ${column} = ? order by since desc, id desc`,
    [id],
  );
}

export function handsetsByIds(em: EntityManager, ids: readonly string[]): Promise<Handset[]> {
  return byIds(em, Handset, 'handset', ids);
}

export function simsByIds(em: EntityManager, ids: readonly string[]): Promise<SimCard[]> {
  return byIds(em, SimCard, 'sim_card', ids);
}

export function workersByIds(em: EntityManager, ids: readonly string[]): Promise<Worker[]> {
  return byIds(em, Worker, 'fleet_worker', ids);
}

function byIds<T extends object>(
  em: EntityManager,
  entity: new () => T,
  table: string,
  ids: readonly string[],
): Promise<T[]> {
  if (!ids.length) return Promise.resolve([]);
  return queryRows(em, entity, `select * from ${table} where id = any(?::bigint[])`, [`{${ids.join(',')}}`]);
}

/** A handset's, SIM's or worker's change history (fleet_change), newest first. */
export function changesOf(
  em: EntityManager,
  subject: 'handset' | 'sim' | 'worker',
  id: string,
  limit = 200,
): Promise<FleetChange[]> {
  return queryRows(
    em,
    FleetChange,
    'select * from fleet_change where subject = ? and subject_id = ? order by at desc, id desc limit ?',
    [subject, id, limit],
  );
}

/** A handset's certificates, newest first. */
export function certificatesOf(em: EntityManager, handsetId: string): Promise<DeviceCertificate[]> {
  return queryRows(
    em,
    DeviceCertificate,
    'select * from device_certificate where handset_id = ? order by issued_at desc, serial',
    [handsetId],
  );
}

/** A handset's last `last` check-ins, newest first. */
export function checkinsOf(em: EntityManager, handsetId: string, last: number): Promise<Checkin[]> {
  return queryRows(
    em,
    Checkin,
    'select * from checkin where handset_id = ? order by at desc, id desc limit ?',
    [handsetId, last],
  );
}

export function listAppReleases(em: EntityManager): Promise<AppRelease[]> {
  return queryRows(em, AppRelease, 'select * from app_release order by version_code desc');
}

export interface FleetAuditQuery {
  deviceId?: string | null;
  actions?: string[] | null;
  actor?: string | null;
  from?: Date | null;
  to?: Date | null;
}

/** Audited fleet actions, filtered, as a keyset page in id order. */
export async function searchFleetAudit(
  em: EntityManager,
  query: FleetAuditQuery,
  page: PageRequest,
): Promise<Page<FleetAudit>> {
  const where = new Conditions();
  if (query.deviceId?.trim()) {
    const handset = await findHandset(em, { deviceId: query.deviceId });
    where.add('f.handset_id = ?', handset.id);
  }
  if (query.actions?.length) where.add('f.action = any(?::text[])', textArray(query.actions));
  if (query.actor?.trim()) where.add('f.actor = ?', query.actor.trim());
  if (query.from) where.add('f.at >= ?', query.from);
  if (query.to) where.add('f.at < ?', query.to);
  return keysetPage(em, FleetAudit, 'f', where, page);
}

/** The audit entries of one handset, newest first. */
export function fleetAuditOf(em: EntityManager, handsetId: string, limit = 100): Promise<FleetAudit[]> {
  return queryRows(
    em,
    FleetAudit,
    'select * from fleet_audit where handset_id = ? order by at desc limit ?',
    [handsetId, limit],
  );
}

/** The version code handsets should run: the newest release's, or null before any release. */
export async function currentReleaseCode(em: EntityManager): Promise<number | null> {
  const [row] = await runSql<{ code: number | null }>(
    em,
    'select max(version_code) as code from app_release',
  );
  return row?.code ?? null;
}

/** Whether the handset holds a certificate that still lets it in (active or superseded, not expired). */
export async function hasValidCertificate(em: EntityManager, handsetId: string): Promise<boolean> {
  const rows = await runSql(
    em,
    `select 1 from device_certificate where handset_id = ? and status in ('active', 'superseded')
       and not_after > now() limit 1`,
    [handsetId],
  );
  return rows.length > 0;
}
