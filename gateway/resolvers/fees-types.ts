import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { FeeCategory } from '../../fleet/fees.entity';
import { DiscrepancyClass, FindingState, ReconciliationStatus } from '../../fleet/reconciliation.entity';
import { ConnectionType } from '../connection';

/**
 * The GraphQL shapes of the fees API that are not entities. Money is fen (分) everywhere, as a decimal string
 * of a whole number ("129466" is 1,294.66 yuan): a GraphQL Int is 32 bits (21 million yuan), which a
 * county's year of statements can exceed, and a float is never exact. Every *Fen field of this API is such a
 * string, as Statement.totalFen is.
 */

@ObjectType({ simpleResolvers: true, description: 'An amount in one charge category' })
export class FeeCategoryAmount {
  @Field(() => FeeCategory) category!: FeeCategory;
  @Field(() => String, { description: 'Fen (分), a whole number as a decimal string' }) fen!: string;
}

@InputType({ description: 'A stated total of one charge category' })
export class FeeCategoryAmountInput {
  @Field(() => FeeCategory) category!: FeeCategory;
  @Field(() => String, { description: 'Fen (分), a whole number as a decimal string' }) fen!: string;
}

@ObjectType({ simpleResolvers: true, description: 'One charge line of a statement' })
export class StatementLineItem {
  @Field(() => ID) id!: string;
  @Field(() => Int, { description: 'The line’s row in the file (1-based, as a spreadsheet shows it)' })
  lineNo!: number;
  @Field(() => String, { nullable: true }) iccid!: string | null;
  @Field(() => String, { nullable: true }) msisdn!: string | null;
  @Field(() => FeeCategory) category!: FeeCategory;
  @Field(() => String, { nullable: true, description: 'The carrier’s item name' }) itemName!: string | null;
  @Field(() => String, { description: 'Fen (分), a whole number as a decimal string; negative for a credit' })
  amountFen!: string;
  @Field(() => Int, { nullable: true }) dataMb!: number | null;
  @Field(() => Int, { nullable: true }) voiceMinutes!: number | null;
  @Field(() => Int, { nullable: true }) smsCount!: number | null;
  @Field(() => Int, { nullable: true }) daysInService!: number | null;
  @Field(() => GraphQLJSONObject, { description: 'The source row as read: header → cell text' })
  raw!: Record<string, string>;
}

@ObjectType({ simpleResolvers: true, description: 'Why a line failed a check' })
export class StatementLineFailure {
  @Field(() => String) field!: string;
  @Field(() => String, { description: 'Stable rule code: ICCID_CHECK, NEGATIVE_AMOUNT, UNKNOWN_CATEGORY…' })
  rule!: string;
  @Field(() => String) message!: string;
  @Field(() => String, { nullable: true }) value!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'A line the template’s quarantine policy set aside' })
export class QuarantinedStatementLine {
  @Field(() => ID) id!: string;
  @Field(() => Int, { description: 'The row in the file' }) rowNo!: number;
  @Field(() => GraphQLJSONObject, { description: 'The source row as read: header → cell text' })
  raw!: Record<string, string>;
  @Field(() => [StatementLineFailure]) failures!: StatementLineFailure[];
  @Field(() => Date) createdAt!: Date;
}

export const StatementLineConnection = ConnectionType(StatementLineItem, 'StatementLine');
export const QuarantinedStatementLineConnection = ConnectionType(
  QuarantinedStatementLine,
  'QuarantinedStatementLine',
);

@InputType({ description: 'Which lines of a statement: all conditions must hold' })
export class StatementLineFilterInput {
  @Field(() => String, { nullable: true, description: 'ICCID, exact (19 or 20 digits)' })
  iccid?: string | null;
  @Field(() => String, { nullable: true, description: 'The number, exact' }) msisdn?: string | null;
  @Field(() => [FeeCategory], { nullable: true }) categories?: FeeCategory[] | null;
}

@InputType({
  description:
    'A carrier’s monthly statement uploaded inline: CSV (UTF-8 or GBK) or XLSX, read through the carrier’s template. Nothing is written unless the lines tie out with the totals.',
})
export class StatementImportInput {
  @Field(() => String, { description: 'cmcc, cucc or ctcc' }) carrier!: string;
  @Field(() => String, { description: 'The billing month, YYYY-MM' }) month!: string;
  @Field(() => String, { description: 'The file’s name; .xlsx is read as a workbook, anything else as CSV' })
  fileName!: string;
  @Field(() => String, { description: 'The file’s bytes, base64' }) contentBase64!: string;
  @Field(() => String, { nullable: true, description: 'CSV: utf-8, gbk or gb18030; default detected' })
  encoding?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'XLSX: sheet name or 1-based number; default the first',
  })
  sheet?: string | null;
  @Field(() => String, { nullable: true, description: 'A template by name; default the carrier’s first' })
  template?: string | null;
  @Field(() => [FeeCategoryAmountInput], {
    nullable: true,
    description: 'The statement’s totals per category (from its cover page); default: the file’s totals rows',
  })
  totals?: FeeCategoryAmountInput[] | null;
}

@ObjectType({ simpleResolvers: true, description: 'One bad line (or totals row) of a statement import' })
export class StatementImportError {
  @Field(() => Int, { description: 'Row in the file, 1-based as a spreadsheet shows it' }) row!: number;
  @Field(() => String) field!: string;
  @Field(() => String, { description: 'Stable rule code: ICCID_CHECK, NEGATIVE_AMOUNT, MONTH_IN_FUTURE…' })
  rule!: string;
  @Field(() => String) message!: string;
  @Field(() => String, { nullable: true }) value!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The statement an import replaced' })
export class ReplacedStatement {
  @Field(() => ID, { description: 'Its id (it is deleted with its lines)' }) statementId!: string;
  @Field(() => [FeeCategoryAmount]) totals!: FeeCategoryAmount[];
}

@ObjectType({ simpleResolvers: true, description: 'What a statement import found and did' })
export class StatementImportReport {
  @Field(() => ID, { nullable: true, description: 'The new statement; null when not applied' })
  statementId!: string | null;
  @Field(() => String) carrier!: string;
  @Field(() => String, { description: 'YYYY-MM' }) month!: string;
  @Field(() => String) file!: string;
  @Field(() => Int, { description: 'Accepted lines' }) lines!: number;
  @Field(() => [FeeCategoryAmount], { description: 'Σ accepted lines per category' })
  totals!: FeeCategoryAmount[];
  @Field(() => String, { description: 'Σ accepted lines, fen as a decimal string' }) totalFen!: string;
  @Field(() => ReplacedStatement, {
    nullable: true,
    description: 'The statement of the same carrier and month that this import replaced',
  })
  replaced!: ReplacedStatement | null;
  @Field(() => [StatementImportError], {
    description: 'Bad lines: under a refuse template they refused the import; under quarantine, set aside',
  })
  errors!: StatementImportError[];
  @Field(() => Int) quarantined!: number;
  @Field(() => [FeeCategoryAmount], { description: 'Σ quarantined lines per category (those readable)' })
  quarantinedTotals!: FeeCategoryAmount[];
  @Field(() => String, { description: 'Where the stated totals came from: argument or file' })
  totalsSource!: string;
  @Field(() => Boolean, { description: 'True when the statement was written' }) applied!: boolean;
  @Field(() => Boolean, {
    description:
      'True when the statement’s reconciliation was queued for the workers; false when not applied, or when the queue was unavailable (see reconciliationNote: the import stands, call reconcileStatement later)',
  })
  reconciliationQueued!: boolean;
  @Field(() => String, { nullable: true, description: 'The queued reconciliation job' })
  reconciliationJobId!: string | null;
  @Field(() => String, { nullable: true, description: 'Why the reconciliation was not queued' })
  reconciliationNote!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'Findings of one discrepancy class' })
export class ReconciliationClassCount {
  @Field(() => DiscrepancyClass) class!: DiscrepancyClass;
  @Field(() => Int) count!: number;
}

@ObjectType({
  simpleResolvers: true,
  description: 'A reconciliation run of a carrier’s monthly statement against the fleet, with its counts',
})
export class Reconciliation {
  @Field(() => ID) id!: string;
  @Field(() => ID, { nullable: true, description: 'The statement (null once a re-import replaced it)' })
  statementId!: string | null;
  @Field(() => String) carrier!: string;
  @Field(() => String, { description: 'YYYY-MM' }) month!: string;
  @Field(() => ReconciliationStatus) status!: ReconciliationStatus;
  @Field(() => GraphQLJSONObject, { description: 'The parameters the run used' })
  params!: Record<string, unknown>;
  @Field(() => String) requestedBy!: string;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
  @Field(() => Int, { description: 'Statement lines reconciled' }) lines!: number;
  @Field(() => Int) matched!: number;
  @Field(() => Int, { description: 'Open discrepancies' }) discrepancies!: number;
  @Field(() => Int) accepted!: number;
  @Field(() => [ReconciliationClassCount], {
    description: 'Findings per class (open and accepted), in precedence order',
  })
  byClass!: ReconciliationClassCount[];
  @Field(() => String, { description: 'Σ matched lines, fen as a decimal string' }) matchedFen!: string;
  @Field(() => String, { description: 'Σ amounts at stake of open discrepancies, fen as a decimal string' })
  atStakeFen!: string;
  @Field(() => String, { nullable: true }) error!: string | null;
}

@ObjectType({
  simpleResolvers: true,
  description: 'A statement line’s (or an unbilled SIM’s) reconciliation',
})
export class FeeFinding {
  @Field(() => ID) id!: string;
  @Field(() => ID) runId!: string;
  @Field(() => String) carrier!: string;
  @Field(() => String, { description: 'YYYY-MM' }) month!: string;
  @Field(() => ID, { nullable: true }) lineId!: string | null;
  @Field(() => String, {
    description: 'The line’s natural key (iccid|msisdn|category|item|occurrence, or sim|iccid)',
  })
  lineKey!: string;
  @Field(() => String, { nullable: true }) iccid!: string | null;
  @Field(() => String, { nullable: true }) msisdn!: string | null;
  @Field(() => String, { nullable: true, description: 'iccid, msisdn, or null (not in inventory)' })
  matchedBy!: string | null;
  @Field(() => DiscrepancyClass, { nullable: true, description: 'Null when matched' })
  class!: DiscrepancyClass | null;
  @Field(() => String, { description: 'The line’s amount, fen as a decimal string' }) amountFen!: string;
  @Field(() => String, { description: 'The amount at stake, fen as a decimal string' }) atStakeFen!: string;
  @Field(() => ID, { nullable: true }) handsetId!: string | null;
  @Field(() => ID, { nullable: true }) workerId!: string | null;
  @Field(() => String, { nullable: true }) workerCode!: string | null;
  @Field(() => String, { nullable: true }) gridCode!: string | null;
  @Field(() => GraphQLJSONObject, { description: '{ classes: every class the line falls in, … }' })
  detail!: Record<string, unknown>;
  @Field(() => FindingState) state!: FindingState;
  @Field(() => String, { nullable: true }) acceptedBy!: string | null;
  @Field(() => String, { nullable: true }) acceptedReason!: string | null;
  @Field(() => Date, { nullable: true }) acceptedAt!: Date | null;
}

export const FeeFindingConnection = ConnectionType(FeeFinding, 'FeeFinding');

@ObjectType({ simpleResolvers: true, description: 'A reconciliation queued for the workers' })
export class ReconciliationQueued {
  @Field(() => ID) statementId!: string;
  @Field(() => Boolean) queued!: boolean;
  @Field(() => String, { nullable: true }) jobId!: string | null;
}
