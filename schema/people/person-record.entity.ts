import { Entity, Enum, Index, ManyToOne, type Opt, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { GovernedRecord } from '../common/governed';
import { Person } from './person.entity';

/**
 * The population types and groups a person may belong to, several at once (GB/T 31000 data sets plus the
 * county's X modules). Each kind's own fields live in `attributes`, checked against its field list in
 * `record-kinds.ts`.
 */
export enum PersonRecordKind {
  REGISTERED = 'registered',
  FLOATING = 'floating',
  FOREIGN = 'foreign',
  LEFT_BEHIND = 'left_behind',
  RELEASED_PRISONER = 'released_prisoner',
  COMMUNITY_CORRECTION = 'community_correction',
  DRUG_USER = 'drug_user',
  SEVERE_MENTAL_DISORDER = 'severe_mental_disorder',
  HIV_RISK = 'hiv_risk',
  KEY_YOUTH = 'key_youth',
  PETITIONER = 'petitioner',
  GRID_WORKER = 'grid_worker',
  BUILDING_HEAD = 'building_head',
}

registerEnumType(PersonRecordKind, {
  name: 'PersonRecordKind',
  description:
    'Population type (registered, floating, foreign, left-behind), special group, key youth, petitioner, or role',
});

@ObjectType({
  simpleResolvers: true,
  description: "A person's membership of one population type, special group or role, with its own fields",
})
@Entity({ tableName: 'person_record' })
@Unique({ name: 'person_record_person_kind_unique', properties: ['person', 'kind'] })
@Index({ name: 'person_record_kind_region_idx', properties: ['kind', 'region'] })
@Index({
  name: 'person_record_region_path_idx',
  expression:
    'create index "person_record_region_path_idx" on "person_record" ("region_path" text_pattern_ops, "kind")',
})
export class PersonRecord extends GovernedRecord {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => Person, { fieldName: 'person_id', deleteRule: 'cascade' })
  person!: Person;

  @Field(() => PersonRecordKind)
  @Enum({ items: () => PersonRecordKind, nativeEnumName: 'person_record_kind' })
  kind!: PersonRecordKind;

  @Field(() => GraphQLJSONObject, { description: "The data set's own fields, by their English names" })
  @Property({ type: 'jsonb', default: '{}' })
  attributes: Opt<Record<string, unknown>> = {};

  @Field(() => String, { nullable: true, description: 'When the person entered this type or group' })
  @Property({ type: 'date', nullable: true })
  since?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'When it ended (released from correction, moved away…)',
  })
  @Property({ type: 'date', nullable: true })
  until?: string | null;
}
