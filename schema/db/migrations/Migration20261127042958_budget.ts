import { Migration } from '@mikro-orm/migrations';
import { appendRootFieldsSql } from './policy-sql';

export class Migration20261127042958_budget extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "fee_budget" ("id" bigserial primary key, "fiscal_year" smallint not null, "scope" varchar(120) not null, "township_code" varchar(32) null, "department" varchar(100) null, "amount_fen" bigint not null, "alert_factor" numeric(4,2) not null default '1.20', "created_by" varchar(100) not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`,
    );
    this.addSql(
      `alter table "fee_budget" add constraint "fee_budget_year_scope_unique" unique ("fiscal_year", "scope");`,
    );
    this.addSql(
      appendRootFieldsSql('finance', [
        'budget',
        'setBudget',
        'allocation',
        'feeSummaryExport',
        'feeDetailExport',
      ]),
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "fee_budget" cascade;`);
  }
}
