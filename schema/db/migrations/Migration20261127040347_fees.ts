import { Migration } from '@mikro-orm/migrations';
import { appendRootFieldsSql } from './policy-sql';

export class Migration20261127040347_fees extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create type "fee_bad_line_policy" as enum ('refuse', 'quarantine');`);
    this.addSql(
      `create type "fee_category" as enum ('plan_fee', 'data', 'voice', 'sms', 'value_added', 'third_party', 'other');`,
    );
    this.addSql(
      `create table "carrier_template" ("id" bigserial primary key, "carrier" varchar(10) not null, "name" varchar(100) not null, "columns" jsonb not null, "categories" jsonb not null default '{}', "bad_lines" "fee_bad_line_policy" not null default 'refuse', "allow_credits" boolean not null default false, "header_row" smallint not null default 1, "skip_rows" smallint not null default 0, "totals_marker" varchar(40) null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`,
    );
    this.addSql(`create index "carrier_template_carrier_idx" on "carrier_template" ("carrier");`);
    this.addSql(
      `alter table "carrier_template" add constraint "carrier_template_name_unique" unique ("name");`,
    );

    this.addSql(
      `create table "carrier_statement" ("id" bigserial primary key, "carrier" varchar(10) not null, "billing_month" date not null, "template_id" bigint not null, "file_name" varchar(255) not null, "sha256" varchar(64) not null, "imported_at" timestamptz not null default now(), "imported_by" varchar(100) not null, "totals_fen" jsonb not null, "total_fen" bigint not null, "line_count" int not null, "quarantined_count" int not null default 0, "replaced_statement_id" bigint null, "replaced_totals_fen" jsonb null);`,
    );
    this.addSql(`create index "carrier_statement_month_idx" on "carrier_statement" ("billing_month");`);
    this.addSql(
      `alter table "carrier_statement" add constraint "carrier_statement_carrier_month_unique" unique ("carrier", "billing_month");`,
    );

    this.addSql(
      `create table "carrier_statement_quarantine" ("id" bigserial primary key, "statement_id" bigint not null, "row_no" int not null, "raw" jsonb not null, "failures" jsonb not null, "created_at" timestamptz not null default now());`,
    );
    this.addSql(
      `create index "carrier_statement_quarantine_statement_idx" on "carrier_statement_quarantine" ("statement_id", "row_no");`,
    );

    this.addSql(
      `create table "carrier_statement_line" ("id" bigserial primary key, "statement_id" bigint not null, "line_no" int not null, "iccid" varchar(20) null, "msisdn" varchar(20) null, "category" "fee_category" not null, "item_name" varchar(200) null, "amount_fen" bigint not null, "data_mb" int null, "voice_minutes" int null, "sms_count" int null, "days_in_service" smallint null, "raw" jsonb not null);`,
    );
    this.addSql(
      `create index "carrier_statement_line_msisdn_idx" on "carrier_statement_line" ("statement_id", "msisdn");`,
    );
    this.addSql(
      `create index "carrier_statement_line_iccid_idx" on "carrier_statement_line" ("statement_id", "iccid");`,
    );

    this.addSql(
      `alter table "carrier_statement" add constraint "carrier_statement_template_id_foreign" foreign key ("template_id") references "carrier_template" ("id") on update cascade on delete restrict;`,
    );

    this.addSql(
      `alter table "carrier_statement_quarantine" add constraint "carrier_statement_quarantine_statement_id_foreign" foreign key ("statement_id") references "carrier_statement" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "carrier_statement_line" add constraint "carrier_statement_line_statement_id_foreign" foreign key ("statement_id") references "carrier_statement" ("id") on update cascade on delete cascade;`,
    );
    // Default templates for China Mobile and China Telecom enterprise bills; finance adjusts them as data.
    // Inline values: a migration never imports live constants.
    this.addSql(
      `insert into "carrier_template" ("carrier", "name", "columns", "categories", "bad_lines", "allow_credits", "header_row", "skip_rows", "totals_marker") values ('cmcc', '中国移动集团账单(默认)', '{"iccid": "ICCID", "msisdn": ["手机号码", "号码"], "month": ["账期", "计费月份"], "itemName": ["费用项目", "科目名称"], "amount": ["金额(元)", "应收金额"], "dataMb": "流量(MB)", "voiceMinutes": "通话时长(分钟)", "smsCount": "短信条数", "daysInService": "在网天数"}', '{"套餐及固定费": "plan_fee", "套餐月功能费": "plan_fee", "上网费": "data", "套餐外流量费": "data", "语音通信费": "voice", "通话费": "voice", "短信彩信费": "sms", "短信费": "sms", "增值业务费": "value_added", "代收费": "third_party", "代收业务费": "third_party", "其他费用": "other"}', 'refuse', false, 1, 0, '合计');`,
    );
    this.addSql(
      `insert into "carrier_template" ("carrier", "name", "columns", "categories", "bad_lines", "allow_credits", "header_row", "skip_rows", "totals_marker") values ('ctcc', '中国电信政企账单(默认)', '{"iccid": "ICCID", "msisdn": "号码", "month": "计费月份", "category": "科目编码", "itemName": "科目名称", "amount": "应收金额", "dataMb": "流量(MB)", "voiceMinutes": "通话时长(分钟)", "smsCount": "短信条数", "daysInService": "在网天数"}', '{"1001": "plan_fee", "1002": "data", "1003": "voice", "1004": "sms", "1005": "value_added", "1006": "third_party", "1009": "other", "1010": "other"}', 'refuse', true, 1, 0, '合计');`,
    );
    // Finance gets the statements' root fields (see policy-sql.ts).
    this.addSql(
      appendRootFieldsSql('finance', ['carrierTemplates', 'statements', 'statement', 'importStatement']),
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "carrier_statement" drop constraint "carrier_statement_template_id_foreign";`);

    this.addSql(
      `alter table "carrier_statement_quarantine" drop constraint "carrier_statement_quarantine_statement_id_foreign";`,
    );

    this.addSql(
      `alter table "carrier_statement_line" drop constraint "carrier_statement_line_statement_id_foreign";`,
    );

    this.addSql(`drop table if exists "carrier_template" cascade;`);

    this.addSql(`drop table if exists "carrier_statement" cascade;`);

    this.addSql(`drop table if exists "carrier_statement_quarantine" cascade;`);

    this.addSql(`drop table if exists "carrier_statement_line" cascade;`);

    this.addSql(`drop type "fee_bad_line_policy";`);
    this.addSql(`drop type "fee_category";`);
  }
}
