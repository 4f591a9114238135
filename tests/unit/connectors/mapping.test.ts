import { describe, expect, it } from 'vitest';
import { compileMapping, MappingError, mapRecord, type RegionIndex } from '../../../connectors/mapping';
import { MappingSchema } from '../../../connectors/streams';
import { personBlockOf } from '../../../connectors/sync';
import { citizenId } from '../../support/fixture';

const TODAY = '2026-11-26';
const ID = citizenId('620725', '19900101', 11);

const regions: RegionIndex = {
  byCode: new Map([
    ['620725101001', { code: '620725101001', path: '/620725/620725101/620725101001/', level: 'village' }],
    [
      '620725101001-G01',
      { code: '620725101001-G01', path: '/620725/620725101/620725101001/620725101001-G01/', level: 'grid' },
    ],
  ]),
  byVillageName: new Map([
    [
      '新村',
      [
        { code: '620725101002', path: '/620725/620725101/620725101002/', township: '清泉镇' },
        { code: '620725204202', path: '/620725/620725204/620725204202/', township: '李桥乡' },
      ],
    ],
  ]),
};

const person = {
  证件号: ID,
  姓名: ' 张伟 ',
  性别代码: 'M',
  出生日期: '1990年1月1日',
  民族: '汉族',
  户籍地: '620725',
  户籍门楼详址: '清泉镇幸福路１号',
  现住址: '清泉镇幸福路１号',
  人户一致标识: '01',
  户号: 'H1',
  与户主关系: '02',
  网格: '620725101001-G01',
};

function compile(mapping: unknown, fields = Object.keys(person)) {
  return compileMapping(MappingSchema.parse(mapping), fields, personBlockOf);
}

const MAPPING = {
  dataSet: 'registered_population',
  fields: {
    idNumber: { from: '证件号' },
    sex: { from: '性别代码', codes: { M: '1', F: '2' } },
    registeredAddress: { from: '户籍门楼详址' },
    currentAddress: { from: '现住址' },
  },
  region: { code: '网格' },
};

describe('mapping a department record onto a data set', () => {
  it('renames, translates department codes, reads Chinese dates, trims and folds full-width text', () => {
    const result = mapRecord(compile(MAPPING), person, regions, TODAY);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.record.columns).toMatchObject({
      idNumber: ID,
      name: '张伟',
      sex: '1',
      birthDate: '1990-01-01',
      ethnicity: '01',
      registeredAddress: '清泉镇幸福路1号',
    });
    expect(result.record.attributes).toMatchObject({
      householdMatch: '01',
      householdNumber: 'H1',
      relationToHead: '02',
    });
    expect(result.record.regionCode).toBe('620725101001-G01');
  });

  it('fills constants and defaults', () => {
    const compiled = compile({
      ...MAPPING,
      fields: {
        ...MAPPING.fields,
        nativePlace: { const: '甘肃山丹' },
        ethnicity: { from: '民族', default: '01' },
      },
    });
    const result = mapRecord(compiled, { ...person, 民族: '' }, regions, TODAY);
    expect(result.ok && result.record.columns).toMatchObject({ nativePlace: '甘肃山丹', ethnicity: '01' });
  });

  it('names every failure with its field and rule, the region included', () => {
    const bad = {
      ...person,
      证件号: `${ID.slice(0, 17)}${ID.endsWith('0') ? '1' : '0'}`,
      性别代码: 'X',
      网格: '999',
    };
    const result = mapRecord(compile(MAPPING), bad, regions, TODAY);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const rules = result.failures.map((f) => `${f.field}:${f.rule}`);
    expect(rules).toContain('idNumber:CITIZEN_ID_CHECK_DIGIT');
    expect(rules).toContain('region:UNKNOWN_REGION');
    expect(rules.some((r) => r.startsWith('sex:'))).toBe(true);
  });

  it('resolves a region by village name, and asks for the township when two villages share the name', () => {
    const byName = { ...MAPPING, region: { village: '村', township: '乡镇' } };
    const fields = [...Object.keys(person), '村', '乡镇'];
    const ok = mapRecord(compile(byName, fields), { ...person, 村: '新村', 乡镇: '李桥乡' }, regions, TODAY);
    expect(ok.ok && ok.record.regionCode).toBe('620725204202');
    const ambiguous = mapRecord(
      compile({ ...MAPPING, region: { village: '村' } }, fields),
      { ...person, 村: '新村' },
      regions,
      TODAY,
    );
    expect(!ambiguous.ok && ambiguous.failures.map((f) => f.rule)).toEqual(['AMBIGUOUS_REGION']);
  });

  it('quarantines a malformed row rather than guessing its columns', () => {
    const result = mapRecord(
      compile(MAPPING),
      { ...person, __error: 'row 7 has 11 columns, header has 12' },
      regions,
      TODAY,
    );
    expect(!result.ok && result.failures[0]).toMatchObject({ field: '(record)', rule: 'MALFORMED_RECORD' });
  });

  it('refuses a mapping that names an unknown data set, field or source column before reading anything', () => {
    expect(() => compile({ ...MAPPING, dataSet: 'nope' })).toThrow(MappingError);
    expect(() => compile({ ...MAPPING, fields: { shoeSize: { from: '姓名' } } })).toThrow(
      /shoeSize: not a field/,
    );
    expect(() => compile({ ...MAPPING, fields: { idNumber: { from: '身份证' } } })).toThrow(
      /no field "身份证"/,
    );
  });
});
