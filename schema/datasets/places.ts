import { attr, COUNT, col, contact, coordinates, M, MS, S } from './fields';
import type { DataSetSpec } from './spec';

/**
 * 地: places beyond the region tree. Code, name, address and coordinates are columns of `place`; each kind's
 * own fields are attributes. GB/T 31000 defines 出租房屋, 重点地区排查整治, 学校基本信息 and 线路基本信息; buildings
 * and other places are X modules.
 */

export const BUILDING: DataSetSpec = {
  id: 'building',
  label: '建筑物',
  entity: 'place',
  kind: 'building',
  standard: 'X module',
  fields: [
    col('code', '建筑物编码', 'text', M),
    col('name', '建筑物名称', 'text', M),
    col('address', '建筑物地址', 'text', M),
    ...coordinates('column'),
    attr('buildingUse', '建筑用途', 'code', { codeTable: 'building_use', mandatory: true }),
    attr('communityName', '小区(单位)名称', 'text'),
    attr('floorArea', '建筑面积', 'number', { min: 0 }),
    attr('floors', '层数', 'int', COUNT),
    attr('unitCount', '单元数', 'int', COUNT),
    attr('householdCount', '户数', 'int', COUNT),
  ],
};

/**
 * 实有房屋 with the GB/T 31000 出租房屋 fields: every house says whether it is let (是否出租, from a commercial
 * platform's 房屋 model); the rental fields are mandatory for the houses that are.
 */
export const HOUSE: DataSetSpec = {
  id: 'house',
  label: '出租房屋',
  entity: 'place',
  kind: 'house',
  standard: 'GB/T 31000-2015',
  note: 'Houses not let (isRented = false) need only the house and owner fields.',
  fields: [
    col('code', '房屋编号', 'text', M),
    col('name', '房屋名称', 'text', M),
    col('address', '房屋地址', 'text', M),
    ...coordinates('column'),
    attr('buildingUse', '建筑用途', 'code', { codeTable: 'building_use', mandatory: true }),
    attr('floorArea', '建筑面积', 'number', { min: 0 }),
    attr('ownerDocumentType', '房主证件代码', 'code', { codeTable: 'id_document_type' }),
    attr('ownerDocumentNumber', '房主证件号码', 'text', S),
    attr('ownerName', '房主姓名', 'text', M),
    attr('ownerPhone', '房主联系方式', 'phone', MS),
    attr('ownerAddress', '房主现居详址', 'text', S),
    attr('isRented', '是否出租', 'boolean', M),
    attr('rentalUse', '出租用途', 'code', {
      codeTable: 'rental_use',
      mandatoryIf: { field: 'isRented', equals: true },
    }),
    attr('hazardType', '隐患类型', 'code', {
      codeTable: 'rental_hazard_type',
      mandatoryIf: { field: 'isRented', equals: true },
    }),
    attr('tenantIdNumber', '承租人公民身份号码', 'citizenId', {
      sensitive: true,
      mandatoryIf: { field: 'isRented', equals: true },
    }),
    attr('tenantName', '承租人姓名', 'text', { mandatoryIf: { field: 'isRented', equals: true } }),
    attr('tenantPhone', '承租人联系方式', 'phone', {
      sensitive: true,
      mandatoryIf: { field: 'isRented', equals: true },
    }),
  ],
};

export const KEY_AREA: DataSetSpec = {
  id: 'key_area',
  label: '重点地区排查整治',
  entity: 'place',
  kind: 'key_area',
  standard: 'GB/T 31000-2015',
  fields: [
    col('code', '重点地区编号', 'text', M),
    col('name', '治安重点地区', 'text', M),
    col('address', '地址', 'text'),
    ...coordinates('column'),
    attr('securityProblem', '治安突出问题', 'code', { codeTable: 'security_problem', mandatory: true }),
    attr('areaType', '涉及区域类型', 'code', { codeTable: 'area_type', mandatory: true }),
    attr('areaScope', '涉及区域范围', 'text', M),
    attr('leadUnit', '整治牵头单位', 'text', M),
    attr('leadUnitHead', '整治牵头单位负责人', 'text'),
    attr('leadUnitPhone', '整治牵头单位联系方式', 'phone'),
    attr('rectificationDeadline', '整改时限', 'date', M),
    attr('criminalCasesSolved', '整治期间破获刑事案件数', 'int', COUNT),
    attr('publicOrderCasesHandled', '整治期间查处治安案件数', 'int', COUNT),
    attr('rectificationStatus', '整治情况', 'text'),
    attr('effectEvaluation', '效果评估', 'code', { codeTable: 'effect_evaluation' }),
  ],
};

export const SCHOOL: DataSetSpec = {
  id: 'school',
  label: '学校基本信息',
  entity: 'place',
  kind: 'school',
  standard: 'GB/T 31000-2015',
  fields: [
    col('code', '学校编码', 'text', M),
    col('name', '学校名称', 'text', M),
    col('address', '学校地址', 'text', M),
    ...coordinates('column'),
    attr('regionCode', '地址编码', 'divisionCode'),
    attr('schoolType', '学校办学类型', 'code', { codeTable: 'school_type', mandatory: true }),
    attr('educationAuthority', '主管教育行政部门', 'text'),
    attr('studentCount', '在校学生人数', 'int', { ...COUNT, mandatory: true }),
    ...contact('principal', '校长', M),
    ...contact('safetyLeader', '分管安全保卫责任人'),
    ...contact('securityOfficer', '安全保卫责任人', M),
    ...contact('policeOfficer', '治安责任人'),
    attr('securityStaffCount', '安全保卫人数', 'int', COUNT),
  ],
};

export const PROTECTED_LINE: DataSetSpec = {
  id: 'protected_line',
  label: '线路基本信息',
  entity: 'place',
  kind: 'protected_line',
  standard: 'GB/T 31000-2015',
  fields: [
    col('code', '线路编码', 'text', M),
    col('name', '线路名称', 'text', M),
    attr('lineType', '路线类型', 'code', { codeTable: 'line_type', mandatory: true }),
    attr('ownerUnitName', '隶属单位名称', 'text', M),
    attr('ownerUnitCode', '隶属单位编码', 'text'),
    attr('ownerUnitAddress', '隶属单位详址', 'text'),
    attr('ownerUnitPhone', '隶属单位联系电话', 'phone'),
    attr('ownerUnitHead', '隶属单位负责人', 'text'),
    attr('managingUnitName', '管辖单位名称', 'text', M),
    attr('managingUnitCode', '管辖单位编码', 'text'),
    attr('managingUnitAddress', '管辖单位详址', 'text'),
    attr('managingUnitPhone', '管辖单位联系电话', 'phone'),
    attr('managingUnitHead', '管辖单位负责人', 'text'),
    attr('securityLeader', '分管治保负责人', 'text'),
    attr('hazardSituation', '治安隐患情况', 'text'),
    attr('hazardLevel', '治安隐患等级', 'code', { codeTable: 'security_hazard_level' }),
  ],
};

export const OTHER_PLACE: DataSetSpec = {
  id: 'other_place',
  label: '其他场所',
  entity: 'place',
  kind: 'other',
  standard: 'X module',
  fields: [
    col('code', '场所编码', 'text', M),
    col('name', '场所名称', 'text', M),
    col('address', '场所地址', 'text', M),
    ...coordinates('column'),
    attr('placeType', '场所类型', 'text'),
    ...contact('manager', '负责人'),
  ],
};

export const PLACE_DATA_SETS: DataSetSpec[] = [
  BUILDING,
  HOUSE,
  KEY_AREA,
  SCHOOL,
  PROTECTED_LINE,
  OTHER_PLACE,
];
