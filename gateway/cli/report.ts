import { writeFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { computeIndicators } from '../../schema/indicators/indicators';
import { countyCode, formatValue, periodRange, selfEvaluationReport } from '../../schema/indicators/report';
import { type ReportFormat, renderReport } from '../../schema/indicators/report-render';
import { DomainError } from '../../schema/runtime/errors';
import { command, print, printJson, table } from './connectors';

/**
 * `hub report` writes the annual performance self-evaluation report (HTML, Markdown, XLSX of the indicator
 * table, or PDF through a local Chromium); `hub indicators` prints a year's (or quarter's) indicators. Both
 * read the database directly through the same services as the GraphQL API.
 */

function yearOf(text: string): number {
  const year = Number(text);
  if (!/^\d{4}$/.test(text ?? '') || year < 2000 || year > 2100)
    throw new DomainError('INVALID_OPTION', `--year: a year 2000–2100, not "${text}"`, { field: 'year' });
  return year;
}

export function registerReportCommands(program: Command): void {
  program
    .command('report')
    .description('write the fiscal year’s performance self-evaluation report (项目支出绩效自评报告)')
    .requiredOption('--year <year>', 'the fiscal year, e.g. 2023')
    .addOption(
      new Option('--format <format>', 'output format').choices(['html', 'md', 'xlsx', 'pdf']).default('html'),
    )
    .option(
      '--out <file>',
      'write to this file (default: standard output for html and md, else report-YEAR.EXT)',
    )
    .option('--region <code>', 'a township or village code (default the county)')
    .option('--rubric <name>', 'the scoring rubric in evaluation_rubric', 'national')
    .action(
      command(
        'never',
        async (
          s,
          opts: { year: string; format: ReportFormat; out?: string; region?: string; rubric: string },
        ) => {
          const report = await selfEvaluationReport(s.em(), yearOf(opts.year), {
            regionCode: opts.region?.trim() || undefined,
            rubric: opts.rubric,
          });
          const file = await renderReport(report, opts.format);
          const binary = opts.format === 'xlsx' || opts.format === 'pdf';
          const out = opts.out ?? (binary ? `report-${report.year}.${file.extension}` : undefined);
          if (out) {
            writeFileSync(out, file.content);
            process.stderr.write(
              `wrote ${out}: ${report.title}, ${report.indicators.length} indicators, score ${report.score.total.toFixed(2)} / ${report.score.maxPoints} (${report.source})\n`,
            );
          } else process.stdout.write(file.content);
        },
      ),
    );

  program
    .command('indicators')
    .description('print the performance indicators of a year or quarter, computed now')
    .requiredOption('--year <year>', 'the year, e.g. 2023')
    .option('--quarter <quarter>', '1–4: that quarter of the year only')
    .option('--region <code>', 'a township or village code (default the county)')
    .addOption(new Option('--json', 'machine-readable output'))
    .action(
      command(
        'never',
        async (s, opts: { year: string; quarter?: string; region?: string; json?: boolean }) => {
          const { from, to, label } = periodRange({
            year: yearOf(opts.year),
            quarter: opts.quarter == null ? null : Number(opts.quarter),
          });
          const regionCode = opts.region?.trim() || (await countyCode(s.em()));
          const values = await computeIndicators(s.em(), { from, to, regionCode });
          if (opts.json) return printJson({ period: label, from, to, regionCode, indicators: values });
          print(`indicators of ${regionCode}, ${label} (${from} to ${to}, exclusive)`);
          print();
          table(
            ['code', 'indicator', 'target', 'value', 'numerator', 'denominator', 'met'],
            values.map((v) => [
              v.code,
              v.name,
              v.target == null ? '' : `${v.comparator} ${formatValue(v.unit, v.target)}`,
              formatValue(v.unit, v.value),
              v.numerator,
              v.denominator,
              v.met == null ? '' : v.met ? 'yes' : 'NO',
            ]),
          );
        },
      ),
    );
}
