import {
  Arg,
  Ctx,
  Field,
  Float,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  registerEnumType,
} from 'type-graphql';
import { allocate } from '../../fleet/allocation';
import { budgetReport, type BudgetReport as Report, setBudget } from '../../fleet/budget';
import { type ExportFile, feeDetailExport, feeSummaryExport } from '../../fleet/fee-exports';
import { DomainError } from '../../schema/runtime/errors';
import type { GatewayContext } from '../context';

/**
 * Finance's budgets, cost allocation and exports (fen as decimal strings of whole numbers, as the rest of
 * the fees API): the budget report of a year and scope, setting a budget, a month's allocation by township,
 * department and number, and the summary/detail exports as CSV or XLSX.
 */

export enum FeeExportFormat {
  CSV = 'CSV',
  XLSX = 'XLSX',
}
registerEnumType(FeeExportFormat, { name: 'FeeExportFormat' });

@ObjectType({ simpleResolvers: true, description: 'A month’s actual (fen)' })
export class BudgetMonthActual {
  @Field(() => String, { description: 'YYYY-MM' }) month!: string;
  @Field(() => String, { description: 'Fen, a whole number as a decimal string' }) actualFen!: string;
}

@ObjectType({ simpleResolvers: true, description: 'A month whose actual exceeds the monthly threshold' })
export class BudgetAlert {
  @Field(() => String) month!: string;
  @Field(() => String) actualFen!: string;
  @Field(() => String, { description: 'Budget ÷ 12 × alert factor, fen' }) thresholdFen!: string;
  @Field(() => String) excessFen!: string;
}

@ObjectType({ simpleResolvers: true, description: 'Budget execution of a year and scope (fen as strings)' })
export class BudgetReport {
  @Field(() => Int) year!: number;
  @Field(() => String, { description: 'county, township:CODE or department:NAME' }) scope!: string;
  @Field(() => String) budgetFen!: string;
  @Field(() => Float) alertFactor!: number;
  @Field(() => String) monthlyThresholdFen!: string;
  @Field(() => [BudgetMonthActual], { description: 'Months 1…12' }) actualByMonth!: BudgetMonthActual[];
  @Field(() => String, { description: 'Actual to date' }) actualFen!: string;
  @Field(() => String, { nullable: true }) lastBilledMonth!: string | null;
  @Field(() => Int) remainingMonths!: number;
  @Field(() => Int) activeSims!: number;
  @Field(() => String) monthlyFeesFen!: string;
  @Field(() => String) commitmentFen!: string;
  @Field(() => String, { description: 'Actual + commitment' }) forecastFen!: string;
  @Field(() => Float, { description: 'Actual ÷ budget, 4 decimals' }) executionRate!: number;
  @Field(() => [BudgetAlert]) alerts!: BudgetAlert[];
}

@ObjectType({ simpleResolvers: true, description: 'A budget as set' })
export class FeeBudget {
  @Field(() => String) id!: string;
  @Field(() => Int) year!: number;
  @Field(() => String) scope!: string;
  @Field(() => String) amountFen!: string;
  @Field(() => Float) alertFactor!: number;
}

@ObjectType({ simpleResolvers: true })
export class TownshipAllocationItem {
  @Field(() => String, { description: 'Region code, or unassigned / unresolved' }) code!: string;
  @Field(() => String, { nullable: true }) name!: string | null;
  @Field(() => String) fen!: string;
  @Field(() => Int) lines!: number;
}

@ObjectType({ simpleResolvers: true })
export class DepartmentAllocationItem {
  @Field(() => String) department!: string;
  @Field(() => String) fen!: string;
  @Field(() => Int) lines!: number;
}

@ObjectType({ simpleResolvers: true })
export class NumberAllocationItem {
  @Field(() => String, { nullable: true }) msisdn!: string | null;
  @Field(() => String, { nullable: true }) iccid!: string | null;
  @Field(() => String) township!: string;
  @Field(() => String) fen!: string;
  @Field(() => Int) lines!: number;
}

@ObjectType({ simpleResolvers: true, description: 'A month’s reconciled fees allocated (fen as strings)' })
export class FeeAllocation {
  @Field(() => String) month!: string;
  @Field(() => String, { nullable: true }) carrier!: string | null;
  @Field(() => String, { description: 'Σ reconciled line amounts, fen' }) totalFen!: string;
  @Field(() => Int) lines!: number;
  @Field(() => [TownshipAllocationItem]) byTownship!: TownshipAllocationItem[];
  @Field(() => [DepartmentAllocationItem]) byDepartment!: DepartmentAllocationItem[];
  @Field(() => [NumberAllocationItem]) byNumber!: NumberAllocationItem[];
}

@ObjectType({ simpleResolvers: true, description: 'An exported file, inline' })
export class FeeExportFile {
  @Field(() => String) fileName!: string;
  @Field(() => String) contentBase64!: string;
  @Field(() => String) mimeType!: string;
}

export function toBudgetReport(r: Report): BudgetReport {
  return {
    ...r,
    budgetFen: String(r.budgetFen),
    monthlyThresholdFen: String(r.monthlyThresholdFen),
    actualByMonth: r.actualByMonth.map((m) => ({ month: m.month, actualFen: String(m.actualFen) })),
    actualFen: String(r.actualFen),
    monthlyFeesFen: String(r.monthlyFeesFen),
    commitmentFen: String(r.commitmentFen),
    forecastFen: String(r.forecastFen),
    alerts: r.alerts.map((a) => ({
      month: a.month,
      actualFen: String(a.actualFen),
      thresholdFen: String(a.thresholdFen),
      excessFen: String(a.excessFen),
    })),
  };
}

function fenInput(text: string): bigint {
  const t = text?.trim();
  if (!/^\d{1,15}$/.test(t ?? ''))
    throw new DomainError('MONEY', `amountFen must be a whole number of fen, not "${text}"`, {
      field: 'amountFen',
      rule: 'whole fen',
    });
  return BigInt(t);
}

const toFile = (f: ExportFile): FeeExportFile => ({
  fileName: f.fileName,
  mimeType: f.mimeType,
  contentBase64: f.content.toString('base64'),
});

const format = (f: FeeExportFormat) => (f === FeeExportFormat.XLSX ? 'xlsx' : 'csv');

@Resolver()
export class BudgetResolver {
  @Query(() => BudgetReport, {
    description: 'Budget execution of a year for the county, a township or a department',
  })
  async budget(
    @Arg('year', () => Int) year: number,
    @Arg('township', () => String, { nullable: true }) township: string | null,
    @Arg('department', () => String, { nullable: true }) department: string | null,
    @Ctx() { em }: GatewayContext,
  ): Promise<BudgetReport> {
    return toBudgetReport(await budgetReport(em, { year, township, department }));
  }

  @Mutation(() => FeeBudget, { description: 'Creates or replaces the budget of a year and scope (audited)' })
  async setBudget(
    @Arg('year', () => Int) year: number,
    @Arg('amountFen', () => String, { description: 'Fen, a whole number as a decimal string' })
    amountFen: string,
    @Arg('township', () => String, { nullable: true }) township: string | null,
    @Arg('department', () => String, { nullable: true }) department: string | null,
    @Arg('alertFactor', () => Float, { nullable: true, description: 'Default 1.2, 2 decimals' })
    alertFactor: number | null,
    @Ctx() { em, access }: GatewayContext,
  ): Promise<FeeBudget> {
    const b = await setBudget(em, access.principal, {
      year,
      township,
      department,
      amountFen: fenInput(amountFen),
      alertFactor: alertFactor ?? undefined,
    });
    return { ...b, amountFen: String(b.amountFen) };
  }

  @Query(() => FeeAllocation, { description: 'A month’s reconciled fees by township, department and number' })
  async allocation(
    @Arg('month', () => String, { description: 'YYYY-MM' }) month: string,
    @Arg('carrier', () => String, { nullable: true, description: 'Every carrier when absent' })
    carrier: string | null,
    @Ctx() { em }: GatewayContext,
  ): Promise<FeeAllocation> {
    const a = await allocate(em, {
      month: month?.trim(),
      carrier: carrier?.trim().toLowerCase() || undefined,
    });
    return {
      month: a.month,
      carrier: a.carrier,
      totalFen: String(a.totalFen),
      lines: a.lines,
      byTownship: a.byTownship.map((t) => ({
        code: t.township,
        name: t.name,
        fen: String(t.amountFen),
        lines: t.lines,
      })),
      byDepartment: a.byDepartment.map((d) => ({
        department: d.department,
        fen: String(d.amountFen),
        lines: d.lines,
      })),
      byNumber: a.byNumber.map((n) => ({
        msisdn: n.msisdn,
        iccid: n.iccid,
        township: n.township,
        fen: String(n.amountFen),
        lines: n.lines,
      })),
    };
  }

  @Query(() => FeeExportFile, {
    description: 'The year’s fees by township and department, per month and total',
  })
  async feeSummaryExport(
    @Arg('year', () => Int) year: number,
    @Arg('format', () => FeeExportFormat) fmt: FeeExportFormat,
    @Ctx() { em }: GatewayContext,
  ): Promise<FeeExportFile> {
    return toFile(await feeSummaryExport(em, year, format(fmt)));
  }

  @Query(() => FeeExportFile, { description: 'A carrier’s month per number, with its findings' })
  async feeDetailExport(
    @Arg('month', () => String) month: string,
    @Arg('carrier', () => String) carrier: string,
    @Arg('format', () => FeeExportFormat) fmt: FeeExportFormat,
    @Ctx() { em }: GatewayContext,
  ): Promise<FeeExportFile> {
    return toFile(await feeDetailExport(em, month?.trim(), carrier, format(fmt)));
  }
}
