import { Migration } from '@mikro-orm/migrations';

export class Migration20261126143100_event_party_organization extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "event_party" add column "organization_id" bigint null;`);
    this.addSql(
      `alter table "event_party" add constraint "event_party_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete set null;`,
    );
    this.addSql(`create index "event_party_organization_idx" on "event_party" ("organization_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "event_party" drop constraint "event_party_organization_id_foreign";`);

    this.addSql(`drop index "event_party_organization_idx";`);
    this.addSql(`alter table "event_party" drop column "organization_id";`);
  }
}
