import { attr, col, M, MS, S } from './fields';
import type { DataSetSpec } from './spec';

/**
 * 实有人口: the common person block (columns of `person`), households, and the population types kept as
 * person records (户籍人口, 流动人口, 境外人员, 留守人员), GB/T 31000-2015 as listed in gbt31000-codes.md.
 *
 * A person record's data set holds only that kind's own fields (its `attributes`); the person block is checked
 * against PERSON (or PERSON_FOREIGN for a foreigner) on the person row. 现住地 is the record's owning region
 * (every governed record has one), so it is not a field here.
 */

/** 人员基本信息: the person block every person data set repeats (domain.md §2). */
export const PERSON: DataSetSpec = {
  id: 'person',
  label: '人员基本信息',
  entity: 'person',
  standard: 'GB/T 31000-2015',
  note: 'The common person block of every person data set; 现住地 is the owning region of the row.',
  fields: [
    col('idNumber', '公民身份号码', 'citizenId', MS),
    col('name', '姓名', 'text', M),
    col('formerName', '曾用名', 'text'),
    col('sex', '性别', 'code', { codeTable: 'sex', mandatory: true }),
    col('birthDate', '出生日期', 'date', { mandatory: true, notFuture: true }),
    col('ethnicity', '民族', 'code', { codeTable: 'ethnicity', mandatory: true }),
    col('nativePlace', '籍贯', 'text'),
    col('maritalStatus', '婚姻状况', 'code', { codeTable: 'marital_status' }),
    col('politicalStatus', '政治面貌', 'code', { codeTable: 'political_status' }),
    col('education', '学历', 'code', { codeTable: 'education' }),
    col('religion', '宗教信仰', 'code', { codeTable: 'religion', sensitive: true }),
    col('occupationCategory', '职业类别', 'code', { codeTable: 'occupation_category' }),
    col('occupation', '职业', 'text'),
    col('employer', '服务处所', 'text'),
    col('phone', '联系方式', 'phone', S),
    col('registeredRegionCode', '户籍地', 'divisionCode', M),
    col('registeredAddress', '户籍门(楼)详址', 'text', MS),
    col('currentAddress', '现住门(楼)详址', 'text', MS),
  ],
};

/**
 * 境外人员 (person block): a foreigner is keyed by document type and number instead of a citizen ID number and
 * has no 民族 or 户籍地; the standard's 中文姓名, 性别, 出生日期, 宗教信仰, 证件代码/号码, 联系方式, 职业, 服务处所 and
 * 现住详址 are the person row's columns.
 */
export const PERSON_FOREIGN: DataSetSpec = {
  id: 'person_foreign',
  label: '境外人员基本信息',
  entity: 'person',
  kind: 'foreign',
  standard: 'GB/T 31000-2015',
  note: 'The person block of a foreigner (PersonRecordKind foreign): keyed by 证件代码 + 证件号码.',
  fields: [
    col('documentType', '证件代码', 'code', { codeTable: 'id_document_type', mandatory: true }),
    col('documentNumber', '证件号码', 'text', MS),
    col('name', '中文姓名', 'text', M),
    col('sex', '性别', 'code', { codeTable: 'sex', mandatory: true }),
    col('birthDate', '出生日期', 'date', { mandatory: true, notFuture: true }),
    col('religion', '宗教信仰', 'code', { codeTable: 'religion', sensitive: true }),
    col('occupationCategory', '职业类别', 'code', { codeTable: 'occupation_category' }),
    col('occupation', '职业', 'text'),
    col('employer', '服务处所', 'text'),
    col('phone', '联系方式', 'phone', S),
    col('currentAddress', '现住门(楼)详址', 'text', MS),
  ],
};

/** 户: the registered household (户籍人口's 户号 and 户主). */
export const HOUSEHOLD: DataSetSpec = {
  id: 'household',
  label: '户籍户',
  entity: 'household',
  standard: 'GB/T 31000-2015',
  fields: [
    col('householdNumber', '户号', 'text', M),
    col('headIdNumber', '户主公民身份号码', 'citizenId', MS),
    col('headName', '户主姓名', 'text', M),
    col('address', '户籍门(楼)详址', 'text', MS),
    col('residenceMatch', '人户一致标识', 'code', { codeTable: 'household_match', mandatory: true }),
  ],
};

export const REGISTERED: DataSetSpec = {
  id: 'registered_population',
  label: '户籍人口',
  entity: 'person_record',
  kind: 'registered',
  standard: 'GB/T 31000-2015',
  fields: [
    attr('householdMatch', '人户一致标识', 'code', { codeTable: 'household_match', mandatory: true }),
    attr('householdNumber', '户号', 'text', M),
    attr('headIdNumber', '户主公民身份号码', 'citizenId', S),
    attr('headName', '户主姓名', 'text'),
    attr('relationToHead', '与户主关系', 'code', { codeTable: 'household_relation', mandatory: true }),
    attr('headPhone', '户主联系方式', 'phone', S),
  ],
};

export const FLOATING: DataSetSpec = {
  id: 'floating_population',
  label: '流动人口',
  entity: 'person_record',
  kind: 'floating',
  standard: 'GB/T 31000-2015',
  fields: [
    attr('inflowReason', '流入原因', 'code', { codeTable: 'inflow_reason', mandatory: true }),
    attr('permitType', '办证类型', 'code', { codeTable: 'permit_type', mandatory: true }),
    attr('permitNumber', '证件号码', 'text', S),
    attr('registeredOn', '登记日期', 'date', { mandatory: true, notFuture: true }),
    attr('permitExpiresOn', '证件到期日期', 'date'),
    attr('residenceType', '住所类型', 'code', { codeTable: 'residence_type', mandatory: true }),
    attr('isKeyConcern', '是否重点关注人员', 'boolean'),
  ],
};

export const FOREIGN: DataSetSpec = {
  id: 'foreign_resident',
  label: '境外人员',
  entity: 'person_record',
  kind: 'foreign',
  standard: 'GB/T 31000-2015',
  note: 'The person block of a foreigner is PERSON_FOREIGN (person_foreign) on the person row.',
  fields: [
    attr('foreignSurname', '外文姓', 'text', M),
    attr('foreignGivenName', '外文名', 'text', M),
    attr('nationality', '国籍(地区)', 'code', { codeTable: 'nationality', mandatory: true }),
    attr('documentValidUntil', '证件有效期', 'date', M),
    attr('visitPurpose', '来华目的', 'code', { codeTable: 'visit_purpose', mandatory: true }),
    attr('arrivalDate', '抵达日期', 'date', { mandatory: true, notFuture: true }),
    attr('expectedDepartureDate', '预计离开日期', 'date'),
    attr('isKeyConcern', '是否重点关注人员', 'boolean'),
  ],
};

/**
 * 留守人员. Not marked as a sensitive set (it holds elderly people and women as well as children); its health,
 * income and family fields are sensitive one by one.
 */
export const LEFT_BEHIND: DataSetSpec = {
  id: 'left_behind',
  label: '留守人员',
  entity: 'person_record',
  kind: 'left_behind',
  standard: 'GB/T 31000-2015',
  fields: [
    attr('leftBehindType', '留守人员类型', 'code', { codeTable: 'left_behind_type', mandatory: true }),
    attr('healthStatus', '健康状况', 'code', { codeTable: 'health_status', ...MS }),
    attr('annualIncome', '个人年收入', 'number', { min: 0, sensitive: true }),
    attr('householdMatch', '人户一致标识', 'code', { codeTable: 'household_match' }),
    attr('familyMemberIdNumber', '家庭主要成员公民身份号码', 'citizenId', S),
    attr('familyMemberName', '家庭主要成员姓名', 'text', M),
    attr('familyMemberHealthStatus', '家庭主要成员健康状况', 'code', {
      codeTable: 'health_status',
      sensitive: true,
    }),
    attr('familyMemberRelation', '与留守人员关系', 'text'),
    attr('familyMemberPhone', '家庭主要成员联系方式', 'phone', MS),
    attr('familyMemberWorkAddress', '家庭主要成员工作详细地址', 'text', S),
    attr('familyAnnualIncome', '家庭年收入', 'number', { min: 0, sensitive: true }),
    attr('difficultiesAndRequests', '困难及诉求', 'text'),
    attr('assistance', '帮扶情况', 'text'),
  ],
};

export const POPULATION_DATA_SETS: DataSetSpec[] = [
  PERSON,
  PERSON_FOREIGN,
  HOUSEHOLD,
  REGISTERED,
  FLOATING,
  FOREIGN,
  LEFT_BEHIND,
];
