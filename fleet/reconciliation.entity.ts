import { Entity, Enum, Index, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

/**
 * The reconciliation of one carrier statement against the fleet (see `reconciliation.ts`): a run per
 * reconciliation with its parameters and counts, and a finding row per statement line in discrepancy (its
 * single most important class) or accepted, plus one per active SIM the carrier did not bill. A matched line
 * has no row: its match stays on the line (FINDINGS_SQL shows it as a `matched` finding). Findings are
 * written in bulk with INSERT … SELECT, never as ORM objects.
 */

export enum ReconciliationStatus {
  QUEUED = 'queued',
  RUNNING = 'running',
  SUCCEEDED = 'succeeded',
  FAILED = 'failed',
}
registerEnumType(ReconciliationStatus, { name: 'ReconciliationStatus' });

/** The discrepancy classes of anchors.md, in precedence order (see `CLASS_PRECEDENCE`). */
export enum DiscrepancyClass {
  BILLED_NOT_IN_INVENTORY = 'BILLED_NOT_IN_INVENTORY',
  DUPLICATE = 'DUPLICATE',
  INACTIVE_SIM_BILLED = 'INACTIVE_SIM_BILLED',
  PRORATION_ERROR = 'PRORATION_ERROR',
  PLAN_MISMATCH = 'PLAN_MISMATCH',
  UNEXPECTED_CATEGORY = 'UNEXPECTED_CATEGORY',
  OVERAGE = 'OVERAGE',
  ZERO_USAGE = 'ZERO_USAGE',
  NO_ASSIGNED_WORKER = 'NO_ASSIGNED_WORKER',
  SIM_IN_OTHER_HANDSET = 'SIM_IN_OTHER_HANDSET',
  HANDSET_SILENT = 'HANDSET_SILENT',
  /** Has no line: an active SIM of the carrier that the month's statement does not bill. */
  ACTIVE_NOT_BILLED = 'ACTIVE_NOT_BILLED',
}
registerEnumType(DiscrepancyClass, { name: 'DiscrepancyClass' });

export enum FindingState {
  MATCHED = 'matched',
  DISCREPANCY = 'discrepancy',
  ACCEPTED = 'accepted',
}
registerEnumType(FindingState, { name: 'FindingState' });

/** The parameters a run used. */
export interface ReconciliationParams {
  /** ZERO_USAGE: no data, voice or SMS for this many consecutive billed months, this one included. */
  zeroUsageMonths: number;
  /** HANDSET_SILENT: the assigned handset's last check-in is older than this many days at month end. */
  silentDays: number;
  /** OVERAGE: a data, voice or SMS line above this many fen. */
  overageThresholdFen: number;
}

@ObjectType({ simpleResolvers: true, description: 'One reconciliation of a carrier’s monthly statement' })
@Entity({ tableName: 'fee_reconciliation_run' })
@Index({ name: 'fee_reconciliation_run_month_idx', properties: ['carrier', 'billingMonth', 'id'] })
export class ReconciliationRun {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  /** The statement reconciled; null once a re-import replaced (deleted) it. */
  @Field(() => ID, { nullable: true })
  @Property({ type: 'bigint', nullable: true, index: 'fee_reconciliation_run_statement_idx' })
  statementId?: string | null;

  @Field(() => String)
  @Property({ type: 'string', length: 10 })
  carrier!: string;

  @Field(() => String, { description: 'First day of the billing month, YYYY-MM-DD' })
  @Property({ type: 'date' })
  billingMonth!: string;

  @Field(() => ReconciliationStatus)
  @Enum({
    items: () => ReconciliationStatus,
    nativeEnumName: 'fee_reconciliation_status',
    default: ReconciliationStatus.QUEUED,
  })
  status: Opt<ReconciliationStatus> = ReconciliationStatus.QUEUED;

  @Property({ type: 'jsonb' })
  params!: ReconciliationParams;

  @Field(() => String)
  @Property({ type: 'string', length: 100 })
  requestedBy!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  startedAt?: Date | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  finishedAt?: Date | null;

  @Field(() => Int)
  @Property({ type: 'integer', default: 0 })
  lines: Opt<number> = 0;

  @Field(() => Int)
  @Property({ type: 'integer', default: 0 })
  matched: Opt<number> = 0;

  @Field(() => Int)
  @Property({ type: 'integer', default: 0 })
  discrepancies: Opt<number> = 0;

  @Field(() => Int)
  @Property({ type: 'integer', default: 0 })
  accepted: Opt<number> = 0;

  /** Findings per class, { BILLED_NOT_IN_INVENTORY: 3, … }. */
  @Property({ type: 'jsonb', default: '{}' })
  byClass: Opt<Record<string, number>> = {};

  @Field(() => String, { description: 'Σ matched lines, fen' })
  @Property({ type: 'bigint', default: 0 })
  matchedFen: Opt<string> = '0';

  @Field(() => String, { description: 'Σ amounts at stake of open discrepancies, fen' })
  @Property({ type: 'bigint', default: 0 })
  atStakeFen: Opt<string> = '0';

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  error?: string | null;
}

@ObjectType({
  simpleResolvers: true,
  description: 'A statement line’s (or an unbilled SIM’s) reconciliation',
})
@Entity({ tableName: 'fee_reconciliation_finding' })
@Index({ name: 'fee_reconciliation_finding_run_idx', properties: ['runId', 'state', 'class'] })
@Index({ name: 'fee_reconciliation_finding_key_idx', properties: ['carrier', 'billingMonth', 'lineKey'] })
export class ReconciliationFinding {
  @Field(() => ID)
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Field(() => ID)
  @Property({ type: 'bigint' })
  runId!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 10 })
  carrier!: string;

  @Property({ type: 'date' })
  billingMonth!: string;

  /** The line; null for ACTIVE_NOT_BILLED, and once a re-import deleted the statement. */
  @Field(() => ID, { nullable: true })
  @Property({ type: 'bigint', nullable: true })
  lineId?: string | null;

  /**
   * The line's natural key, stable across re-imports: iccid|msisdn|category|item|occurrence (the nth line
   * with those values, by line number), or `sim|<iccid>` for ACTIVE_NOT_BILLED. Acceptances carry over by it.
   */
  @Property({ type: 'string', length: 300 })
  lineKey!: string;

  @Field(() => ID, { nullable: true })
  @Property({ type: 'bigint', nullable: true })
  simId?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 20, nullable: true })
  iccid?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 20, nullable: true })
  msisdn?: string | null;

  /** How the line was matched: iccid, msisdn, or null (not in inventory). */
  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 10, nullable: true })
  matchedBy?: string | null;

  /** The assignment as of the billing month (the latest one overlapping it). */
  @Field(() => ID, { nullable: true })
  @Property({ type: 'bigint', nullable: true })
  handsetId?: string | null;

  @Field(() => ID, { nullable: true })
  @Property({ type: 'bigint', nullable: true })
  workerId?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 20, nullable: true })
  gridCode?: string | null;

  /** Null when matched. */
  @Field(() => DiscrepancyClass, { nullable: true })
  @Enum({ items: () => DiscrepancyClass, nativeEnumName: 'fee_discrepancy_class', nullable: true })
  class?: DiscrepancyClass | null;

  @Field(() => String, { description: 'The line’s amount, fen (0 for ACTIVE_NOT_BILLED)' })
  @Property({ type: 'bigint' })
  amountFen!: string;

  @Field(() => String, { description: 'The amount at stake, fen (see reconciliation.ts per class)' })
  @Property({ type: 'bigint' })
  atStakeFen!: string;

  /** { classes: every class the line falls in, expectedFen, daysInService, … }. */
  @Property({ type: 'jsonb', default: '{}' })
  detail: Opt<Record<string, unknown>> = {};

  @Field(() => FindingState)
  @Enum({ items: () => FindingState, nativeEnumName: 'fee_finding_state' })
  state!: FindingState;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 100, nullable: true })
  acceptedBy?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 500, nullable: true })
  acceptedReason?: string | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  acceptedAt?: Date | null;
}
