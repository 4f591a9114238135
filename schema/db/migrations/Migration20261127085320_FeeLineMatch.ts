import { Migration } from '@mikro-orm/migrations';

export class Migration20261127085320_FeeLineMatch extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index "checkin_at_idx" on "checkin" ("at") include ("handset_id", "iccid");`);

    this.addSql(`alter table "carrier_statement" add column "fleet_digest" varchar(60) null;`);

    this.addSql(
      `alter table "carrier_statement_line" add column "sim_id" bigint null, add column "matched_by" varchar(10) null, add column "handset_id" bigint null, add column "worker_id" bigint null, add column "grid_code" varchar(20) null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "carrier_statement" drop column "fleet_digest";`);

    this.addSql(
      `alter table "carrier_statement_line" drop column "sim_id", drop column "matched_by", drop column "handset_id", drop column "worker_id", drop column "grid_code";`,
    );

    this.addSql(`drop index "checkin_at_idx";`);
  }
}
