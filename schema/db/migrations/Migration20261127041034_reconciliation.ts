import { Migration } from '@mikro-orm/migrations';
import { appendRootFieldsSql } from './policy-sql';

export class Migration20261127041034_reconciliation extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create type "fee_discrepancy_class" as enum ('BILLED_NOT_IN_INVENTORY', 'DUPLICATE', 'INACTIVE_SIM_BILLED', 'PRORATION_ERROR', 'PLAN_MISMATCH', 'UNEXPECTED_CATEGORY', 'OVERAGE', 'ZERO_USAGE', 'NO_ASSIGNED_WORKER', 'SIM_IN_OTHER_HANDSET', 'HANDSET_SILENT', 'ACTIVE_NOT_BILLED');`,
    );
    this.addSql(`create type "fee_finding_state" as enum ('matched', 'discrepancy', 'accepted');`);
    this.addSql(
      `create type "fee_reconciliation_status" as enum ('queued', 'running', 'succeeded', 'failed');`,
    );
    this.addSql(
      `create table "fee_reconciliation_finding" ("id" bigserial primary key, "run_id" bigint not null, "carrier" varchar(10) not null, "billing_month" date not null, "line_id" bigint null, "line_key" varchar(300) not null, "sim_id" bigint null, "iccid" varchar(20) null, "msisdn" varchar(20) null, "matched_by" varchar(10) null, "handset_id" bigint null, "worker_id" bigint null, "grid_code" varchar(20) null, "class" "fee_discrepancy_class" null, "amount_fen" bigint not null, "at_stake_fen" bigint not null, "detail" jsonb not null default '{}', "state" "fee_finding_state" not null, "accepted_by" varchar(100) null, "accepted_reason" varchar(500) null, "accepted_at" timestamptz null);`,
    );
    this.addSql(
      `create index "fee_reconciliation_finding_key_idx" on "fee_reconciliation_finding" ("carrier", "billing_month", "line_key");`,
    );
    this.addSql(
      `create index "fee_reconciliation_finding_run_idx" on "fee_reconciliation_finding" ("run_id", "state", "class");`,
    );

    this.addSql(
      `create table "fee_reconciliation_run" ("id" bigserial primary key, "statement_id" bigint null, "carrier" varchar(10) not null, "billing_month" date not null, "status" "fee_reconciliation_status" not null default 'queued', "params" jsonb not null, "requested_by" varchar(100) not null, "created_at" timestamptz not null default now(), "started_at" timestamptz null, "finished_at" timestamptz null, "lines" int not null default 0, "matched" int not null default 0, "discrepancies" int not null default 0, "accepted" int not null default 0, "by_class" jsonb not null default '{}', "matched_fen" bigint not null default 0, "at_stake_fen" bigint not null default 0, "error" text null);`,
    );
    this.addSql(
      `create index "fee_reconciliation_run_statement_idx" on "fee_reconciliation_run" ("statement_id");`,
    );
    this.addSql(
      `create index "fee_reconciliation_run_month_idx" on "fee_reconciliation_run" ("carrier", "billing_month", "id");`,
    );
    this.addSql(appendRootFieldsSql('finance', ['reconciliation', 'reconcileStatement', 'acceptFinding']));
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "fee_reconciliation_finding" cascade;`);

    this.addSql(`drop table if exists "fee_reconciliation_run" cascade;`);

    this.addSql(`drop type "fee_discrepancy_class";`);
    this.addSql(`drop type "fee_finding_state";`);
    this.addSql(`drop type "fee_reconciliation_status";`);
  }
}
