import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { type Command, Option } from 'commander';
import { type BudgetReport, budgetReport, setBudget } from '../../fleet/budget';
import { feeDetailExport, feeSummaryExport, feeSummaryTable } from '../../fleet/fee-exports';
import { findingsPage, listStatements, statementOfMonth } from '../../fleet/fee-queries';
import { type CategoryTotals, FEE_CATEGORIES } from '../../fleet/fees.entity';
import {
  acceptFinding,
  CLASS_PRECEDENCE,
  type ReconciliationReport,
  reconcile,
} from '../../fleet/reconciliation';
import { DiscrepancyClass } from '../../fleet/reconciliation.entity';
import { importStatement, type StatementImportReport, type TieOutDifference } from '../../fleet/statements';
import { DomainError } from '../../schema/runtime/errors';
import { errorMessage } from '../../schema/runtime/retry';
import { command, print, printJson, table, time } from './connectors';

/**
 * `hub fees …`: finance's carrier statements, on the database directly (as `hub fleet` does), through the
 * same service as the GraphQL API, audited with the OS user as actor. Human output by default, `--json` for
 * scripts. An import that is not applied (bad lines under a refusing template, or lines that do not tie out
 * with the statement's totals) prints why and exits 1 having written nothing.
 */

const actor = () => `cli:${os.userInfo().username}`;
const json = () => new Option('--json', 'machine-readable output');

/** Fen as yuan with two decimals and thousands separators: 129466 → 1,294.66. */
export function yuan(fen: number | string): string {
  const n = BigInt(fen);
  const abs = n < 0n ? -n : n;
  const whole = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${n < 0n ? '-' : ''}${whole}.${(abs % 100n).toString().padStart(2, '0')}`;
}

function totalsLine(totals: CategoryTotals): string {
  const parts = FEE_CATEGORIES.filter((c) => totals[c] != null).map((c) => `${c} ${yuan(totals[c]!)}`);
  return parts.length ? parts.join(', ') : '(none)';
}

function printReport(report: StatementImportReport): void {
  const outcome = report.applied ? `applied as statement ${report.statementId}` : 'REFUSED: nothing written';
  print(`import of ${report.carrier} ${report.month} from ${report.file}: ${outcome}`);
  print(`  lines ${report.lines}, total ${yuan(report.totalFen)} yuan (${report.totalFen} fen)`);
  print(`  by category: ${totalsLine(report.totalsFen)}`);
  print(`  totals from: ${report.totalsSource}`);
  if (report.quarantined)
    print(`  quarantined ${report.quarantined} lines: ${totalsLine(report.quarantinedFen)}`);
  if (report.replaced)
    print(`  replaced statement ${report.replaced.statementId} (${totalsLine(report.replaced.totalsFen)})`);
  if (report.errors.length) {
    print();
    table(
      ['row', 'field', 'rule', 'message', 'value'],
      report.errors.map((e) => [e.row, e.field, e.rule, e.message, e.value]),
    );
  }
}

function printMismatch(file: string, opts: { carrier: string; month: string }, error: DomainError): void {
  const differences = (error.details.differences ?? []) as TieOutDifference[];
  const unplaced = (error.details.unplacedRows ?? []) as number[];
  print(
    `import of ${opts.carrier} ${opts.month} from ${String(error.details.file ?? file)}: REFUSED: the lines do not add up to the statement's totals; nothing written`,
  );
  if (differences.length) {
    print();
    table(
      ['category', 'stated', 'lines', 'difference'],
      differences.map((d) => [d.category, yuan(d.statedFen), yuan(d.linesFen), yuan(d.differenceFen)]),
    );
  }
  if (unplaced.length) print(`  rows without a readable category and amount: ${unplaced.join(', ')}`);
}

/** A reconciliation's counts per class and totals. */
function printReconciliation(r: ReconciliationReport): void {
  print(`reconciliation ${r.runId} of ${r.carrier} ${r.month} (statement ${r.statementId}): ${r.status}`);
  print(
    `  lines ${r.lines}, matched ${r.matched} (${yuan(r.matchedFen)} yuan), discrepancies ${r.discrepancies}, accepted ${r.accepted}`,
  );
  print(`  at stake ${yuan(r.atStakeFen)} yuan (${r.atStakeFen} fen)`);
  const rows = CLASS_PRECEDENCE.filter((c) => r.byClass[c]).map((c) => [c, r.byClass[c]]);
  if (rows.length) {
    print();
    table(['class', 'findings'], rows);
  }
}

function checkClass(value: string | undefined): DiscrepancyClass | null {
  if (!value) return null;
  const c = value.trim().toUpperCase() as DiscrepancyClass;
  if (!Object.values(DiscrepancyClass).includes(c))
    throw new DomainError(
      'INVALID_OPTION',
      `--class: one of ${CLASS_PRECEDENCE.join(', ')}, not "${value}"`,
      {
        field: 'class',
      },
    );
  return c;
}

export function registerFeesCommands(program: Command): void {
  const fees = program
    .command('fees')
    .description('terminal usage fees: import the carriers’ monthly statements, list them');

  fees
    .command('import')
    .description(
      'import a carrier’s monthly statement (CSV or XLSX) through its template; the lines must tie out with the totals; a re-import replaces the month',
    )
    .argument('<file>', 'the statement, .csv (UTF-8 or GBK) or .xlsx')
    .requiredOption('--carrier <carrier>', 'cmcc, cucc or ctcc')
    .requiredOption('--month <month>', 'the billing month, YYYY-MM')
    .option('--encoding <encoding>', 'CSV encoding (utf-8, gbk, gb18030); default detected')
    .option('--sheet <sheet>', 'XLSX sheet name or 1-based number; default the first')
    .option('--template <name>', 'a template by name; default the carrier’s first')
    .option('--no-reconcile', 'do not reconcile the statement after importing it')
    .addOption(json())
    .action(
      command(
        'never',
        async (
          s,
          file: string,
          opts: {
            carrier: string;
            month: string;
            encoding?: string;
            sheet?: string;
            template?: string;
            reconcile?: boolean;
            json?: boolean;
          },
        ) => {
          let report: StatementImportReport;
          try {
            report = await importStatement(s.em(), actor(), {
              carrier: opts.carrier.trim().toLowerCase(),
              month: opts.month.trim(),
              file,
              encoding: opts.encoding,
              sheet: opts.sheet && /^\d+$/.test(opts.sheet) ? Number(opts.sheet) : opts.sheet,
              template: opts.template,
            });
          } catch (error) {
            if (!(error instanceof DomainError) || error.code !== 'TOTALS_MISMATCH') throw error;
            if (opts.json)
              printJson({
                applied: false,
                error: { code: error.code, message: error.message, ...error.details },
              });
            else printMismatch(file, opts, error);
            process.exitCode = 1;
            return;
          }
          // The CLI has no worker: the reconciliation runs here; the import stands if it fails.
          let reconciliation: ReconciliationReport | null = null;
          let reconcileError: string | null = null;
          if (report.applied && report.statementId && opts.reconcile !== false) {
            try {
              reconciliation = await reconcile(s.em(), report.statementId, undefined, { actor: actor() });
            } catch (error) {
              reconcileError = errorMessage(error);
              process.exitCode = 1;
            }
          }
          if (opts.json) printJson({ ...report, reconciliation, reconcileError });
          else {
            printReport(report);
            if (reconciliation) {
              print();
              printReconciliation(reconciliation);
            }
          }
          if (reconcileError)
            process.stderr.write(`the import stands; reconciliation failed: ${reconcileError}\n`);
          if (!report.applied) process.exitCode = 1;
        },
      ),
    );

  fees
    .command('statements')
    .description('list the imported statements (the current one per carrier and month)')
    .option('--year <year>', 'billing months of this year')
    .option('--carrier <carrier>', 'cmcc, cucc or ctcc')
    .addOption(json())
    .action(
      command('never', async (s, opts: { year?: string; carrier?: string; json?: boolean }) => {
        if (opts.year !== undefined && !/^\d{4}$/.test(opts.year))
          throw new DomainError('INVALID_OPTION', `--year: a year like 2023, got "${opts.year}"`, {
            field: 'year',
          });
        const statements = await listStatements(s.em(), {
          carrier: opts.carrier ?? null,
          year: opts.year ? Number(opts.year) : null,
        });
        if (opts.json)
          return printJson(
            statements.map((st) => ({
              id: st.id,
              carrier: st.carrier,
              month: String(st.billingMonth).slice(0, 7),
              templateId: String(st.template.id),
              fileName: st.fileName,
              sha256: st.sha256,
              importedAt: st.importedAt,
              importedBy: st.importedBy,
              totalsFen: st.totalsFen,
              totalFen: String(st.totalFen),
              lineCount: st.lineCount,
              quarantinedCount: st.quarantinedCount,
              replacedStatementId: st.replacedStatementId == null ? null : String(st.replacedStatementId),
            })),
          );
        table(
          ['id', 'carrier', 'month', 'lines', 'quarantined', 'total (yuan)', 'file', 'imported', 'by'],
          statements.map((st) => [
            st.id,
            st.carrier,
            String(st.billingMonth).slice(0, 7),
            st.lineCount,
            st.quarantinedCount,
            yuan(st.totalFen),
            st.fileName,
            time(st.importedAt),
            st.importedBy,
          ]),
        );
        const total = statements.reduce((a, st) => a + BigInt(st.totalFen), 0n);
        print(`${statements.length} statements, total ${yuan(total.toString())} yuan`);
      }),
    );

  fees
    .command('reconcile')
    .description(
      'reconcile the month’s statement against the fleet (here, not on a worker) and print its counts',
    )
    .requiredOption('--carrier <carrier>', 'cmcc, cucc or ctcc')
    .requiredOption('--month <month>', 'the billing month, YYYY-MM')
    .addOption(json())
    .action(
      command('never', async (s, opts: { carrier: string; month: string; json?: boolean }) => {
        const statementId = await statementOfMonth(s.em(), opts.carrier, opts.month);
        const report = await reconcile(s.em(), statementId, undefined, { actor: actor() });
        if (opts.json) printJson(report);
        else printReconciliation(report);
      }),
    );

  fees
    .command('findings')
    .description(
      'list the month’s reconciliation findings (discrepancies and accepted; --all for matched too)',
    )
    .requiredOption('--carrier <carrier>', 'cmcc, cucc or ctcc')
    .requiredOption('--month <month>', 'the billing month, YYYY-MM')
    .option('--class <class>', 'only this discrepancy class')
    .option('--all', 'matched lines too')
    .addOption(json())
    .action(
      command(
        'never',
        async (
          s,
          opts: { carrier: string; month: string; class?: string; all?: boolean; json?: boolean },
        ) => {
          const cls = checkClass(opts.class);
          const found = [];
          let afterId: string | null = null;
          for (;;) {
            const page = await findingsPage(
              s.em(),
              opts.carrier,
              opts.month,
              { class: cls },
              { first: 1000, afterId },
            );
            found.push(...page.nodes);
            if (!page.hasNextPage || !page.nodes.length) break;
            afterId = page.nodes[page.nodes.length - 1]!.id;
          }
          const shown = opts.all || cls ? found : found.filter((f) => f.state !== 'matched');
          if (opts.json) return printJson(shown);
          table(
            [
              'id',
              'class',
              'state',
              'iccid',
              'msisdn',
              'amount',
              'at stake',
              'worker',
              'grid',
              'accepted by',
              'reason',
            ],
            shown.map((f) => [
              f.id,
              f.class ?? '',
              f.state,
              f.iccid,
              f.msisdn,
              yuan(f.amountFen),
              yuan(f.atStakeFen),
              f.workerCode,
              f.gridCode,
              f.acceptedBy,
              f.acceptedReason,
            ]),
          );
          print(`${shown.length} findings`);
        },
      ),
    );

  fees
    .command('accept')
    .description(
      'accept a discrepancy with a reason; later runs keep the acceptance for the same line and class',
    )
    .argument('<finding>', 'the finding id')
    .requiredOption('--reason <reason>', 'why the discrepancy is accepted')
    .addOption(json())
    .action(
      command('never', async (s, finding: string, opts: { reason: string; json?: boolean }) => {
        if (!/^\d{1,19}$/.test(finding))
          throw new DomainError('INVALID_OPTION', `finding: an id, not "${finding}"`, { field: 'finding' });
        const result = await acceptFinding(s.em(), actor(), finding, opts.reason);
        if (opts.json) printJson(result);
        else print(`finding ${result.findingId} (${result.class}) accepted`);
      }),
    );

  registerBudgetCommands(fees);
}

/** Yuan with at most 2 decimals ("1080000.00") as exact fen. */
export function yuanToFen(text: string): bigint {
  const m = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(text.trim().replace(/,/g, ''));
  if (!m)
    throw new DomainError('INVALID_OPTION', `--amount: yuan with at most 2 decimals, not "${text}"`, {
      field: 'amount',
    });
  return BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'));
}

function checkYearOption(year: string): number {
  if (!/^\d{4}$/.test(year ?? ''))
    throw new DomainError('INVALID_OPTION', `--year: a year like 2025, got "${year}"`, { field: 'year' });
  return Number(year);
}

function printBudget(r: BudgetReport): void {
  print(`budget ${r.year} (${r.scope}): ${yuan(r.budgetFen)} yuan, alert factor ${r.alertFactor}`);
  print(`  actual to date ${yuan(r.actualFen)} yuan (last billed month ${r.lastBilledMonth ?? 'none'})`);
  print(
    `  commitment ${yuan(r.commitmentFen)} yuan (${r.activeSims} active SIMs, ${r.remainingMonths} months), forecast ${yuan(r.forecastFen)} yuan`,
  );
  print(`  execution rate ${(r.executionRate * 100).toFixed(2)}%`);
  print();
  table(
    ['month', 'actual (yuan)'],
    r.actualByMonth.map((m) => [m.month, yuan(m.actualFen)]),
  );
  if (r.alerts.length) {
    print();
    table(
      ['alert month', 'actual', 'threshold', 'excess'],
      r.alerts.map((a) => [a.month, yuan(a.actualFen), yuan(a.thresholdFen), yuan(a.excessFen)]),
    );
  }
}

function registerBudgetCommands(fees: Command): void {
  fees
    .command('report')
    .description('the budget execution of a year (county or a township) and the year’s fees by township')
    .requiredOption('--year <year>', 'the fiscal year')
    .option('--township <code>', 'a township’s budget instead of the county’s')
    .addOption(json())
    .action(
      command('never', async (s, opts: { year: string; township?: string; json?: boolean }) => {
        const year = checkYearOption(opts.year);
        const report = await budgetReport(s.em(), { year, township: opts.township ?? null });
        const summary = await feeSummaryTable(s.em(), year);
        const byTownship = summary.rows
          .filter((r) => r[0] === 'township')
          .map((r) => ({ code: r[1] as string, name: r[2] as string, fen: String(r[r.length - 1]) }));
        if (opts.json) return printJson({ budget: report, allocationByTownship: byTownship });
        printBudget(report);
        print();
        table(
          ['township', 'name', `${year} (yuan)`],
          byTownship.map((t) => [t.code, t.name, yuan(t.fen)]),
        );
      }),
    );

  fees
    .command('budget')
    .description('set (create or replace) the budget of a year, for the county or a township')
    .requiredOption('--year <year>', 'the fiscal year')
    .requiredOption('--amount <yuan>', 'the budget in yuan, e.g. 1080000.00')
    .option('--township <code>', 'a township’s budget instead of the county’s')
    .option('--factor <factor>', 'alert factor (default 1.2)')
    .addOption(json())
    .action(
      command(
        'never',
        async (
          s,
          opts: { year: string; amount: string; township?: string; factor?: string; json?: boolean },
        ) => {
          const factor = opts.factor === undefined ? undefined : Number(opts.factor);
          if (factor !== undefined && !Number.isFinite(factor))
            throw new DomainError('INVALID_OPTION', `--factor: a number, not "${opts.factor}"`, {
              field: 'factor',
            });
          const b = await setBudget(s.em(), actor(), {
            year: checkYearOption(opts.year),
            township: opts.township ?? null,
            amountFen: yuanToFen(opts.amount),
            alertFactor: factor,
          });
          if (opts.json) printJson(b);
          else
            print(
              `budget ${b.year} (${b.scope}) set to ${yuan(b.amountFen)} yuan, alert factor ${b.alertFactor}`,
            );
        },
      ),
    );

  fees
    .command('export')
    .description('export the year’s summary by township/department, or (--detail) a carrier month per number')
    .option('--year <year>', 'the fiscal year (summary)')
    .option('--detail', 'the per-number detail of a month instead')
    .option('--month <month>', 'the billing month, YYYY-MM (detail)')
    .option('--carrier <carrier>', 'cmcc, cucc or ctcc (detail)', 'cmcc')
    .requiredOption('--format <format>', 'csv or xlsx')
    .requiredOption('--out <file>', 'the file to write')
    .action(
      command(
        'never',
        async (
          s,
          opts: {
            year?: string;
            detail?: boolean;
            month?: string;
            carrier: string;
            format: string;
            out: string;
          },
        ) => {
          const format = opts.format.toLowerCase();
          if (format !== 'csv' && format !== 'xlsx')
            throw new DomainError('INVALID_OPTION', `--format: csv or xlsx, not "${opts.format}"`, {
              field: 'format',
            });
          let file: Awaited<ReturnType<typeof feeSummaryExport>>;
          if (opts.detail) {
            if (!opts.month)
              throw new DomainError('INVALID_OPTION', '--detail needs --month', { field: 'month' });
            file = await feeDetailExport(s.em(), opts.month, opts.carrier, format);
          } else {
            file = await feeSummaryExport(s.em(), checkYearOption(opts.year ?? ''), format);
          }
          writeFileSync(opts.out, file.content);
          print(`wrote ${file.fileName} (${file.content.length} bytes) to ${opts.out}`);
        },
      ),
    );
}
