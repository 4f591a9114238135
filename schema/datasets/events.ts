import { attr, COUNT, col, M, S } from './fields';
import type { DataSetSpec, FieldSpec } from './spec';

/**
 * 事: the columns of `event` and, per kind, its attributes. A dispute's parties (主要当事人), handling steps
 * (流程监控) and supervision entries (督办) are rows of their own tables (event-detail.entity.ts), not fields here.
 */

/** 编号, 名称, 发生时间, 发生地点: what every event has. */
const EVENT_BASICS: FieldSpec[] = [
  col('code', '事件编号', 'text', M),
  col('title', '事件名称', 'text', M),
  col('occurredAt', '发生日期', 'datetime', { mandatory: true, notFuture: true }),
  col('reportedAt', '上报时间', 'datetime', { notFuture: true }),
  col('location', '发生地点', 'text', M),
];

/** 重点事项: the county or township centre flags the matters it follows up itself (the key-matters indicator). */
const KEY_MATTER: FieldSpec = attr('keyMatter', '是否重点事项', 'boolean');

/** 事件 reported by grid workers (an X module: the platform's general 事件 flow, domain.md §3). */
export const INCIDENT: DataSetSpec = {
  id: 'incident',
  label: '网格事件',
  entity: 'event',
  kind: 'incident',
  standard: 'X module',
  fields: [
    ...EVENT_BASICS,
    col('description', '事件简述', 'text', M),
    col('involvedCount', '涉及人数', 'int', COUNT),
    col('involvedUnits', '涉及单位', 'text'),
    attr('category', '事件分类', 'text', M),
    attr('isUrgent', '是否紧急', 'boolean'),
    attr('reporterName', '上报人姓名', 'text'),
    attr('reporterPhone', '上报人联系方式', 'phone', S),
    KEY_MATTER,
  ],
};

/** 矛盾纠纷事件 with its 化解信息 (resolution block). */
export const DISPUTE: DataSetSpec = {
  id: 'dispute',
  label: '矛盾纠纷事件',
  entity: 'event',
  kind: 'dispute',
  standard: 'GB/T 31000-2015',
  note: '事件类别 (typeCode) is the two-level 事件类型 table; the second level (e.g. 0101) is expected.',
  fields: [
    ...EVENT_BASICS,
    col('scale', '事件规模', 'code', { codeTable: 'event_scale', mandatory: true }),
    col('typeCode', '事件类别', 'code', { codeTable: 'dispute_type', mandatory: true }),
    col('involvedCount', '涉及人数', 'int', { ...COUNT, mandatory: true }),
    col('description', '事件简述', 'text', M),
    col('involvedUnits', '涉及单位', 'text'),
    col('resolutionDeadline', '化解时限', 'date', M),
    col('resolutionMethod', '化解方式', 'code', { codeTable: 'resolution_method' }),
    col('resolvingOrganization', '化解组织', 'text'),
    col('resolutionOwner', '化解责任人姓名', 'text'),
    attr('resolutionOwnerPhone', '化解责任人联系方式', 'phone', S),
    KEY_MATTER,
    col('resolvedSuccessfully', '化解是否成功', 'boolean'),
    col('resolvedAt', '化解时间', 'datetime', { notFuture: true }),
    col('resolutionNote', '化解情况', 'text', {
      mandatoryIf: { field: 'resolvedSuccessfully', equals: true },
    }),
    col('evaluatedOn', '考评日期', 'date', { notFuture: true }),
    col('evaluation', '考评意见', 'text'),
  ],
};

/**
 * 案(事)件: GB/T 31000 重特大案(事)件 (分级, 类型), with the fields that 命案, 涉校案(事)件 and 涉线路案(事)件 add
 * (性质, 是否破案, 作案/在逃/抓捕人数, 侦破情况, 学校/线路编码).
 */
export const CASE: DataSetSpec = {
  id: 'case',
  label: '案(事)件',
  entity: 'event',
  kind: 'case',
  standard: 'GB/T 31000-2015',
  fields: [
    col('code', '案(事)件编号', 'text', M),
    col('title', '案(事)件名称', 'text', M),
    col('occurredAt', '发生日期', 'datetime', { mandatory: true, notFuture: true }),
    col('reportedAt', '上报时间', 'datetime', { notFuture: true }),
    attr('regionCode', '发生地编码', 'divisionCode', M),
    col('location', '发生地详址', 'text', M),
    attr('caseGrade', '案(事)件分级', 'code', { codeTable: 'major_case_grade', mandatory: true }),
    attr('caseType', '案(事)件类型', 'code', { codeTable: 'major_case_type', mandatory: true }),
    attr('caseNature', '案(事)件性质', 'code', { codeTable: 'case_nature' }),
    col('description', '情况', 'text', M),
    col('involvedCount', '涉及人数', 'int', COUNT),
    attr('isSolved', '是否破案', 'boolean'),
    attr('offenderCount', '作案人数', 'int', COUNT),
    attr('fugitiveCount', '在逃人数', 'int', COUNT),
    attr('arrestedCount', '抓捕人数', 'int', COUNT),
    attr('investigationNote', '侦破情况', 'text'),
    attr('investigationClosedOn', '侦查终结日期', 'date', { notFuture: true }),
    attr('schoolCode', '学校编码', 'text'),
    attr('lineCode', '线路编码', 'text'),
  ],
};

export const EVENT_DATA_SETS: DataSetSpec[] = [INCIDENT, DISPUTE, CASE];
