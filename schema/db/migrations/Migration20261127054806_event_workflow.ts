import { Migration } from '@mikro-orm/migrations';
import { appendRootFieldsSql } from './policy-sql';

export class Migration20261127054806_event_workflow extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "event_time_limit" ("id" bigserial primary key, "level" varchar(20) not null default '*', "type_prefix" varchar(4) not null default '', "accept_within" interval not null, "resolve_within" interval not null, "hard_resolve_within" interval not null, "max_within" interval not null, "red_after" interval not null);`,
    );
    this.addSql(
      `alter table "event_time_limit" add constraint "event_time_limit_unique" unique ("level", "type_prefix");`,
    );

    this.addSql(
      `create table "event_notification" ("id" bigserial primary key, "unit" varchar(40) not null, "event_id" bigint not null, "kind" varchar(20) not null, "message" text not null, "at" timestamptz not null default now(), "read_at" timestamptz null);`,
    );
    this.addSql(`create index "event_notification_unit_idx" on "event_notification" ("unit", "at");`);

    this.addSql(
      `create table "event_extension" ("id" bigserial primary key, "event_id" bigint not null, "days" int not null, "reason" text not null, "requested_by_unit" varchar(40) not null, "requested_by" varchar(100) not null, "requested_at" timestamptz not null default now(), "status" varchar(10) not null default 'pending', "decided_by_unit" varchar(40) null, "decided_by" varchar(100) null, "decided_at" timestamptz null, "note" text null);`,
    );
    this.addSql(`create index "event_extension_event_idx" on "event_extension" ("event_id");`);

    this.addSql(
      `create table "event_copy" ("id" bigserial primary key, "event_id" bigint not null, "unit" varchar(40) not null, "copied_by" varchar(100) not null, "at" timestamptz not null default now());`,
    );
    this.addSql(`create index "event_copy_unit_idx" on "event_copy" ("unit");`);
    this.addSql(`alter table "event_copy" add constraint "event_copy_unique" unique ("event_id", "unit");`);

    this.addSql(
      `create table "event_attachment" ("id" bigserial primary key, "event_id" bigint not null, "sha256" varchar(64) not null, "content_type" varchar(60) not null, "size" int not null, "content" bytea not null, "file_name" varchar(200) null, "uploaded_by" varchar(100) not null, "created_at" timestamptz not null default now());`,
    );
    this.addSql(
      `alter table "event_attachment" add constraint "event_attachment_event_sha_unique" unique ("event_id", "sha256");`,
    );

    this.addSql(
      `alter table "event_notification" add constraint "event_notification_event_id_foreign" foreign key ("event_id") references "event" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "event_extension" add constraint "event_extension_event_id_foreign" foreign key ("event_id") references "event" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "event_copy" add constraint "event_copy_event_id_foreign" foreign key ("event_id") references "event" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "event_attachment" add constraint "event_attachment_event_id_foreign" foreign key ("event_id") references "event" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "event" add column "holder_unit" varchar(40) null, add column "holder_since" timestamptz null, add column "route" jsonb not null default '[]', add column "step_seq" int not null default 0, add column "urgent" boolean not null default false, add column "hard_case" boolean not null default false, add column "deadline_at" timestamptz null, add column "deadline_kind" varchar(10) null, add column "accepted_at" timestamptz null, add column "resolved_by_unit" varchar(40) null, add column "reported_by" varchar(100) null, add column "client_key" varchar(120) null, add column "latitude" numeric(9,6) null, add column "longitude" numeric(9,6) null;`,
    );
    this.addSql(`alter table "event" add constraint "event_client_key_unique" unique ("client_key");`);
    this.addSql(
      `create index "event_open_deadline_idx" on "event" ("deadline_at") where "deadline_at" is not null;`,
    );
    this.addSql(`create index "event_holder_idx" on "event" ("holder_unit", "status");`);

    this.addSql(
      `alter table "event_supervision" add column "target_unit" varchar(40) null, add column "step_seq" int null, add column "deadline_at" timestamptz null, add column "auto" boolean not null default false;`,
    );
    this.addSql(
      `create unique index "event_supervision_auto_unique" on "event_supervision" ("event_id", "deadline_at", "level") where "auto";`,
    );

    this.addSql(
      `alter table "event_step" add column "operation" varchar(30) null, add column "step_seq" int null, add column "from_status" varchar(40) null, add column "to_status" varchar(40) null, add column "to_unit" varchar(40) null, add column "actor" varchar(100) null, add column "attachments" jsonb not null default '[]';`,
    );
    // One county's rule as the default (domain.md §3); per level and type rows override it.
    this.addSql(
      `insert into "event_time_limit" ("level", "type_prefix", "accept_within", "resolve_within", "hard_resolve_within", "max_within", "red_after") values ('*', '', '1 day', '3 days', '7 days', '15 days', '1 day');`,
    );
    // Centres and departments get the workflow's root fields (see policy-sql.ts); written out, not imported,
    // so that this migration does the same whatever the default policies say later.
    const eventOps = [
      'eventQueue',
      'eventHistory',
      'eventNotifications',
      'markEventNotificationsRead',
      'reportEvent',
      'acceptEvent',
      'reportEventUp',
      'dispatchEvent',
      'handleEvent',
      'resolveEvent',
      'verifyEvent',
      'archiveEvent',
      'returnEvent',
      'abortEvent',
      'setEventUrgent',
      'requestEventExtension',
      'decideEventExtension',
      'superviseEvent',
      'eventDispatched',
    ];
    for (const role of ['centre_operator', 'township_office', 'public_security', 'civil_affairs']) {
      this.addSql(appendRootFieldsSql(role, eventOps));
    }
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "event_time_limit" cascade;`);

    this.addSql(`drop table if exists "event_notification" cascade;`);

    this.addSql(`drop table if exists "event_extension" cascade;`);

    this.addSql(`drop table if exists "event_copy" cascade;`);

    this.addSql(`drop table if exists "event_attachment" cascade;`);

    this.addSql(`alter table "event" drop constraint "event_client_key_unique";`);
    this.addSql(`drop index "event_open_deadline_idx";`);
    this.addSql(`drop index "event_holder_idx";`);
    this.addSql(
      `alter table "event" drop column "holder_unit", drop column "holder_since", drop column "route", drop column "step_seq", drop column "urgent", drop column "hard_case", drop column "deadline_at", drop column "deadline_kind", drop column "accepted_at", drop column "resolved_by_unit", drop column "reported_by", drop column "client_key", drop column "latitude", drop column "longitude";`,
    );

    this.addSql(
      `alter table "event_step" drop column "operation", drop column "step_seq", drop column "from_status", drop column "to_status", drop column "to_unit", drop column "actor", drop column "attachments";`,
    );

    this.addSql(`drop index "event_supervision_auto_unique";`);
    this.addSql(
      `alter table "event_supervision" drop column "target_unit", drop column "step_seq", drop column "deadline_at", drop column "auto";`,
    );
  }
}
