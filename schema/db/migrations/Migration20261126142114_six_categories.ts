import { Migration } from '@mikro-orm/migrations';

export class Migration20261126142114_six_categories extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create type "place_kind" as enum ('building', 'house', 'key_area', 'school', 'protected_line', 'other');`,
    );
    this.addSql(
      `create type "organization_kind" as enum ('enterprise', 'social_organization', 'governance_centre', 'patrol_team', 'delivery_firm');`,
    );
    this.addSql(
      `create type "person_record_kind" as enum ('registered', 'floating', 'foreign', 'left_behind', 'released_prisoner', 'community_correction', 'drug_user', 'severe_mental_disorder', 'hiv_risk', 'key_youth', 'petitioner', 'grid_worker', 'building_head');`,
    );
    this.addSql(`create type "event_kind" as enum ('incident', 'dispute', 'case');`);
    this.addSql(
      `create type "event_status" as enum ('awaiting_acceptance', 'in_progress', 'resolved_awaiting_verification', 'verification_failed', 'verified', 'archived', 'closed');`,
    );
    this.addSql(
      `create type "supervision_level" as enum ('normal', 'yellow_card', 'red_card', 'cancelled');`,
    );
    this.addSql(
      `create type "situation_kind" as enum ('sentiment_report', 'safety_survey', 'risk_assessment');`,
    );
    this.addSql(`create type "thing_kind" as enum ('dangerous_goods', 'camera', 'equipment');`);
    this.addSql(
      `create table "code_table" ("id" varchar(60) not null, "label" varchar(60) not null, "standard" varchar(60) not null, "multiple" boolean not null default false, "note" text null, constraint "code_table_pkey" primary key ("id"));`,
    );

    this.addSql(
      `create table "code_value" ("table_id" varchar(60) not null, "code" varchar(10) not null, "label" varchar(100) not null, "parent_code" varchar(10) null, "position" int not null, constraint "code_value_pkey" primary key ("table_id", "code"));`,
    );

    this.addSql(
      `create table "place" ("id" bigserial primary key, "region_code" varchar(32) not null, "region_path" text not null, "provenance" jsonb not null default '{"sources":[],"fields":{}}', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "code" varchar(40) not null, "kind" "place_kind" not null, "name" varchar(200) not null, "address" varchar(200) null, "parent_place_id" bigint null, "longitude" double precision null, "latitude" double precision null, "attributes" jsonb not null default '{}');`,
    );
    this.addSql(`alter table "place" add constraint "place_code_unique" unique ("code");`);
    this.addSql(`create index "place_region_path_idx" on "place" ("region_path" text_pattern_ops, "kind");`);
    this.addSql(`create index "place_kind_idx" on "place" ("kind", "id");`);
    this.addSql(`create index "place_region_idx" on "place" ("region_code", "id");`);

    this.addSql(
      `create table "organization" ("id" bigserial primary key, "region_code" varchar(32) not null, "region_path" text not null, "provenance" jsonb not null default '{"sources":[],"fields":{}}', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "credit_code" varchar(18) null, "kind" "organization_kind" not null, "name" varchar(200) not null, "category" varchar(4) null, "address" varchar(200) null, "legal_representative" varchar(50) null, "legal_representative_id_number" varchar(18) null, "phone" varchar(20) null, "employee_count" int null, "attention_level" varchar(2) null, "has_party_organization" boolean null, "party_members" int null, "has_union" boolean null, "union_members" int null, "has_youth_league" boolean null, "youth_league_members" int null, "has_womens_federation" boolean null, "women_count" int null, "longitude" double precision null, "latitude" double precision null, "attributes" jsonb not null default '{}');`,
    );
    this.addSql(
      `alter table "organization" add constraint "organization_credit_code_unique" unique ("credit_code");`,
    );
    this.addSql(`create index "organization_name_idx" on "organization" ("name" text_pattern_ops);`);
    this.addSql(
      `create index "organization_region_path_idx" on "organization" ("region_path" text_pattern_ops, "kind");`,
    );
    this.addSql(`create index "organization_kind_idx" on "organization" ("kind", "id");`);
    this.addSql(`create index "organization_region_idx" on "organization" ("region_code", "id");`);

    this.addSql(
      `create table "household" ("id" bigserial primary key, "region_code" varchar(32) not null, "region_path" text not null, "provenance" jsonb not null default '{"sources":[],"fields":{}}', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "household_number" varchar(20) not null, "head_id_number" varchar(18) null, "head_name" varchar(50) null, "address" varchar(200) null, "residence_match" varchar(2) null);`,
    );
    this.addSql(
      `alter table "household" add constraint "household_household_number_unique" unique ("household_number");`,
    );
    this.addSql(`create index "household_region_path_idx" on "household" ("region_path" text_pattern_ops);`);
    this.addSql(`create index "household_region_idx" on "household" ("region_code", "id");`);

    this.addSql(
      `create table "person" ("id" bigserial primary key, "region_code" varchar(32) not null, "region_path" text not null, "provenance" jsonb not null default '{"sources":[],"fields":{}}', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "id_number" varchar(18) null, "document_type" varchar(3) null, "document_number" varchar(40) null, "name" varchar(50) not null, "former_name" varchar(50) null, "sex" varchar(1) not null, "birth_date" date not null, "ethnicity" varchar(2) null, "native_place" varchar(100) null, "marital_status" varchar(2) null, "political_status" varchar(2) null, "education" varchar(2) null, "religion" varchar(2) null, "occupation_category" varchar(10) null, "occupation" varchar(100) null, "employer" varchar(200) null, "phone" varchar(20) null, "registered_region_code" varchar(12) null, "registered_address" varchar(200) null, "current_address" varchar(200) null, "household_id" bigint null, "tags" text[] not null default '{}');`,
    );
    this.addSql(`alter table "person" add constraint "person_id_number_unique" unique ("id_number");`);
    this.addSql(`create index "person_tags_idx" on "person" using gin ("tags");`);
    this.addSql(`create index "person_birth_date_idx" on "person" ("birth_date");`);
    this.addSql(`create index "person_name_idx" on "person" ("name" text_pattern_ops);`);
    this.addSql(`create index "person_region_path_idx" on "person" ("region_path" text_pattern_ops);`);
    this.addSql(`create index "person_region_idx" on "person" ("region_code", "id");`);
    this.addSql(
      `alter table "person" add constraint "person_document_unique" unique ("document_type", "document_number");`,
    );

    this.addSql(
      `create table "person_record" ("id" bigserial primary key, "region_code" varchar(32) not null, "region_path" text not null, "provenance" jsonb not null default '{"sources":[],"fields":{}}', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "person_id" bigint not null, "kind" "person_record_kind" not null, "attributes" jsonb not null default '{}', "since" date null, "until" date null);`,
    );
    this.addSql(
      `create index "person_record_region_path_idx" on "person_record" ("region_path" text_pattern_ops, "kind");`,
    );
    this.addSql(`create index "person_record_kind_region_idx" on "person_record" ("kind", "region_code");`);
    this.addSql(
      `alter table "person_record" add constraint "person_record_person_kind_unique" unique ("person_id", "kind");`,
    );

    this.addSql(
      `create table "event" ("id" bigserial primary key, "region_code" varchar(32) not null, "region_path" text not null, "provenance" jsonb not null default '{"sources":[],"fields":{}}', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "code" varchar(40) not null, "kind" "event_kind" not null, "title" varchar(200) not null, "occurred_at" timestamptz not null, "reported_at" timestamptz null, "location" varchar(200) null, "place_id" bigint null, "scale" varchar(2) null, "type_code" varchar(4) null, "involved_count" int null, "description" text null, "involved_units" varchar(200) null, "status" "event_status" not null default 'awaiting_acceptance', "resolution_deadline" date null, "resolution_method" varchar(2) null, "resolving_organization" varchar(200) null, "resolution_owner" varchar(50) null, "resolved_successfully" boolean null, "resolved_at" timestamptz null, "resolution_note" text null, "evaluated_on" date null, "evaluation" text null, "attributes" jsonb not null default '{}');`,
    );
    this.addSql(`alter table "event" add constraint "event_code_unique" unique ("code");`);
    this.addSql(
      `create index "event_region_path_idx" on "event" ("region_path" text_pattern_ops, "occurred_at");`,
    );
    this.addSql(`create index "event_kind_occurred_idx" on "event" ("kind", "occurred_at");`);
    this.addSql(`create index "event_region_occurred_idx" on "event" ("region_code", "occurred_at");`);

    this.addSql(
      `create table "event_supervision" ("id" bigserial primary key, "event_id" bigint not null, "level" "supervision_level" not null, "unit" varchar(200) not null, "supervisor" varchar(50) null, "at" timestamptz not null, "opinion" text null);`,
    );
    this.addSql(`create index "event_supervision_event_idx" on "event_supervision" ("event_id", "at");`);

    this.addSql(
      `create table "event_step" ("id" bigserial primary key, "event_id" bigint not null, "step" varchar(40) not null, "unit" varchar(200) not null, "at" timestamptz not null, "handler" varchar(50) null, "opinion" text null, "verifier" varchar(50) null, "verified" boolean null, "verification_opinion" text null);`,
    );
    this.addSql(`create index "event_step_event_idx" on "event_step" ("event_id", "at");`);

    this.addSql(
      `create table "event_party" ("id" bigserial primary key, "event_id" bigint not null, "person_id" bigint null, "id_number" varchar(18) null, "name" varchar(50) not null, "role" varchar(40) null, "category" varchar(4) null, "residence_region_code" varchar(12) null);`,
    );
    this.addSql(`create index "event_party_person_idx" on "event_party" ("person_id");`);
    this.addSql(`create index "event_party_event_idx" on "event_party" ("event_id");`);

    this.addSql(
      `create table "situation" ("id" bigserial primary key, "region_code" varchar(32) not null, "region_path" text not null, "provenance" jsonb not null default '{"sources":[],"fields":{}}', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "code" varchar(40) not null, "kind" "situation_kind" not null, "title" varchar(200) not null, "recorded_at" timestamptz not null, "rating" varchar(4) null, "attributes" jsonb not null default '{}');`,
    );
    this.addSql(`alter table "situation" add constraint "situation_code_unique" unique ("code");`);
    this.addSql(
      `create index "situation_region_path_idx" on "situation" ("region_path" text_pattern_ops, "kind");`,
    );
    this.addSql(`create index "situation_kind_at_idx" on "situation" ("kind", "recorded_at");`);

    this.addSql(
      `create table "thing" ("id" bigserial primary key, "region_code" varchar(32) not null, "region_path" text not null, "provenance" jsonb not null default '{"sources":[],"fields":{}}', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "code" varchar(40) not null, "kind" "thing_kind" not null, "name" varchar(200) not null, "type" varchar(60) null, "owner_organization_id" bigint null, "owner_person_id" bigint null, "place_id" bigint null, "longitude" double precision null, "latitude" double precision null, "attributes" jsonb not null default '{}');`,
    );
    this.addSql(`alter table "thing" add constraint "thing_code_unique" unique ("code");`);
    this.addSql(`create index "thing_region_path_idx" on "thing" ("region_path" text_pattern_ops, "kind");`);
    this.addSql(`create index "thing_region_idx" on "thing" ("region_code", "id");`);

    this.addSql(
      `alter table "code_value" add constraint "code_value_table_id_foreign" foreign key ("table_id") references "code_table" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "place" add constraint "place_region_code_foreign" foreign key ("region_code") references "region" ("code") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "place" add constraint "place_parent_place_id_foreign" foreign key ("parent_place_id") references "place" ("id") on update cascade on delete set null;`,
    );

    this.addSql(
      `alter table "organization" add constraint "organization_region_code_foreign" foreign key ("region_code") references "region" ("code") on update cascade on delete restrict;`,
    );

    this.addSql(
      `alter table "household" add constraint "household_region_code_foreign" foreign key ("region_code") references "region" ("code") on update cascade on delete restrict;`,
    );

    this.addSql(
      `alter table "person" add constraint "person_region_code_foreign" foreign key ("region_code") references "region" ("code") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "person" add constraint "person_household_id_foreign" foreign key ("household_id") references "household" ("id") on update cascade on delete set null;`,
    );

    this.addSql(
      `alter table "person_record" add constraint "person_record_region_code_foreign" foreign key ("region_code") references "region" ("code") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "person_record" add constraint "person_record_person_id_foreign" foreign key ("person_id") references "person" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "event" add constraint "event_region_code_foreign" foreign key ("region_code") references "region" ("code") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "event" add constraint "event_place_id_foreign" foreign key ("place_id") references "place" ("id") on update cascade on delete set null;`,
    );

    this.addSql(
      `alter table "event_supervision" add constraint "event_supervision_event_id_foreign" foreign key ("event_id") references "event" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "event_step" add constraint "event_step_event_id_foreign" foreign key ("event_id") references "event" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "event_party" add constraint "event_party_event_id_foreign" foreign key ("event_id") references "event" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "event_party" add constraint "event_party_person_id_foreign" foreign key ("person_id") references "person" ("id") on update cascade on delete set null;`,
    );

    this.addSql(
      `alter table "situation" add constraint "situation_region_code_foreign" foreign key ("region_code") references "region" ("code") on update cascade on delete restrict;`,
    );

    this.addSql(
      `alter table "thing" add constraint "thing_region_code_foreign" foreign key ("region_code") references "region" ("code") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "thing" add constraint "thing_owner_organization_id_foreign" foreign key ("owner_organization_id") references "organization" ("id") on update cascade on delete set null;`,
    );
    this.addSql(
      `alter table "thing" add constraint "thing_owner_person_id_foreign" foreign key ("owner_person_id") references "person" ("id") on update cascade on delete set null;`,
    );
    this.addSql(
      `alter table "thing" add constraint "thing_place_id_foreign" foreign key ("place_id") references "place" ("id") on update cascade on delete set null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "code_value" drop constraint "code_value_table_id_foreign";`);

    this.addSql(`alter table "place" drop constraint "place_parent_place_id_foreign";`);

    this.addSql(`alter table "event" drop constraint "event_place_id_foreign";`);

    this.addSql(`alter table "thing" drop constraint "thing_place_id_foreign";`);

    this.addSql(`alter table "thing" drop constraint "thing_owner_organization_id_foreign";`);

    this.addSql(`alter table "person" drop constraint "person_household_id_foreign";`);

    this.addSql(`alter table "person_record" drop constraint "person_record_person_id_foreign";`);

    this.addSql(`alter table "event_party" drop constraint "event_party_person_id_foreign";`);

    this.addSql(`alter table "thing" drop constraint "thing_owner_person_id_foreign";`);

    this.addSql(`alter table "event_supervision" drop constraint "event_supervision_event_id_foreign";`);

    this.addSql(`alter table "event_step" drop constraint "event_step_event_id_foreign";`);

    this.addSql(`alter table "event_party" drop constraint "event_party_event_id_foreign";`);

    this.addSql(`drop table if exists "code_table" cascade;`);

    this.addSql(`drop table if exists "code_value" cascade;`);

    this.addSql(`drop table if exists "place" cascade;`);

    this.addSql(`drop table if exists "organization" cascade;`);

    this.addSql(`drop table if exists "household" cascade;`);

    this.addSql(`drop table if exists "person" cascade;`);

    this.addSql(`drop table if exists "person_record" cascade;`);

    this.addSql(`drop table if exists "event" cascade;`);

    this.addSql(`drop table if exists "event_supervision" cascade;`);

    this.addSql(`drop table if exists "event_step" cascade;`);

    this.addSql(`drop table if exists "event_party" cascade;`);

    this.addSql(`drop table if exists "situation" cascade;`);

    this.addSql(`drop table if exists "thing" cascade;`);

    this.addSql(`drop type "place_kind";`);
    this.addSql(`drop type "organization_kind";`);
    this.addSql(`drop type "person_record_kind";`);
    this.addSql(`drop type "event_kind";`);
    this.addSql(`drop type "event_status";`);
    this.addSql(`drop type "supervision_level";`);
    this.addSql(`drop type "situation_kind";`);
    this.addSql(`drop type "thing_kind";`);
  }
}
