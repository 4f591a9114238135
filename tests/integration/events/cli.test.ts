import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSql } from '../../../schema/common/rows';
import type { MikroORM } from '../../../schema/db/orm';
import { SupervisionLevel } from '../../../schema/events/event-detail.entity';
import { EventOperation } from '../../../schema/events/workflow';
import { act, fireDeadline, reportEvent, type WorkflowActor } from '../../../schema/events/workflow.service';
import { runHub } from '../../support/hub';
import { testOrm } from '../../support/orm';
import { TEST_DATABASE_URL } from '../../support/services';

/**
 * `hub events overdue` and `hub events show` from the build (run `npx tsc -p tsconfig.json` first), on the
 * shared test database: events made through the workflow service, one made overdue with a yellow card.
 * Other test files write events there too, so the assertions pick out this file's events by code.
 */

const TOWNSHIP = '620725204'; // 李桥乡
const VILLAGE = '620725204201';
const GRID = '620725204201-G01';
const grid: WorkflowActor = { name: 'cli-test-grid', units: [GRID] };
const village: WorkflowActor = { name: 'cli-test-village', units: [VILLAGE] };
const township: WorkflowActor = { name: 'cli-test-township', units: [TOWNSHIP] };
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('cli'),
]);

let orm: MikroORM;
let dir: string;
const em = () => orm.em.fork() as EntityManager;
let overdue: { id: string; code: string };
let onTime: { id: string; code: string };

const hub = (...args: string[]) =>
  runHub(
    { DATABASE_URL: TEST_DATABASE_URL, GRIDHUB_DATA_DIR: dir, LOG_LEVEL: 'warn' },
    ['events', ...args],
    90_000,
  );

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-eventscli-'));
  orm = await testOrm();
  const late = await reportEvent(em(), grid, {
    fromUnit: GRID,
    title: 'CLI 超时事件',
    description: '井盖缺失',
    clientKey: `cli-test-${process.pid}-late`,
    photos: [{ contentType: 'image/png', content: PNG, fileName: 'well.png' }],
  });
  await act(em(), village, late.eventId, { op: EventOperation.ACCEPT });
  await act(em(), village, late.eventId, {
    op: EventOperation.REQUEST_EXTENSION,
    days: 2,
    comment: '等待物料',
  });
  await act(em(), township, late.eventId, {
    op: EventOperation.SUPERVISE,
    level: SupervisionLevel.NORMAL,
    comment: '请加快',
  });
  // Two hours overdue, with its yellow card raised as the deadline job would.
  const [{ deadline_at }] = await runSql<{ deadline_at: string }>(
    em(),
    `update event set deadline_at = date_trunc('second', now()) - interval '2 hours' where id = $1 returning deadline_at`,
    [late.eventId],
  );
  const fired = await fireDeadline(em(), late.eventId, new Date(deadline_at).toISOString(), 'yellow');
  expect(fired.fired).toBe(true);
  overdue = { id: late.eventId, code: late.code };
  const fine = await reportEvent(em(), grid, { fromUnit: GRID, title: 'CLI 未超时事件' });
  onTime = { id: fine.eventId, code: fine.code };
});
afterAll(async () => {
  await orm?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('hub events', () => {
  it('overdue: lists open events past their deadline, with the card raised', async () => {
    const out = await hub('overdue', '--unit', TOWNSHIP, '--json');
    expect(out.code, out.stderr).toBe(0);
    const rows = JSON.parse(out.stdout) as Array<Record<string, unknown>>;
    const mine = rows.find((r) => r.code === overdue.code);
    expect(mine).toMatchObject({
      id: overdue.id,
      title: 'CLI 超时事件',
      status: 'in_progress',
      holderUnit: VILLAGE,
      deadlineKind: 'resolve',
      supervision: 'yellow_card',
    });
    expect(mine!.overdueSeconds as number).toBeGreaterThanOrEqual(7_200);
    expect(mine!.overdueSeconds as number).toBeLessThan(7_200 + 600);
    expect(rows.some((r) => r.code === onTime.code)).toBe(false);

    const human = await hub('overdue', '--unit', VILLAGE);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(
      /code\s+title\s+status\s+holder\s+deadline \(UTC\)\s+overdue by\s+supervision/,
    );
    const line = human.stdout.split('\n').find((l) => l.startsWith(overdue.code))!;
    expect(line).toMatch(
      new RegExp(`in_progress\\s+${VILLAGE}\\s+.*\\(resolve\\)\\s+2h \\d+m\\s+yellow_card`),
    );

    // Another township's unit sees none of it; an unknown unit is named.
    const elsewhere = await hub('overdue', '--unit', '620725101', '--json');
    expect(JSON.parse(elsewhere.stdout).some((r: { code: string }) => r.code === overdue.code)).toBe(false);
    const unknown = await hub('overdue', '--unit', 'nowhere');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('UNKNOWN_UNIT');
    expect(unknown.stderr).toContain('nowhere');
  });

  it('show: prints the event, its step log, supervisions, extensions and attachments', async () => {
    const byCode = await hub('show', overdue.code, '--json');
    expect(byCode.code, byCode.stderr).toBe(0);
    const report = JSON.parse(byCode.stdout);
    expect(report.event).toMatchObject({
      id: overdue.id,
      code: overdue.code,
      status: 'in_progress',
      holderUnit: VILLAGE,
      route: [{ unit: GRID, via: 'report' }],
      reportedBy: 'cli-test-grid',
    });
    expect(report.steps.map((s: { operation: string }) => s.operation)).toEqual([
      'REPORT',
      'ACCEPT',
      'REQUEST_EXTENSION',
      'SUPERVISE',
      'SUPERVISE',
    ]);
    expect(report.steps[0]).toMatchObject({ seq: 1, unit: GRID, toUnit: VILLAGE, comment: '井盖缺失' });
    expect(report.steps[0].attachments).toHaveLength(1);
    expect(report.supervisions.map((s: { level: string; auto: boolean }) => [s.level, s.auto])).toEqual([
      ['normal', false],
      ['yellow_card', true],
    ]);
    expect(report.extensions).toEqual([
      expect.objectContaining({ days: 2, status: 'pending', requestedByUnit: VILLAGE, reason: '等待物料' }),
    ]);
    expect(report.attachments).toEqual([
      expect.objectContaining({ contentType: 'image/png', size: PNG.length, fileName: 'well.png' }),
    ]);
    expect(report.attachments[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.attachments[0]).not.toHaveProperty('content');

    const byId = await hub('show', overdue.id);
    expect(byId.code, byId.stderr).toBe(0);
    for (const text of [
      `${overdue.code} (id ${overdue.id}) incident: CLI 超时事件`,
      `holder     ${VILLAGE}`,
      'steps (5)',
      'supervisions (2)',
      'yellow_card',
      'extensions (1)',
      'attachments (1)',
      'well.png',
      'awaiting_acceptance → in_progress',
    ]) {
      expect(byId.stdout).toContain(text);
    }

    const missing = await hub('show', 'SB-NO-SUCH');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('SB-NO-SUCH');
  });
});
