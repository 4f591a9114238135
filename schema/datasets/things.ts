import { attr, col, contact, coordinates, M } from './fields';
import type { DataSetSpec } from './spec';

/**
 * 物: X modules (GB/T 31000 defines no 危险物品 or equipment data set). Code, name, type and coordinates are
 * columns of `thing`; the owner and place are relations of the row, not fields here.
 */

export const DANGEROUS_GOODS: DataSetSpec = {
  id: 'dangerous_goods',
  label: '危险物品',
  entity: 'thing',
  kind: 'dangerous_goods',
  standard: 'X module',
  fields: [
    col('code', '危险物品编号', 'text', M),
    col('name', '危险物品名称', 'text', M),
    col('type', '危险物品类别', 'text', M),
    ...coordinates('column'),
    attr('quantity', '数量', 'number', { min: 0, mandatory: true }),
    attr('unit', '计量单位', 'text', M),
    attr('storageAddress', '存放地点', 'text', M),
    ...contact('custodian', '保管人', M),
    attr('licenceNumber', '许可证号', 'text'),
    attr('licenceValidUntil', '许可证有效期', 'date'),
    attr('harmDegree', '危害程度', 'code', { codeTable: 'harm_degree' }),
    attr('lastInspectedOn', '最近检查日期', 'date', { notFuture: true }),
  ],
};

export const CAMERA: DataSetSpec = {
  id: 'camera',
  label: '视频监控点',
  entity: 'thing',
  kind: 'camera',
  standard: 'X module',
  fields: [
    col('code', '监控点编号', 'text', M),
    col('name', '监控点名称', 'text', M),
    col('type', '摄像机类型', 'text'),
    col('longitude', '经度', 'number', { min: -180, max: 180, mandatory: true }),
    col('latitude', '纬度', 'number', { min: -90, max: 90, mandatory: true }),
    attr('installAddress', '安装地点', 'text', M),
    attr('installedOn', '安装日期', 'date', { notFuture: true }),
    attr('ownerUnit', '建设单位', 'text'),
    attr('channelNumber', '通道号', 'text'),
    attr('isConnected', '是否接入平台', 'boolean', M),
    attr('isOnline', '是否在线', 'boolean'),
  ],
};

/** 装备: X-ray machines, handsets held as assets, other equipment. */
export const EQUIPMENT: DataSetSpec = {
  id: 'equipment',
  label: '装备设施',
  entity: 'thing',
  kind: 'equipment',
  standard: 'X module',
  fields: [
    col('code', '装备编号', 'text', M),
    col('name', '装备名称', 'text', M),
    col('type', '装备类型', 'text', M),
    ...coordinates('column'),
    attr('model', '型号', 'text'),
    attr('serialNumber', '序列号', 'text'),
    attr('purchasedOn', '购置日期', 'date', { notFuture: true }),
    attr('status', '状态', 'text'),
    ...contact('holder', '使用人'),
  ],
};

export const THING_DATA_SETS: DataSetSpec[] = [DANGEROUS_GOODS, CAMERA, EQUIPMENT];
