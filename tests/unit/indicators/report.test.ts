import { describe, expect, it } from 'vitest';
import { buildReport, parseRubric, scoreItem, scoreReport } from '../../../schema/indicators/report';
import { renderHtml, renderMarkdown, tableCells } from '../../../schema/indicators/report-render';
import { NATIONAL, OVERVIEW, SEED_VALUES, v } from './report-fixtures';

describe('scoring', () => {
  it('gives full points when met, and points × value ÷ target otherwise', () => {
    const item = { indicator: 'dispute_resolution', points: 10, rule: 'met' as const };
    expect(scoreItem(item, SEED_VALUES[2])).toBe(9.47); // 10 × 0.90 / 0.95 = 9.4737
    expect(scoreItem(item, SEED_VALUES[0])).toBe(10);
    expect(scoreItem(item, { ...SEED_VALUES[2]!, value: -3 })).toBe(0);
    expect(scoreItem(item, { ...SEED_VALUES[2]!, value: null, met: null })).toBe(0);
    expect(scoreItem(item, undefined)).toBe(0);
  });

  it('gives points × min(1, value ÷ target) for proportional items, target 1 when there is none', () => {
    const budget = { indicator: 'budget_execution', points: 10, rule: 'proportional' as const };
    expect(scoreItem(budget, SEED_VALUES[10])).toBe(7.07);
    expect(scoreItem(budget, { ...SEED_VALUES[10]!, value: 1.3 })).toBe(10);
    const sat = { indicator: 'satisfaction', points: 10, rule: 'proportional' as const };
    expect(scoreItem(sat, SEED_VALUES[11])).toBe(9); // 10 × 0.81 / 0.9
  });

  it('inverts the ratio for at-most goals', () => {
    const item = { indicator: 'x', points: 10, rule: 'met' as const };
    const atMost = v('x', 'x', 'count', 125, 100, { comparator: '<=', met: false });
    expect(scoreItem(item, atMost)).toBe(8);
  });

  it('scores the seed year under the national rubric, each item shown, out of 100', () => {
    const score = scoreReport(SEED_VALUES, NATIONAL);
    expect(score.maxPoints).toBe(100);
    expect(score.sections.map((s) => [s.key, s.points])).toEqual([
      ['budget', 7.07],
      ['outputs', 50],
      ['benefits', 29.47],
      ['satisfaction', 9],
    ]);
    expect(score.total).toBe(95.54);
    expect(score.sections.flatMap((s) => s.items.map((i) => [i.code, i.points]))).toEqual([
      ['budget_execution', 7.07],
      ['handsets_in_service', 10],
      ['items_reported', 10],
      ['key_matters', 10],
      ['training_per_quarter', 10],
      ['training_person_times', 10],
      ['completeness', 10],
      ['key_person_entry', 10],
      ['dispute_resolution', 9.47],
      ['satisfaction', 9],
    ]);
  });

  it('follows a hand-built rubric exactly', () => {
    const rubric = parseRubric({
      name: 'custom',
      sections: [
        {
          key: 'a',
          name: 'A',
          points: 60,
          items: [{ indicator: 'items_reported', points: 60, rule: 'proportional' }],
        },
        { key: 'b', name: 'B', points: 40, items: [{ indicator: 'satisfaction', points: 40, rule: 'met' }] },
      ],
    });
    const values = [
      v('items_reported', '上报', 'count', 4_000, 8_000),
      v('satisfaction', '满意度', 'ratio', 0.6, 0.9),
    ];
    const score = scoreReport(values, rubric);
    expect(score.sections.map((s) => s.points)).toEqual([30, 26.67]);
    expect(score.total).toBe(56.67);
  });

  it('refuses a malformed rubric naming the item', () => {
    expect(() =>
      parseRubric(
        {
          sections: [
            { key: 'a', name: 'A', points: 10, items: [{ indicator: 'x', points: 10, rule: 'most' }] },
          ],
        },
        'bad',
      ),
    ).toThrow(/evaluation_rubric bad: sections\[0\]\.items\[0\]\.rule/);
  });
});

describe('rendering', () => {
  const report = buildReport({ year: 2023, overview: OVERVIEW, values: SEED_VALUES, rubric: NATIONAL });

  it('takes the funds from budget execution', () => {
    expect(report.funds).toEqual({ budget: 1_080_000, spent: 763_800, executionRate: 0.70722 });
  });

  it('writes Markdown in the seed’s structure with every indicator row', () => {
    const md = renderMarkdown(report);
    const headings = [
      '项目概况',
      '绩效目标',
      '资金情况（预算、支出、执行率）',
      '绩效目标完成情况及效益',
      '结论',
      '自评得分',
    ];
    let at = 0;
    for (const h of headings) {
      const i = md.indexOf(h, at);
      expect(i, h).toBeGreaterThan(-1);
      at = i;
    }
    for (const value of SEED_VALUES) {
      const row = md.split('\n').find((l) => l.startsWith('|') && l.includes(`| ${value.name} |`));
      expect(row, value.code).toBeDefined();
    }
    expect(md).toContain('| 11 | 预算执行率 | — | 70.72% | — | 7.07 / 10 |');
    expect(md).toContain('| 3 | 矛盾纠纷排查化解率 | ≥ 95% | 90% | 否 | 9.47 / 10 |');
    expect(md).toContain('| 8 | 网格上报事项数 | ≥ 8,000 | 8,276 | 是 | 10.00 / 10 |');
    expect(md).toContain('预算资金1,080,000.00 元，实际支出763,800.00 元，预算执行率70.72%');
    expect(md).toContain('自评得分：**95.54** 分（满分 100 分）');
    expect(md).toContain('未达标的有矛盾纠纷排查化解率、群众满意度');
    expect(tableCells(report)).toHaveLength(SEED_VALUES.length);
  });

  it('writes one self-contained HTML file with CJK fonts and the complete table', () => {
    const html = renderHtml(report);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('"Noto Sans CJK SC"');
    expect(html).toContain('@media print');
    expect(html).not.toMatch(/<script|<link|@import|url\(|https?:\/\//);
    expect(html.match(/<tr data-code=/g)).toHaveLength(SEED_VALUES.length);
    expect(html).toContain('自评得分：95.54 分');
  });

  it('escapes names in HTML', () => {
    const odd = buildReport({
      year: 2023,
      overview: OVERVIEW,
      values: [v('x', '<b>&</b>', 'count', 1, 1)],
      rubric: NATIONAL,
    });
    expect(renderHtml(odd)).toContain('&lt;b&gt;&amp;&lt;/b&gt;');
  });
});
