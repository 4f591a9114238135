import { Migration } from '@mikro-orm/migrations';

export class Migration20261126135216_init extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create type "region_level" as enum ('county', 'township', 'village', 'grid');`);
    this.addSql(
      `create type "region_kind" as enum ('county', 'subdistrict', 'town', 'xiang', 'farm', 'community', 'village', 'urban_grid', 'rural_grid', 'special_grid');`,
    );
    this.addSql(
      `create table "region" ("code" varchar(32) not null, "name" varchar(100) not null, "level" "region_level" not null, "kind" "region_kind" not null, "parent_code" varchar(32) null, "path" text not null, "synthetic" boolean not null default false, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "region_pkey" primary key ("code"));`,
    );
    this.addSql(`alter table "region" add constraint "region_path_unique" unique ("path");`);
    this.addSql(`create index "region_parent_code_idx" on "region" ("parent_code");`);
    this.addSql(`create index "region_level_idx" on "region" ("level");`);
    this.addSql(`create index "region_path_prefix_idx" on "region" ("path" text_pattern_ops);`);

    this.addSql(
      `alter table "region" add constraint "region_parent_code_foreign" foreign key ("parent_code") references "region" ("code") on update cascade on delete restrict;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "region" drop constraint "region_parent_code_foreign";`);

    this.addSql(`drop table if exists "region" cascade;`);

    this.addSql(`drop type "region_level";`);
    this.addSql(`drop type "region_kind";`);
  }
}
