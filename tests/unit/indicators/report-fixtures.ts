import type { IndicatorValue } from '../../../schema/indicators/indicators';
import { parseRubric, type ReportOverview, type Rubric } from '../../../schema/indicators/report';

/** Hand-built report inputs shared by the report's unit and browser tests. */

/** The seed's 2023 figures (domain.md §1) as indicator values, by hand. */
export const v = (
  code: string,
  name: string,
  unit: IndicatorValue['unit'],
  value: number | null,
  target: number | null,
  extra: Partial<IndicatorValue> = {},
): IndicatorValue => ({
  code,
  name,
  unit,
  value,
  numerator: null,
  denominator: null,
  target,
  comparator: '>=',
  met: value == null || target == null ? null : value >= target,
  ...extra,
});

export const SEED_VALUES: IndicatorValue[] = [
  v('completeness', '基础数据库完整率', 'ratio', 0.86, 0.8),
  v('key_person_entry', '重点人员信息录入率', 'ratio', 0.9, 0.85),
  v('dispute_resolution', '矛盾纠纷排查化解率', 'ratio', 0.9, 0.95),
  v('handsets_in_service', '在用手持终端数', 'count', 1_210, 1_000),
  v('worker_coverage', '网格员覆盖率', 'ratio', 0.97, null),
  v('training_per_quarter', '每季度培训次数', 'count', 7.25, 1),
  v('training_person_times', '培训人次', 'count', 1_280, 1_000),
  v('items_reported', '网格上报事项数', 'count', 8_276, 8_000),
  v('key_matters', '重点事项办理数', 'count', 2_340, 2_000),
  v('disputes_resolved', '化解矛盾纠纷数', 'count', 580, null),
  v('budget_execution', '预算执行率', 'ratio', 0.70722, null, { numerator: 763_800, denominator: 1_080_000 }),
  v('satisfaction', '群众满意度', 'ratio', 0.81, 0.9),
];

/** The seeded national rubric (Migration20261127065045_indicators.ts). */
export const NATIONAL: Rubric = parseRubric({
  name: 'national',
  title: '项目支出绩效自评 (national default)',
  sections: [
    {
      key: 'budget',
      name: '预算执行',
      points: 10,
      items: [{ indicator: 'budget_execution', points: 10, rule: 'proportional' }],
    },
    {
      key: 'outputs',
      name: '产出指标',
      points: 50,
      items: [
        'handsets_in_service',
        'items_reported',
        'key_matters',
        'training_per_quarter',
        'training_person_times',
      ].map((indicator) => ({ indicator, points: 10, rule: 'met' })),
    },
    {
      key: 'benefits',
      name: '效益指标',
      points: 30,
      items: ['completeness', 'key_person_entry', 'dispute_resolution'].map((indicator) => ({
        indicator,
        points: 10,
        rule: 'met',
      })),
    },
    {
      key: 'satisfaction',
      name: '满意度指标',
      points: 10,
      items: [{ indicator: 'satisfaction', points: 10, rule: 'proportional' }],
    },
  ],
});

export const OVERVIEW: ReportOverview = {
  regionCode: '620725',
  regionName: '山丹县',
  platform: '山丹县综治信息平台及网格化服务管理手持终端',
  modules: ['实有人口', '特殊人群'],
  townships: 8,
  villages: 111,
  communities: 12,
  grids: 220,
  urbanGrids: 100,
  ruralGrids: 111,
  specialGrids: 9,
  workers: 1_490,
  fullTimeWorkers: 225,
  auxiliaryWorkers: 120,
  partTimeWorkers: 1_145,
  handsetsAssigned: 1_437,
};
