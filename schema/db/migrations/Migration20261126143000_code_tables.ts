import { Migration } from '@mikro-orm/migrations';
import { CODE_TABLES } from '../../codes';
import { seedCodeTablesSql } from '../../codes/seed';

/** Seeds the GB/T 31000 code tables and those of its person block (idempotent upserts). */
export class Migration20261126143000_code_tables extends Migration {
  override async up(): Promise<void> {
    for (const sql of seedCodeTablesSql(CODE_TABLES)) this.addSql(sql);
  }

  override async down(): Promise<void> {
    this.addSql('delete from code_value');
    this.addSql('delete from code_table');
  }
}
