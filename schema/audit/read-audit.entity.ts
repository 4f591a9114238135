import { Entity, Index, type Opt, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One operation that returned personal data: who, as what, which operation, which records of which type.
 * Append-only: a trigger in the migration refuses UPDATE and DELETE (kept ≥ 6 months, Cybersecurity Law
 * art. 21; pruning older entries is a separate, audited job).
 */
@Entity({ tableName: 'read_audit' })
@Index({ name: 'read_audit_at_idx', properties: ['at'] })
@Index({ name: 'read_audit_principal_idx', properties: ['principal', 'at'] })
@Index({
  name: 'read_audit_records_idx',
  expression: 'create index "read_audit_records_idx" on "read_audit" using gin ("record_ids")',
})
export class ReadAudit {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  at!: Date;

  /** The API client or user; `anonymous` until credentials exist. */
  @Property({ type: 'string', length: 100 })
  principal!: string;

  @Property({ type: 'string', length: 100, nullable: true })
  role?: string | null;

  @Property({ type: 'string', length: 64 })
  requestId!: string;

  @Property({ type: 'string', length: 100, nullable: true })
  operationName?: string | null;

  @Property({ type: 'string', length: 45, nullable: true })
  clientAddress?: string | null;

  /** The GraphQL type whose records were returned (Person, PersonRecord…). */
  @Property({ type: 'string', length: 40 })
  recordType!: string;

  @Property({ type: 'text[]' })
  recordIds!: string[];

  /** Fields returned unmasked, if any; masked values are not personal data in the clear. */
  @Property({ type: 'text[]', default: '{}' })
  unmaskedFields: Opt<string[]> = [];
}
