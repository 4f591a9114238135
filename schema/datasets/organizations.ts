import { attr, COUNT, col, contact, coordinates, type FieldOptions, M, S } from './fields';
import type { DataSetSpec, FieldSpec } from './spec';

/**
 * 组织: 两新组织 (非公有制经济组织, 社会组织), 寄递物流 firms, 综治中心 and 群防群治队伍. The columns of
 * `organization` hold what indicators count (the party, union, youth league and women's federation fields of
 * the "two new organisations"); the rest are attributes.
 */

/** Whether the organisation has it (mandatory) and, when it has, how many members (then mandatory too). */
function presence(has: string, hasLabel: string, count: string, countLabel: string): FieldSpec[] {
  return [
    col(has, hasLabel, 'boolean', M),
    col(count, countLabel, 'int', { ...COUNT, mandatoryIf: { field: has, equals: true } }),
  ];
}

/** 党组织 / 工会 / 共青团 / 妇联 (有无 + 人数): columns of `organization`. */
const MASS_ORGANIZATIONS: FieldSpec[] = [
  ...presence('hasPartyOrganization', '是否有中共党组织', 'partyMembers', '中共党员数量'),
  ...presence('hasUnion', '是否有工会', 'unionMembers', '工会会员数量'),
  ...presence('hasYouthLeague', '是否有共青团组织', 'youthLeagueMembers', '共青团员数量'),
  ...presence('hasWomensFederation', '是否有妇联组织', 'womenCount', '妇女数量'),
];

/** 法定代表人 证件代码/号码/姓名/联系方式: name and citizen ID number (the 18-character column) are columns. */
function legalRepresentative(options: FieldOptions = {}): FieldSpec[] {
  return [
    col('legalRepresentative', '法定代表人姓名', 'text', options),
    attr('legalRepresentativeDocumentType', '法定代表人证件代码', 'code', { codeTable: 'id_document_type' }),
    col('legalRepresentativeIdNumber', '法定代表人公民身份号码', 'citizenId', S),
    attr('legalRepresentativePhone', '法定代表人联系方式', 'phone', S),
  ];
}

export const ENTERPRISE: DataSetSpec = {
  id: 'enterprise',
  label: '非公有制经济组织',
  entity: 'organization',
  kind: 'enterprise',
  standard: 'GB/T 31000-2015',
  fields: [
    col('creditCode', '统一社会信用代码', 'creditCode', M),
    col('name', '企业名称', 'text', M),
    col('category', '企业类别', 'code', { codeTable: 'enterprise_category', mandatory: true }),
    attr('regionCode', '企业地址(省市县编码)', 'divisionCode', M),
    col('address', '企业地址(详址)', 'text', M),
    col('phone', '企业联系方式', 'phone', M),
    col('employeeCount', '企业员工数', 'int', { ...COUNT, mandatory: true }),
    ...legalRepresentative(M),
    ...contact('securityHead', '治保负责人'),
    attr('isHazardousChemicals', '是否危化企业', 'boolean', M),
    attr('hazardType', '安全隐患类型', 'code', { codeTable: 'enterprise_hazard_type', mandatory: true }),
    col('attentionLevel', '关注程度', 'code', { codeTable: 'attention_level', mandatory: true }),
    attr('canFormPartyOrganization', '是否具备建立中共党组织条件', 'boolean'),
    ...MASS_ORGANIZATIONS,
    ...coordinates('column'),
  ],
};

export const SOCIAL_ORGANIZATION: DataSetSpec = {
  id: 'social_organization',
  label: '社会组织',
  entity: 'organization',
  kind: 'social_organization',
  standard: 'GB/T 31000-2015',
  fields: [
    col('creditCode', '统一社会信用代码', 'creditCode', M),
    attr('registrationNumber', '登记证号', 'text'),
    col('name', '社会组织名称', 'text', M),
    attr('registrationAuthorityCode', '登记管理机关代码', 'text'),
    attr('registrationAuthorityName', '登记管理机关名称', 'text', M),
    attr('regionCode', '住所(省市县编码)', 'divisionCode', M),
    col('address', '住所(详址)', 'text', M),
    attr('approvedOn', '批准日期', 'date', { notFuture: true }),
    col('category', '社会组织类型', 'code', { codeTable: 'social_org_type', mandatory: true }),
    attr('status', '状态', 'text'),
    ...legalRepresentative(M),
    attr('officeAddress', '办公地址', 'text'),
    col('phone', '联系方式', 'phone'),
    ...contact('securityHead', '治保负责人'),
    col('attentionLevel', '关注程度', 'code', { codeTable: 'attention_level', mandatory: true }),
    ...MASS_ORGANIZATIONS,
    attr('fundingSource', '资金来源', 'text'),
    attr('hasForeignBackground', '是否有境外背景', 'boolean', M),
    ...coordinates('column'),
  ],
};

/** 寄递物流安全: a delivery or logistics firm; its 企业类型 is the `category` column. */
export const DELIVERY_FIRM: DataSetSpec = {
  id: 'delivery_firm',
  label: '寄递物流企业',
  entity: 'organization',
  kind: 'delivery_firm',
  standard: 'GB/T 31000-2015',
  fields: [
    col('creditCode', '统一社会信用代码', 'creditCode', M),
    col('name', '企业名称', 'text', M),
    attr('regionCode', '所在地编码', 'divisionCode', M),
    col('address', '所在地详址', 'text', M),
    col('phone', '企业联系方式', 'phone'),
    col('legalRepresentative', '负责人姓名', 'text', M),
    attr('managerPhone', '负责人联系方式', 'phone', S),
    attr('registrationType', '登记注册类型', 'code', { codeTable: 'registration_type', mandatory: true }),
    attr('holdingType', '控股情况', 'code', { codeTable: 'holding_type' }),
    attr('businessScope', '经营范围', 'codes', { codeTable: 'business_scope', mandatory: true }),
    col('category', '企业类型', 'code', { codeTable: 'delivery_enterprise_type', mandatory: true }),
    attr('brand', '服务品牌', 'text'),
    col('employeeCount', '从业人员数量', 'int', { ...COUNT, mandatory: true }),
    attr('cameraCount', '监控摄像机数量', 'int', COUNT),
    attr('xrayMachineCount', 'X光机数量', 'int', COUNT),
    attr('inspectBeforeSealing', '是否落实100%先验视后封箱', 'boolean', M),
    attr('realNameRegistration', '是否落实100%寄递实名制', 'boolean', M),
    attr('xrayScreening', '是否落实100%X光机安检', 'boolean', M),
    ...coordinates('column'),
  ],
};

/** 综治中心; its 机构类型 (综治委/综治办/综治中心) is the `category` column. */
export const GOVERNANCE_CENTRE: DataSetSpec = {
  id: 'governance_centre',
  label: '综治中心',
  entity: 'organization',
  kind: 'governance_centre',
  standard: 'GB/T 31000-2015',
  fields: [
    attr('centreCode', '综治中心代码', 'text', M),
    col('name', '综治中心名称', 'text', M),
    col('category', '机构类型', 'code', { codeTable: 'agency_type' }),
    col('creditCode', '统一社会信用代码', 'creditCode'),
    col('phone', '联系方式', 'phone', M),
    attr('level', '综治中心层级', 'code', { codeTable: 'admin_level', mandatory: true }),
    col('legalRepresentative', '负责人姓名', 'text', M),
    attr('headCode', '负责人编码', 'text'),
    attr('headPhone', '负责人联系方式', 'phone', S),
    attr('memberUnits', '组成单位', 'text'),
    attr('regionCode', '所在地编码', 'divisionCode', M),
    col('address', '所在地详址', 'text', M),
    ...coordinates('column'),
  ],
};

/**
 * 群防群治队伍: GB/T 31000 gives the 组织类型 table (专职巡防队伍 …) but no field list in the reference; the fields
 * follow the other organisation data sets. 队伍人数 is the `employeeCount` column.
 */
export const PATROL_TEAM: DataSetSpec = {
  id: 'patrol_team',
  label: '群防群治队伍',
  entity: 'organization',
  kind: 'patrol_team',
  standard: 'GB/T 31000-2015',
  fields: [
    col('name', '队伍名称', 'text', M),
    col('category', '组织类型', 'code', { codeTable: 'team_type', mandatory: true }),
    col('creditCode', '统一社会信用代码', 'creditCode'),
    col('employeeCount', '队伍人数', 'int', { ...COUNT, mandatory: true }),
    col('legalRepresentative', '负责人姓名', 'text', M),
    col('phone', '联系方式', 'phone', M),
    attr('regionCode', '所在地编码', 'divisionCode', M),
    col('address', '驻地详址', 'text'),
    attr('supervisingUnit', '主管单位', 'text'),
    attr('establishedOn', '成立日期', 'date', { notFuture: true }),
    attr('patrolArea', '巡防区域', 'text'),
    attr('specialties', '专业特长', 'codes', { codeTable: 'specialty' }),
    ...coordinates('column'),
  ],
};

/**
 * 培训、演练: the training sessions and drills the organisation-and-teams module (机构队伍建设) keeps for county
 * and township staff and grid workers; the training indicators count them (sessions per quarter, person-times).
 * Not a GB/T 31000 data set (an X module). The organising unit is the row's region, as for every record.
 */
export const TRAINING_SESSION: DataSetSpec = {
  id: 'training_session',
  label: '培训演练',
  entity: 'training_session',
  standard: 'X module',
  fields: [
    col('code', '培训演练编号', 'text', M),
    col('kind', '类型', 'code', {
      mandatory: true,
      values: [
        { code: 'training', label: '培训' },
        { code: 'drill', label: '演练' },
      ],
    }),
    col('title', '名称', 'text', M),
    col('audience', '培训对象', 'code', {
      mandatory: true,
      values: [
        { code: 'county_staff', label: '县级综治工作人员' },
        { code: 'township_staff', label: '乡镇综治工作人员' },
        { code: 'grid_workers', label: '网格员' },
      ],
    }),
    col('heldOn', '举办日期', 'date', { mandatory: true, notFuture: true }),
    col('participants', '参训人次', 'int', { ...COUNT, mandatory: true }),
    col('organizer', '组织单位', 'text', M),
    attr('quarter', '季度', 'int', { min: 1, max: 4 }),
    attr('location', '举办地点', 'text'),
    attr('content', '培训内容', 'text'),
  ],
};

export const ORGANIZATION_DATA_SETS: DataSetSpec[] = [
  ENTERPRISE,
  SOCIAL_ORGANIZATION,
  DELIVERY_FIRM,
  GOVERNANCE_CENTRE,
  PATROL_TEAM,
  TRAINING_SESSION,
];
