import { Migration } from '@mikro-orm/migrations';

export class Migration20261127090724_FeeLineStatementIndex extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "carrier_statement_line" drop constraint "carrier_statement_line_statement_id_foreign";`,
    );

    this.addSql(`drop index "carrier_statement_line_iccid_idx";`);
    this.addSql(`drop index "carrier_statement_line_msisdn_idx";`);

    this.addSql(
      `create index "carrier_statement_line_statement_idx" on "carrier_statement_line" ("statement_id", "id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "carrier_statement_line_statement_idx";`);

    this.addSql(
      `alter table "carrier_statement_line" add constraint "carrier_statement_line_statement_id_foreign" foreign key ("statement_id") references "carrier_statement" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `create index "carrier_statement_line_iccid_idx" on "carrier_statement_line" ("statement_id", "iccid");`,
    );
    this.addSql(
      `create index "carrier_statement_line_msisdn_idx" on "carrier_statement_line" ("statement_id", "msisdn");`,
    );
  }
}
