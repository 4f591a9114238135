import { Migration } from '@mikro-orm/migrations';
import { DEFAULT_POLICIES } from '../../access/default-policies';

/** Principals, API keys, role policies (the default roles seeded when missing) and the access change log. */

export class Migration20261126165432_access extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create type "principal_kind" as enum ('client', 'user');`);
    this.addSql(
      `create table "access_change" ("id" bigserial primary key, "at" timestamptz not null default now(), "actor" varchar(100) not null, "action" varchar(40) not null, "subject" varchar(100) not null, "before" jsonb null, "after" jsonb null);`,
    );
    this.addSql(`create index "access_change_at_idx" on "access_change" ("at");`);

    this.addSql(
      `create table "principal" ("id" bigserial primary key, "name" varchar(100) not null, "title" varchar(200) not null, "kind" "principal_kind" not null, "unit_code" varchar(40) null, "roles" text[] not null, "disabled" boolean not null default false, "created_at" timestamptz not null default now());`,
    );
    this.addSql(`alter table "principal" add constraint "principal_name_unique" unique ("name");`);

    this.addSql(
      `create table "api_key" ("id" bigserial primary key, "principal_id" bigint not null, "prefix" varchar(20) not null, "secret_hash" varchar(64) not null, "created_at" timestamptz not null default now(), "expires_at" timestamptz not null, "revoked_at" timestamptz null, "revoked_reason" varchar(200) null, "last_used_at" timestamptz null, "rotated_from_id" bigint null);`,
    );
    this.addSql(`alter table "api_key" add constraint "api_key_prefix_unique" unique ("prefix");`);
    this.addSql(`create index "api_key_principal_idx" on "api_key" ("principal_id");`);

    this.addSql(
      `create table "role_policy" ("role" varchar(60) not null, "policy" jsonb not null, "version" int not null default 1, "updated_at" timestamptz not null default now(), "updated_by" varchar(100) not null, constraint "role_policy_pkey" primary key ("role"));`,
    );

    this.addSql(
      `alter table "api_key" add constraint "api_key_principal_id_foreign" foreign key ("principal_id") references "principal" ("id") on update cascade on delete cascade;`,
    );

    // Who changed access is evidence: the log refuses updates and deletes, like the read audit.
    this.addSql(`create function access_change_append_only() returns trigger language plpgsql as $$
      begin raise exception 'access_change is append-only'; end $$;`);
    this.addSql(`create trigger access_change_append_only before update or delete on "access_change"
      for each statement execute function access_change_append_only();`);

    for (const [role, policy] of Object.entries(DEFAULT_POLICIES)) {
      const json = JSON.stringify(policy).replace(/'/g, "''");
      this.addSql(
        `insert into "role_policy" ("role", "policy", "updated_by") values ('${role}', '${json}'::jsonb, 'migration') on conflict do nothing;`,
      );
    }
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists access_change_append_only on "access_change";`);
    this.addSql(`drop function if exists access_change_append_only();`);
    this.addSql(`alter table "api_key" drop constraint "api_key_principal_id_foreign";`);

    this.addSql(`drop table if exists "access_change" cascade;`);

    this.addSql(`drop table if exists "principal" cascade;`);

    this.addSql(`drop table if exists "api_key" cascade;`);

    this.addSql(`drop table if exists "role_policy" cascade;`);

    this.addSql(`drop type "principal_kind";`);
  }
}
