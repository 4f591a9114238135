import { Entity, Enum, Index, ManyToOne, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ObjectType, registerEnumType } from 'type-graphql';

/** The four levels of the county's governance tree. Stored as the lower-case value, exposed as the key. */
export enum RegionLevel {
  COUNTY = 'county',
  TOWNSHIP = 'township',
  VILLAGE = 'village',
  GRID = 'grid',
}

/** What kind of unit a region is within its level (镇 vs 乡, 社区 vs 村, urban / rural / special grid). */
export enum RegionKind {
  COUNTY = 'county',
  SUBDISTRICT = 'subdistrict',
  TOWN = 'town',
  XIANG = 'xiang',
  FARM = 'farm',
  COMMUNITY = 'community',
  VILLAGE = 'village',
  URBAN_GRID = 'urban_grid',
  RURAL_GRID = 'rural_grid',
  SPECIAL_GRID = 'special_grid',
}

registerEnumType(RegionLevel, {
  name: 'RegionLevel',
  description: 'County → township → village/community → grid',
});
registerEnumType(RegionKind, { name: 'RegionKind', description: 'The kind of unit within its level' });

export const LEVEL_DEPTH: Record<RegionLevel, number> = {
  [RegionLevel.COUNTY]: 0,
  [RegionLevel.TOWNSHIP]: 1,
  [RegionLevel.VILLAGE]: 2,
  [RegionLevel.GRID]: 3,
};

/**
 * A unit of the governance tree. `path` is the materialised chain of codes from the county down to this
 * unit, `/620725/620725101/620725101001/`, so "this unit and everything below it" is one indexed
 * prefix predicate (`path LIKE '/620725/620725101/%'`) that every governed record's scope check reuses.
 */
@ObjectType({
  simpleResolvers: true,
  description: 'A unit of the county → township → village/community → grid tree',
})
@Entity({ tableName: 'region' })
@Index({
  name: 'region_path_prefix_idx',
  expression: 'create index "region_path_prefix_idx" on "region" ("path" text_pattern_ops)',
})
@Index({ name: 'region_level_idx', properties: ['level'] })
@Index({ name: 'region_parent_code_idx', properties: ['parent'] })
export class Region {
  @Field(() => String, { description: 'GB/T 2260 / GB/T 10114 code; grids: village code + local sequence' })
  @PrimaryKey({ type: 'string', length: 32 })
  code!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 100 })
  name!: string;

  @Field(() => RegionLevel)
  @Enum({ items: () => RegionLevel, nativeEnumName: 'region_level' })
  level!: RegionLevel;

  @Field(() => RegionKind)
  @Enum({ items: () => RegionKind, nativeEnumName: 'region_kind' })
  kind!: RegionKind;

  /** Not exposed as a field: the gateway resolves `parent` through a batched loader. */
  @ManyToOne(() => Region, { nullable: true, deleteRule: 'restrict', fieldName: 'parent_code' })
  parent?: Region | null;

  @Field(() => String, { description: 'Codes from the county down to this unit, slash-separated' })
  @Property({ type: 'text', unique: true })
  path!: string;

  @Field(() => Boolean, {
    description:
      'True when the code was synthesised by the national pattern because the official one is unknown',
  })
  @Property({ type: 'boolean', default: false })
  synthetic: Opt<boolean> = false;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt: Opt<Date> = new Date();

  get parentCode(): string | null {
    return this.parent?.code ?? null;
  }
}
