import { Entity, type Opt, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/**
 * Finance's budget for the handsets' SIM usage fees: one row per fiscal year and scope. The scope is the
 * whole county (`county`), one township (`township:<code>`) or one department (`department:<name>`; see
 * `allocation.ts` for the departments). Amounts are fen (分), integers.
 */
@Entity({ tableName: 'fee_budget' })
@Unique({ name: 'fee_budget_year_scope_unique', properties: ['fiscalYear', 'scope'] })
export class Budget {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'smallint' })
  fiscalYear!: number;

  /** `county`, `township:<code>` or `department:<name>`. */
  @Property({ type: 'string', length: 120 })
  scope!: string;

  /** The township's region code when the scope is a township. */
  @Property({ type: 'string', length: 32, nullable: true })
  townshipCode?: string | null;

  /** The department's name when the scope is a department. */
  @Property({ type: 'string', length: 100, nullable: true })
  department?: string | null;

  /** Fen; a string, as bigint columns are read. */
  @Property({ type: 'bigint' })
  amountFen!: string;

  /** Months above budget ÷ 12 × this factor raise an alert. */
  @Property({ type: 'decimal', columnType: 'numeric(4,2)', defaultRaw: '1.20' })
  alertFactor: Opt<string> = '1.20';

  @Property({ type: 'string', length: 100 })
  createdBy!: string;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt: Opt<Date> = new Date();
}
