import { Entity, Enum, Index, ManyToOne, type Opt, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

/**
 * Carrier statements for the handsets' SIM usage: the column-mapping template per carrier (no public format
 * exists), the imported statement per carrier and billing month (one current statement each; a re-import
 * replaces it), its lines, and the lines a template's 'quarantine' policy set aside with their reasons.
 * Amounts are fen (分), integers, so sums are exact. Lines are written in bulk (see `statements.ts`), never as
 * ORM objects: a province holds 1.2 million lines a year.
 */

/** Our charge categories; every carrier item maps onto one of them through its template. */
export enum FeeCategory {
  PLAN_FEE = 'plan_fee',
  DATA = 'data',
  VOICE = 'voice',
  SMS = 'sms',
  VALUE_ADDED = 'value_added',
  THIRD_PARTY = 'third_party',
  OTHER = 'other',
}
registerEnumType(FeeCategory, {
  name: 'FeeCategory',
  description: '套餐费 plan fee, 流量 data, 语音 voice, 短信 SMS, 增值 value-added, 代收 third-party, other',
});
export const FEE_CATEGORIES = Object.values(FeeCategory);

/** What an import does with a line that fails its checks. */
export enum BadLinePolicy {
  /** The whole import is refused, listing every bad line. */
  REFUSE = 'refuse',
  /** Bad lines go to carrier_statement_quarantine with their reasons; the rest imports. */
  QUARANTINE = 'quarantine',
}
registerEnumType(BadLinePolicy, { name: 'BadLinePolicy' });

/** The line fields a template can map a source column onto. */
export type StatementField =
  | 'iccid'
  | 'msisdn'
  | 'month'
  | 'category'
  | 'itemName'
  | 'amount'
  | 'dataMb'
  | 'voiceMinutes'
  | 'smsCount'
  | 'daysInService';

/** Field → the source header (or alternative spellings of it); every mapped field must be in the file. */
export type ColumnMapping = Partial<Record<StatementField, string | string[]>>;

/** Per-category amounts in fen. */
export type CategoryTotals = Partial<Record<FeeCategory, number>>;

/** How to read one carrier's statements. */
@ObjectType({ simpleResolvers: true, description: 'A column-mapping template for one carrier’s statements' })
@Entity({ tableName: 'carrier_template' })
export class CarrierTemplate {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Field(() => String, { description: 'cmcc, cucc or ctcc' })
  @Property({ type: 'string', length: 10, index: 'carrier_template_carrier_idx' })
  carrier!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 100, unique: true })
  name!: string;

  /** { iccid: 'ICCID', msisdn: ['手机号码', '号码'], amount: '金额(元)', … }: field → source header(s). */
  @Property({ type: 'jsonb' })
  columns!: ColumnMapping;

  /**
   * The carrier's item names or codes → our categories. The key '*' maps every unlisted item (usually to
   * 'other'); without it an unknown item is a bad line. Our own category codes are always accepted.
   */
  @Property({ type: 'jsonb', default: '{}' })
  categories: Opt<Record<string, FeeCategory>> = {};

  @Field(() => BadLinePolicy)
  @Enum({
    items: () => BadLinePolicy,
    nativeEnumName: 'fee_bad_line_policy',
    default: BadLinePolicy.REFUSE,
  })
  badLines: Opt<BadLinePolicy> = BadLinePolicy.REFUSE;

  /** Negative amounts (credits, refunds) are accepted only when true. */
  @Field(() => Boolean)
  @Property({ type: 'boolean', default: false })
  allowCredits: Opt<boolean> = false;

  /** The header's 1-based row in the file (carriers put titles above it). */
  @Field(() => Int)
  @Property({ type: 'smallint', default: 1 })
  headerRow: Opt<number> = 1;

  /** Rows right under the header to skip (a units line, a blank). */
  @Field(() => Int)
  @Property({ type: 'smallint', default: 0 })
  skipRows: Opt<number> = 0;

  /**
   * A data row whose first non-empty cell starts with this text (e.g. 合计) is a totals row, not a line: its
   * category (or item) cell names the category and its amount the category's total; without a category it
   * is the grand total. Null: totals come only from the import's `totals` argument.
   */
  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 40, nullable: true })
  totalsMarker?: string | null;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt: Opt<Date> = new Date();
}

/** One carrier's statement for one billing month: at most one current statement per carrier and month. */
@ObjectType({ simpleResolvers: true, description: 'A carrier’s monthly statement' })
@Entity({ tableName: 'carrier_statement' })
@Unique({ name: 'carrier_statement_carrier_month_unique', properties: ['carrier', 'billingMonth'] })
@Index({ name: 'carrier_statement_month_idx', properties: ['billingMonth'] })
export class Statement {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 10 })
  carrier!: string;

  /** The first day of the billing month, YYYY-MM-01. */
  @Field(() => String, { description: 'First day of the billing month, YYYY-MM-DD' })
  @Property({ type: 'date' })
  billingMonth!: string;

  @ManyToOne(() => CarrierTemplate, { fieldName: 'template_id', deleteRule: 'restrict' })
  template!: CarrierTemplate;

  @Field(() => String)
  @Property({ type: 'string', length: 255 })
  fileName!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 64 })
  sha256!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  importedAt: Opt<Date> = new Date();

  @Field(() => String)
  @Property({ type: 'string', length: 100 })
  importedBy!: string;

  /** Σ accepted lines per category, in fen (equal to the statement's own totals: the import ties out). */
  @Property({ type: 'jsonb' })
  totalsFen!: CategoryTotals;

  @Field(() => String, { description: 'Total in fen (分), as a string: it may exceed 2^53 in a sum' })
  @Property({ type: 'bigint' })
  totalFen!: string;

  @Field(() => Int)
  @Property({ type: 'integer' })
  lineCount!: number;

  @Field(() => Int)
  @Property({ type: 'integer', default: 0 })
  quarantinedCount: Opt<number> = 0;

  /**
   * A digest of the inventory the lines were matched against (SIMs, assignments, workers' grids), taken with
   * the match: when the reconciliation finds the same, no line's match can have changed and none is read
   * again (see `reconciliation.ts`).
   */
  @Property({ type: 'string', length: 60, nullable: true })
  fleetDigest?: string | null;

  /** The statement this one replaced (its id, now deleted with its lines), when it was a re-import. */
  @Property({ type: 'bigint', nullable: true })
  replacedStatementId?: string | null;

  /** The replaced statement's totals per category, in fen. */
  @Property({ type: 'jsonb', nullable: true })
  replacedTotalsFen?: CategoryTotals | null;
}

/** One charge line of a statement. */
@Entity({ tableName: 'carrier_statement_line' })
// A statement's lines in file order: what every reader asks for (a statement's lines, a page of them). The
// few lookups by ICCID or number within a statement scan its lines instead: an index per identifier would
// cost each of the 100,000 lines of every import more than those lookups save.
@Index({ name: 'carrier_statement_line_statement_idx', properties: ['statementId', 'id'] })
export class StatementLine {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  /**
   * The statement (no foreign key: a check per line would slow the import's COPY; the import is the only
   * writer, and deletes a replaced statement's lines itself).
   */
  @Property({ type: 'bigint' })
  statementId!: string;

  /** The line's row in the file (1-based, as a spreadsheet shows it). */
  @Property({ type: 'integer' })
  lineNo!: number;

  /** Normalised ICCID; null when the carrier gives only the number. */
  @Property({ type: 'string', length: 20, nullable: true })
  iccid?: string | null;

  @Property({ type: 'string', length: 20, nullable: true })
  msisdn?: string | null;

  @Enum({ items: () => FeeCategory, nativeEnumName: 'fee_category' })
  category!: FeeCategory;

  @Property({ type: 'string', length: 200, nullable: true })
  itemName?: string | null;

  /** Fen; negative only for a credit under a template that allows credits. */
  @Property({ type: 'bigint' })
  amountFen!: string;

  /** Data used, MB (a fraction of a MB counts as a whole one, as carriers bill it). */
  @Property({ type: 'integer', nullable: true })
  dataMb?: number | null;

  @Property({ type: 'integer', nullable: true })
  voiceMinutes?: number | null;

  @Property({ type: 'integer', nullable: true })
  smsCount?: number | null;

  @Property({ type: 'smallint', nullable: true })
  daysInService?: number | null;

  /** The source row as read (header → cell text), for tracing a finding back to the carrier's file. */
  @Property({ type: 'jsonb' })
  raw!: Record<string, string>;

  /*
   * The line's match, set by the import from the inventory as it stood then and brought up to date by each
   * reconciliation (see `reconciliation.ts`): a matched line needs no finding row of its own, so these are
   * what allocation and the findings of matched lines read. No foreign keys: they are a snapshot, and a
   * check per line would slow the import's COPY.
   */

  /** The SIM by ICCID, else by number; null when neither is in the inventory. */
  @Property({ type: 'bigint', nullable: true })
  simId?: string | null;

  /** iccid or msisdn: how the SIM was found. */
  @Property({ type: 'string', length: 10, nullable: true })
  matchedBy?: string | null;

  /** The SIM's assignment as of the billing month (the latest one overlapping it). */
  @Property({ type: 'bigint', nullable: true })
  handsetId?: string | null;

  @Property({ type: 'bigint', nullable: true })
  workerId?: string | null;

  @Property({ type: 'string', length: 20, nullable: true })
  gridCode?: string | null;
}

/** A line the template's 'quarantine' policy set aside, with every reason. */
@Entity({ tableName: 'carrier_statement_quarantine' })
@Index({ name: 'carrier_statement_quarantine_statement_idx', properties: ['statement', 'rowNo'] })
export class QuarantinedLine {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => Statement, { fieldName: 'statement_id', deleteRule: 'cascade' })
  statement!: Statement;

  @Property({ type: 'integer' })
  rowNo!: number;

  @Property({ type: 'jsonb' })
  raw!: Record<string, string>;

  /** [{ field, rule, message, value? }] */
  @Property({ type: 'jsonb' })
  failures!: { field: string; rule: string; message: string; value?: string }[];

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();
}
