import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { type Command, Option } from 'commander';
import { complianceSummary, exportComplianceCsv } from '../../fleet/compliance.service';
import { createEnrollmentToken, REVOCATION_REASONS, revoke } from '../../fleet/enrollment.service';
import { IMPORT_KINDS, type ImportKind, type ImportReport, importInventory } from '../../fleet/import';
import { HandsetStatus } from '../../fleet/inventory.entity';
import { assign, unassign } from '../../fleet/inventory.service';
import { searchHandsets } from '../../fleet/search';
import { DomainError } from '../../schema/runtime/errors';
import { command, print, printJson, table, time } from './connectors';

/**
 * `hub fleet …`: the IT office's commands, on the database directly (as `hub connectors` does), calling the
 * same domain services as the GraphQL API, which audit them with the OS user as actor. Human output by
 * default, `--json` for scripts; a refused import prints its report and exits 1 having written nothing.
 */

const actor = () => `cli:${os.userInfo().username}`;
const json = () => new Option('--json', 'machine-readable output');

function positiveInt(name: string, value: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new DomainError('INVALID_OPTION', `--${name}: a whole number from 1 to ${max}, got "${value}"`, {
      field: name,
    });
  return n;
}

function printReport(report: ImportReport): void {
  const outcome = report.applied
    ? 'applied'
    : report.errors.length
      ? 'REFUSED: nothing written'
      : 'dry run: nothing written';
  print(`import of ${report.kind} from ${report.file}: ${outcome}`);
  print(
    `  rows ${report.rows}: inserted ${report.inserted}, updated ${report.updated}, unchanged ${report.unchanged}, errors ${report.errors.length}`,
  );
  if (report.ignoredColumns.length) print(`  columns not read: ${report.ignoredColumns.join(', ')}`);
  if (report.errors.length) {
    print();
    table(
      ['row', 'key', 'field', 'rule', 'message'],
      report.errors.map((e) => [e.row, e.key, e.field, e.rule, e.message]),
    );
  }
}

export function registerFleetCommands(program: Command): void {
  const fleet = program
    .command('fleet')
    .description(
      'the handset fleet: import the inventory, enrollment tokens, compliance, assignments, revocation',
    );

  fleet
    .command('import')
    .description('import an inventory sheet (CSV or XLSX); every row is checked first, nothing half-imported')
    .argument('<file>', 'the sheet, .csv (UTF-8 or GBK) or .xlsx')
    .addOption(
      new Option('--kind <kind>', 'what the sheet lists').choices(IMPORT_KINDS).makeOptionMandatory(),
    )
    .option('--dry-run', 'check and count only; write nothing')
    .option('--encoding <encoding>', 'CSV encoding (utf-8, gbk, gb18030); default detected')
    .option('--sheet <sheet>', 'XLSX sheet name or 1-based number; default the first')
    .addOption(json())
    .action(
      command(
        'never',
        async (
          s,
          file: string,
          opts: { kind: ImportKind; dryRun?: boolean; encoding?: string; sheet?: string; json?: boolean },
        ) => {
          const report = await importInventory(s.em(), actor(), {
            kind: opts.kind,
            file,
            encoding: opts.encoding,
            sheet: opts.sheet && /^\d+$/.test(opts.sheet) ? Number(opts.sheet) : opts.sheet,
            dryRun: Boolean(opts.dryRun),
          });
          if (opts.json) printJson(report);
          else printReport(report);
          if (report.errors.length) process.exitCode = 1;
        },
      ),
    );

  fleet
    .command('enroll-token')
    .description(
      'create a one-time enrollment token for a registered handset; prints the QR payload and the token',
    )
    .argument('<deviceId>', 'the handset’s device id (asset tag)')
    .option('--ttl <minutes>', 'minutes until the token expires', '60')
    .addOption(json())
    .action(
      command('never', async (s, deviceId: string, opts: { ttl: string; json?: boolean }) => {
        const issued = await createEnrollmentToken(
          s.em(),
          actor(),
          { deviceId },
          { ttlMinutes: positiveInt('ttl', opts.ttl, 10_080) },
        );
        if (opts.json)
          return printJson({
            deviceId: issued.deviceId,
            token: issued.token,
            expiresAt: issued.expiresAt,
            qrPayload: JSON.parse(issued.qrPayload),
          });
        print(issued.qrPayload);
        print(issued.token);
        process.stderr.write(
          `token for ${deviceId}, expires ${time(issued.expiresAt)} UTC; it is not shown again\n`,
        );
      }),
    );

  fleet
    .command('compliance')
    .description(
      'the compliance view: online buckets, app versions, certificates, SIMs, workers, lost handsets',
    )
    .option('--township <code>', 'only handsets held by workers of this township (or any unit)')
    .option('--now <instant>', 'compute as of this ISO instant; default now')
    .option('--csv <file>', 'also write the per-handset rows as CSV (UTF-8 with BOM, for Excel)')
    .addOption(json())
    .action(
      command('never', async (s, opts: { township?: string; now?: string; csv?: string; json?: boolean }) => {
        const now = opts.now ? new Date(opts.now) : new Date();
        if (Number.isNaN(now.getTime()))
          throw new DomainError('INVALID_OPTION', `--now: "${opts.now}" is not an ISO 8601 instant`, {
            field: 'now',
          });
        const scope = { townshipCode: opts.township ?? null, now };
        const summary = await complianceSummary(s.em(), scope);
        if (opts.csv) {
          const { csv, rows } = await exportComplianceCsv(s.em(), scope);
          await writeFile(opts.csv, csv);
          process.stderr.write(`wrote ${rows} rows to ${opts.csv}\n`);
        }
        if (opts.json) return printJson(summary);
        const o = summary.online;
        const v = summary.versions;
        print(
          `fleet ${summary.fleet} handsets${summary.townshipCode ? ` in ${summary.townshipCode}` : ''} at ${time(summary.now)} UTC (retired, not counted: ${summary.retired})`,
        );
        print(`  by status: ${summary.byStatus.map((b) => `${b.status} ${b.count}`).join(', ')}`);
        print(
          `  online: <1 h ${o.UNDER_1H}, 1–24 h ${o.FROM_1H_TO_24H}, 1–30 d ${o.FROM_1D_TO_30D}, >30 d ${o.OVER_30D}, never ${o.NEVER}`,
        );
        print(
          `  app ${summary.release ? `${summary.release.version} (${summary.release.versionCode})` : '(no release)'}: up to date ${v.UP_TO_DATE}, mismatch ${v.VERSION_MISMATCH}, missing ${v.MISSING}, below minimum ${summary.belowMinVersion}`,
        );
        print(
          `  certificates: expiring within 30 d ${summary.certExpiring}, expired ${summary.certExpired}, active without one ${summary.noCertificate}`,
        );
        print(
          `  in service ${summary.inService}: without SIM ${summary.withoutSim}, without worker ${summary.withoutWorker}`,
        );
        print(
          `  SIM mismatches ${summary.simMismatch}, lost still checking in ${summary.lostStillCheckingIn}, IMEI changed ${summary.imeiChanged}`,
        );
        print(`  handsets with findings: ${summary.withFindings}`);
      }),
    );

  fleet
    .command('handsets')
    .description('find handsets')
    .addOption(new Option('--status <status>', 'only this status').choices(Object.values(HandsetStatus)))
    .option('--search <text>', 'part of a device id, IMEI, ICCID, MSISDN, or a worker’s name or number')
    .option('--township <code>', 'held by workers of this township (or any unit)')
    .option('--limit <n>', 'at most this many', '100')
    .addOption(json())
    .action(
      command(
        'never',
        async (
          s,
          opts: { status?: HandsetStatus; search?: string; township?: string; limit: string; json?: boolean },
        ) => {
          const page = await searchHandsets(
            s.em(),
            {
              statuses: opts.status ? [opts.status] : null,
              search: opts.search ?? null,
              regionCode: opts.township ?? null,
            },
            { first: positiveInt('limit', opts.limit, 10_000), afterId: null },
          );
          if (opts.json) return printJson(page.nodes);
          table(
            ['deviceId', 'imei1', 'model', 'status', 'last seen', 'app', 'iccid seen'],
            page.nodes.map((h) => [
              h.deviceId,
              h.imei1,
              h.model,
              h.status,
              time(h.lastSeenAt),
              h.appVersion,
              h.iccidSeen,
            ]),
          );
          if (page.hasNextPage) process.stderr.write(`more handsets match; raise --limit to see them\n`);
        },
      ),
    );

  fleet
    .command('revoke')
    .description('revoke a handset’s certificates (by device id) or one certificate (by serial)')
    .argument('<target>', 'a device id or a certificate serial (hex)')
    .addOption(
      new Option('--reason <reason>', 'RFC 5280 reason').choices(REVOCATION_REASONS).makeOptionMandatory(),
    )
    .addOption(json())
    .action(
      command('never', async (s, target: string, opts: { reason: string; json?: boolean }) => {
        // A device id when such a handset exists, otherwise a serial (the service decides).
        const { revoked, crl } = await revoke(s.em(), actor(), target, opts.reason);
        if (opts.json)
          return printJson({
            revoked: revoked.map(({ pem: _, handset, ...c }) => ({ ...c, handsetId: handset.id })),
            crlNumber: crl?.number ?? null,
          });
        if (!revoked.length) print(`${target}: no valid certificate to revoke`);
        for (const c of revoked) print(`revoked ${c.serial} (${opts.reason}) at ${time(c.revokedAt)}`);
        if (crl) print(`published CRL number ${crl.number} (${crl.entries} entries)`);
      }),
    );

  fleet
    .command('assign')
    .description('hand a handset (and optionally a SIM) to a worker')
    .argument('<deviceId>')
    .argument('<workerCode>', 'the worker number (工号)')
    .option('--iccid <iccid>', 'the SIM handed over with it')
    .option('--since <date>', 'YYYY-MM-DD; default now')
    .action(
      command(
        'never',
        async (s, deviceId: string, workerCode: string, opts: { iccid?: string; since?: string }) => {
          const a = await assign(s.em(), actor(), {
            deviceId,
            workerCode,
            iccid: opts.iccid ?? null,
            since: opts.since ?? null,
          });
          print(
            `assigned ${deviceId} to ${workerCode}${opts.iccid ? ` with SIM ${opts.iccid}` : ''} since ${time(a.since)}`,
          );
        },
      ),
    );

  fleet
    .command('unassign')
    .description('take a handset back from its worker')
    .argument('<deviceId>')
    .option('--reason <reason>', 'why')
    .action(
      command('never', async (s, deviceId: string, opts: { reason?: string }) => {
        const h = await unassign(s.em(), actor(), { deviceId, reason: opts.reason ?? null });
        print(`unassigned ${deviceId}; it is now ${h.status}`);
      }),
    );
}
