import { Migration } from '@mikro-orm/migrations';

export class Migration20261126163733_connectors extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create type "run_status" as enum ('queued', 'running', 'succeeded', 'failed');`);
    this.addSql(`create type "quarantine_status" as enum ('open', 'replayed', 'discarded');`);
    this.addSql(
      `create table "connector" ("id" bigserial primary key, "name" varchar(100) not null, "title" varchar(200) not null, "source_type" varchar(20) not null, "config" jsonb not null, "secrets" text null, "streams" jsonb not null, "precedence" jsonb not null default '{}', "schedule" varchar(100) null, "enabled" boolean not null default true, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`,
    );
    this.addSql(`alter table "connector" add constraint "connector_name_unique" unique ("name");`);

    this.addSql(
      `create table "connector_state" ("connector_id" bigint not null, "stream" varchar(200) not null, "state" jsonb not null, "updated_at" timestamptz not null default now(), constraint "connector_state_pkey" primary key ("connector_id", "stream"));`,
    );

    this.addSql(
      `create table "merge_conflict" ("id" bigserial primary key, "target_type" varchar(40) not null, "target_id" bigint not null, "field" varchar(100) not null, "kept_value" jsonb null, "kept_source" varchar(100) not null, "offered_value" jsonb null, "offered_source" varchar(100) not null, "source_key" varchar(300) not null, "at" timestamptz not null default now());`,
    );
    this.addSql(`create index "merge_conflict_target_idx" on "merge_conflict" ("target_type", "target_id");`);

    this.addSql(
      `create table "source_link" ("connector_id" bigint not null, "stream" varchar(200) not null, "source_key" varchar(300) not null, "target_type" varchar(40) not null, "target_id" bigint not null, "content_hash" varchar(64) not null, "last_run_id" bigint not null, "first_seen" timestamptz not null default now(), "last_seen" timestamptz not null default now(), "gone_at" timestamptz null, constraint "source_link_pkey" primary key ("connector_id", "stream", "source_key"));`,
    );
    this.addSql(`create index "source_link_target_idx" on "source_link" ("target_type", "target_id");`);

    this.addSql(
      `create table "sync_run" ("id" bigserial primary key, "connector_id" bigint not null, "status" "run_status" not null, "trigger" varchar(20) not null, "queued_at" timestamptz not null default now(), "started_at" timestamptz null, "finished_at" timestamptz null, "read" int not null default 0, "inserted" int not null default 0, "updated" int not null default 0, "unchanged" int not null default 0, "quarantined" int not null default 0, "skipped" int not null default 0, "gone" int not null default 0, "conflicts" int not null default 0, "checkpoint" jsonb not null default '{}', "done_streams" text[] not null default '{}', "error_code" varchar(40) null, "error" text null);`,
    );
    this.addSql(
      `create unique index "sync_run_one_active_idx" on "sync_run" ("connector_id") where "status" in ('queued', 'running');`,
    );
    this.addSql(`create index "sync_run_connector_idx" on "sync_run" ("connector_id", "id");`);

    this.addSql(
      `create table "quarantined_record" ("id" bigserial primary key, "connector_id" bigint not null, "run_id" bigint not null, "stream" varchar(200) not null, "source_key" varchar(300) not null, "raw" jsonb not null, "corrected" jsonb null, "failures" jsonb not null, "status" "quarantine_status" not null, "created_at" timestamptz not null default now(), "resolved_at" timestamptz null);`,
    );
    this.addSql(
      `create unique index "quarantined_record_open_key_idx" on "quarantined_record" ("connector_id", "stream", "source_key") where "status" = 'open';`,
    );
    this.addSql(
      `create index "quarantined_record_connector_idx" on "quarantined_record" ("connector_id", "status", "id");`,
    );

    this.addSql(
      `alter table "connector_state" add constraint "connector_state_connector_id_foreign" foreign key ("connector_id") references "connector" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "source_link" add constraint "source_link_connector_id_foreign" foreign key ("connector_id") references "connector" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "sync_run" add constraint "sync_run_connector_id_foreign" foreign key ("connector_id") references "connector" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "quarantined_record" add constraint "quarantined_record_connector_id_foreign" foreign key ("connector_id") references "connector" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "quarantined_record" add constraint "quarantined_record_run_id_foreign" foreign key ("run_id") references "sync_run" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "connector_state" drop constraint "connector_state_connector_id_foreign";`);

    this.addSql(`alter table "source_link" drop constraint "source_link_connector_id_foreign";`);

    this.addSql(`alter table "sync_run" drop constraint "sync_run_connector_id_foreign";`);

    this.addSql(
      `alter table "quarantined_record" drop constraint "quarantined_record_connector_id_foreign";`,
    );

    this.addSql(`alter table "quarantined_record" drop constraint "quarantined_record_run_id_foreign";`);

    this.addSql(`drop table if exists "connector" cascade;`);

    this.addSql(`drop table if exists "connector_state" cascade;`);

    this.addSql(`drop table if exists "merge_conflict" cascade;`);

    this.addSql(`drop table if exists "source_link" cascade;`);

    this.addSql(`drop table if exists "sync_run" cascade;`);

    this.addSql(`drop table if exists "quarantined_record" cascade;`);

    this.addSql(`drop type "run_status";`);
    this.addSql(`drop type "quarantine_status";`);
  }
}
