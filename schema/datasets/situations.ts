import type { CodeValueDef } from '../codes';
import { attr, col, M, S } from './fields';
import type { DataSetSpec, FieldSpec } from './spec';

/**
 * 情: X modules (not in GB/T 31000). The one graded answer of each kind is the `rating` column. Their closed
 * lists have no table in CODE_TABLES, so they are given inline (`values`); move them to schema/codes when the
 * code tables take X-module dictionaries.
 */

/** 群众安全感调查 answer; the safety rate is the share of the first three (domain.md §2). */
export const SAFETY_RATINGS: CodeValueDef[] = [
  { code: '01', label: '很安全' },
  { code: '02', label: '安全' },
  { code: '03', label: '基本安全' },
  { code: '04', label: '不太安全' },
  { code: '05', label: '不安全' },
];

/** 社会稳定风险评估 风险等级. */
export const RISK_LEVELS: CodeValueDef[] = [
  { code: '01', label: '高风险', aliases: ['高'] },
  { code: '02', label: '中风险', aliases: ['中'] },
  { code: '03', label: '低风险', aliases: ['低'] },
];

/** The verdict on one of the four dimensions of a risk assessment. */
export const ASSESSMENT_VERDICTS: CodeValueDef[] = [
  { code: '01', label: '符合' },
  { code: '02', label: '基本符合' },
  { code: '03', label: '不符合' },
];

/** 评估结论: what the assessment recommends. */
export const ASSESSMENT_DECISIONS: CodeValueDef[] = [
  { code: '01', label: '准予实施' },
  { code: '02', label: '暂缓实施' },
  { code: '03', label: '不予实施' },
];

/** 社情民意 urgency. */
export const URGENCIES: CodeValueDef[] = [
  { code: '01', label: '一般' },
  { code: '02', label: '紧急' },
  { code: '03', label: '特急' },
];

export const SENTIMENT_REPORT: DataSetSpec = {
  id: 'sentiment_report',
  label: '社情民意',
  entity: 'situation',
  kind: 'sentiment_report',
  standard: 'X module',
  fields: [
    col('code', '编号', 'text', M),
    col('title', '标题', 'text', M),
    col('recordedAt', '报送时间', 'datetime', { mandatory: true, notFuture: true }),
    col('rating', '紧急程度', 'code', { values: URGENCIES, mandatory: true }),
    attr('content', '内容', 'text', M),
    attr('category', '类别', 'text'),
    attr('source', '来源', 'text'),
    attr('reporterName', '报送人姓名', 'text'),
    attr('reporterPhone', '报送人联系方式', 'phone', S),
    attr('feedback', '办理反馈', 'text'),
  ],
};

/** 群众安全感调查: one respondent's answer; respondents are aged 16 or more. */
export const SAFETY_SURVEY: DataSetSpec = {
  id: 'safety_survey',
  label: '群众安全感调查',
  entity: 'situation',
  kind: 'safety_survey',
  standard: 'X module',
  fields: [
    col('code', '问卷编号', 'text', M),
    col('title', '调查名称', 'text', M),
    col('recordedAt', '调查时间', 'datetime', { mandatory: true, notFuture: true }),
    col('rating', '安全感评价', 'code', { values: SAFETY_RATINGS, mandatory: true }),
    attr('respondentAge', '受访者年龄', 'int', { min: 16, max: 120, mandatory: true }),
    attr('respondentSex', '受访者性别', 'code', { codeTable: 'sex' }),
    attr('respondentRegionCode', '受访者所在地编码', 'divisionCode'),
    attr('surveyMethod', '调查方式', 'text'),
    attr('isResident', '是否本地常住', 'boolean'),
    attr('concerns', '主要关注问题', 'text'),
    attr('suggestions', '意见建议', 'text'),
  ],
};

/** One dimension of a risk assessment: the verdict (mandatory) and its analysis. */
function dimension(name: string, label: string): FieldSpec[] {
  return [
    attr(name, `${label}评估`, 'code', { values: ASSESSMENT_VERDICTS, mandatory: true }),
    attr(`${name}Note`, `${label}分析`, 'text'),
  ];
}

/** 社会稳定风险评估: legality, reasonableness, feasibility and controllability → high / medium / low risk. */
export const RISK_ASSESSMENT: DataSetSpec = {
  id: 'risk_assessment',
  label: '社会稳定风险评估',
  entity: 'situation',
  kind: 'risk_assessment',
  standard: 'X module',
  fields: [
    col('code', '评估编号', 'text', M),
    col('title', '评估事项', 'text', M),
    col('recordedAt', '评估日期', 'datetime', { mandatory: true, notFuture: true }),
    attr('assessingUnit', '评估主体', 'text', M),
    attr('decisionUnit', '决策机关', 'text'),
    ...dimension('legality', '合法性'),
    ...dimension('reasonableness', '合理性'),
    ...dimension('feasibility', '可行性'),
    ...dimension('controllability', '可控性'),
    col('rating', '风险等级', 'code', { values: RISK_LEVELS, mandatory: true }),
    attr('mitigation', '风险防范化解措施', 'text'),
    attr('decision', '评估结论', 'code', { values: ASSESSMENT_DECISIONS }),
  ],
};

export const SITUATION_DATA_SETS: DataSetSpec[] = [SENTIMENT_REPORT, SAFETY_SURVEY, RISK_ASSESSMENT];
