import { Migration } from '@mikro-orm/migrations';
import { appendRootFieldsSql } from './policy-sql';

export class Migration20261127023843_fleet extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create type "handset_status" as enum ('in_stock', 'assigned', 'active', 'lost', 'under_repair', 'retired');`,
    );
    this.addSql(`create type "certificate_status" as enum ('active', 'superseded', 'revoked');`);
    this.addSql(
      `create type "revocation_reason" as enum ('unspecified', 'keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'certificateHold');`,
    );
    this.addSql(`create type "sim_status" as enum ('stock', 'active', 'suspended', 'cancelled');`);
    this.addSql(`create type "worker_kind" as enum ('full_time', 'auxiliary', 'part_time');`);
    this.addSql(`create type "worker_status" as enum ('active', 'left');`);
    this.addSql(
      `create table "app_release" ("id" bigserial primary key, "version" varchar(40) not null, "version_code" int not null, "min_version_code" int not null, "sha256" varchar(64) not null, "notes" text null, "released_at" timestamptz not null default now(), "released_by" varchar(100) not null);`,
    );
    this.addSql(
      `alter table "app_release" add constraint "app_release_version_code_unique" unique ("version_code");`,
    );

    this.addSql(
      `create table "device_ca" ("id" smallint not null, "cert_pem" text not null, "encrypted_key_pem" text not null, "fingerprint" varchar(100) not null, "crl_number" bigint not null default 0, "crl_pem" text null, "crl_this_update" timestamptz null, "crl_next_update" timestamptz null, "created_at" timestamptz not null default now(), constraint "device_ca_pkey" primary key ("id"));`,
    );

    this.addSql(
      `create table "fleet_audit" ("id" bigserial primary key, "at" timestamptz not null default now(), "actor" varchar(100) not null, "action" varchar(40) not null, "handset_id" bigint null, "serial" varchar(64) null, "detail" jsonb not null default '{}');`,
    );
    this.addSql(`create index "fleet_audit_at_idx" on "fleet_audit" ("at");`);
    this.addSql(`create index "fleet_audit_handset_idx" on "fleet_audit" ("handset_id", "at");`);

    this.addSql(
      `create table "fleet_change" ("id" bigserial primary key, "subject" varchar(10) not null, "subject_id" bigint not null, "changes" jsonb not null, "reason" varchar(500) null, "actor" varchar(100) not null, "at" timestamptz not null default now());`,
    );
    this.addSql(`create index "fleet_change_subject_idx" on "fleet_change" ("subject", "subject_id", "at");`);

    this.addSql(
      `create table "handset" ("id" bigserial primary key, "device_id" varchar(40) not null, "imei1" varchar(15) not null, "imei2" varchar(15) null, "imei_changed_at" timestamptz null, "reported_imei" varchar(40) null, "serial" varchar(60) null, "model" varchar(100) not null, "os_version" varchar(40) null, "purchase_date" date null, "status" "handset_status" not null, "enrolled_at" timestamptz null, "last_seen_at" timestamptz null, "app_version" varchar(40) null, "app_version_code" int null, "battery" smallint null, "iccid_seen" varchar(20) null, "location" jsonb null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`,
    );
    this.addSql(`alter table "handset" add constraint "handset_device_id_unique" unique ("device_id");`);
    this.addSql(`alter table "handset" add constraint "handset_imei1_unique" unique ("imei1");`);
    this.addSql(`alter table "handset" add constraint "handset_imei2_unique" unique ("imei2");`);
    this.addSql(`create index "handset_last_seen_idx" on "handset" ("last_seen_at");`);
    this.addSql(`create index "handset_status_idx" on "handset" ("status", "id");`);

    this.addSql(
      `create table "enrollment_token" ("id" bigserial primary key, "token_hash" varchar(64) not null, "handset_id" bigint not null, "created_by" varchar(100) not null, "created_at" timestamptz not null default now(), "expires_at" timestamptz not null, "used_at" timestamptz null, "used_for_serial" varchar(64) null);`,
    );
    this.addSql(
      `alter table "enrollment_token" add constraint "enrollment_token_token_hash_unique" unique ("token_hash");`,
    );
    this.addSql(
      `create index "enrollment_token_handset_idx" on "enrollment_token" ("handset_id", "created_at");`,
    );

    this.addSql(
      `create table "device_certificate" ("serial" varchar(64) not null, "handset_id" bigint not null, "subject" varchar(300) not null, "fingerprint" varchar(100) not null, "not_before" timestamptz not null, "not_after" timestamptz not null, "status" "certificate_status" not null, "revoked_at" timestamptz null, "revocation_reason" "revocation_reason" null, "renewed_from" varchar(64) null, "pem" text not null, "issued_at" timestamptz not null default now(), constraint "device_certificate_pkey" primary key ("serial"));`,
    );
    this.addSql(
      `alter table "device_certificate" add constraint "device_certificate_fingerprint_unique" unique ("fingerprint");`,
    );
    this.addSql(
      `create index "device_certificate_expiry_idx" on "device_certificate" ("status", "not_after");`,
    );
    this.addSql(
      `create index "device_certificate_handset_idx" on "device_certificate" ("handset_id", "not_after");`,
    );

    this.addSql(
      `create table "checkin" ("id" bigserial primary key, "handset_id" bigint not null, "at" timestamptz not null default now(), "cert_serial" varchar(64) not null, "app_version" varchar(40) null, "app_version_code" int null, "os_version" varchar(40) null, "battery" smallint null, "iccid" varchar(20) null, "imei" varchar(40) null, "location" jsonb null, "findings" jsonb not null default '[]');`,
    );
    this.addSql(`create index "checkin_handset_idx" on "checkin" ("handset_id", "at");`);

    this.addSql(
      `create table "sim_card" ("id" bigserial primary key, "iccid" varchar(20) not null, "msisdn" varchar(20) null, "carrier" varchar(10) not null, "plan" varchar(100) not null, "monthly_fee_fen" int not null, "status" "sim_status" not null, "activated_on" date null, "suspended_on" date null, "cancelled_on" date null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`,
    );
    this.addSql(`alter table "sim_card" add constraint "sim_card_iccid_unique" unique ("iccid");`);
    this.addSql(`alter table "sim_card" add constraint "sim_card_msisdn_unique" unique ("msisdn");`);
    this.addSql(`create index "sim_card_status_idx" on "sim_card" ("status", "id");`);

    this.addSql(
      `create table "fleet_worker" ("id" bigserial primary key, "code" varchar(40) not null, "person_id" bigint null, "name" varchar(100) not null, "phone" varchar(20) null, "grid_code" varchar(20) not null, "kind" "worker_kind" not null, "status" "worker_status" not null default 'active', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`,
    );
    this.addSql(`alter table "fleet_worker" add constraint "fleet_worker_code_unique" unique ("code");`);
    this.addSql(`create index "fleet_worker_person_idx" on "fleet_worker" ("person_id");`);
    this.addSql(`create index "fleet_worker_grid_idx" on "fleet_worker" ("grid_code", "id");`);

    this.addSql(
      `create table "assignment" ("id" bigserial primary key, "handset_id" bigint not null, "sim_id" bigint null, "worker_id" bigint not null, "since" timestamptz not null, "until" timestamptz null, "assigned_by" varchar(100) not null);`,
    );
    this.addSql(
      `create unique index "assignment_open_worker_idx" on "assignment" ("worker_id") where "until" is null;`,
    );
    this.addSql(
      `create unique index "assignment_open_sim_idx" on "assignment" ("sim_id") where "until" is null;`,
    );
    this.addSql(
      `create unique index "assignment_open_handset_idx" on "assignment" ("handset_id") where "until" is null;`,
    );
    this.addSql(`create index "assignment_handset_idx" on "assignment" ("handset_id", "since");`);
    this.addSql(`create index "assignment_sim_idx" on "assignment" ("sim_id", "since");`);
    this.addSql(`create index "assignment_worker_idx" on "assignment" ("worker_id", "since");`);

    this.addSql(
      `alter table "enrollment_token" add constraint "enrollment_token_handset_id_foreign" foreign key ("handset_id") references "handset" ("id") on update cascade on delete restrict;`,
    );

    this.addSql(
      `alter table "device_certificate" add constraint "device_certificate_handset_id_foreign" foreign key ("handset_id") references "handset" ("id") on update cascade on delete restrict;`,
    );

    this.addSql(
      `alter table "checkin" add constraint "checkin_handset_id_foreign" foreign key ("handset_id") references "handset" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "assignment" add constraint "assignment_handset_id_foreign" foreign key ("handset_id") references "handset" ("id") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "assignment" add constraint "assignment_sim_id_foreign" foreign key ("sim_id") references "sim_card" ("id") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "assignment" add constraint "assignment_worker_id_foreign" foreign key ("worker_id") references "fleet_worker" ("id") on update cascade on delete restrict;`,
    );

    // The fleet's change history and its audit of privileged actions are append-only, like the access log.
    this.addSql(`create function fleet_append_only() returns trigger language plpgsql as $$
      begin raise exception '% is append-only', tg_table_name using errcode = 'insufficient_privilege'; end $$;`);
    this.addSql(`create trigger fleet_change_append_only before update or delete on "fleet_change"
      for each statement execute function fleet_append_only();`);
    this.addSql(`create trigger fleet_audit_append_only before update or delete on "fleet_audit"
      for each statement execute function fleet_append_only();`);
    // One device CA per hub.
    this.addSql(`alter table "device_ca" add constraint "device_ca_single" check ("id" = 1);`);

    // The IT office gets the fleet's root fields (see policy-sql.ts).
    this.addSql(
      appendRootFieldsSql('it_office', [
        'handsets',
        'handset',
        'sims',
        'sim',
        'workers',
        'worker',
        'fleetHistory',
        'appReleases',
        'fleetCompliance',
        'fleetComplianceCsv',
        'fleetAudit',
        'createHandset',
        'updateHandset',
        'setHandsetStatus',
        'createSim',
        'setSimStatus',
        'createWorker',
        'assignHandset',
        'unassignHandset',
        'createAppRelease',
        'createEnrollmentToken',
        'revokeCertificate',
        'revokeHandset',
        'importFleetInventory',
      ]),
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists fleet_change_append_only on "fleet_change";`);
    this.addSql(`drop trigger if exists fleet_audit_append_only on "fleet_audit";`);
    this.addSql(`drop function if exists fleet_append_only();`);
    this.addSql(`alter table "enrollment_token" drop constraint "enrollment_token_handset_id_foreign";`);

    this.addSql(`alter table "device_certificate" drop constraint "device_certificate_handset_id_foreign";`);

    this.addSql(`alter table "checkin" drop constraint "checkin_handset_id_foreign";`);

    this.addSql(`alter table "assignment" drop constraint "assignment_handset_id_foreign";`);

    this.addSql(`alter table "assignment" drop constraint "assignment_sim_id_foreign";`);

    this.addSql(`alter table "assignment" drop constraint "assignment_worker_id_foreign";`);

    this.addSql(`drop table if exists "app_release" cascade;`);

    this.addSql(`drop table if exists "device_ca" cascade;`);

    this.addSql(`drop table if exists "fleet_audit" cascade;`);

    this.addSql(`drop table if exists "fleet_change" cascade;`);

    this.addSql(`drop table if exists "handset" cascade;`);

    this.addSql(`drop table if exists "enrollment_token" cascade;`);

    this.addSql(`drop table if exists "device_certificate" cascade;`);

    this.addSql(`drop table if exists "checkin" cascade;`);

    this.addSql(`drop table if exists "sim_card" cascade;`);

    this.addSql(`drop table if exists "fleet_worker" cascade;`);

    this.addSql(`drop table if exists "assignment" cascade;`);

    this.addSql(`drop type "handset_status";`);
    this.addSql(`drop type "certificate_status";`);
    this.addSql(`drop type "revocation_reason";`);
    this.addSql(`drop type "sim_status";`);
    this.addSql(`drop type "worker_kind";`);
    this.addSql(`drop type "worker_status";`);
  }
}
