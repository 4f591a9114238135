import { Migration } from '@mikro-orm/migrations';

export class Migration20261126142608_read_audit extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "read_audit" ("id" bigserial primary key, "at" timestamptz not null default now(), "principal" varchar(100) not null, "role" varchar(100) null, "request_id" varchar(64) not null, "operation_name" varchar(100) null, "client_address" varchar(45) null, "record_type" varchar(40) not null, "record_ids" text[] not null, "unmasked_fields" text[] not null default '{}');`,
    );
    this.addSql(`create index "read_audit_records_idx" on "read_audit" using gin ("record_ids");`);
    this.addSql(`create index "read_audit_principal_idx" on "read_audit" ("principal", "at");`);
    this.addSql(`create index "read_audit_at_idx" on "read_audit" ("at");`);
    // Append-only: the audit of who read whom cannot be edited or deleted through the application's role.
    this.addSql(`create function read_audit_append_only() returns trigger language plpgsql as $$
      begin raise exception 'read_audit is append-only (% refused)', tg_op using errcode = 'insufficient_privilege'; end $$;`);
    this.addSql(`create trigger read_audit_append_only before update or delete on "read_audit"
      for each statement execute function read_audit_append_only();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "read_audit" cascade;`);
    this.addSql(`drop function if exists read_audit_append_only();`);
  }
}
