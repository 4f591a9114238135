import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from '../common/rows';
import { DomainError, NotFoundError } from '../runtime/errors';
import { computeIndicators, type IndicatorValue } from './indicators';
import { snapshotFor } from './snapshots';

/**
 * The annual performance self-evaluation report (项目支出绩效自评报告, issue 9 item 3) as data: the project
 * overview, the goals, the funds, every indicator with its target, actual and points, the conclusion and the
 * score under a rubric kept in `evaluation_rubric`. Values come from the year's stored snapshots when there
 * are any, so a past year's report does not move when today's data does; otherwise they are computed live.
 * Rendering (Markdown, HTML, XLSX, PDF) is report-render.ts.
 */

export type RubricRule = 'met' | 'proportional';

export interface RubricItem {
  indicator: string;
  points: number;
  rule: RubricRule;
}

export interface RubricSection {
  key: string;
  name: string;
  points: number;
  items: RubricItem[];
}

export interface Rubric {
  name: string;
  title?: string;
  sections: RubricSection[];
}

export interface ScoredItem {
  section: string;
  code: string;
  rule: RubricRule;
  maxPoints: number;
  /** Rounded to 0.01. */
  points: number;
}

export interface ScoredSection {
  key: string;
  name: string;
  maxPoints: number;
  points: number;
  items: ScoredItem[];
}

export interface ReportScore {
  rubric: string;
  maxPoints: number;
  /** Σ of the items' rounded points, rounded to 0.01. */
  total: number;
  sections: ScoredSection[];
}

const round2 = (n: number) => Math.round((n + Number.EPSILON) * 100) / 100;
const clamp = (n: number, max: number) => Math.min(max, Math.max(0, n));

/** value ÷ target for '>=' goals, target ÷ value for '<=' goals (doing better than the target is ≥ 1). */
function attainment(v: IndicatorValue, target: number): number {
  if (v.value == null || !Number.isFinite(v.value)) return 0;
  if (v.comparator === '<=') return v.value <= 0 ? 1 : target / v.value;
  return target === 0 ? 1 : v.value / target;
}

/** Points of one rubric item for one indicator value (a missing indicator or value scores nothing). */
export function scoreItem(item: RubricItem, v: IndicatorValue | undefined): number {
  if (!v || v.value == null) return 0;
  if (item.rule === 'met') {
    if (v.met) return item.points;
    if (v.target == null) return 0;
    return round2(clamp(item.points * attainment(v, v.target), item.points));
  }
  if (item.rule === 'proportional') {
    return round2(clamp(item.points * Math.min(1, attainment(v, v.target ?? 1)), item.points));
  }
  throw new DomainError('RUBRIC_RULE', `rubric item ${item.indicator}: unknown rule "${String(item.rule)}"`, {
    field: 'rule',
    rule: 'met | proportional',
  });
}

/** The score of `values` under `rubric`: each item's points, each section's, the total out of the sections'. */
export function scoreReport(values: readonly IndicatorValue[], rubric: Rubric): ReportScore {
  const byCode = new Map(values.map((v) => [v.code, v]));
  const sections = rubric.sections.map((s) => {
    const items = s.items.map((item) => ({
      section: s.key,
      code: item.indicator,
      rule: item.rule,
      maxPoints: item.points,
      points: scoreItem(item, byCode.get(item.indicator)),
    }));
    return {
      key: s.key,
      name: s.name,
      maxPoints: s.points,
      points: round2(items.reduce((a, i) => a + i.points, 0)),
      items,
    };
  });
  return {
    rubric: rubric.name,
    maxPoints: round2(rubric.sections.reduce((a, s) => a + s.points, 0)),
    total: round2(sections.reduce((a, s) => a + s.points, 0)),
    sections,
  };
}

/** Checks a rubric's shape so that a hand-edited row fails with the item at fault, not a NaN score. */
export function parseRubric(raw: unknown, name = 'rubric'): Rubric {
  const bad = (field: string, rule: string): never => {
    throw new DomainError('RUBRIC_INVALID', `evaluation_rubric ${name}: ${field}: ${rule}`, { field, rule });
  };
  const r = raw as Partial<Rubric> | null;
  if (!r || typeof r !== 'object' || !Array.isArray(r.sections)) bad('sections', 'must be a list');
  const sections = r!.sections!.map((s, i) => {
    if (!s || typeof s.key !== 'string' || typeof s.name !== 'string')
      bad(`sections[${i}]`, 'needs key and name');
    if (typeof s.points !== 'number' || s.points < 0) bad(`sections[${i}].points`, 'a number ≥ 0');
    if (!Array.isArray(s.items)) bad(`sections[${i}].items`, 'must be a list');
    const items = s.items.map((it, j) => {
      const at = `sections[${i}].items[${j}]`;
      if (!it || typeof it.indicator !== 'string') bad(`${at}.indicator`, 'an indicator code');
      if (typeof it.points !== 'number' || it.points < 0) bad(`${at}.points`, 'a number ≥ 0');
      if (it.rule !== 'met' && it.rule !== 'proportional') bad(`${at}.rule`, "'met' or 'proportional'");
      return { indicator: it.indicator, points: it.points, rule: it.rule };
    });
    return { key: s.key, name: s.name, points: s.points, items };
  });
  return { name: typeof r!.name === 'string' ? r!.name : name, title: r!.title, sections };
}

export async function loadRubric(em: EntityManager, name = 'national'): Promise<Rubric> {
  const [row] = await runSql<{ rubric: unknown }>(em, 'select rubric from evaluation_rubric where name = ?', [
    name,
  ]);
  if (!row) throw new NotFoundError('Rubric', name, 'RUBRIC_NOT_FOUND');
  return parseRubric(row.rubric, name);
}

/** The nine mandated modules (domain.md §2). */
export const PLATFORM_MODULES = [
  '实有人口',
  '特殊人群',
  '重点青少年',
  '两新组织',
  '治安管理整治',
  '矛盾纠纷排查调处',
  '机构队伍建设',
  '社会稳定风险评估',
  '群众安全感调查',
];

export interface ReportOverview {
  regionCode: string;
  regionName: string;
  platform: string;
  modules: string[];
  townships: number;
  villages: number;
  communities: number;
  grids: number;
  urbanGrids: number;
  ruralGrids: number;
  specialGrids: number;
  workers: number;
  fullTimeWorkers: number;
  auxiliaryWorkers: number;
  partTimeWorkers: number;
  /** Handsets held by the region's workers at the end of the year (open assignments). */
  handsetsAssigned: number;
}

export interface ReportFunds {
  /** Yuan, as the budget_execution indicator gives them. */
  budget: number | null;
  spent: number | null;
  executionRate: number | null;
}

export interface ReportRow {
  code: string;
  name: string;
  unit: IndicatorValue['unit'];
  section: string | null;
  sectionName: string | null;
  target: number | null;
  comparator: string;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  met: boolean | null;
  /** null when the rubric does not score this indicator. */
  points: number | null;
  maxPoints: number | null;
}

export interface SelfEvaluationReport {
  year: number;
  from: string;
  to: string;
  title: string;
  /** 'snapshot' when every value is from the year's stored snapshots, 'live' when computed now. */
  source: 'snapshot' | 'live';
  generatedAt: Date;
  overview: ReportOverview;
  goals: ReportRow[];
  funds: ReportFunds;
  indicators: ReportRow[];
  conclusion: string;
  score: ReportScore;
  rubricTitle: string;
}

async function overviewOf(
  em: EntityManager,
  regionCode: string | undefined,
  year: number,
): Promise<ReportOverview> {
  const [region] = await runSql<{ code: string; name: string; path: string }>(
    em,
    regionCode
      ? 'select code, name, path from region where code = ?'
      : "select code, name, path from region where level = 'county' order by code limit 1",
    regionCode ? [regionCode] : [],
  );
  if (!region) throw new NotFoundError('Region', regionCode ?? '(county)');
  const pattern = `${region.path}%`;
  const [grid] = await runSql<Record<string, string>>(
    em,
    `select count(*) filter (where level = 'township') as townships,
       count(*) filter (where kind = 'village') as villages,
       count(*) filter (where kind = 'community') as communities,
       count(*) filter (where level = 'grid') as grids,
       count(*) filter (where kind = 'urban_grid') as urban,
       count(*) filter (where kind = 'rural_grid') as rural,
       count(*) filter (where kind = 'special_grid') as special
     from region where path like ?`,
    [pattern],
  );
  const end = `${year + 1}-01-01`;
  // The fleet as it stood at the end of the year: active workers of the region's grids and the handsets
  // they held then (assignments open at the year's end).
  const [fleet] = await runSql<Record<string, string>>(
    em,
    `select count(*) as workers,
       count(*) filter (where w.kind = 'full_time') as full_time,
       count(*) filter (where w.kind = 'auxiliary') as auxiliary,
       count(*) filter (where w.kind = 'part_time') as part_time,
       (select count(*) from assignment a join fleet_worker w2 on w2.id = a.worker_id
          join region g2 on g2.code = w2.grid_code
         where g2.path like ? and a.since < ?::timestamptz and (a.until is null or a.until >= ?::timestamptz))
         as handsets
     from fleet_worker w join region g on g.code = w.grid_code
     where g.path like ? and w.status = 'active'`,
    [pattern, end, end, pattern],
  );
  const n = (s: string | undefined) => Number(s ?? 0);
  return {
    regionCode: region.code,
    regionName: region.name,
    platform: `${region.name}综治信息平台及网格化服务管理手持终端`,
    modules: PLATFORM_MODULES,
    townships: n(grid?.townships),
    villages: n(grid?.villages),
    communities: n(grid?.communities),
    grids: n(grid?.grids),
    urbanGrids: n(grid?.urban),
    ruralGrids: n(grid?.rural),
    specialGrids: n(grid?.special),
    workers: n(fleet?.workers),
    fullTimeWorkers: n(fleet?.full_time),
    auxiliaryWorkers: n(fleet?.auxiliary),
    partTimeWorkers: n(fleet?.part_time),
    handsetsAssigned: n(fleet?.handsets),
  };
}

const percent = (r: number) =>
  `${round2(r * 100)
    .toFixed(2)
    .replace(/\.?0+$/, '')}%`;

/** Formats an indicator's value in its unit, in Chinese conventions: 70.72%, 8,276, 1,080,000.00 元. */
export function formatValue(unit: IndicatorValue['unit'], value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return '—';
  if (unit === 'ratio') return percent(value);
  if (unit === 'yuan')
    return `${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} 元`;
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

function conclusionOf(overview: ReportOverview, rows: ReportRow[], score: ReportScore, year: number): string {
  const judged = rows.filter((r) => r.met != null);
  const met = judged.filter((r) => r.met);
  const missed = judged.filter((r) => !r.met);
  const grade = score.total >= 90 ? '优' : score.total >= 80 ? '良' : score.total >= 60 ? '中' : '差';
  const parts = [
    `${year}年度，${overview.regionName}综治信息平台及手持终端项目纳入考核的${judged.length}项指标中${met.length}项达到目标值`,
  ];
  if (missed.length) parts.push(`未达标的有${missed.map((r) => r.name).join('、')}`);
  parts.push(`自评得分${score.total.toFixed(2)}分（满分${score.maxPoints}分），评价等级为“${grade}”`);
  const out = `${parts.join('；')}。`;
  return missed.length ? `${out}下一年度将针对未达标指标查找原因、落实整改。` : out;
}

/** The year's values: every indicator's stored yearly snapshot, else all of them computed live. */
async function valuesOf(
  em: EntityManager,
  year: number,
  regionCode: string,
  from: string,
  to: string,
): Promise<{ values: IndicatorValue[]; source: 'snapshot' | 'live' }> {
  const stored = await snapshotFor(em, String(year), regionCode);
  if (stored && stored.length > 0) return { values: stored, source: 'snapshot' };
  return { values: await computeIndicators(em, { from, to, regionCode }), source: 'live' };
}

export interface ReportOptions {
  regionCode?: string;
  rubric?: string | Rubric;
  /** Hand-given values (tests, previews); skips snapshots and live computation. */
  values?: IndicatorValue[];
}

/** The self-evaluation report of fiscal year `year` (1 January to 31 December) for the county or a region. */
export async function selfEvaluationReport(
  em: EntityManager,
  year: number,
  options: ReportOptions = {},
): Promise<SelfEvaluationReport> {
  if (!Number.isInteger(year) || year < 2000 || year > 2100)
    throw new DomainError('INVALID_YEAR', `year: a fiscal year between 2000 and 2100, not ${year}`, {
      field: 'year',
      rule: '2000–2100',
    });
  const rubric =
    typeof options.rubric === 'object' ? options.rubric : await loadRubric(em, options.rubric ?? 'national');
  const overview = await overviewOf(em, options.regionCode, year);
  const from = `${year}-01-01`;
  const to = `${year + 1}-01-01`;
  const { values, source } = options.values
    ? { values: options.values, source: 'live' as const }
    : await valuesOf(em, year, overview.regionCode, from, to);
  const score = scoreReport(values, rubric);
  return buildReport({ year, from, to, overview, values, rubric, score, source });
}

/** Assembles the report from its parts (no database): shared by the service and the renderer tests. */
export function buildReport(parts: {
  year: number;
  from?: string;
  to?: string;
  overview: ReportOverview;
  values: readonly IndicatorValue[];
  rubric: Rubric;
  score?: ReportScore;
  source?: 'snapshot' | 'live';
  generatedAt?: Date;
}): SelfEvaluationReport {
  const { year, overview, values, rubric } = parts;
  const score = parts.score ?? scoreReport(values, rubric);
  const scored = new Map<string, { item: ScoredItem; section: ScoredSection }>();
  for (const section of score.sections)
    for (const item of section.items) if (!scored.has(item.code)) scored.set(item.code, { item, section });
  const rows: ReportRow[] = values.map((v) => {
    const s = scored.get(v.code);
    return {
      code: v.code,
      name: v.name,
      unit: v.unit,
      section: s?.section.key ?? null,
      sectionName: s?.section.name ?? null,
      target: v.target,
      comparator: v.comparator,
      value: v.value,
      numerator: v.numerator,
      denominator: v.denominator,
      met: v.met,
      points: s ? s.item.points : null,
      maxPoints: s ? s.item.maxPoints : null,
    };
  });
  const budget = values.find((v) => v.code === 'budget_execution');
  return {
    year,
    from: parts.from ?? `${year}-01-01`,
    to: parts.to ?? `${year + 1}-01-01`,
    title: `${overview.regionName}${year}年度综治信息平台及手持终端项目支出绩效自评报告`,
    source: parts.source ?? 'live',
    generatedAt: parts.generatedAt ?? new Date(),
    overview,
    goals: rows.filter((r) => r.target != null),
    funds: {
      budget: budget?.denominator ?? null,
      spent: budget?.numerator ?? null,
      executionRate: budget?.value ?? null,
    },
    indicators: rows,
    conclusion: conclusionOf(overview, rows, score, year),
    score,
    rubricTitle: rubric.title ?? rubric.name,
  };
}

/** A period as the API and CLI take it: explicit dates, a year, or a year's quarter. */
export interface PeriodInput {
  from?: string | null;
  to?: string | null;
  year?: number | null;
  quarter?: number | null;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** [from, to) of a period input; `to` is exclusive. */
export function periodRange(p: PeriodInput): { from: string; to: string; label: string } {
  const bad = (field: string, rule: string, value: unknown): never => {
    throw new DomainError('INVALID_PERIOD', `period.${field}: ${rule}, not ${JSON.stringify(value)}`, {
      field: `period.${field}`,
      rule,
    });
  };
  if (p.from != null || p.to != null) {
    if (p.year != null || p.quarter != null) bad('year', 'give either from/to or year (and quarter)', p.year);
    if (!p.from || !DATE.test(p.from) || Number.isNaN(Date.parse(p.from)))
      bad('from', 'a date YYYY-MM-DD', p.from);
    if (!p.to || !DATE.test(p.to) || Number.isNaN(Date.parse(p.to)))
      bad('to', 'a date YYYY-MM-DD (exclusive)', p.to);
    if (p.to! <= p.from!) bad('to', 'after from', p.to);
    return { from: p.from!, to: p.to!, label: `${p.from}/${p.to}` };
  }
  const year = p.year;
  if (year == null || !Number.isInteger(year) || year < 2000 || year > 2100)
    bad('year', 'a year 2000–2100', year);
  if (p.quarter == null) return { from: `${year}-01-01`, to: `${year! + 1}-01-01`, label: String(year) };
  const q = p.quarter;
  if (!Number.isInteger(q) || q < 1 || q > 4) bad('quarter', '1–4', q);
  const month = (n: number) => String(n).padStart(2, '0');
  return {
    from: `${year}-${month(q * 3 - 2)}-01`,
    to: q === 4 ? `${year! + 1}-01-01` : `${year}-${month(q * 3 + 1)}-01`,
    label: `${year}-Q${q}`,
  };
}

/** The county's root region code (the default region of every indicator query). */
export async function countyCode(em: EntityManager): Promise<string> {
  const [row] = await runSql<{ code: string }>(
    em,
    "select code from region where level = 'county' order by code limit 1",
  );
  if (!row) throw new NotFoundError('Region', '(county)');
  return row.code;
}

/** Changes an indicator's target (an administrator's act; the caller audits it). */
export async function setIndicatorTarget(
  em: EntityManager,
  actor: string,
  code: string,
  target: number,
  comparator?: '>=' | '<=',
): Promise<{ code: string; target: number; comparator: string; updatedAt: Date; updatedBy: string }> {
  if (!/^[a-z_]{1,40}$/.test(code ?? ''))
    throw new DomainError('INVALID_INDICATOR', `code: an indicator code, not "${code}"`, {
      field: 'code',
      rule: '[a-z_]',
    });
  if (!Number.isFinite(target) || target < 0)
    throw new DomainError('INVALID_TARGET', `indicator ${code}: target must be a number ≥ 0, not ${target}`, {
      field: 'target',
      rule: '≥ 0',
    });
  if (comparator != null && comparator !== '>=' && comparator !== '<=')
    throw new DomainError(
      'INVALID_TARGET',
      `indicator ${code}: comparator '>=' or '<=', not "${comparator}"`,
      {
        field: 'comparator',
        rule: '>= | <=',
      },
    );
  const [row] = await runSql<{
    code: string;
    target: string;
    comparator: string;
    updated_at: Date;
    updated_by: string;
  }>(
    em,
    `insert into indicator_target (code, target, comparator, updated_at, updated_by) values (?, ?, coalesce(?, '>='), now(), ?)
     on conflict (code) do update set target = excluded.target,
       comparator = coalesce(?, indicator_target.comparator), updated_at = now(), updated_by = excluded.updated_by
     returning code, target, comparator, updated_at, updated_by`,
    [code, target, comparator ?? null, actor, comparator ?? null],
  );
  return {
    code: row!.code,
    target: Number(row!.target),
    comparator: row!.comparator,
    updatedAt: row!.updated_at,
    updatedBy: row!.updated_by,
  };
}
