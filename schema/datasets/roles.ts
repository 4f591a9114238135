import { attr, COUNT, coordinates, M, MS, S } from './fields';
import type { DataSetSpec } from './spec';

/**
 * People in a governance role, kept as person records: 网格员 (an X module) and 楼栋长 (GB/T 31000-2015,
 * 综治组织及综合业务). Name, sex, ethnicity, political status, birth date, education and mobile phone are the
 * person block (PERSON).
 */

/** 网格员: full-time (专职) or auxiliary, in one grid. */
export const GRID_WORKER: DataSetSpec = {
  id: 'grid_worker',
  label: '网格员',
  entity: 'person_record',
  kind: 'grid_worker',
  standard: 'X module',
  note: '网格编码 is the hub\'s local grid code (village code + "-" + suffix, e.g. 620725101001-G03).',
  fields: [
    attr('gridCode', '所属网格编码', 'text', M),
    attr('gridName', '所属网格名称', 'text'),
    attr('fullTime', '是否专职', 'boolean', M),
    attr('post', '岗位', 'text'),
    attr('appointedOn', '上岗日期', 'date', { mandatory: true, notFuture: true }),
    attr('leftOn', '离岗日期', 'date'),
    attr('workPhone', '工作手机号码', 'phone', MS),
    attr('handsetCode', '手持终端编号', 'text'),
    attr('specialties', '专业特长', 'codes', { codeTable: 'specialty' }),
  ],
};

/** 楼栋长 and the building they look after. */
export const BUILDING_HEAD: DataSetSpec = {
  id: 'building_head',
  label: '楼栋长',
  entity: 'person_record',
  kind: 'building_head',
  standard: 'GB/T 31000-2015',
  fields: [
    attr('communityCode', '小区(单位)编码', 'text', M),
    attr('communityName', '小区(单位)名称', 'text', M),
    attr('buildingName', '楼栋名称', 'text', M),
    attr('floorArea', '建筑面积', 'number', { min: 0 }),
    attr('floors', '层数', 'int', COUNT),
    attr('unitCount', '单元数', 'int', COUNT),
    attr('householdCount', '户数', 'int', COUNT),
    attr('residentCount', '人数', 'int', COUNT),
    attr('landline', '固话', 'phone', S),
    attr('buildingRegionCode', '所在地编码', 'divisionCode', M),
    attr('buildingAddress', '所在地详址', 'text', M),
    ...coordinates('attributes'),
  ],
};

export const ROLE_DATA_SETS: DataSetSpec[] = [GRID_WORKER, BUILDING_HEAD];
