import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayContext } from '../../../gateway/context';
import type { RunningHub } from '../../../gateway/hub';
import { StatementImportResolver } from '../../../gateway/resolvers/fees.resolver';
import { DEFAULT_POLICIES } from '../../../schema/access/default-policies';
import { luhnCheckDigit } from '../../../schema/identifiers/luhn';
import { ServiceUnavailableError } from '../../../schema/runtime/errors';
import { gql, runHub, startTestHub, testKey } from '../../support/hub';
import { dropDatabase, recreateDatabase, scratchDatabaseName } from '../../support/services';

/**
 * Reconciliation over real HTTP with a finance key and through the CLI: an import queues the statement's
 * reconciliation (the test hub runs the workers), reconcileStatement queues another, the findings read back
 * by class and state, an acceptance needs a reason and shows up, and `hub fees reconcile` prints the counts.
 * The fleet is empty, so every line is BILLED_NOT_IN_INVENTORY.
 */

const DB = scratchDatabaseName('feesreconapi');
// biome-ignore lint/suspicious/noExplicitAny: the assertions walk arbitrary response JSON
type Data = Record<string, any>;

const iccid = (n: number) => {
  const body = `8986001235${String(830_000_000 + n).padStart(9, '0')}`;
  return body + luhnCheckDigit(body);
};
const msisdn = (n: number) => `1398${String(8_300_000 + n).padStart(7, '0')}`;
const CMCC_HEADER = 'ICCID,手机号码,账期,费用项目,金额(元),流量(MB),通话时长(分钟),短信条数,在网天数';

let hub: RunningHub;
let url: string;
let databaseUrl: string;
let dir: string;
let financeKey: string;

async function ask(query: string, variables: Record<string, unknown> = {}) {
  const { body } = await gql<Data>(url, query, variables, { key: financeKey });
  return { data: body.data as Data, errors: body.errors as Data[] | undefined };
}

async function ok(query: string, variables: Record<string, unknown> = {}): Promise<Data> {
  const { data, errors } = await ask(query, variables);
  expect(errors, JSON.stringify(errors)).toBeUndefined();
  return data;
}

function statement(month = '202306'): string {
  return `${[
    CMCC_HEADER,
    `${iccid(1)},${msisdn(1)},${month},套餐月功能费,30.00,512,10,2,30`,
    `${iccid(1)},${msisdn(1)},${month},套餐外流量费,12.34,2048,,,30`,
    `${iccid(2)},${msisdn(2)},${month},套餐月功能费,30.00,,,,30`,
    '合计,,,plan_fee,60.00,,,,',
    '合计,,,data,12.34,,,,',
  ].join('\r\n')}\r\n`;
}

const RECONCILIATION = `query($after: String) { reconciliation(carrier: "cmcc", month: "2023-06") {
  id statementId carrier month status lines matched discrepancies accepted matchedFen atStakeFen
  byClass { class count }
  findings(state: DISCREPANCY, class: BILLED_NOT_IN_INVENTORY, first: 2, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id lineKey iccid msisdn class amountFen atStakeFen workerCode gridCode detail state
      acceptedBy acceptedReason acceptedAt } } } }`;

/** Polls until the month's latest run is a succeeded one other than `after`. */
async function succeededRun(after: string | null = null): Promise<Data> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { reconciliation } = await ok(RECONCILIATION);
    if (reconciliation && reconciliation.id !== after && reconciliation.status === 'SUCCEEDED')
      return reconciliation;
    if (reconciliation?.status === 'FAILED') throw new Error(JSON.stringify(reconciliation));
    if (Date.now() > deadline) throw new Error(`no reconciliation: ${JSON.stringify(reconciliation)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function hubCli(args: string[]): ReturnType<typeof runHub> {
  return runHub(
    { DATABASE_URL: databaseUrl, GRIDHUB_DATA_DIR: dir, LOG_LEVEL: 'warn' },
    ['fees', ...args],
    90_000,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-feesreconapi-'));
  databaseUrl = await recreateDatabase(DB);
  hub = await startTestHub(
    { DATABASE_URL: databaseUrl, GRIDHUB_DATA_DIR: dir },
    { gateway: true, workers: true },
  );
  url = hub.gateway!.url;
  financeKey = await testKey(hub, ['finance'], {
    policy: DEFAULT_POLICIES.finance as unknown as Record<string, unknown>,
  });
}, 120_000);

afterAll(async () => {
  await hub?.stop();
  await dropDatabase(DB);
});

describe('reconciliation over the API', () => {
  it('queues on import and on demand, lists findings, and accepts one with a reason', async () => {
    const imported = await ok(
      `mutation($input: StatementImportInput!) { importStatement(input: $input) {
        statementId applied reconciliationQueued reconciliationJobId reconciliationNote } }`,
      {
        input: {
          carrier: 'cmcc',
          month: '2023-06',
          fileName: 'cmcc-2023-06.csv',
          contentBase64: iconv.encode(statement(), 'gbk').toString('base64'),
          encoding: 'gbk',
        },
      },
    );
    const report = imported.importStatement;
    expect(report).toMatchObject({ applied: true, reconciliationQueued: true, reconciliationNote: null });
    expect(report.reconciliationJobId).toBeTruthy();
    const first = await succeededRun();
    expect(first.statementId).toBe(report.statementId);

    const queued = await ok(
      'mutation($id: ID!) { reconcileStatement(statementId: $id) { statementId queued jobId } }',
      {
        id: report.statementId,
      },
    );
    expect(queued.reconcileStatement).toMatchObject({ statementId: report.statementId, queued: true });
    expect(queued.reconcileStatement.jobId).toBeTruthy();
    const run = await succeededRun(first.id);
    expect(run).toMatchObject({
      carrier: 'cmcc',
      month: '2023-06',
      lines: 3,
      matched: 0,
      discrepancies: 3,
      accepted: 0,
      matchedFen: '0',
      atStakeFen: '7234',
      byClass: [{ class: 'BILLED_NOT_IN_INVENTORY', count: 3 }],
    });
    expect(run.findings.totalCount).toBe(3);
    expect(run.findings.pageInfo.hasNextPage).toBe(true);
    const page2 = (await ok(RECONCILIATION, { after: run.findings.pageInfo.endCursor })).reconciliation
      .findings;
    const findings = [...run.findings.nodes, ...page2.nodes];
    expect(findings.map((f: Data) => f.amountFen).sort()).toEqual(['1234', '3000', '3000']);
    expect(findings[0]).toMatchObject({
      iccid: iccid(1),
      msisdn: msisdn(1),
      class: 'BILLED_NOT_IN_INVENTORY',
      state: 'DISCREPANCY',
      workerCode: null,
      acceptedBy: null,
    });
    expect(findings[0].atStakeFen).toBe(findings[0].amountFen);
    expect(findings[0].lineKey).toContain(iccid(1));
    expect(findings[0].detail.classes).toEqual(['BILLED_NOT_IN_INVENTORY']);

    const ACCEPT = `mutation($id: ID!, $reason: String!) { acceptFinding(id: $id, reason: $reason) {
      id state acceptedBy acceptedReason acceptedAt } }`;
    const blank = await ask(ACCEPT, { id: findings[0].id, reason: '   ' });
    expect(blank.errors?.[0]?.extensions).toMatchObject({ code: 'REASON_REQUIRED' });
    const accepted = await ok(ACCEPT, { id: findings[0].id, reason: 'SIM of the pilot, not ours yet' });
    expect(accepted.acceptFinding).toMatchObject({
      id: findings[0].id,
      state: 'ACCEPTED',
      acceptedReason: 'SIM of the pilot, not ours yet',
    });
    expect(accepted.acceptFinding.acceptedBy).toBeTruthy();
    expect(accepted.acceptFinding.acceptedAt).toBeTruthy();
    const again = await ask(ACCEPT, { id: findings[0].id, reason: 'again' });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_A_DISCREPANCY' });

    const after = (await ok(RECONCILIATION)).reconciliation;
    expect(after).toMatchObject({ discrepancies: 2, accepted: 1 });
    expect(after.findings.totalCount).toBe(2);
    const acceptedList = await ok(`{ reconciliation(carrier: "cmcc", month: "2023-06") {
      findings(state: ACCEPTED) { nodes { id state acceptedReason } } } }`);
    expect(acceptedList.reconciliation.findings.nodes).toEqual([
      { id: findings[0].id, state: 'ACCEPTED', acceptedReason: 'SIM of the pilot, not ours yet' },
    ]);
    expect(
      (await ok('{ reconciliation(carrier: "cucc", month: "2023-06") { id } }')).reconciliation,
    ).toBeNull();
  }, 120_000);

  it('hub fees reconcile prints the counts per class and totals; findings and accept work', async () => {
    const human = await hubCli(['reconcile', '--carrier', 'cmcc', '--month', '2023-06']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('lines 3, matched 0 (0.00 yuan), discrepancies 2, accepted 1');
    expect(human.stdout).toMatch(/BILLED_NOT_IN_INVENTORY\s+3/);
    const json = await hubCli(['reconcile', '--carrier', 'cmcc', '--month', '2023-06', '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      lines: 3,
      discrepancies: 2,
      accepted: 1,
      byClass: { BILLED_NOT_IN_INVENTORY: 3 },
    });

    const listed = await hubCli([
      'findings',
      '--carrier',
      'cmcc',
      '--month',
      '2023-06',
      '--class',
      'billed_not_in_inventory',
      '--json',
    ]);
    expect(listed.code, listed.stderr).toBe(0);
    const findings = JSON.parse(listed.stdout) as Data[];
    expect(findings).toHaveLength(3);
    const open = findings.find((f) => f.state === 'discrepancy')!;
    const refused = await hubCli(['accept', open.id, '--reason', ' ']);
    expect(refused.code).not.toBe(0);
    const accepted = await hubCli(['accept', open.id, '--reason', 'carrier credit promised']);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain(`finding ${open.id} (BILLED_NOT_IN_INVENTORY) accepted`);
    const table = await hubCli(['findings', '--carrier', 'cmcc', '--month', '2023-06']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('carrier credit promised');
    expect(table.stdout).toContain('3 findings');
  }, 240_000);

  it('keeps an import whose reconciliation cannot be queued, saying why; the CLI can skip reconciling', async () => {
    const warnings: unknown[] = [];
    const ctx = {
      em: hub.infrastructure.orm.em.fork(),
      access: { principal: 'finance-test' },
      queues: {
        add: async () => {
          throw new ServiceUnavailableError('Redis', 'connect ECONNREFUSED 127.0.0.1:6379');
        },
      },
      logger: { warn: (...args: unknown[]) => warnings.push(args) },
    } as unknown as GatewayContext;
    const report = await new StatementImportResolver().importStatement(
      {
        carrier: 'cmcc',
        month: '2023-07',
        fileName: 'cmcc-2023-07.csv',
        contentBase64: iconv.encode(statement('202307'), 'gbk').toString('base64'),
        encoding: 'gbk',
      },
      ctx,
    );
    expect(report).toMatchObject({ applied: true, reconciliationQueued: false, reconciliationJobId: null });
    expect(report.reconciliationNote).toContain('not queued');
    expect(warnings).toHaveLength(1);
    const { statements } = await ok('{ statements(carrier: "cmcc") { id month } }');
    expect(statements.map((s: Data) => s.month)).toContain('2023-07');
    expect(
      (await ok('{ reconciliation(carrier: "cmcc", month: "2023-07") { id } }')).reconciliation,
    ).toBeNull();

    const file = path.join(dir, 'cmcc-2023-08.csv');
    writeFileSync(file, iconv.encode(statement('202308'), 'gbk'));
    const skipped = await hubCli([
      'import',
      '--carrier',
      'cmcc',
      '--month',
      '2023-08',
      '--encoding',
      'gbk',
      '--no-reconcile',
      '--json',
      file,
    ]);
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(JSON.parse(skipped.stdout)).toMatchObject({ applied: true, reconciliation: null });
    expect(
      (await ok('{ reconciliation(carrier: "cmcc", month: "2023-08") { id } }')).reconciliation,
    ).toBeNull();
  }, 120_000);
});
