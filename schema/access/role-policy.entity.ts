import { Entity, Index, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { PolicyInput } from './policy';

/** A role and its read policy (./policy.ts), versioned; the gateway reloads changed policies without a restart. */
@ObjectType({ simpleResolvers: true, description: 'A role and its policy' })
@Entity({ tableName: 'role_policy' })
export class RolePolicy {
  @Field(() => String)
  @PrimaryKey({ type: 'string', length: 60 })
  role!: string;

  @Field(() => GraphQLJSONObject)
  @Property({ type: 'jsonb' })
  policy!: PolicyInput;

  @Field(() => Int)
  @Property({ type: 'integer', default: 1 })
  version: Opt<number> = 1;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt: Opt<Date> = new Date();

  @Field(() => String)
  @Property({ type: 'string', length: 100 })
  updatedBy!: string;
}

/** Every change to a policy (or a principal's roles): who, when, before and after. Append-only. */
@ObjectType({ simpleResolvers: true, description: 'One change to access policies or roles' })
@Entity({ tableName: 'access_change' })
@Index({ name: 'access_change_at_idx', properties: ['at'] })
export class AccessChange {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  at: Opt<Date> = new Date();

  @Field(() => String)
  @Property({ type: 'string', length: 100 })
  actor!: string;

  /** policy.set, policy.delete, principal.create, principal.roles, key.issue, key.rotate, key.revoke */
  @Field(() => String)
  @Property({ type: 'string', length: 40 })
  action!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 100 })
  subject!: string;

  @Field(() => GraphQLJSONObject, { nullable: true })
  @Property({ type: 'jsonb', nullable: true })
  before?: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  @Property({ type: 'jsonb', nullable: true })
  after?: Record<string, unknown> | null;
}
