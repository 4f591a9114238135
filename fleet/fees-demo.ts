import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import ExcelJS from 'exceljs';
import { runSql } from '../schema/common/rows';
import { inTransaction } from '../schema/db/tx';
import { csvBytes } from '../schema/demo/export';
import { Random } from '../schema/demo/random';
import type { Logger } from '../schema/runtime/logger';
import { largestRemainder } from './allocation';
import { setBudget } from './budget';
import { carrierOf, DEMO_RELEASES, deviceIdOf, iccidOf, msisdnOf, workerCodeOf } from './demo-numbers';
import { fenToYuanText } from './fee-exports';
import { FeeCategory } from './fees.entity';
import { SimStatus } from './inventory.entity';
import { assign, setSimStatus, unassign } from './inventory.service';
import { reconcile } from './reconciliation';
import { importStatement } from './statements';

/**
 * The demo county's reference year (2023) as the carriers billed it: the fleet's events of the year that the
 * bills reflect (a damaged SIM replaced, a handset handed back and reissued), the handsets' check-ins through
 * the year, then twelve monthly statements from each carrier — China Mobile as a GBK CSV, China Telecom as
 * XLSX, each with its totals rows — imported through the carriers' templates and reconciled month by month,
 * and the year's budget. The seed's year: 1,080,000 yuan budgeted, 763,800.00 spent (at full scale; smaller
 * scales in proportion to the workers).
 *
 * Every statement bills what the fleet says, exactly (plan fees prorated by the carrier rule in the month a
 * SIM starts or stops), except for the planted irregularities below, one or more per discrepancy class, so
 * that the reconciliation can be checked to find each of them and nothing else.
 */

export const DEMO_FEES_YEAR = 2023;
const YEAR_BUDGET_FEN = 108_000_000;
const YEAR_SPENT_FEN = 76_380_000;
const FULL_SCALE_WORKERS = 1_490;
const ACTOR = 'demo';

/** The workers (by n, see demo-numbers.ts) on whom the planted irregularities fall. */
export const PLANTED = {
  /** March, China Mobile: a number the county never had. */
  billedNotInInventory: 99_001,
  /** May, China Mobile: the plan fee billed twice. */
  duplicate: 4,
  /** January, China Telecom: a full month's fee for a SIM activated mid-month. */
  prorationError: 5,
  /** China Mobile: a damaged SIM replaced and cancelled on 15 August, still billed in September. */
  cancelled: 7,
  /** April, China Mobile: a third-party charge (代收费). */
  thirdParty: 13,
  /** October, China Telecom: international roaming data. */
  roaming: 23,
  /** June, China Mobile: billed at the other plan's fee. */
  planMismatch: 10,
  /** July, China Mobile: 128.50 yuan of data. */
  overage: 16,
  /** China Mobile: no data, voice or SMS at all from July to September. */
  zeroUsage: 19,
  /** China Telecom: handset handed back on 28 May (leave), reissued on 3 July; June billed with no worker. */
  handedBack: 11,
  /** October, China Telecom: the two handsets carry each other's SIM. */
  swapped: [14, 17],
  /** China Mobile: no check-in from 20 July to 5 September. */
  silent: 22,
  /** November, China Telecom: an active SIM the statement leaves out. */
  notBilled: 20,
} as const;

/** The smallest number of workers the planted irregularities need. */
export const PLANTED_MIN_WORKERS = 23;

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const DAY_MS = 86_400_000;
/** A China-time moment of 2023 as a Date. */
const chinaTime = (month: number, dayOfMonth: number, hour: number) =>
  new Date(Date.UTC(DEMO_FEES_YEAR, month, dayOfMonth, hour - 8));

/**
 * The fleet events of the reference year the bills reflect, recorded through the inventory services as the IT
 * office would have (with their dates). Runs before the fleet's current use is simulated, so that the handsets'
 * latest check-ins report the SIMs they hold now.
 */
export async function demoFleetYear(em: EntityManager, { workers }: { workers: number }): Promise<void> {
  if (workers < PLANTED_MIN_WORKERS) return;
  const n = PLANTED.cancelled;
  const [spare] = await runSql<{ iccid: string }>(
    em,
    `select iccid from sim_card where status = 'stock' and carrier = $1 order by iccid limit 1`,
    [carrierOf(n)],
  );
  if (!spare) throw new Error(`the demo fleet has no spare ${carrierOf(n)} SIM to replace SIM ${n} with`);
  await unassign(em, ACTOR, { deviceId: deviceIdOf(n), on: '2023-08-15', reason: 'SIM卡损坏,换卡' });
  await setSimStatus(em, ACTOR, iccidOf(n), SimStatus.CANCELLED, {
    on: '2023-08-15',
    reason: 'SIM卡损坏销号',
  });
  await assign(em, ACTOR, {
    deviceId: deviceIdOf(n),
    workerCode: workerCodeOf(n),
    iccid: spare.iccid,
    since: '2023-08-15',
  });
  const back = PLANTED.handedBack;
  await unassign(em, ACTOR, {
    deviceId: deviceIdOf(back),
    on: '2023-05-28',
    reason: '网格员休产假,手机交回',
  });
  await assign(em, ACTOR, {
    deviceId: deviceIdOf(back),
    workerCode: workerCodeOf(back),
    iccid: iccidOf(back),
    since: '2023-07-03',
  });
}

/**
 * The handsets' check-ins of the reference year: on the day each assignment starts, then twice a month while
 * it lasts, reporting the SIM the handset holds — except the planted silence and SIM swap.
 */
export async function demoYearCheckins(
  em: EntityManager,
  { seed = 1 }: { seed?: number } = {},
): Promise<number> {
  const r = new Random(`fleet-year/${seed}`);
  const end = Date.UTC(DEMO_FEES_YEAR + 1, 0, 1, -8);
  const held = await runSql<{ device_id: string; since: string; until: string | null; iccid: string | null }>(
    em,
    `select h.device_id, (extract(epoch from a.since) * 1000)::bigint as since,
       (extract(epoch from a.until) * 1000)::bigint as until, s.iccid from assignment a
       join handset h on h.id = a.handset_id left join sim_card s on s.id = a.sim_id
      where a.since < $1 order by h.device_id, a.since`,
    [new Date(end)],
  );
  const silent = deviceIdOf(PLANTED.silent);
  const [a, b] = PLANTED.swapped;
  const swapTo = new Map([
    [deviceIdOf(a), iccidOf(b)],
    [deviceIdOf(b), iccidOf(a)],
  ]);
  const rows: [string, Date, string | null, string, number, number][] = [];
  for (const h of held) {
    const from = Number(h.since);
    const to = Math.min(h.until == null ? end : Number(h.until), end);
    const times = [from + 9 * 3_600_000];
    for (let m = 0; m < 12; m++) {
      times.push(chinaTime(m, r.int(3, 9), r.int(8, 18)).getTime());
      times.push(chinaTime(m, r.int(17, 26), r.int(8, 18)).getTime());
    }
    for (const t of times) {
      if (t < from || t >= to) continue;
      const at = new Date(t);
      if (h.device_id === silent && at >= chinaTime(6, 20, 0) && at < chinaTime(8, 5, 0)) continue;
      const october = at >= chinaTime(9, 1, 0) && at < chinaTime(10, 1, 0);
      const iccid = (october && swapTo.get(h.device_id)) || h.iccid;
      const release = [...DEMO_RELEASES].reverse().find((x) => Date.parse(x.releasedAt) <= t);
      rows.push([
        h.device_id,
        at,
        iccid,
        release?.version ?? '3.0.0',
        release?.versionCode ?? 300,
        r.int(20, 100),
      ]);
    }
  }
  await inTransaction(em, async (tx) => {
    for (let i = 0; i < rows.length; i += 5_000) {
      const chunk = rows.slice(i, i + 5_000);
      await tx.query(
        `insert into checkin (handset_id, at, cert_serial, app_version, app_version_code, os_version, battery, iccid)
         select h.id, c.at, 'demo', c.version, c.code, h.os_version, c.battery, c.iccid
           from unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::int[], $6::int[])
             as c(device_id, at, iccid, version, code, battery)
           join handset h on h.device_id = c.device_id`,
        [0, 1, 2, 3, 4, 5].map((k) => chunk.map((row) => row[k])),
      );
    }
  });
  return rows.length;
}

interface DemoLine {
  n: number;
  iccid: string;
  msisdn: string;
  category: FeeCategory;
  item: string;
  amountFen: number;
  dataMb?: number;
  voiceMinutes?: number;
  smsCount?: number;
  days?: number;
  /** Planted or fixed: the year's residual is never spread onto it. */
  fixed?: boolean;
}

interface SimFacts {
  n: number;
  iccid: string;
  msisdn: string;
  carrier: string;
  feeFen: number;
  activated: number | null;
  cancelled: number | null;
  suspended: number | null;
}

/** Item names and codes as each carrier's statement spells them (see the templates' category maps). */
const ITEMS: Record<string, Partial<Record<FeeCategory, { code?: string; name: string }>>> = {
  cmcc: {
    [FeeCategory.PLAN_FEE]: { name: '套餐及固定费' },
    [FeeCategory.DATA]: { name: '上网费' },
    [FeeCategory.VOICE]: { name: '语音通信费' },
    [FeeCategory.SMS]: { name: '短信彩信费' },
    [FeeCategory.THIRD_PARTY]: { name: '代收费' },
  },
  ctcc: {
    [FeeCategory.PLAN_FEE]: { code: '1001', name: '套餐月功能费' },
    [FeeCategory.DATA]: { code: '1002', name: '上网费' },
    [FeeCategory.VOICE]: { code: '1003', name: '通话费' },
    [FeeCategory.SMS]: { code: '1004', name: '短信费' },
    [FeeCategory.THIRD_PARTY]: { code: '1006', name: '代收业务费' },
  },
};

/** The lines of every month and carrier of the year: what the fleet says, plus the planted irregularities. */
export function demoStatementLines(sims: SimFacts[], workers: number, seed = 1): Map<string, DemoLine[]> {
  const r = new Random(`fees/${seed}`);
  const byKey = new Map<string, DemoLine[]>();
  const P = PLANTED;
  for (let m = 0; m < 12; m++) {
    const m0 = Date.UTC(DEMO_FEES_YEAR, m, 1);
    const m1 = Date.UTC(DEMO_FEES_YEAR, m + 1, 1);
    for (const carrier of ['cmcc', 'ctcc']) {
      const lines: DemoLine[] = [];
      const item = (c: FeeCategory) => ITEMS[carrier]![c]!.name;
      for (const s of sims) {
        if (s.carrier !== carrier) continue;
        const base = { n: s.n, iccid: s.iccid, msisdn: s.msisdn };
        const active =
          s.activated != null &&
          s.activated < m1 &&
          (s.cancelled == null || s.cancelled > m0) &&
          (s.suspended == null || s.suspended > m0);
        if (s.n === P.cancelled && m === 8) {
          // The carrier did not process the cancellation: a full month's fee for a cancelled SIM.
          lines.push({
            ...base,
            category: FeeCategory.PLAN_FEE,
            item: item(FeeCategory.PLAN_FEE),
            amountFen: s.feeFen,
            days: 30,
            fixed: true,
          });
        }
        if (!active || (s.n === P.notBilled && m === 10)) continue;
        const days = (Math.min(s.cancelled ?? m1, m1) - Math.max(s.activated!, m0)) / DAY_MS;
        const full = days === (m1 - m0) / DAY_MS;
        let plan = full ? s.feeFen : Math.round((s.feeFen * 12 * days) / 365);
        if (s.n === P.prorationError && m === 0) plan = s.feeFen;
        if (s.n === P.planMismatch && m === 5) plan = s.feeFen === 3_000 ? 5_800 : 3_000;
        const planLine = {
          ...base,
          category: FeeCategory.PLAN_FEE,
          item: item(FeeCategory.PLAN_FEE),
          amountFen: plan,
          days,
          fixed: true,
        };
        lines.push(planLine);
        if (s.n === P.duplicate && m === 4) lines.push({ ...planLine });
        const idle = (s.n === P.zeroUsage && m >= 6 && m <= 8) || (s.n === P.handedBack && m === 5);
        // Draws happen for every SIM-month, so that a planted change does not shift the others' figures.
        const dataMb = r.int(200, 4_000);
        const dataFen = r.chance(0.6) ? r.int(100, 2_500) : 0;
        const minutes = r.int(10, 400);
        const voiceFen = r.chance(0.4) ? r.int(50, 1_500) : 0;
        const sms = r.chance(0.3) ? r.int(1, 30) : 0;
        if (idle) continue;
        if (s.n === P.overage && m === 6) {
          lines.push({
            ...base,
            category: FeeCategory.DATA,
            item: item(FeeCategory.DATA),
            amountFen: 12_850,
            dataMb: 9_260,
            fixed: true,
          });
        } else {
          lines.push({
            ...base,
            category: FeeCategory.DATA,
            item: item(FeeCategory.DATA),
            amountFen: dataFen,
            dataMb,
            fixed: dataFen === 0,
          });
        }
        lines.push({
          ...base,
          category: FeeCategory.VOICE,
          item: item(FeeCategory.VOICE),
          amountFen: voiceFen,
          voiceMinutes: minutes,
          fixed: true,
        });
        if (sms)
          lines.push({
            ...base,
            category: FeeCategory.SMS,
            item: item(FeeCategory.SMS),
            amountFen: sms * 10,
            smsCount: sms,
            fixed: true,
          });
        if (s.n === P.thirdParty && m === 3) {
          lines.push({
            ...base,
            category: FeeCategory.THIRD_PARTY,
            item: item(FeeCategory.THIRD_PARTY),
            amountFen: 2_000,
            fixed: true,
          });
        }
        if (s.n === P.roaming && m === 9) {
          lines.push({
            ...base,
            category: FeeCategory.DATA,
            item: '国际漫游流量费',
            amountFen: 3_500,
            dataMb: 120,
            fixed: true,
          });
        }
      }
      if (carrier === carrierOf(P.billedNotInInventory) && m === 2) {
        const n = P.billedNotInInventory;
        lines.push({
          n,
          iccid: iccidOf(n),
          msisdn: msisdnOf(n),
          category: FeeCategory.PLAN_FEE,
          item: item(FeeCategory.PLAN_FEE),
          amountFen: 3_000,
          days: 31,
          fixed: true,
        });
      }
      byKey.set(`${carrier} ${m}`, lines);
    }
  }
  spreadResidual([...byKey.values()].flat(), Math.round((YEAR_SPENT_FEN * workers) / FULL_SCALE_WORKERS));
  return byKey;
}

/**
 * Brings the year's total to the seed's spending exactly, scaling the charged data lines (the part of a bill
 * that varies) in proportion, to the fen (largest remainder), none of them leaving 1 fen … 50 yuan.
 */
function spreadResidual(lines: DemoLine[], targetFen: number): void {
  const open = lines.filter((l) => !l.fixed);
  const fixed = lines.reduce((a, l) => a + (l.fixed ? l.amountFen : 0), 0);
  const shares = largestRemainder(
    BigInt(targetFen - fixed),
    open.map((l) => BigInt(l.amountFen)),
  );
  open.forEach((l, i) => {
    l.amountFen = Number(shares[i]);
    if (l.amountFen < 1 || l.amountFen > 5_000) {
      throw new Error(`the demo's data charges cannot absorb the year's spending (${targetFen} fen)`);
    }
  });
}

function categoryTotals(lines: DemoLine[]): Map<FeeCategory, number> {
  const totals = new Map<FeeCategory, number>();
  for (const l of lines) totals.set(l.category, (totals.get(l.category) ?? 0) + l.amountFen);
  return totals;
}

const yuan = (fen: number) => fenToYuanText(BigInt(fen));
const month = (m: number) => `${DEMO_FEES_YEAR}-${String(m + 1).padStart(2, '0')}`;

/** China Mobile's statement: GBK CSV, item names, totals rows per item and a grand total. */
function cmccStatement(m: number, lines: DemoLine[]): Buffer {
  const header = [
    'ICCID',
    '手机号码',
    '账期',
    '费用项目',
    '金额(元)',
    '流量(MB)',
    '通话时长(分钟)',
    '短信条数',
    '在网天数',
  ];
  const period = month(m).replace('-', '');
  const rows = lines.map((l) => [
    l.iccid,
    l.msisdn,
    period,
    l.item,
    yuan(l.amountFen),
    String(l.dataMb ?? ''),
    String(l.voiceMinutes ?? ''),
    String(l.smsCount ?? ''),
    String(l.days ?? ''),
  ]);
  for (const [category, fen] of categoryTotals(lines)) {
    rows.push(['合计', '', '', ITEMS.cmcc![category]!.name, yuan(fen), '', '', '', '']);
  }
  rows.push(['合计', '', '', '', yuan(lines.reduce((a, l) => a + l.amountFen, 0)), '', '', '', '']);
  return csvBytes({ header, rows }, 'gbk');
}

/** China Telecom's statement: XLSX, account codes and names, amounts as numbers, totals rows per code. */
async function ctccStatement(m: number, lines: DemoLine[]): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet(`${month(m)}账单`);
  sheet.addRow([
    'ICCID',
    '号码',
    '计费月份',
    '科目编码',
    '科目名称',
    '应收金额',
    '流量(MB)',
    '通话时长(分钟)',
    '短信条数',
    '在网天数',
  ]);
  for (const l of lines) {
    sheet.addRow([
      l.iccid,
      l.msisdn,
      month(m),
      ITEMS.ctcc![l.category]!.code,
      l.item,
      l.amountFen / 100,
      l.dataMb ?? null,
      l.voiceMinutes ?? null,
      l.smsCount ?? null,
      l.days ?? null,
    ]);
  }
  for (const [category, fen] of categoryTotals(lines)) {
    const { code, name } = ITEMS.ctcc![category]!;
    sheet.addRow(['合计', null, null, code, name, fen / 100]);
  }
  sheet.getColumn(1).numFmt = '@';
  return Buffer.from(await book.xlsx.writeBuffer());
}

export interface DemoFeesSummary {
  statements: number;
  lines: number;
  totalFen: number;
  budgetFen: number;
  byClass: Record<string, number>;
}

/**
 * The reference year's statements, imported and reconciled month by month (each reconciliation sees the
 * months before it, as zero usage needs), and its budget. Skipped when statements exist. The files are
 * written under `<dir>` (the data directory's demo-fees/) when given, so that finance can import them again.
 */
export async function seedDemoFees(
  em: EntityManager,
  { seed = 1, dir, logger }: { seed?: number; dir?: string; logger?: Logger } = {},
): Promise<DemoFeesSummary | null> {
  const [present] = await runSql(em, 'select 1 from carrier_statement limit 1');
  if (present) {
    logger?.info('demo statements already present; not loaded again');
    return null;
  }
  const [workers] = await runSql<{ n: string }>(em, 'select count(*) as n from fleet_worker');
  const count = Number(workers?.n ?? 0);
  if (count < PLANTED_MIN_WORKERS) return null;
  const facts = await runSql<{
    iccid: string;
    msisdn: string;
    carrier: string;
    monthly_fee_fen: string;
    activated_on: string | null;
    cancelled_on: string | null;
    suspended_on: string | null;
  }>(
    em,
    `select iccid, msisdn, carrier, monthly_fee_fen, to_char(activated_on, 'YYYY-MM-DD') as activated_on,
       to_char(cancelled_on, 'YYYY-MM-DD') as cancelled_on, to_char(suspended_on, 'YYYY-MM-DD') as suspended_on
       from sim_card where activated_on is not null`,
  );
  const nOf = new Map<string, number>();
  for (let n = 1; n <= count * 2; n++) nOf.set(iccidOf(n), n);
  const sims: SimFacts[] = facts
    .map((s) => ({
      n: nOf.get(s.iccid) ?? 0,
      iccid: s.iccid,
      msisdn: s.msisdn,
      carrier: s.carrier,
      feeFen: Number(s.monthly_fee_fen),
      activated: s.activated_on ? day(s.activated_on) : null,
      cancelled: s.cancelled_on ? day(s.cancelled_on) : null,
      suspended: s.suspended_on ? day(s.suspended_on) : null,
    }))
    .sort((a, b) => a.n - b.n || a.iccid.localeCompare(b.iccid));
  const statements = demoStatementLines(sims, count, seed);
  if (dir) await mkdir(dir, { recursive: true });
  const byClass: Record<string, number> = {};
  let lines = 0;
  let totalFen = 0;
  for (let m = 0; m < 12; m++) {
    for (const carrier of ['cmcc', 'ctcc']) {
      const list = statements.get(`${carrier} ${m}`)!;
      const name = `${carrier === 'cmcc' ? '中国移动' : '中国电信'}_${month(m)}_账单.${carrier === 'cmcc' ? 'csv' : 'xlsx'}`;
      const content = carrier === 'cmcc' ? cmccStatement(m, list) : await ctccStatement(m, list);
      if (dir) await writeFile(path.join(dir, name), content);
      const report = await importStatement(em, ACTOR, {
        carrier,
        month: month(m),
        file: dir ? path.join(dir, name) : { name, content },
      });
      if (!report.applied || !report.statementId) {
        throw new Error(
          `the demo statement ${name} did not import: ${JSON.stringify(report.errors.slice(0, 3))}`,
        );
      }
      const run = await reconcile(em, report.statementId, undefined, { actor: ACTOR });
      for (const [k, v] of Object.entries(run.byClass)) byClass[k] = (byClass[k] ?? 0) + (v ?? 0);
      lines += report.lines;
      totalFen += report.totalFen;
    }
  }
  const budgetFen = Math.round((YEAR_BUDGET_FEN * count) / FULL_SCALE_WORKERS);
  await setBudget(em, ACTOR, { year: DEMO_FEES_YEAR, amountFen: budgetFen });
  logger?.info(
    { statements: 24, lines, totalFen, budgetFen, byClass },
    'demo statements imported and reconciled',
  );
  return { statements: 24, lines, totalFen, budgetFen, byClass };
}
