import { Migration } from '@mikro-orm/migrations';
import { appendRootFieldsSql } from './policy-sql';

export class Migration20261127065045_indicators extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "evaluation_rubric" ("name" varchar(40) not null, "rubric" jsonb not null, "updated_at" timestamptz not null default now(), constraint "evaluation_rubric_pkey" primary key ("name"));`,
    );

    this.addSql(
      `create table "indicator_target" ("code" varchar(40) not null, "target" numeric(14,4) not null, "comparator" varchar(2) not null default '>=', "updated_at" timestamptz not null default now(), "updated_by" varchar(100) null, constraint "indicator_target_pkey" primary key ("code"));`,
    );

    this.addSql(
      `create table "indicator_snapshot" ("id" bigserial primary key, "period" varchar(10) not null, "period_start" date not null, "period_end" date not null, "region_code" varchar(32) not null, "code" varchar(40) not null, "value" numeric(20,6) null, "numerator" numeric(20,4) null, "denominator" numeric(20,4) null, "target" numeric(14,4) null, "met" boolean null, "detail" jsonb not null default '{}', "computed_at" timestamptz not null default now());`,
    );
    this.addSql(
      `create index "indicator_snapshot_code_idx" on "indicator_snapshot" ("code", "region_code", "period_end");`,
    );
    this.addSql(
      `alter table "indicator_snapshot" add constraint "indicator_snapshot_unique" unique ("period", "region_code", "code");`,
    );

    this.addSql(
      `create table "training_session" ("id" bigserial primary key, "code" varchar(60) not null, "kind" varchar(10) not null, "title" varchar(200) not null, "audience" varchar(20) not null, "region_code" varchar(32) not null, "region_path" text not null, "held_on" date not null, "participants" int not null, "organizer" varchar(100) null, "attributes" jsonb not null default '{}', "created_at" timestamptz not null default now());`,
    );
    this.addSql(
      `alter table "training_session" add constraint "training_session_code_unique" unique ("code");`,
    );
    this.addSql(
      `create index "training_session_region_path_idx" on "training_session" ("region_path" text_pattern_ops, "held_on");`,
    );
    this.addSql(`create index "training_session_held_idx" on "training_session" ("held_on");`);

    this.addSql(
      `alter table "indicator_snapshot" add constraint "indicator_snapshot_region_code_foreign" foreign key ("region_code") references "region" ("code") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "training_session" add constraint "training_session_region_code_foreign" foreign key ("region_code") references "region" ("code") on update cascade on delete restrict;`,
    );
    // The county's targets (domain.md §1, §4) and the national rubric for project-expenditure self-evaluation
    // (budget execution 10, outputs 50, benefits 30, satisfaction 10); both are data, changed by administrators.
    this.addSql(
      `insert into "indicator_target" ("code", "target", "comparator") values ('completeness', 0.8, '>='), ('key_person_entry', 0.85, '>='), ('dispute_resolution', 0.95, '>='), ('handsets_in_service', 1000, '>='), ('training_per_quarter', 1, '>='), ('training_person_times', 1000, '>='), ('items_reported', 8000, '>='), ('key_matters', 2000, '>='), ('satisfaction', 0.9, '>=');`,
    );
    this.addSql(
      `insert into "evaluation_rubric" ("name", "rubric") values ('national', '{"name": "national", "title": "项目支出绩效自评 (national default)", "sections": [{"key": "budget", "name": "预算执行", "points": 10, "items": [{"indicator": "budget_execution", "points": 10, "rule": "proportional"}]}, {"key": "outputs", "name": "产出指标", "points": 50, "items": [{"indicator": "handsets_in_service", "points": 10, "rule": "met"}, {"indicator": "items_reported", "points": 10, "rule": "met"}, {"indicator": "key_matters", "points": 10, "rule": "met"}, {"indicator": "training_per_quarter", "points": 10, "rule": "met"}, {"indicator": "training_person_times", "points": 10, "rule": "met"}]}, {"key": "benefits", "name": "效益指标", "points": 30, "items": [{"indicator": "completeness", "points": 10, "rule": "met"}, {"indicator": "key_person_entry", "points": 10, "rule": "met"}, {"indicator": "dispute_resolution", "points": 10, "rule": "met"}]}, {"key": "satisfaction", "name": "满意度指标", "points": 10, "items": [{"indicator": "satisfaction", "points": 10, "rule": "proportional"}]}]}');`,
    );
    // The indicators and the report for centres and township offices; finance reads the report, not the records.
    for (const role of ['centre_operator', 'township_office']) {
      this.addSql(
        appendRootFieldsSql(role, [
          'indicators',
          'indicatorTrend',
          'indicatorRecords',
          'selfEvaluationReport',
        ]),
      );
    }
    this.addSql(appendRootFieldsSql('finance', ['indicators', 'indicatorTrend', 'selfEvaluationReport']));
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "evaluation_rubric" cascade;`);

    this.addSql(`drop table if exists "indicator_target" cascade;`);

    this.addSql(`drop table if exists "indicator_snapshot" cascade;`);

    this.addSql(`drop table if exists "training_session" cascade;`);
  }
}
