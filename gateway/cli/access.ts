import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { type Command, Option } from 'commander';
import {
  createPrincipal,
  issueKey,
  listKeys,
  listPrincipals,
  revokeKey,
  rotateKey,
  setPrincipalRoles,
} from '../../schema/access/credentials.service';
import { deletePolicy, listPolicies, setPolicy } from '../../schema/access/policy.service';
import { PrincipalKind } from '../../schema/access/principal.entity';
import { exportReadAudit, queryReadAudit } from '../../schema/audit/read-audit.service';
import { command, print, printJson, table, time } from './connectors';

/**
 * `hub principals …`, `hub keys …`, `hub policies …`: the administrator's commands, on the database directly.
 * They are how the first admin key is made on a new installation (whoever can run the CLI on the hub's
 * machine is its administrator); every change is recorded in access_change with the OS user as actor.
 */

const actor = () => `cli:${os.userInfo().username}`;
const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function registerAccessCommands(program: Command): void {
  const json = () => new Option('--json', 'machine-readable output');

  const principals = program
    .command('principals')
    .description('API clients and staff users, with their roles');
  principals
    .command('list')
    .addOption(json())
    .action(
      command('never', async (s, opts: { json?: boolean }) => {
        const rows = await listPrincipals(s.em());
        if (opts.json) return printJson(rows);
        table(
          ['name', 'kind', 'roles', 'unit', 'disabled', 'title'],
          rows.map((p) => [p.name, p.kind, p.roles.join(','), p.unitCode, p.disabled ? 'yes' : '', p.title]),
        );
      }),
    );
  principals
    .command('create <name>')
    .requiredOption('--title <title>', 'department or person')
    .requiredOption('--roles <roles>', 'comma-separated roles')
    .option('--kind <kind>', 'client or user', 'client')
    .option('--unit <code>', "the caller's unit (region code), for own-unit policies")
    .action(
      command(
        'never',
        async (s, name: string, opts: { title: string; roles: string; kind: string; unit?: string }) => {
          const p = await createPrincipal(s.em(), actor(), {
            name,
            title: opts.title,
            kind: opts.kind === 'user' ? PrincipalKind.USER : PrincipalKind.CLIENT,
            unitCode: opts.unit ?? null,
            roles: list(opts.roles),
          });
          print(`created ${p.name} (${p.roles.join(', ')}); issue a key with: hub keys issue ${p.name}`);
        },
      ),
    );
  principals
    .command('roles <name>')
    .requiredOption('--roles <roles>', 'comma-separated roles (replaces the current ones)')
    .action(
      command('never', async (s, name: string, opts: { roles: string }) => {
        const p = await setPrincipalRoles(s.em(), actor(), name, list(opts.roles));
        print(`${p.name}: ${p.roles.join(', ')}`);
      }),
    );

  const keys = program.command('keys').description('API keys: issue (shown once), rotate, revoke, list');
  keys
    .command('issue <principal>')
    .option('--days <n>', 'lifetime in days', '365')
    .addOption(json())
    .action(
      command('never', async (s, principal: string, opts: { days: string; json?: boolean }) => {
        const { key, secret } = await issueKey(s.em(), actor(), principal, {
          lifetimeDays: Number(opts.days),
        });
        if (opts.json) return printJson({ prefix: key.prefix, expiresAt: key.expiresAt, key: secret });
        print(secret);
        process.stderr.write(
          `key ${key.prefix} for ${principal}, expires ${time(key.expiresAt)}; it is not shown again\n`,
        );
      }),
    );
  keys
    .command('rotate <prefix>')
    .option('--overlap-hours <h>', 'how long the old key stays valid', '24')
    .action(
      command('never', async (s, prefix: string, opts: { overlapHours: string }) => {
        const { key, secret } = await rotateKey(s.em(), actor(), prefix, Number(opts.overlapHours));
        print(secret);
        process.stderr.write(`new key ${key.prefix}; ${prefix} stays valid for ${opts.overlapHours} h\n`);
      }),
    );
  keys
    .command('revoke <prefix>')
    .requiredOption('--reason <reason>', 'why (lost, compromised, retired)')
    .action(
      command('never', async (s, prefix: string, opts: { reason: string }) => {
        const key = await revokeKey(s.em(), actor(), prefix, opts.reason);
        print(`revoked ${key.prefix} at ${time(key.revokedAt)}`);
      }),
    );
  keys
    .command('list <principal>')
    .addOption(json())
    .action(
      command('never', async (s, principal: string, opts: { json?: boolean }) => {
        const rows = await listKeys(s.em(), principal);
        if (opts.json) return printJson(rows.map(({ secretHash: _, ...k }) => k));
        table(
          ['prefix', 'created', 'expires', 'revoked', 'last used'],
          rows.map((k) => [
            k.prefix,
            time(k.createdAt),
            time(k.expiresAt),
            time(k.revokedAt),
            time(k.lastUsedAt),
          ]),
        );
      }),
    );

  const audit = program
    .command('audit')
    .description('the read audit: who read whom, what a client read; export');
  const auditOptions = (c: Command) =>
    c
      .option('--id-number <id>', "a person's citizen ID number: who read their records")
      .option('--principal <name>', 'what this client or user read')
      .option('--from <date>', 'start (ISO date or instant; default a year ago)')
      .option('--to <date>', 'end, exclusive (default now)');
  type AuditOpts = { idNumber?: string; principal?: string; from?: string; to?: string; json?: boolean };
  const auditQuery = (o: AuditOpts) => ({
    idNumber: o.idNumber ?? null,
    principal: o.principal ?? null,
    from: o.from ? new Date(o.from) : null,
    to: o.to ? new Date(o.to) : null,
  });
  auditOptions(audit.command('query'))
    .addOption(json())
    .action(
      command('never', async (s, o: AuditOpts) => {
        const rows = await queryReadAudit(s.em(), { ...auditQuery(o), limit: 10_000 });
        if (o.json) return printJson(rows);
        table(
          ['at', 'principal', 'role', 'purpose', 'operation', 'type', 'records'],
          rows.map((r) => [
            time(r.at),
            r.principal,
            r.role,
            r.purpose,
            r.operationName,
            r.recordType,
            r.recordCount,
          ]),
        );
      }),
    );
  auditOptions(audit.command('export').description('CSV of every entry in the period, to stdout')).action(
    command('never', async (s, o: AuditOpts) => {
      const n = await exportReadAudit(s.em(), auditQuery(o), process.stdout);
      process.stderr.write(`${n} entries\n`);
    }),
  );

  const policies = program
    .command('policies')
    .description('role policies (data; changes take effect at once)');
  policies
    .command('list')
    .addOption(json())
    .action(
      command('never', async (s, opts: { json?: boolean }) => {
        const rows = await listPolicies(s.em());
        if (opts.json) return printJson(rows);
        table(
          ['role', 'version', 'updated', 'by', 'description'],
          rows.map((r) => [
            r.role,
            r.version,
            time(r.updatedAt),
            r.updatedBy,
            String(r.policy.description ?? ''),
          ]),
        );
      }),
    );
  policies
    .command('set <role>')
    .requiredOption('--file <file>', 'the policy as JSON')
    .action(
      command('never', async (s, role: string, opts: { file: string }) => {
        const row = await setPolicy(s.em(), actor(), role, JSON.parse(await readFile(opts.file, 'utf8')));
        print(`${row.role}: version ${row.version}`);
      }),
    );
  policies.command('delete <role>').action(
    command('never', async (s, role: string) => {
      await deletePolicy(s.em(), actor(), role);
      print(`deleted ${role}`);
    }),
  );
}
