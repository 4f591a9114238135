import { Entity, Enum, Index, ManyToOne, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum PrincipalKind {
  /** A partner department's system calling the API. */
  CLIENT = 'client',
  /** A person (IT office, finance, a centre operator). */
  USER = 'user',
}
registerEnumType(PrincipalKind, { name: 'PrincipalKind' });

/**
 * Who calls the hub: an API client of a department or a staff user, with the roles whose policies combine
 * into what it may read, and the unit (a region) that "its own region" filters mean.
 */
@ObjectType({ simpleResolvers: true, description: 'An API client or staff user, with its roles' })
@Entity({ tableName: 'principal' })
export class Principal {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 100, unique: true })
  name!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 200 })
  title!: string;

  @Field(() => PrincipalKind)
  @Enum({ items: () => PrincipalKind, nativeEnumName: 'principal_kind' })
  kind!: PrincipalKind;

  /** The caller's unit: region-scoped policies limit it to this unit and below. */
  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 40, nullable: true })
  unitCode?: string | null;

  @Field(() => [String])
  @Property({ type: 'text[]' })
  roles!: string[];

  @Field(() => Boolean)
  @Property({ type: 'boolean', default: false })
  disabled: Opt<boolean> = false;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();
}

/**
 * An API key: shown once when issued, stored as a SHA-256 of its secret (keys are 256-bit random, so a
 * fast hash is enough), found by its public prefix. Expires; rotation gives the old key an overlap window;
 * revocation is immediate.
 */
@ObjectType({ simpleResolvers: true, description: 'An API key (its secret is shown once, when issued)' })
@Entity({ tableName: 'api_key' })
@Index({ name: 'api_key_principal_idx', properties: ['principal'] })
export class ApiKey {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => Principal, { fieldName: 'principal_id', deleteRule: 'cascade' })
  principal!: Principal;

  @Field(() => String, { description: 'The public part of the key, e.g. ghk_3fa9c01b' })
  @Property({ type: 'string', length: 20, unique: true })
  prefix!: string;

  @Property({ type: 'string', length: 64 })
  secretHash!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  revokedAt?: Date | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 200, nullable: true })
  revokedReason?: string | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  lastUsedAt?: Date | null;

  /** The key this one replaced, when issued by a rotation. */
  @Field(() => ID, { nullable: true })
  @Property({ type: 'bigint', nullable: true })
  rotatedFromId?: string | null;
}
