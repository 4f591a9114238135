import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { GovernedRecord } from '../common/governed';

/** 户: a registered household (户号), with its head and address. Members point at it. */
@ObjectType({ simpleResolvers: true, description: '户 — a household' })
@Entity({ tableName: 'household' })
@Index({ name: 'household_region_idx', properties: ['region', 'id'] })
@Index({
  name: 'household_region_path_idx',
  expression: 'create index "household_region_path_idx" on "household" ("region_path" text_pattern_ops)',
})
export class Household extends GovernedRecord {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Field(() => String, { description: '户号' })
  @Property({ type: 'string', length: 20, unique: true })
  householdNumber!: string;

  /** 户主公民身份号码; the head is usually but not always a member registered here. */
  @Property({ type: 'string', length: 18, nullable: true })
  headIdNumber?: string | null;

  @Property({ type: 'string', length: 50, nullable: true })
  headName?: string | null;

  @Property({ type: 'string', length: 200, nullable: true })
  address?: string | null;

  @Field(() => String, { nullable: true, description: '人户一致标识 code: 01 一致, 02 不一致' })
  @Property({ type: 'string', length: 2, nullable: true })
  residenceMatch?: string | null;
}
