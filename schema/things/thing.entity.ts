import { Entity, Enum, Index, ManyToOne, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, ObjectType, registerEnumType } from 'type-graphql';
import { GovernedRecord } from '../common/governed';
import { Organization } from '../organizations/organization.entity';
import { Person } from '../people/person.entity';
import { Place } from '../places/place.entity';

export enum ThingKind {
  DANGEROUS_GOODS = 'dangerous_goods',
  CAMERA = 'camera',
  EQUIPMENT = 'equipment',
}

registerEnumType(ThingKind, {
  name: 'ThingKind',
  description: 'Dangerous goods, camera, equipment (X-ray machines, handsets as assets…)',
});

/** 物: an X module (not in GB/T 31000): a tracked thing with a type and an owner. */
@ObjectType({ simpleResolvers: true, description: '物 — dangerous goods, a camera or a piece of equipment' })
@Entity({ tableName: 'thing' })
@Index({ name: 'thing_region_idx', properties: ['region', 'id'] })
@Index({
  name: 'thing_region_path_idx',
  expression: 'create index "thing_region_path_idx" on "thing" ("region_path" text_pattern_ops, "kind")',
})
export class Thing extends GovernedRecord {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 40, unique: true })
  code!: string;

  @Field(() => ThingKind)
  @Enum({ items: () => ThingKind, nativeEnumName: 'thing_kind' })
  kind!: ThingKind;

  @Field(() => String)
  @Property({ type: 'string', length: 200 })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Type within the kind (e.g. 易燃液体, 球机, X光机)' })
  @Property({ type: 'string', length: 60, nullable: true })
  type?: string | null;

  @ManyToOne(() => Organization, {
    nullable: true,
    fieldName: 'owner_organization_id',
    deleteRule: 'set null',
  })
  ownerOrganization?: Organization | null;

  @ManyToOne(() => Person, { nullable: true, fieldName: 'owner_person_id', deleteRule: 'set null' })
  ownerPerson?: Person | null;

  @ManyToOne(() => Place, { nullable: true, fieldName: 'place_id', deleteRule: 'set null' })
  place?: Place | null;

  @Field(() => Float, { nullable: true })
  @Property({ type: 'double', nullable: true })
  longitude?: number | null;

  @Field(() => Float, { nullable: true })
  @Property({ type: 'double', nullable: true })
  latitude?: number | null;

  @Field(() => GraphQLJSONObject)
  @Property({ type: 'jsonb', default: '{}' })
  attributes: Opt<Record<string, unknown>> = {};
}
