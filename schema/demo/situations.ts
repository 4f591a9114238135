import { SituationKind } from '../situations/situation.entity';
import { type GenerationContext, pad, type Source } from './context';
import type { People, PersonMeta } from './people';
import type { DemoSituation } from './types';
import { RISK_PROJECTS, SENTIMENT_TOPICS } from './vocabulary';

/**
 * 情 (X modules): the yearly public safety survey (respondents aged ≥ 16, ratings 01 很安全 … 05 不安全, a
 * safety rate — the top three — of ~95 %), sentiment reports collected by grid workers (rating = urgency
 * 01 一般, 02 紧急, 03 特急) and stability risk assessments of projects (rating = 01 高, 02 中, 03 低 risk),
 * with the fields of schema/datasets/situations.ts.
 */

export const SURVEY_RESPONSES_FULL_SCALE = 2000;
export const SENTIMENT_REPORTS_FULL_SCALE = 1200;
export const RISK_ASSESSMENTS_FULL_SCALE = 36;

/** Shares of the survey answers 01 很安全 … 05 不安全; the counts follow them exactly. */
export const SURVEY_SHARES: ReadonlyArray<readonly [string, number]> = [
  ['01', 0.46],
  ['02', 0.34],
  ['03', 0.15],
  ['04', 0.04],
  ['05', 0.01],
];
const SURVEY: Source = { department: '中共山丹县委政法委员会', dataset: '群众安全感调查' };
const SENTIMENT: Source = { department: '山丹县综治中心', dataset: '社情民意' };
const RISK: Source = { department: '中共山丹县委政法委员会', dataset: '社会稳定风险评估' };

export function generateSituations(ctx: GenerationContext, people: People): DemoSituation[] {
  const r = ctx.rng.fork('situations');
  const out: DemoSituation[] = [];
  const grid = r.picker(ctx.grids.map((g) => [g, (people.byGrid.get(g.code)?.length ?? 0) + 0.5] as const));

  // Survey: exact counts per answer, shuffled over respondents drawn from the residents aged ≥ 16.
  const responses = ctx.count(SURVEY_RESPONSES_FULL_SCALE);
  const ratings: string[] = [];
  for (const [code, share] of SURVEY_SHARES) {
    for (let i = 0; i < Math.round(responses * share); i++) ratings.push(code);
  }
  while (ratings.length < responses) ratings.push('02');
  ratings.length = responses;
  r.shuffle(ratings);
  const adults = people.persons.filter((p) => !p.foreign && p.age >= 16);
  const respondents: PersonMeta[] = r.sample(adults, responses);
  respondents.forEach((p, i) => {
    const code = `AQG${ctx.year}${pad(i + 1, 6)}`;
    const rating = ratings[i]!;
    const day = ctx.dayBetween(r, `${ctx.year}-10-10`, `${ctx.year}-11-30`);
    out.push({
      regionCode: p.grid.code,
      regionPath: p.grid.path,
      provenance: ctx.provenance(SURVEY, code),
      code,
      kind: SituationKind.SAFETY_SURVEY,
      title: `${ctx.year}年度群众安全感调查问卷`,
      recordedAt: ctx.instant(ctx.notAfterAsOf(day), r.int(9, 19), r.int(0, 59)),
      rating,
      attributes: {
        respondentAge: p.age,
        respondentSex: p.row.sex,
        respondentRegionCode: p.grid.unitCode,
        surveyMethod: r.weighted([
          ['入户走访', 50],
          ['电话访问', 35],
          ['网络问卷', 15],
        ]),
        isResident: !p.floating,
        concerns:
          rating <= '02'
            ? null
            : r.sample(['电信诈骗', '入室盗窃', '交通安全', '邻里纠纷', '食品安全'], r.int(1, 2)).join('、'),
        suggestions: rating >= '04' ? r.pick(['加强夜间巡逻', '增加路口监控', '整治出租房屋']) : null,
      },
    });
  });

  const reports = ctx.count(SENTIMENT_REPORTS_FULL_SCALE);
  const topic = r.picker(SENTIMENT_TOPICS.map((t) => [t, t[2]] as const));
  for (let i = 1; i <= reports; i++) {
    const g = grid();
    const [category, title, , content] = topic();
    const code = `SQMY${ctx.year}${pad(i, 5)}`;
    const day = ctx.dayBetween(r, `${ctx.year}-01-01`, ctx.asOf);
    const worker = people.gridWorkers.get(g.code)?.[0];
    out.push({
      regionCode: g.code,
      regionPath: g.path,
      provenance: ctx.provenance(SENTIMENT, code),
      code,
      kind: SituationKind.SENTIMENT_REPORT,
      title: `${g.unitName}${title}`,
      recordedAt: ctx.instant(day, r.int(8, 20), r.int(0, 59)),
      rating: r.weighted([
        ['01', 80],
        ['02', 17],
        ['03', 3],
      ]),
      attributes: {
        content: `${g.unitName}${content}`,
        category,
        source: r.weighted([
          ['网格员采集', 70],
          ['群众来访', 15],
          ['网络舆情', 15],
        ]),
        reporterName: worker?.row.name ?? null,
        reporterPhone: worker?.row.phone ?? null,
        feedback: ctx.daysBetween(day, ctx.asOf) > 7 || r.chance(0.5) ? '已转相关部门答复' : null,
      },
    });
  }

  const assessments = ctx.count(RISK_ASSESSMENTS_FULL_SCALE);
  for (let i = 1; i <= assessments; i++) {
    const g = grid();
    const project = RISK_PROJECTS[(i - 1) % RISK_PROJECTS.length]!;
    const code = `WP${ctx.year}${pad(i, 4)}`;
    const rating = r.weighted([
      ['03', 70],
      ['02', 25],
      ['01', 5],
    ]);
    // 评估 verdicts: 01 符合, 02 基本符合, 03 不符合 — worse for riskier projects.
    const verdict = () =>
      rating === '01'
        ? r.weighted([
            ['02', 60],
            ['03', 40],
          ])
        : rating === '02'
          ? r.weighted([
              ['01', 40],
              ['02', 60],
            ])
          : r.weighted([
              ['01', 85],
              ['02', 15],
            ]);
    const day = ctx.dayBetween(r, `${ctx.year}-01-01`, ctx.asOf);
    out.push({
      regionCode: g.code,
      regionPath: g.path,
      provenance: ctx.provenance(RISK, code),
      code,
      kind: SituationKind.RISK_ASSESSMENT,
      title: `${g.townshipName}${project}社会稳定风险评估`,
      recordedAt: ctx.instant(day, r.int(9, 17), r.int(0, 59)),
      rating,
      attributes: {
        assessingUnit: `${g.townshipName}人民政府`,
        decisionUnit: '山丹县人民政府',
        legality: verdict(),
        legalityNote: '项目依据充分，程序合法',
        reasonableness: verdict(),
        reasonablenessNote: '兼顾各方利益，补偿标准合理',
        feasibility: verdict(),
        feasibilityNote: '实施条件基本具备',
        controllability: verdict(),
        controllabilityNote: rating === '01' ? '涉及群众多，存在群体性上访风险' : '风险总体可控',
        mitigation: '制定风险防范化解预案，落实包保责任',
        decision: rating === '01' ? '02' : '01',
      },
    });
  }
  return out;
}
