import { Entity, Enum, Index, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GovernedRecord } from '../common/governed';

export enum OrganizationKind {
  ENTERPRISE = 'enterprise',
  SOCIAL_ORGANIZATION = 'social_organization',
  GOVERNANCE_CENTRE = 'governance_centre',
  PATROL_TEAM = 'patrol_team',
  DELIVERY_FIRM = 'delivery_firm',
}

registerEnumType(OrganizationKind, {
  name: 'OrganizationKind',
  description:
    'Non-public enterprise, social organisation, governance centre, patrol team, delivery/logistics firm',
});

/**
 * 组织: keyed by the unified social credit code (GB 32100) where it has one. The "two new organisations"
 * fields of GB/T 31000 (party, union, youth league, women's federation) are columns: indicators count them.
 */
@ObjectType({
  simpleResolvers: true,
  description: '组织 — an enterprise, social organisation, governance centre, patrol team or delivery firm',
})
@Entity({ tableName: 'organization' })
@Index({ name: 'organization_region_idx', properties: ['region', 'id'] })
@Index({ name: 'organization_kind_idx', properties: ['kind', 'id'] })
@Index({
  name: 'organization_region_path_idx',
  expression:
    'create index "organization_region_path_idx" on "organization" ("region_path" text_pattern_ops, "kind")',
})
@Index({
  name: 'organization_name_idx',
  expression: 'create index "organization_name_idx" on "organization" ("name" text_pattern_ops)',
})
export class Organization extends GovernedRecord {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Field(() => String, { nullable: true, description: '统一社会信用代码' })
  @Property({ type: 'string', length: 18, unique: true, nullable: true })
  creditCode?: string | null;

  @Field(() => OrganizationKind)
  @Enum({ items: () => OrganizationKind, nativeEnumName: 'organization_kind' })
  kind!: OrganizationKind;

  @Field(() => String)
  @Property({ type: 'string', length: 200 })
  name!: string;

  @Field(() => String, {
    nullable: true,
    description: '企业类别 / 社会组织类型 / 机构类型 / 组织类型 code, by kind',
  })
  @Property({ type: 'string', length: 4, nullable: true })
  category?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 200, nullable: true })
  address?: string | null;

  @Field(() => String, { nullable: true, description: '法定代表人 / 负责人' })
  @Property({ type: 'string', length: 50, nullable: true })
  legalRepresentative?: string | null;

  /** 法定代表人公民身份号码: personal data, masked by the gateway. */
  @Property({ type: 'string', length: 18, nullable: true })
  legalRepresentativeIdNumber?: string | null;

  @Property({ type: 'string', length: 20, nullable: true })
  phone?: string | null;

  @Field(() => Int, { nullable: true })
  @Property({ type: 'integer', nullable: true })
  employeeCount?: number | null;

  @Field(() => String, { nullable: true, description: '关注程度 code: 01 高, 02 中, 03 低' })
  @Property({ type: 'string', length: 2, nullable: true })
  attentionLevel?: string | null;

  @Field(() => Boolean, { nullable: true, description: '是否有中共党组织' })
  @Property({ type: 'boolean', nullable: true })
  hasPartyOrganization?: boolean | null;

  @Field(() => Int, { nullable: true, description: '中共党员数量' })
  @Property({ type: 'integer', nullable: true })
  partyMembers?: number | null;

  @Field(() => Boolean, { nullable: true, description: '是否有工会' })
  @Property({ type: 'boolean', nullable: true })
  hasUnion?: boolean | null;

  @Field(() => Int, { nullable: true, description: '工会会员数量' })
  @Property({ type: 'integer', nullable: true })
  unionMembers?: number | null;

  @Field(() => Boolean, { nullable: true, description: '是否有共青团组织' })
  @Property({ type: 'boolean', nullable: true })
  hasYouthLeague?: boolean | null;

  @Field(() => Int, { nullable: true, description: '共青团员数量' })
  @Property({ type: 'integer', nullable: true })
  youthLeagueMembers?: number | null;

  @Field(() => Boolean, { nullable: true, description: '是否有妇联组织' })
  @Property({ type: 'boolean', nullable: true })
  hasWomensFederation?: boolean | null;

  @Field(() => Int, { nullable: true, description: '妇女数量' })
  @Property({ type: 'integer', nullable: true })
  womenCount?: number | null;

  @Field(() => Float, { nullable: true })
  @Property({ type: 'double', nullable: true })
  longitude?: number | null;

  @Field(() => Float, { nullable: true })
  @Property({ type: 'double', nullable: true })
  latitude?: number | null;

  @Field(() => GraphQLJSONObject, {
    description: "The data set's own fields (寄递 licences, 资金来源, 组成单位…)",
  })
  @Property({ type: 'jsonb', default: '{}' })
  attributes: Opt<Record<string, unknown>> = {};
}
