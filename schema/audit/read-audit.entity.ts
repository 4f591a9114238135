import { Entity, Index, type Opt, PrimaryKey, PrimaryKeyProp, Property } from '@mikro-orm/core';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';

/**
 * One operation that returned personal data: who, as what, which operation, which records of which type.
 * Partitioned by month (migration read_audit_partitions). Append-only: a trigger refuses UPDATE and DELETE
 * (kept ≥ 6 months, Cybersecurity Law art. 21; an expired month is detached as a whole).
 */
@ObjectType({ simpleResolvers: true, description: 'One read of personal data: who, as what, which records' })
@Entity({ tableName: 'read_audit' })
@Index({ name: 'read_audit_at_idx', properties: ['at'] })
@Index({ name: 'read_audit_principal_idx', properties: ['principal', 'at'] })
@Index({
  name: 'read_audit_records_idx',
  expression: 'create index "read_audit_records_idx" on "read_audit" using gin ("record_ids")',
})
export class ReadAudit {
  [PrimaryKeyProp]?: ['id', 'at'];

  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  /** The partition key (a month per partition), hence part of the primary key. */
  @Field(() => Date)
  @PrimaryKey({ type: 'timestamptz', defaultRaw: 'now()' })
  at!: Date;

  /** The API client or user (`anonymous` without a key). */
  @Field(() => String)
  @Property({ type: 'string', length: 100 })
  principal!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 100, nullable: true })
  role?: string | null;

  @Field(() => String)
  @Property({ type: 'string', length: 64 })
  requestId!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 100, nullable: true })
  operationName?: string | null;

  /** SHA-256 of the operation's text: the same query from the same client is recognisable across entries. */
  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 64, nullable: true })
  operationHash?: string | null;

  /** The operation's variables, values of secret-looking names removed. */
  @Field(() => GraphQLJSONObject, { nullable: true })
  @Property({ type: 'jsonb', nullable: true })
  variables?: Record<string, unknown> | null;

  /** The purpose the caller declared (X-Purpose). */
  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 200, nullable: true })
  purpose?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 45, nullable: true })
  clientAddress?: string | null;

  /** The GraphQL type whose records were returned (Person, PersonRecord…). */
  @Field(() => String)
  @Property({ type: 'string', length: 40 })
  recordType!: string;

  @Field(() => [String])
  @Property({ type: 'text[]' })
  recordIds!: string[];

  @Field(() => Int)
  @Property({ type: 'integer', default: 0 })
  recordCount: Opt<number> = 0;

  /** Fields returned unmasked, if any; masked values are not personal data in the clear. */
  @Field(() => [String])
  @Property({ type: 'text[]', default: '{}' })
  unmaskedFields: Opt<string[]> = [];
}
