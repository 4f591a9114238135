import { type Command, Option } from 'commander';
import { type EventReport, eventReport, overdueEvents } from '../../schema/events/workflow-report';
import { command, print, printJson, table, time } from './connectors';

/**
 * `hub events …`: the centre operators' view of the events workflow, read-only, on the database directly
 * (as `hub fleet` does) through schema/events/workflow-report.ts. Human output by default, `--json` for
 * scripts. Acting on events is done through the GraphQL API, where every operation is checked and audited.
 */

const json = () => new Option('--json', 'machine-readable output');

/** 93784 s → 1d 2h 3m: how late a step is, at a glance. */
export function duration(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  if (d) return `${d}d ${h}h ${m}m`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m`;
  return `${seconds}s`;
}

function printEvent(r: EventReport): void {
  const e = r.event;
  print(`${e.code} (id ${e.id}) ${e.kind}: ${e.title}`);
  print(`  status     ${e.status}${e.urgent ? ' [urgent]' : ''}${e.hardCase ? ' [hard case]' : ''}`);
  print(
    `  holder     ${e.holderUnit ?? '(none: imported history)'}${e.holderSince ? ` since ${time(new Date(e.holderSince))}` : ''}`,
  );
  if (e.deadlineAt) print(`  deadline   ${time(new Date(e.deadlineAt))} (${e.deadlineKind ?? 'step'})`);
  print(`  region     ${e.regionCode}${e.typeCode ? `, type ${e.typeCode}` : ''}`);
  print(`  occurred   ${time(new Date(e.occurredAt))}${e.reportedBy ? `, reported by ${e.reportedBy}` : ''}`);
  if (e.route.length)
    print(`  route      ${e.route.map((s) => `${s.unit} (${s.via})`).join(' → ')} → ${e.holderUnit ?? ''}`);
  if (e.resolvedAt)
    print(
      `  resolved   ${time(new Date(e.resolvedAt))} by ${e.resolvedByUnit ?? '?'}` +
        (e.resolvedSuccessfully != null ? `, successfully: ${e.resolvedSuccessfully ? 'yes' : 'no'}` : '') +
        (e.resolutionMethod ? `, method ${e.resolutionMethod}` : ''),
    );
  if (e.description) print(`  ${e.description}`);
  print();
  print(`steps (${r.steps.length})`);
  table(
    ['#', 'at (UTC)', 'operation', 'unit', 'actor', 'from → to', 'to unit', 'comment'],
    r.steps.map((s) => [
      s.seq,
      time(new Date(s.at)),
      `${s.operation ?? s.step}${s.verified != null ? (s.verified ? ' (passed)' : ' (failed)') : ''}`,
      s.unit,
      s.actor,
      s.fromStatus || s.toStatus ? `${s.fromStatus ?? '-'} → ${s.toStatus ?? '-'}` : '',
      s.toUnit,
      `${s.comment ?? ''}${s.attachments.length ? ` [${s.attachments.length} attachment(s)]` : ''}`,
    ]),
  );
  if (r.supervisions.length) {
    print();
    print(`supervisions (${r.supervisions.length})`);
    table(
      ['at (UTC)', 'level', 'by', 'target', 'auto', 'opinion'],
      r.supervisions.map((s) => [
        time(new Date(s.at)),
        s.level,
        `${s.unit}${s.supervisor ? ` (${s.supervisor})` : ''}`,
        s.targetUnit,
        s.auto ? 'yes' : 'no',
        s.opinion,
      ]),
    );
  }
  if (r.extensions.length) {
    print();
    print(`extensions (${r.extensions.length})`);
    table(
      ['requested (UTC)', 'days', 'by', 'status', 'decided by', 'reason'],
      r.extensions.map((x) => [
        time(new Date(x.requestedAt)),
        x.days,
        x.requestedByUnit,
        x.status,
        x.decidedByUnit,
        x.reason,
      ]),
    );
  }
  if (r.attachments.length) {
    print();
    print(`attachments (${r.attachments.length})`);
    table(
      ['id', 'type', 'bytes', 'sha256', 'file', 'uploaded by'],
      r.attachments.map((a) => [a.id, a.contentType, a.size, a.sha256, a.fileName, a.uploadedBy]),
    );
  }
  if (r.copies.length) {
    print();
    print(`copied to: ${r.copies.map((c) => c.unit).join(', ')}`);
  }
}

export function registerEventCommands(program: Command): void {
  const events = program
    .command('events')
    .description('the events workflow: overdue steps, an event with its history');

  events
    .command('overdue')
    .description('open events past their deadline, longest overdue first')
    .option(
      '--unit <code>',
      'only events held by this unit (a region code: also the units below it; or dept:<role>)',
    )
    .addOption(json())
    .action(
      command('never', async (s, opts: { unit?: string; json?: boolean }) => {
        const rows = await overdueEvents(s.em(), { unit: opts.unit ?? null });
        if (opts.json) return printJson(rows);
        if (!rows.length)
          return print(`no overdue events${opts.unit ? ` held by ${opts.unit} or below` : ''}`);
        table(
          ['code', 'title', 'status', 'holder', 'deadline (UTC)', 'overdue by', 'supervision'],
          rows.map((r) => [
            r.code,
            `${r.urgent ? '[urgent] ' : ''}${r.title}`,
            r.status,
            r.holderUnit,
            `${time(new Date(r.deadlineAt))} (${r.deadlineKind ?? 'step'})`,
            duration(r.overdueSeconds),
            r.supervision ?? '-',
          ]),
        );
        print();
        print(`${rows.length} overdue event(s)`);
      }),
    );

  events
    .command('show')
    .description('an event: its state, step log, supervisions, extensions and attachments (metadata)')
    .argument('<id-or-code>', 'the event id (digits) or code (SB…)')
    .addOption(json())
    .action(
      command('never', async (s, idOrCode: string, opts: { json?: boolean }) => {
        const report = await eventReport(s.em(), idOrCode);
        if (opts.json) return printJson(report);
        printEvent(report);
      }),
    );
}
