import { Entity, Enum, Index, ManyToOne, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, ObjectType, registerEnumType } from 'type-graphql';
import { GovernedRecord } from '../common/governed';

/** 地 beyond the region tree: the places records refer to. Rental housing is a HOUSE with rental attributes. */
export enum PlaceKind {
  BUILDING = 'building',
  HOUSE = 'house',
  KEY_AREA = 'key_area',
  SCHOOL = 'school',
  PROTECTED_LINE = 'protected_line',
  OTHER = 'other',
}

registerEnumType(PlaceKind, {
  name: 'PlaceKind',
  description: 'Building, house, key area under campaign, school, protected line…',
});

@ObjectType({
  simpleResolvers: true,
  description: '地 — a building, house, key area, school, protected line or other place, always in a grid',
})
@Entity({ tableName: 'place' })
@Index({ name: 'place_region_idx', properties: ['region', 'id'] })
@Index({ name: 'place_kind_idx', properties: ['kind', 'id'] })
@Index({
  name: 'place_region_path_idx',
  expression: 'create index "place_region_path_idx" on "place" ("region_path" text_pattern_ops, "kind")',
})
export class Place extends GovernedRecord {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Field(() => String, {
    description: 'The place code (房屋编号, 学校编码, 线路编码…), unique in the county',
  })
  @Property({ type: 'string', length: 40, unique: true })
  code!: string;

  @Field(() => PlaceKind)
  @Enum({ items: () => PlaceKind, nativeEnumName: 'place_kind' })
  kind!: PlaceKind;

  @Field(() => String)
  @Property({ type: 'string', length: 200 })
  name!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 200, nullable: true })
  address?: string | null;

  /** The building a house is in, the area a line runs through… */
  @ManyToOne(() => Place, { nullable: true, fieldName: 'parent_place_id', deleteRule: 'set null' })
  parentPlace?: Place | null;

  @Field(() => Float, { nullable: true })
  @Property({ type: 'double', nullable: true })
  longitude?: number | null;

  @Field(() => Float, { nullable: true })
  @Property({ type: 'double', nullable: true })
  latitude?: number | null;

  @Field(() => GraphQLJSONObject, {
    description: "The data set's own fields (建筑用途, 隐患类型, 在校学生人数…)",
  })
  @Property({ type: 'jsonb', default: '{}' })
  attributes: Opt<Record<string, unknown>> = {};
}
