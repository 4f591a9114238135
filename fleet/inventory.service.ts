import type { EntityManager } from '@mikro-orm/postgresql';
import { queryRows } from '../schema/common/rows';
import { inTransaction, type Tx } from '../schema/db/tx';
import { DomainError, NotFoundError } from '../schema/runtime/errors';
import { recordFleetAudit } from './audit';
import { Assignment, Handset, HandsetStatus, SimCard, SimStatus, Worker } from './inventory.entity';
import { findHandset, findSim, findWorker } from './search';
import {
  type AssignmentFields,
  type Checked,
  checkAssignment,
  checkHandset,
  checkSim,
  checkWorker,
  type FieldFailure,
  FleetInputError,
  type HandsetFields,
  type Raw,
  type SimFields,
  type WorkerFields,
} from './validate';

/**
 * The inventory's writes. Every function works on a batch of checked records inside one transaction (the
 * spreadsheet import passes hundreds, a mutation passes one), compares each with what is stored, writes only
 * what changed, and records every change in `fleet_change` with its old and new values.
 */

export type Subject = 'handset' | 'sim' | 'worker';

/** A record's failure in a batch: its row (1-based data row of a sheet, or 1 for a mutation) and why. */
export interface RowFailure extends FieldFailure {
  row: number;
  key: string | null;
}

export interface BatchResult {
  inserted: number;
  updated: number;
  unchanged: number;
  failures: RowFailure[];
}

export interface Numbered<T> {
  row: number;
  values: T;
}

type Row = Record<string, unknown>;

const HANDSET_COLUMNS: Record<keyof HandsetFields, string> = {
  deviceId: 'device_id',
  imei1: 'imei1',
  imei2: 'imei2',
  serial: 'serial',
  model: 'model',
  osVersion: 'os_version',
  purchaseDate: 'purchase_date',
  status: 'status',
};
const SIM_COLUMNS: Record<keyof SimFields, string> = {
  iccid: 'iccid',
  msisdn: 'msisdn',
  carrier: 'carrier',
  plan: 'plan',
  monthlyFeeFen: 'monthly_fee_fen',
  status: 'status',
  activatedOn: 'activated_on',
};
const WORKER_COLUMNS = {
  code: 'code',
  name: 'name',
  personId: 'person_id',
  phone: 'phone',
  gridCode: 'grid_code',
  kind: 'kind',
} as const;

/** Stored values come back as text (dates as YYYY-MM-DD, bigints as strings), so text comparison is exact. */
const same = (a: unknown, b: unknown) => String(a ?? '') === String(b ?? '');

function diff(stored: Row, next: Row, columns: Record<string, string>): Record<string, [unknown, unknown]> {
  const changes: Record<string, [unknown, unknown]> = {};
  for (const [field, column] of Object.entries(columns)) {
    if (!same(stored[column], next[field])) changes[field] = [stored[column] ?? null, next[field] ?? null];
  }
  return changes;
}

async function recordChange(
  tx: Tx,
  subject: Subject,
  id: string,
  changes: Record<string, [unknown, unknown]>,
  actor: string,
  reason: string | null = null,
): Promise<void> {
  await tx.query(
    'insert into fleet_change (subject, subject_id, changes, reason, actor) values ($1, $2, $3, $4, $5)',
    [subject, id, JSON.stringify(changes), reason, actor],
  );
}

function duplicatesInBatch<T>(
  records: Numbered<T>[],
  fields: (keyof T)[],
  failures: RowFailure[],
  keyOf: (v: T) => string,
): void {
  for (const field of fields) {
    const seen = new Map<string, number>();
    for (const { row, values } of records) {
      const value = values[field];
      if (value == null) continue;
      const first = seen.get(String(value));
      if (first !== undefined) {
        failures.push({
          row,
          key: keyOf(values),
          field: String(field),
          rule: 'DUPLICATE_IN_FILE',
          message: `${String(value)} is also on row ${first}`,
          value: String(value),
        });
      } else {
        seen.set(String(value), row);
      }
    }
  }
}

/** Inserts or updates handsets by device id. IMEIs must be unique across all handsets (imei1 and imei2). */
export async function upsertHandsets(
  tx: Tx,
  actor: string,
  records: Numbered<HandsetFields>[],
): Promise<BatchResult> {
  const failures: RowFailure[] = [];
  duplicatesInBatch(records, ['deviceId'], failures, (v) => v.deviceId);
  const imeis = new Map<string, number>();
  for (const { row, values } of records) {
    for (const imei of [values.imei1, values.imei2]) {
      if (!imei) continue;
      const first = imeis.get(imei);
      if (first !== undefined && first !== row) {
        failures.push({
          row,
          key: values.deviceId,
          field: imei === values.imei1 ? 'imei1' : 'imei2',
          rule: 'DUPLICATE_IN_FILE',
          message: `IMEI ${imei} is also on row ${first}`,
          value: imei,
        });
      } else {
        imeis.set(imei, row);
      }
    }
  }
  const stored = new Map(
    (
      await tx.query<Row>('select * from handset where device_id = any($1::text[])', [
        records.map((r) => r.values.deviceId),
      ])
    ).map((r) => [String(r.device_id), r]),
  );
  const taken = await tx.query<{ device_id: string; imei: string }>(
    `select device_id, imei from handset, lateral (values (imei1), (imei2)) v(imei)
     where imei = any($1::text[])`,
    [[...imeis.keys()]],
  );
  for (const { device_id, imei } of taken) {
    const row = imeis.get(imei)!;
    const record = records.find((r) => r.row === row)!;
    if (record.values.deviceId !== device_id) {
      failures.push({
        row,
        key: record.values.deviceId,
        field: record.values.imei1 === imei ? 'imei1' : 'imei2',
        rule: 'IMEI_TAKEN',
        message: `IMEI ${imei} belongs to handset ${device_id}`,
        value: imei,
      });
    }
  }
  const result: BatchResult = { inserted: 0, updated: 0, unchanged: 0, failures };
  if (failures.length) return result;
  for (const { values } of records) {
    const before = stored.get(values.deviceId);
    if (!before) {
      const [row] = await tx.query<{ id: string }>(
        `insert into handset (device_id, imei1, imei2, serial, model, os_version, purchase_date, status)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`,
        [
          values.deviceId,
          values.imei1,
          values.imei2,
          values.serial,
          values.model,
          values.osVersion,
          values.purchaseDate,
          values.status,
        ],
      );
      await recordChange(tx, 'handset', row!.id, { created: [null, values.status] }, actor);
      result.inserted++;
      continue;
    }
    const changes = diff(before, values as unknown as Row, HANDSET_COLUMNS);
    if (!Object.keys(changes).length) {
      result.unchanged++;
      continue;
    }
    await tx.query(
      `update handset set imei1 = $2, imei2 = $3, serial = $4, model = $5, os_version = $6, purchase_date = $7,
         status = $8, updated_at = now() where device_id = $1`,
      [
        values.deviceId,
        values.imei1,
        values.imei2,
        values.serial,
        values.model,
        values.osVersion,
        values.purchaseDate,
        values.status,
      ],
    );
    await recordChange(tx, 'handset', String(before.id), changes, actor);
    result.updated++;
  }
  return result;
}

/** Inserts or updates SIM cards by ICCID; MSISDNs are unique. */
export async function upsertSims(
  tx: Tx,
  actor: string,
  records: Numbered<SimFields>[],
): Promise<BatchResult> {
  const failures: RowFailure[] = [];
  duplicatesInBatch(records, ['iccid', 'msisdn'], failures, (v) => v.iccid);
  const stored = new Map(
    (
      await tx.query<Row>('select * from sim_card where iccid = any($1::text[])', [
        records.map((r) => r.values.iccid),
      ])
    ).map((r) => [String(r.iccid), r]),
  );
  const numbers = records.filter((r) => r.values.msisdn);
  for (const taken of await tx.query<{ iccid: string; msisdn: string }>(
    'select iccid, msisdn from sim_card where msisdn = any($1::text[])',
    [numbers.map((r) => r.values.msisdn)],
  )) {
    const record = numbers.find((r) => r.values.msisdn === taken.msisdn)!;
    if (record.values.iccid !== taken.iccid) {
      failures.push({
        row: record.row,
        key: record.values.iccid,
        field: 'msisdn',
        rule: 'MSISDN_TAKEN',
        message: `${taken.msisdn} belongs to SIM ${taken.iccid}`,
        value: taken.msisdn,
      });
    }
  }
  const result: BatchResult = { inserted: 0, updated: 0, unchanged: 0, failures };
  if (failures.length) return result;
  for (const { values } of records) {
    const before = stored.get(values.iccid);
    const params = [
      values.iccid,
      values.msisdn,
      values.carrier,
      values.plan,
      values.monthlyFeeFen,
      values.status,
      values.activatedOn,
    ];
    if (!before) {
      const [row] = await tx.query<{ id: string }>(
        `insert into sim_card (iccid, msisdn, carrier, plan, monthly_fee_fen, status, activated_on)
         values ($1, $2, $3, $4, $5, $6, $7) returning id`,
        params,
      );
      await recordChange(tx, 'sim', row!.id, { created: [null, values.status] }, actor);
      result.inserted++;
      continue;
    }
    const changes = diff(before, values as unknown as Row, SIM_COLUMNS);
    if (!Object.keys(changes).length) {
      result.unchanged++;
      continue;
    }
    await tx.query(
      `update sim_card set msisdn = $2, carrier = $3, plan = $4, monthly_fee_fen = $5, status = $6,
         activated_on = $7, updated_at = now() where iccid = $1`,
      params,
    );
    await recordChange(tx, 'sim', String(before.id), changes, actor);
    result.updated++;
  }
  return result;
}

/** Inserts or updates workers by worker number; the grid must exist; an ID number links the person. */
export async function upsertWorkers(
  tx: Tx,
  actor: string,
  records: Numbered<WorkerFields>[],
): Promise<BatchResult> {
  const failures: RowFailure[] = [];
  duplicatesInBatch(records, ['code'], failures, (v) => v.code);
  const grids = new Set(
    (
      await tx.query<{ code: string }>(
        `select code from region where code = any($1::text[]) and level = 'grid'`,
        [[...new Set(records.map((r) => r.values.gridCode))]],
      )
    ).map((r) => r.code),
  );
  for (const { row, values } of records) {
    if (!grids.has(values.gridCode)) {
      failures.push({
        row,
        key: values.code,
        field: 'gridCode',
        rule: 'GRID_UNKNOWN',
        message: `${values.gridCode} is not a grid of the county`,
        value: values.gridCode,
      });
    }
  }
  const persons = new Map(
    (
      await tx.query<{ id: string; id_number: string }>(
        'select id, id_number from person where id_number = any($1::text[])',
        [records.map((r) => r.values.idNumber).filter(Boolean)],
      )
    ).map((p) => [p.id_number, p.id]),
  );
  const stored = new Map(
    (
      await tx.query<Row>('select * from fleet_worker where code = any($1::text[])', [
        records.map((r) => r.values.code),
      ])
    ).map((r) => [String(r.code), r]),
  );
  const result: BatchResult = { inserted: 0, updated: 0, unchanged: 0, failures };
  if (failures.length) return result;
  for (const { values } of records) {
    const next = {
      code: values.code,
      name: values.name,
      personId: values.idNumber ? (persons.get(values.idNumber) ?? null) : null,
      phone: values.phone,
      gridCode: values.gridCode,
      kind: values.kind,
    };
    const before = stored.get(values.code);
    const params = [next.code, next.name, next.personId, next.phone, next.gridCode, next.kind];
    if (!before) {
      const [row] = await tx.query<{ id: string }>(
        `insert into fleet_worker (code, name, person_id, phone, grid_code, kind)
         values ($1, $2, $3, $4, $5, $6) returning id`,
        params,
      );
      await recordChange(tx, 'worker', row!.id, { created: [null, next.kind] }, actor);
      result.inserted++;
      continue;
    }
    // A sheet without ID numbers does not unlink a worker linked before.
    if (!values.idNumber) next.personId = (before.person_id as string | null) ?? null;
    params[2] = next.personId;
    const changes = diff(before, next, WORKER_COLUMNS);
    if (!Object.keys(changes).length) {
      result.unchanged++;
      continue;
    }
    await tx.query(
      `update fleet_worker set name = $2, person_id = $3, phone = $4, grid_code = $5, kind = $6, updated_at = now()
       where code = $1`,
      params,
    );
    await recordChange(tx, 'worker', String(before.id), changes, actor);
    result.updated++;
  }
  return result;
}

const ASSIGNABLE = new Set<string>([HandsetStatus.IN_STOCK, HandsetStatus.ASSIGNED, HandsetStatus.ACTIVE]);

/**
 * Hands handsets (with their SIMs) to workers. A handset, SIM or worker already in an open assignment with
 * someone else is refused (unassign first); the same assignment again is unchanged. A SIM in stock becomes
 * active on that day; a handset in stock becomes assigned.
 */
export async function applyAssignments(
  tx: Tx,
  actor: string,
  records: Numbered<AssignmentFields>[],
  now = new Date(),
): Promise<BatchResult> {
  const failures: RowFailure[] = [];
  duplicatesInBatch(records, ['deviceId', 'workerCode', 'iccid'], failures, (v) => v.deviceId);
  const result: BatchResult = { inserted: 0, updated: 0, unchanged: 0, failures };
  const fail = (row: number, key: string, field: string, rule: string, message: string, value?: string) =>
    failures.push({ row, key, field, rule, message, value });
  const planned: {
    row: number;
    values: AssignmentFields;
    handset: Row;
    worker: Row;
    sim: Row | null;
    since: Date;
  }[] = [];
  for (const { row, values } of records) {
    const [handset] = await tx.query<Row>(
      `select h.*, a.id as open_id, a.sim_id as open_sim, w.code as open_worker
       from handset h left join assignment a on a.handset_id = h.id and a.until is null
       left join fleet_worker w on w.id = a.worker_id where h.device_id = $1 for update of h`,
      [values.deviceId],
    );
    const [worker] = await tx.query<Row>(
      `select w.*, h.device_id as open_device from fleet_worker w
       left join assignment a on a.worker_id = w.id and a.until is null left join handset h on h.id = a.handset_id
       where w.code = $1`,
      [values.workerCode],
    );
    const [sim] = values.iccid
      ? await tx.query<Row>(
          `select s.*, h.device_id as open_device from sim_card s
           left join assignment a on a.sim_id = s.id and a.until is null left join handset h on h.id = a.handset_id
           where s.iccid = $1`,
          [values.iccid],
        )
      : [];
    const key = values.deviceId;
    if (!handset)
      fail(row, key, 'deviceId', 'HANDSET_UNKNOWN', `no handset ${values.deviceId}`, values.deviceId);
    if (!worker)
      fail(row, key, 'workerCode', 'WORKER_UNKNOWN', `no worker ${values.workerCode}`, values.workerCode);
    if (values.iccid && !sim) fail(row, key, 'iccid', 'SIM_UNKNOWN', `no SIM ${values.iccid}`, values.iccid);
    if (!handset || !worker || (values.iccid && !sim)) continue;
    if (
      handset.open_id &&
      handset.open_worker === values.workerCode &&
      same(handset.open_sim, sim?.id ?? null)
    ) {
      result.unchanged++;
      continue;
    }
    if (handset.open_id) {
      fail(
        row,
        key,
        'deviceId',
        'HANDSET_ASSIGNED',
        `is held by worker ${handset.open_worker}; unassign first`,
      );
    } else if (!ASSIGNABLE.has(String(handset.status))) {
      fail(
        row,
        key,
        'deviceId',
        'HANDSET_NOT_ASSIGNABLE',
        `is ${handset.status}; only handsets in stock can be assigned`,
      );
    }
    if (worker.status !== 'active')
      fail(row, key, 'workerCode', 'WORKER_LEFT', `${values.workerCode} has left`);
    else if (worker.open_device) {
      fail(
        row,
        key,
        'workerCode',
        'WORKER_HAS_HANDSET',
        `${values.workerCode} holds handset ${worker.open_device}`,
      );
    }
    if (sim?.open_device) {
      fail(
        row,
        key,
        'iccid',
        'SIM_ASSIGNED',
        `${values.iccid} is in handset ${sim.open_device}`,
        values.iccid!,
      );
    } else if (sim && (sim.status === SimStatus.CANCELLED || sim.status === SimStatus.SUSPENDED)) {
      fail(row, key, 'iccid', 'SIM_NOT_USABLE', `${values.iccid} is ${sim.status}`, values.iccid!);
    }
    const since = values.since ? new Date(`${values.since}T00:00:00+08:00`) : now;
    planned.push({ row, values, handset, worker, sim: sim ?? null, since });
  }
  if (failures.length) return result;
  for (const { handset, worker, sim, since } of planned) {
    await tx.query(
      'insert into assignment (handset_id, sim_id, worker_id, since, assigned_by) values ($1, $2, $3, $4, $5)',
      [handset.id, sim?.id ?? null, worker.id, since, actor],
    );
    if (handset.status === HandsetStatus.IN_STOCK) {
      await tx.query(`update handset set status = 'assigned', updated_at = now() where id = $1`, [
        handset.id,
      ]);
    }
    await recordChange(
      tx,
      'handset',
      String(handset.id),
      {
        worker: [null, worker.code],
        ...(sim ? { iccid: [null, sim.iccid] } : {}),
        ...(handset.status === HandsetStatus.IN_STOCK ? { status: [handset.status, 'assigned'] } : {}),
      },
      actor,
    );
    if (sim?.status === SimStatus.STOCK) {
      const day = chinaDay(since);
      await tx.query(
        `update sim_card set status = 'active', activated_on = coalesce(activated_on, $2::date), updated_at = now()
         where id = $1`,
        [sim.id, day],
      );
      await recordChange(tx, 'sim', String(sim.id), { status: ['stock', 'active'] }, actor);
    }
    await recordFleetAudit(tx, {
      actor,
      action: 'assign',
      handsetId: String(handset.id),
      detail: {
        worker: worker.code,
        iccid: sim?.iccid ?? null,
        since: since.toISOString(),
      },
    });
    result.inserted++;
  }
  return result;
}

function chinaDay(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

/** Throws a batch of one's failures as one error naming the record. */
function throwIfFailed(record: string, result: BatchResult): void {
  if (result.failures.length) throw new FleetInputError(record, result.failures);
}

function checked<T>(record: string, { values, failures }: Checked<T>): T {
  if (failures.length) throw new FleetInputError(record, failures);
  return values;
}

/** What creating one record needs: its label, table, natural key and the batch writer. */
interface CreateSpec<V> {
  what: string;
  code: string;
  table: string;
  keyField: keyof V & string;
  keyColumn: string;
  check: (raw: Record<string, Raw>) => Checked<V>;
  upsert: (tx: Tx, actor: string, records: Numbered<V>[]) => Promise<BatchResult>;
}

/**
 * Creates one record through the same checks and batch writer as the import, refusing a key that exists
 * already (an import would update it; a create must not). Returns the record's key.
 */
async function createOne<V>(
  em: EntityManager,
  actor: string,
  input: Record<string, Raw>,
  spec: CreateSpec<V>,
): Promise<string> {
  const values = checked(`${spec.what} ${String(input[spec.keyField] ?? '')}`, spec.check(input));
  const key = String(values[spec.keyField]);
  const result = await inTransaction(em, async (tx) => {
    const [exists] = await tx.query(`select 1 from ${spec.table} where ${spec.keyColumn} = $1`, [key]);
    if (exists) {
      throw new DomainError(spec.code, `${spec.what} ${key} exists already`, {
        field: spec.keyField,
        rule: spec.code,
      });
    }
    return spec.upsert(tx, actor, [{ row: 1, values }]);
  });
  throwIfFailed(`${spec.what} ${key}`, result);
  return key;
}

export async function createHandset(
  em: EntityManager,
  actor: string,
  input: Record<string, Raw>,
): Promise<Handset> {
  const deviceId = await createOne(em, actor, input, {
    what: 'handset',
    code: 'HANDSET_EXISTS',
    table: 'handset',
    keyField: 'deviceId',
    keyColumn: 'device_id',
    check: checkHandset,
    upsert: upsertHandsets,
  });
  return findHandset(em, { deviceId });
}

/** Changes a handset's inventory fields; fields not given keep their value. */
export async function updateHandset(
  em: EntityManager,
  actor: string,
  deviceId: string,
  patch: Record<string, Raw>,
): Promise<Handset> {
  const current = await findHandset(em, { deviceId });
  const merged: Record<string, Raw> = { ...current, ...dropUndefined(patch), deviceId };
  const values = checked(`handset ${deviceId}`, checkHandset(merged));
  const result = await inTransaction(em, (tx) => upsertHandsets(tx, actor, [{ row: 1, values }]));
  throwIfFailed(`handset ${deviceId}`, result);
  return findHandset(em, { deviceId });
}

function dropUndefined(patch: Record<string, Raw>): Record<string, Raw> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
}

/** Which status a handset may move to from which (retired is final). */
const HANDSET_MOVES: Record<HandsetStatus, HandsetStatus[]> = {
  [HandsetStatus.IN_STOCK]: [HandsetStatus.UNDER_REPAIR, HandsetStatus.RETIRED, HandsetStatus.LOST],
  [HandsetStatus.ASSIGNED]: [HandsetStatus.LOST, HandsetStatus.UNDER_REPAIR, HandsetStatus.IN_STOCK],
  [HandsetStatus.ACTIVE]: [HandsetStatus.LOST, HandsetStatus.UNDER_REPAIR, HandsetStatus.IN_STOCK],
  [HandsetStatus.LOST]: [HandsetStatus.IN_STOCK, HandsetStatus.RETIRED, HandsetStatus.ASSIGNED],
  [HandsetStatus.UNDER_REPAIR]: [HandsetStatus.IN_STOCK, HandsetStatus.RETIRED, HandsetStatus.ASSIGNED],
  [HandsetStatus.RETIRED]: [],
};

/**
 * Moves a handset to another status with a reason. `active` is reached only by enrollment. Retiring or
 * stocking a handset that a worker holds is refused (unassign first); a lost handset keeps its assignment, so
 * that whoever lost it stays on record. Revoking the certificate of a lost or retired handset is the CA's
 * job (the GraphQL mutation does both).
 */
export async function setHandsetStatus(
  em: EntityManager,
  actor: string,
  deviceId: string,
  status: HandsetStatus,
  reason: string | null = null,
): Promise<Handset> {
  await inTransaction(em, async (tx) => {
    const [h] = await tx.query<{ id: string; status: HandsetStatus; open_id: string | null }>(
      `select h.id, h.status, a.id as open_id from handset h
       left join assignment a on a.handset_id = h.id and a.until is null where h.device_id = $1 for update of h`,
      [deviceId],
    );
    if (!h) throw new NotFoundError('Handset', deviceId);
    if (h.status === status) return;
    if (!HANDSET_MOVES[h.status].includes(status)) {
      const allowed = HANDSET_MOVES[h.status];
      throw new DomainError(
        'STATUS_TRANSITION',
        `handset ${deviceId} is ${h.status}; it can move to ${allowed.length ? allowed.join(', ') : 'nothing (final)'}`,
        { field: 'status', rule: 'STATUS_TRANSITION', from: h.status, to: status, allowed },
      );
    }
    if (h.open_id && (status === HandsetStatus.IN_STOCK || status === HandsetStatus.RETIRED)) {
      throw new DomainError(
        'HANDSET_ASSIGNED',
        `handset ${deviceId} is held by a worker; unassign it first`,
        {
          field: 'status',
          rule: 'HANDSET_ASSIGNED',
        },
      );
    }
    await tx.query('update handset set status = $2, updated_at = now() where id = $1', [h.id, status]);
    await recordChange(tx, 'handset', h.id, { status: [h.status, status] }, actor, reason);
  });
  return findHandset(em, { deviceId });
}

export async function createSim(
  em: EntityManager,
  actor: string,
  input: Record<string, Raw>,
): Promise<SimCard> {
  const iccid = await createOne(em, actor, input, {
    what: 'SIM',
    code: 'SIM_EXISTS',
    table: 'sim_card',
    keyField: 'iccid',
    keyColumn: 'iccid',
    check: checkSim,
    upsert: upsertSims,
  });
  return findSim(em, iccid);
}

const SIM_MOVES: Record<SimStatus, SimStatus[]> = {
  [SimStatus.STOCK]: [SimStatus.ACTIVE, SimStatus.CANCELLED],
  [SimStatus.ACTIVE]: [SimStatus.SUSPENDED, SimStatus.CANCELLED],
  [SimStatus.SUSPENDED]: [SimStatus.ACTIVE, SimStatus.CANCELLED],
  [SimStatus.CANCELLED]: [],
};
const SIM_DATE_COLUMN: Partial<Record<SimStatus, string>> = {
  [SimStatus.ACTIVE]: 'activated_on',
  [SimStatus.SUSPENDED]: 'suspended_on',
  [SimStatus.CANCELLED]: 'cancelled_on',
};

/** Moves a SIM to another status on a day (default today, China time); a cancelled SIM is final. */
export async function setSimStatus(
  em: EntityManager,
  actor: string,
  iccid: string,
  status: SimStatus,
  { on, reason = null }: { on?: string; reason?: string | null } = {},
): Promise<SimCard> {
  const day = on ?? chinaDay(new Date());
  await inTransaction(em, async (tx) => {
    const [s] = await tx.query<{ id: string; status: SimStatus; open_id: string | null }>(
      `select s.id, s.status, a.id as open_id from sim_card s
       left join assignment a on a.sim_id = s.id and a.until is null where s.iccid = $1 for update of s`,
      [iccid],
    );
    if (!s) throw new NotFoundError('SIM', iccid, 'SIM_NOT_FOUND');
    if (s.status === status) return;
    if (!SIM_MOVES[s.status].includes(status)) {
      const allowed = SIM_MOVES[s.status];
      throw new DomainError(
        'STATUS_TRANSITION',
        `SIM ${iccid} is ${s.status}; it can move to ${allowed.length ? allowed.join(', ') : 'nothing (final)'}`,
        { field: 'status', rule: 'STATUS_TRANSITION', from: s.status, to: status, allowed },
      );
    }
    if (s.open_id && status === SimStatus.CANCELLED) {
      throw new DomainError('SIM_ASSIGNED', `SIM ${iccid} is in a handset; unassign it first`, {
        field: 'status',
        rule: 'SIM_ASSIGNED',
      });
    }
    const column = SIM_DATE_COLUMN[status]!;
    // Reactivating a suspended SIM clears the suspension day; the first activation day is kept.
    const extra = status === SimStatus.ACTIVE ? ', suspended_on = null' : '';
    const set =
      status === SimStatus.ACTIVE ? `${column} = coalesce(${column}, $3::date)` : `${column} = $3::date`;
    await tx.query(`update sim_card set status = $2, ${set}${extra}, updated_at = now() where id = $1`, [
      s.id,
      status,
      day,
    ]);
    await recordChange(tx, 'sim', s.id, { status: [s.status, status], [column]: [null, day] }, actor, reason);
  });
  return findSim(em, iccid);
}

export async function createWorker(
  em: EntityManager,
  actor: string,
  input: Record<string, Raw>,
): Promise<Worker> {
  const code = await createOne(em, actor, input, {
    what: 'worker',
    code: 'WORKER_EXISTS',
    table: 'fleet_worker',
    keyField: 'code',
    keyColumn: 'code',
    check: checkWorker,
    upsert: upsertWorkers,
  });
  return findWorker(em, code);
}

export async function assign(
  em: EntityManager,
  actor: string,
  input: { deviceId: string; workerCode: string; iccid?: string | null; since?: string | null },
): Promise<Assignment> {
  const values = checked(`assignment of ${input.deviceId}`, checkAssignment(input));
  const result = await inTransaction(em, (tx) => applyAssignments(tx, actor, [{ row: 1, values }]));
  throwIfFailed(`assignment of ${values.deviceId}`, result);
  const [a] = await queryRows(
    em,
    Assignment,
    `select a.* from assignment a join handset h on h.id = a.handset_id
     where h.device_id = ? and a.until is null`,
    [values.deviceId],
  );
  return a!;
}

/**
 * Ends a handset's open assignment. The handset goes back to stock (unless lost or under repair); its SIM
 * stays active with the handset (the carrier still bills it) until its own status changes.
 */
export async function unassign(
  em: EntityManager,
  actor: string,
  {
    deviceId,
    reason = null,
    on = null,
  }: {
    deviceId: string;
    reason?: string | null;
    /** YYYY-MM-DD (China): the day the handset came back, when recorded afterwards; default now. */
    on?: string | null;
  },
): Promise<Handset> {
  const until = on ? new Date(`${on}T00:00:00+08:00`) : new Date();
  if (Number.isNaN(until.getTime())) {
    throw new DomainError('DATE_FORMAT', `the return day must be YYYY-MM-DD, not ${JSON.stringify(on)}`, {
      field: 'on',
      rule: 'DATE_FORMAT',
    });
  }
  await inTransaction(em, async (tx) => {
    const [open] = await tx.query<{ id: string; handset_id: string; status: HandsetStatus; code: string }>(
      `select a.id, a.handset_id, h.status, w.code from assignment a join handset h on h.id = a.handset_id
       join fleet_worker w on w.id = a.worker_id where h.device_id = $1 and a.until is null for update of a`,
      [deviceId],
    );
    if (!open) {
      const [exists] = await tx.query('select 1 from handset where device_id = $1', [deviceId]);
      if (!exists) throw new NotFoundError('Handset', deviceId);
      throw new DomainError('NOT_ASSIGNED', `handset ${deviceId} is not assigned to anyone`, {
        field: 'deviceId',
        rule: 'NOT_ASSIGNED',
      });
    }
    await tx.query('update assignment set until = $2 where id = $1', [open.id, until]);
    const back = open.status === HandsetStatus.ASSIGNED || open.status === HandsetStatus.ACTIVE;
    if (back)
      await tx.query(`update handset set status = 'in_stock', updated_at = now() where id = $1`, [
        open.handset_id,
      ]);
    await recordChange(
      tx,
      'handset',
      open.handset_id,
      { worker: [open.code, null], ...(back ? { status: [open.status, 'in_stock'] } : {}) },
      actor,
      reason,
    );
    await recordFleetAudit(tx, {
      actor,
      action: 'unassign',
      handsetId: open.handset_id,
      detail: { worker: open.code, reason },
    });
  });
  return findHandset(em, { deviceId });
}
