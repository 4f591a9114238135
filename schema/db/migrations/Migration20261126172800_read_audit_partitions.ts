import { Migration } from '@mikro-orm/migrations';

/**
 * The read audit becomes a table partitioned by month (kept ≥ 6 months; an old month is detached and archived
 * as a whole, never edited row by row), and records what a request was: the operation's hash, its variables
 * with secrets removed, the declared purpose, and how many records of the type it returned. Existing entries
 * are moved over unchanged. `read_audit_ensure_partition` creates a month's partition; the nightly upkeep job
 * keeps the next months ready, and a default partition catches anything outside them, so no entry is refused.
 */
export class Migration20261126172800_read_audit_partitions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "read_audit" rename to "read_audit_v1";`);
    this.addSql(`alter index "read_audit_records_idx" rename to "read_audit_v1_records_idx";`);
    this.addSql(`alter index "read_audit_principal_idx" rename to "read_audit_v1_principal_idx";`);
    this.addSql(`alter index "read_audit_at_idx" rename to "read_audit_v1_at_idx";`);
    this.addSql(`alter table "read_audit_v1" rename constraint "read_audit_pkey" to "read_audit_v1_pkey";`);
    this.addSql(`drop trigger if exists read_audit_append_only on "read_audit_v1";`);
    this.addSql(
      `create table "read_audit" ("id" bigint not null default nextval('read_audit_id_seq'), "at" timestamptz not null default now(),
        "principal" varchar(100) not null, "role" varchar(100) null, "request_id" varchar(64) not null,
        "operation_name" varchar(100) null, "operation_hash" varchar(64) null, "variables" jsonb null,
        "purpose" varchar(200) null, "client_address" varchar(45) null, "record_type" varchar(40) not null,
        "record_ids" text[] not null, "record_count" int not null default 0, "unmasked_fields" text[] not null default '{}',
        constraint "read_audit_pkey" primary key ("id", "at")) partition by range ("at");`,
    );
    this.addSql(`alter sequence "read_audit_id_seq" owned by "read_audit"."id";`);
    this.addSql(`create table "read_audit_default" partition of "read_audit" default;`);
    this.addSql(`create function read_audit_ensure_partition(month date) returns text language plpgsql as $$
      declare
        first date := date_trunc('month', month)::date;
        name text := 'read_audit_' || to_char(first, 'YYYY_MM');
      begin
        if to_regclass(name) is null then
          execute format('create table %I partition of read_audit for values from (%L) to (%L)', name, first, (first + interval '1 month')::date);
        end if;
        return name;
      end $$;`);
    this.addSql(
      `select read_audit_ensure_partition((date_trunc('month', now()) + make_interval(months => m))::date) from generate_series(-12, 3) as m;`,
    );
    this.addSql(
      `insert into "read_audit" ("id", "at", "principal", "role", "request_id", "operation_name", "client_address", "record_type", "record_ids", "record_count", "unmasked_fields")
       select "id", "at", "principal", "role", "request_id", "operation_name", "client_address", "record_type", "record_ids", cardinality("record_ids"), "unmasked_fields" from "read_audit_v1";`,
    );
    this.addSql(`alter sequence "read_audit_id_seq" owned by none;`);
    this.addSql(`drop table "read_audit_v1";`);
    this.addSql(`alter sequence "read_audit_id_seq" owned by "read_audit"."id";`);
    this.addSql(`create index "read_audit_records_idx" on "read_audit" using gin ("record_ids");`);
    this.addSql(`create index "read_audit_principal_idx" on "read_audit" ("principal", "at");`);
    this.addSql(`create index "read_audit_at_idx" on "read_audit" ("at");`);
    this.addSql(`create trigger read_audit_append_only before update or delete on "read_audit"
      for each statement execute function read_audit_append_only();`);
  }

  override async down(): Promise<void> {
    this.addSql(`select 'the read audit is not un-partitioned: its entries must be kept';`);
  }
}
