import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from '../../../schema/common/rows';
import { luhnCheckDigit } from '../../../schema/identifiers/luhn';

/**
 * Helpers of the device-CA tests: real `openssl` for keys, CSRs and verification, and handsets (with a worker
 * and a SIM when asked) inserted straight into the inventory tables, one fresh handset per test.
 */

const run = promisify(execFile);

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command line tool; never throws on a non-zero exit (the tests assert on it). */
export async function tool(cmd: string, args: string[], cwd?: string): Promise<ToolResult> {
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

export type KeyKind = 'rsa2048' | 'rsa1024' | 'ec';

/** `openssl req -newkey …` with a subject the CA must ignore; returns the CSR PEM and the key's path. */
export async function makeCsr(
  dir: string,
  name: string,
  kind: KeyKind = 'rsa2048',
): Promise<{ csrPem: string; csrFile: string; keyFile: string }> {
  const keyFile = path.join(dir, `${name}.key`);
  const csrFile = path.join(dir, `${name}.csr`);
  const newkey =
    kind === 'ec'
      ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1']
      : ['-newkey', kind === 'rsa1024' ? 'rsa:1024' : 'rsa:2048'];
  const out = await tool('openssl', [
    'req',
    ...newkey,
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    csrFile,
    '-subj',
    '/CN=ignored/O=Evil Corp',
  ]);
  if (out.code !== 0) throw new Error(`openssl req failed: ${out.stderr}`);
  return { csrPem: readFileSync(csrFile, 'utf8'), csrFile, keyFile };
}

const withLuhn = (body: string) => body + luhnCheckDigit(body);
let sequence = Math.floor(Math.random() * 100_000);

export interface TestHandset {
  id: string;
  deviceId: string;
  imei1: string;
  imei2: string;
  /** The SIM assigned with it (when made `withSim`). */
  iccid: string | null;
}

/** A valid ICCID not in any inventory. */
export function freshIccid(): string {
  return withLuhn(`8986001299${String(++sequence).padStart(9, '0')}`);
}

/** A valid IMEI not in any inventory. */
export function freshImei(): string {
  return withLuhn(`86555501${String(++sequence).padStart(6, '0')}`);
}

/** A new handset in `status`; with `withSim`, held by a new worker together with a new SIM. */
export async function insertHandset(
  em: EntityManager,
  { status = 'assigned', withSim = false }: { status?: string; withSim?: boolean } = {},
): Promise<TestHandset> {
  const n = ++sequence;
  const deviceId = `HS-T${process.pid}-${n}`;
  const imei1 = freshImei();
  const imei2 = freshImei();
  const [h] = await runSql<{ id: string }>(
    em,
    `insert into handset (device_id, imei1, imei2, model, status) values (?, ?, ?, 'Test handset', ?::handset_status)
     returning id::text`,
    [deviceId, imei1, imei2, status],
  );
  let iccid: string | null = null;
  if (withSim) {
    iccid = freshIccid();
    const [sim] = await runSql<{ id: string }>(
      em,
      `insert into sim_card (iccid, carrier, plan, monthly_fee_fen, status) values (?, 'cmcc', 'test', 1800, 'active')
       returning id::text`,
      [iccid],
    );
    const [worker] = await runSql<{ id: string }>(
      em,
      `insert into fleet_worker (code, name, grid_code, kind) values (?, '测试网格员', '620725101001-G01', 'full_time')
       returning id::text`,
      [`W-T${process.pid}-${n}`],
    );
    await runSql(
      em,
      `insert into assignment (handset_id, sim_id, worker_id, since, assigned_by) values (?, ?, ?, now(), 'test')`,
      [h!.id, sim!.id, worker!.id],
    );
  }
  return { id: h!.id, deviceId, imei1, imei2, iccid };
}

/** The handset's row as stored. */
export async function handsetRow(em: EntityManager, id: string): Promise<Record<string, unknown>> {
  const [row] = await runSql<Record<string, unknown>>(em, 'select * from handset where id = ?', [id]);
  return row!;
}

/** How many certificates a handset has, by status. */
export async function certificateCount(em: EntityManager, handsetId: string): Promise<number> {
  const [row] = await runSql<{ n: number }>(
    em,
    'select count(*)::int as n from device_certificate where handset_id = ?',
    [handsetId],
  );
  return row!.n;
}

/** The fleet audit of a handset, oldest first. */
export function auditOf(
  em: EntityManager,
  handsetId: string,
): Promise<Array<{ action: string; actor: string; serial: string | null; detail: Record<string, unknown> }>> {
  return runSql(
    em,
    'select action, actor, serial, detail from fleet_audit where handset_id = ? order by id',
    [handsetId],
  );
}
