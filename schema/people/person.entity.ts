import { Entity, Index, ManyToOne, type Opt, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { GovernedRecord } from '../common/governed';
import { Household } from './household.entity';

/**
 * 人: one row per person, keyed by the citizen ID number (GB 11643), holding the common person block of
 * GB/T 31000. Population types and special-group memberships are separate `PersonRecord`s. Personal fields
 * are exposed by the gateway through its masking rules, never straight from here.
 */
@ObjectType({ simpleResolvers: true, description: '人 — a person, one per citizen ID number' })
@Entity({ tableName: 'person' })
@Index({ name: 'person_region_idx', properties: ['region', 'id'] })
@Index({
  name: 'person_region_path_idx',
  expression: 'create index "person_region_path_idx" on "person" ("region_path" text_pattern_ops)',
})
@Index({
  name: 'person_name_idx',
  expression: 'create index "person_name_idx" on "person" ("name" text_pattern_ops)',
})
@Index({ name: 'person_birth_date_idx', properties: ['birthDate'] })
@Unique({ name: 'person_document_unique', properties: ['documentType', 'documentNumber'] })
@Index({
  name: 'person_tags_idx',
  expression: 'create index "person_tags_idx" on "person" using gin ("tags")',
})
export class Person extends GovernedRecord {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  /** 公民身份号码, normalised (18 characters, upper-case X). Null only for foreigners without one. */
  @Property({ type: 'string', length: 18, unique: true, nullable: true })
  idNumber?: string | null;

  /** For foreigners: 证件代码 (GA/T 517, e.g. 414 普通护照) and 证件号码. */
  @Property({ type: 'string', length: 3, nullable: true })
  documentType?: string | null;

  @Property({ type: 'string', length: 40, nullable: true })
  documentNumber?: string | null;

  @Property({ type: 'string', length: 50 })
  name!: string;

  @Property({ type: 'string', length: 50, nullable: true })
  formerName?: string | null;

  /** 性别 (GB/T 2261.1 code). */
  @Field(() => String, { description: '性别 code (GB/T 2261.1)' })
  @Property({ type: 'string', length: 1 })
  sex!: string;

  @Property({ type: 'date' })
  birthDate!: string;

  @Field(() => String, { nullable: true, description: '民族 code (GB/T 3304)' })
  @Property({ type: 'string', length: 2, nullable: true })
  ethnicity?: string | null;

  @Field(() => String, { nullable: true, description: '籍贯' })
  @Property({ type: 'string', length: 100, nullable: true })
  nativePlace?: string | null;

  @Field(() => String, { nullable: true, description: '婚姻状况 code (GB/T 2261.2)' })
  @Property({ type: 'string', length: 2, nullable: true })
  maritalStatus?: string | null;

  @Field(() => String, { nullable: true, description: '政治面貌 code (GB/T 4762)' })
  @Property({ type: 'string', length: 2, nullable: true })
  politicalStatus?: string | null;

  @Field(() => String, { nullable: true, description: '学历 code (GB/T 4658)' })
  @Property({ type: 'string', length: 2, nullable: true })
  education?: string | null;

  @Field(() => String, { nullable: true, description: '宗教信仰 code' })
  @Property({ type: 'string', length: 2, nullable: true })
  religion?: string | null;

  @Field(() => String, { nullable: true, description: '职业类别 code (GB/T 6565)' })
  @Property({ type: 'string', length: 10, nullable: true })
  occupationCategory?: string | null;

  @Field(() => String, { nullable: true, description: '职业' })
  @Property({ type: 'string', length: 100, nullable: true })
  occupation?: string | null;

  @Field(() => String, { nullable: true, description: '服务处所' })
  @Property({ type: 'string', length: 200, nullable: true })
  employer?: string | null;

  /** 联系方式, normalised. */
  @Property({ type: 'string', length: 20, nullable: true })
  phone?: string | null;

  /** 户籍地: a division code, often outside the county for floating residents, hence no foreign key. */
  @Field(() => String, { nullable: true, description: '户籍地 division code' })
  @Property({ type: 'string', length: 12, nullable: true })
  registeredRegionCode?: string | null;

  @Property({ type: 'string', length: 200, nullable: true })
  registeredAddress?: string | null;

  @Property({ type: 'string', length: 200, nullable: true })
  currentAddress?: string | null;

  @ManyToOne(() => Household, { nullable: true, fieldName: 'household_id', deleteRule: 'set null' })
  household?: Household | null;

  @Field(() => [String], { description: 'Free labels set by departments (e.g. 低保, 独居老人)' })
  @Property({ type: 'text[]', default: '{}' })
  tags: Opt<string[]> = [];
}
