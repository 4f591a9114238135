import { DEMO_COUNTY } from '../regions/demo-county';
import { RegionLevel } from '../regions/region.entity';
import { type GenerationContext, pad, type UnitInfo } from './context';
import type { DemoTrainingSession } from './types';

/**
 * 培训、演练 for one year (the year of `asOf`), as in the county's 2023 self-evaluation (domain.md §1): a
 * training every quarter for each audience (county staff, township staff, grid workers), 29 drills, and
 * 1,280 person-times in all at full scale. The trainings stay one per quarter and audience at any scale (the
 * indicator's target is at least one per quarter); the drills and the person-times scale, at least one drill.
 */

export const DRILLS_FULL_SCALE = 29;
export const TRAINING_PERSON_TIMES_FULL_SCALE = 1280;

export const TRAINING_AUDIENCES = ['county_staff', 'township_staff', 'grid_workers'] as const;

const COUNTY_CENTRE = '山丹县综治中心';

const TRAINING_TITLES: Record<(typeof TRAINING_AUDIENCES)[number], readonly string[]> = {
  county_staff: ['综治中心规范化建设业务培训', '社会治理综合信息平台操作培训', '矛盾纠纷多元化解工作培训'],
  township_staff: ['乡镇综治中心业务骨干培训', '平台事件流转与督办培训', '基础数据采集与更新培训'],
  grid_workers: ['网格员履职能力培训', '网格员手机终端使用培训', '网格员信息采集与事件上报培训'],
};

const DRILL_TITLES = [
  '矛盾纠纷应急处置演练',
  '消防安全应急疏散演练',
  '防汛抗旱应急演练',
  '群体性事件应急处置演练',
  '校园安全应急演练',
  '地震应急避险演练',
];

/** Relative size of each audience's session (a training of grid workers gathers more people). */
const TRAINING_WEIGHT: Record<(typeof TRAINING_AUDIENCES)[number], readonly [number, number]> = {
  county_staff: [20, 40],
  township_staff: [30, 60],
  grid_workers: [80, 140],
};

export function generateTraining(ctx: GenerationContext): DemoTrainingSession[] {
  const r = ctx.rng.fork('training');
  const year = ctx.year;
  // The eight townships; the two farm units (4xx) run no training of their own.
  const townships = ctx.townships.filter((t) => t.level === RegionLevel.TOWNSHIP && !/^6207254/.test(t.code));
  const countyPath = `/${DEMO_COUNTY.code}/`;
  const drafts: Array<Omit<DemoTrainingSession, 'participants'> & { weight: number }> = [];

  for (let q = 0; q < 4; q++) {
    for (const audience of TRAINING_AUDIENCES) {
      const [lo, hi] = TRAINING_WEIGHT[audience];
      drafts.push({
        code: '',
        kind: 'training',
        title: `${year}年第${'一二三四'[q]}季度${r.pick(TRAINING_TITLES[audience])}`,
        audience,
        regionCode: DEMO_COUNTY.code,
        regionPath: countyPath,
        heldOn: dayInQuarter(ctx, r.int(0, 80), q),
        organizer: COUNTY_CENTRE,
        attributes: { quarter: q + 1 },
        weight: r.int(lo, hi),
      });
    }
  }

  const drills = ctx.count(DRILLS_FULL_SCALE);
  for (let i = 0; i < drills; i++) {
    // Spread over the quarters in turn and over the townships, one in five held by the county itself.
    const q = i % 4;
    const township: UnitInfo | undefined = i % 5 === 4 ? undefined : townships[i % townships.length];
    const audience = township ? (r.chance(0.7) ? 'grid_workers' : 'township_staff') : 'county_staff';
    drafts.push({
      code: '',
      kind: 'drill',
      title: `${township?.name ?? DEMO_COUNTY.name}${r.pick(DRILL_TITLES)}`,
      audience,
      regionCode: township?.code ?? DEMO_COUNTY.code,
      regionPath: township?.path ?? countyPath,
      heldOn: dayInQuarter(ctx, r.int(0, 85), q),
      organizer: township ? `${township.name}综治中心` : COUNTY_CENTRE,
      attributes: { quarter: q + 1 },
      weight: r.int(10, 30),
    });
  }

  drafts.sort((a, b) =>
    a.heldOn === b.heldOn ? a.kind.localeCompare(b.kind) : a.heldOn < b.heldOn ? -1 : 1,
  );
  const sizes = apportion(
    Math.max(drafts.length, ctx.count(TRAINING_PERSON_TIMES_FULL_SCALE)),
    drafts.map((d) => d.weight),
  );
  return drafts.map(({ weight: _weight, ...d }, i) => ({
    ...d,
    code: `620725PX${year}${pad(i + 1, 4)}`,
    participants: sizes[i]!,
  }));
}

/** Day `offset` (0-based, capped at the quarter's last day and at `asOf`) of quarter `q` (0–3). */
function dayInQuarter(ctx: GenerationContext, offset: number, q: number): string {
  const start = `${ctx.year}-${pad(q * 3 + 1, 2)}-01`;
  const end = ctx.addDays(q === 3 ? `${ctx.year + 1}-01-01` : `${ctx.year}-${pad(q * 3 + 4, 2)}-01`, -1);
  const day = ctx.addDays(start, Math.min(offset, ctx.daysBetween(start, end)));
  return ctx.notAfterAsOf(day);
}

/**
 * Splits `total` into integers proportional to `weights`, each at least 1, summing exactly to `total`
 * (largest remainders). `total` must be at least the number of weights.
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  const n = weights.length;
  if (n === 0) return [];
  const rest = total - n;
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (rest * w) / sum);
  const out = exact.map((x) => 1 + Math.floor(x));
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact
    .map((x, i) => [x - Math.floor(x), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k = (k + 1) % n, left--) {
    const i = order[k]![1];
    out[i] = out[i]! + 1;
  }
  return out;
}
