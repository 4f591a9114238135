import { describe, expect, it } from 'vitest';
import {
  type DataSetSpec,
  dataSetById,
  parseDate,
  parseDateTime,
  type ValidationResult,
  validateRecord,
} from '../../../schema/datasets';

const TODAY = { today: '2024-06-01' };

function spec(id: string): DataSetSpec {
  const found = dataSetById(id);
  if (!found) throw new Error(`no data set ${id}`);
  return found;
}

/** rule per field, in order. */
function rules(result: ValidationResult): string[] {
  return result.failures.map((f) => `${f.field}:${f.rule}`);
}

const ID_PERSON = '620725199001010019';
const ID_GUARDIAN = '620725196503150026';
/** ID_GUARDIAN with a wrong check digit. */
const ID_GUARDIAN_BAD = '620725196503150027';
const CREDIT_CODE = '91620725MA74ABCD1R';

describe('流动人口 (floating population)', () => {
  const floating = spec('floating_population');
  const good = {
    inflowReason: '01',
    permitType: '01',
    registeredOn: '2024-01-05',
    residenceType: '02',
  };

  it('accepts a complete record unchanged', () => {
    const r = validateRecord(floating, { columns: {}, attributes: good }, TODAY);
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.normalised).toEqual({ columns: {}, attributes: good });
  });

  it('accepts labels in place of codes and stores the codes', () => {
    const r = validateRecord(
      floating,
      {
        columns: {},
        attributes: {
          inflowReason: '务工',
          permitType: ' 居住证 ',
          registeredOn: '2024年1月5日',
          residenceType: '租赁房屋',
          isKeyConcern: '否',
          permitNumber: '  JZ-2024-001 ',
        },
      },
      TODAY,
    );
    expect(r.ok).toBe(true);
    expect(r.normalised.attributes).toEqual({
      ...good,
      isKeyConcern: false,
      permitNumber: 'JZ-2024-001',
    });
  });

  it.each([
    '2024-01-05',
    '2024-1-5',
    '2024/1/5',
    '2024/01/05',
    '2024.1.5',
    '20240105',
    '2024年1月5日',
    '2024年01月05',
    '２０２４年１月５日',
    '2024-01-05 13:45:00',
    '2024-01-04T16:00:00.000Z',
  ])('reads the date %s as 2024-01-05', (spelling) => {
    const r = validateRecord(
      floating,
      { columns: {}, attributes: { ...good, registeredOn: spelling } },
      TODAY,
    );
    expect(r.failures).toEqual([]);
    expect(r.normalised.attributes.registeredOn).toBe('2024-01-05');
  });

  it.each(['2024-02-30', '2023-02-29', '2024/13/1', '05/01/2024', '2024-1', 'yesterday', '2024010'])(
    'rejects the date %s with DATE_FORMAT',
    (spelling) => {
      const r = validateRecord(
        floating,
        { columns: {}, attributes: { ...good, registeredOn: spelling } },
        TODAY,
      );
      expect(rules(r)).toEqual(['registeredOn:DATE_FORMAT']);
      expect(r.failures[0]!.message).toMatch(
        new RegExp(
          `^流动人口\\.登记日期 \\(registeredOn\\) = "${spelling.replace(/[./]/g, '\\$&')}": not a date`,
        ),
      );
    },
  );

  it('rejects an unknown code with a message naming the data set, field, value and table', () => {
    const r = validateRecord(floating, { columns: {}, attributes: { ...good, inflowReason: '13' } }, TODAY);
    expect(r.ok).toBe(false);
    expect(r.failures).toEqual([
      {
        field: 'inflowReason',
        rule: 'CODE_UNKNOWN',
        message: '流动人口.流入原因 (inflowReason) = "13": not a code of 流入原因 (inflow_reason)',
        value: '13',
      },
    ]);
    // The failing value is kept as given.
    expect(r.normalised.attributes.inflowReason).toBe('13');
  });

  it('does not pad codes: 1 is not 01', () => {
    const r = validateRecord(floating, { columns: {}, attributes: { ...good, inflowReason: 1 } }, TODAY);
    expect(r.failures[0]!.message).toBe(
      '流动人口.流入原因 (inflowReason) = 1: not a code of 流入原因 (inflow_reason)',
    );
  });

  it('reports missing and empty mandatory fields', () => {
    const r = validateRecord(
      floating,
      { columns: {}, attributes: { inflowReason: '01', permitType: '  ', residenceType: '02' } },
      TODAY,
    );
    expect(r.failures).toEqual([
      {
        field: 'permitType',
        rule: 'REQUIRED',
        message: '流动人口.办证类型 (permitType) = "  ": empty, but mandatory',
        value: '  ',
      },
      {
        field: 'registeredOn',
        rule: 'REQUIRED',
        message: '流动人口.登记日期 (registeredOn): missing, but mandatory',
      },
    ]);
    expect(r.normalised.attributes).toEqual({ inflowReason: '01', residenceType: '02' });
  });

  it('skips absent fields in a partial update, but not fields given empty', () => {
    const r = validateRecord(
      floating,
      { columns: {}, attributes: { permitType: '', isKeyConcern: 'Y' } },
      { ...TODAY, partial: true },
    );
    expect(rules(r)).toEqual(['permitType:REQUIRED']);
    expect(r.normalised.attributes).toEqual({ isKeyConcern: true });
  });

  it('rejects a registration date after today', () => {
    const r = validateRecord(
      floating,
      { columns: {}, attributes: { ...good, registeredOn: '2024/6/2' } },
      TODAY,
    );
    expect(r.failures).toEqual([
      {
        field: 'registeredOn',
        rule: 'DATE_FUTURE',
        message: '流动人口.登记日期 (registeredOn) = "2024/6/2": is after today (2024-06-01)',
        value: '2024/6/2',
      },
    ]);
    // A permit may expire in the future.
    const later = validateRecord(
      floating,
      { columns: {}, attributes: { ...good, permitExpiresOn: '2026-01-01' } },
      TODAY,
    );
    expect(later.ok).toBe(true);
  });

  it('reports and drops unknown attribute keys', () => {
    const r = validateRecord(
      floating,
      { columns: { id: '7' }, attributes: { ...good, inflowreason: '01', 流入原因: '务工' } },
      TODAY,
    );
    expect(r.failures).toEqual([
      {
        field: 'inflowreason',
        rule: 'UNKNOWN_FIELD',
        message: '流动人口.inflowreason = "01": not an attribute of 流动人口 (floating_population)',
        value: '01',
      },
      {
        field: '流入原因',
        rule: 'UNKNOWN_FIELD',
        message: '流动人口.流入原因 = "务工": not an attribute of 流动人口 (floating_population)',
        value: '务工',
      },
    ]);
    expect(r.normalised).toEqual({ columns: { id: '7' }, attributes: good });
  });

  it('rejects an attribute given as a column', () => {
    const r = validateRecord(floating, { columns: { inflowReason: '01' }, attributes: good }, TODAY);
    expect(r.failures).toEqual([
      {
        field: 'inflowReason',
        rule: 'UNKNOWN_FIELD',
        message: '流动人口.流入原因 (inflowReason) = "01": is an attribute, not a column',
        value: '01',
      },
    ]);
    expect(r.normalised.columns).toEqual({});
  });

  it('rejects booleans it cannot read', () => {
    const r = validateRecord(floating, { columns: {}, attributes: { ...good, isKeyConcern: '也许' } }, TODAY);
    expect(r.failures[0]).toMatchObject({
      rule: 'BOOLEAN_FORMAT',
      message:
        '流动人口.是否重点关注人员 (isKeyConcern) = "也许": not a yes/no value (是/否, Y/N, true/false, 1/0)',
    });
  });
});

describe('人员基本信息 (the person block)', () => {
  const person = spec('person');
  const good = {
    idNumber: ID_PERSON,
    name: '张三',
    sex: '1',
    birthDate: '1990-01-01',
    ethnicity: '01',
    registeredRegionCode: '620725101',
    registeredAddress: '清泉镇北街1号',
    currentAddress: '清泉镇北街1号',
  };

  it('normalises labels, ID numbers, phones and division codes in columns', () => {
    const r = validateRecord(
      person,
      {
        columns: {
          ...good,
          idNumber: '62072519900101001９',
          sex: '男',
          ethnicity: '汉族',
          politicalStatus: '中国共产党党员',
          education: '本科',
          phone: '138 0013 8000',
          registeredRegionCode: '６２０７２５１０１',
          formerName: '',
        },
      },
      TODAY,
    );
    expect(r.failures).toEqual([]);
    expect(r.normalised.columns).toEqual({
      ...good,
      politicalStatus: '01',
      education: '20',
      phone: '13800138000',
      formerName: null,
    });
  });

  it('reports identifier failures with the identifier rule and its message', () => {
    const r = validateRecord(
      person,
      { columns: { ...good, idNumber: ID_GUARDIAN_BAD, registeredRegionCode: '990725', phone: '12345' } },
      TODAY,
    );
    expect(rules(r)).toEqual([
      'idNumber:CITIZEN_ID_CHECK_DIGIT',
      'phone:PHONE_FORMAT',
      'registeredRegionCode:DIVISION_CODE_PROVINCE',
    ]);
    expect(r.failures[0]!.message).toMatch(
      /^人员基本信息\.公民身份号码 \(idNumber\) = "620725196503150027": citizen ID number "620725196503150027": check/,
    );
    expect(r.failures[2]!.message).toMatch(
      /^人员基本信息\.户籍地 \(registeredRegionCode\) = "990725": division code "990725": 99 is not a GB\/T 2260 province code/,
    );
  });

  it('rejects a birth date after today, and a citizen ID born after today', () => {
    const r = validateRecord(
      person,
      { columns: { ...good, birthDate: '2030-01-01', idNumber: ID_PERSON } },
      { today: '2024-06-01' },
    );
    expect(rules(r)).toEqual(['birthDate:DATE_FUTURE']);
    const early = validateRecord(person, { columns: good }, { today: '1989-12-31' });
    expect(rules(early)).toEqual(['idNumber:CITIZEN_ID_BIRTH_DATE_FUTURE', 'birthDate:DATE_FUTURE']);
  });
});

describe('肇事肇祸等严重精神障碍患者 (severe mental disorder)', () => {
  const smd = spec('severe_mental_disorder');
  const good = {
    familyEconomy: '低收入家庭',
    guardianName: '李四',
    guardianPhone: '0936-1234567',
    guardianIdNumber: ID_GUARDIAN,
    diagnosisType: '精神分裂症',
    hasIncidentHistory: '无',
    riskLevel: '3级',
    treatmentStatus: '居家服用抗精神病药物治疗',
  };

  it('normalises labels (目前危险性评估等级 3级 is code 04), booleans and multi-selects', () => {
    const r = validateRecord(
      smd,
      {
        columns: {},
        attributes: {
          ...good,
          managementParticipants: '基层医务人员、片区民警',
          assistanceAgencies: ['01', '卫生', '01'],
          hospitalizationReasons: '02',
          firstOnsetOn: '20150301',
        },
      },
      TODAY,
    );
    expect(r.failures).toEqual([]);
    expect(r.normalised.attributes).toEqual({
      familyEconomy: '03',
      guardianName: '李四',
      guardianPhone: '0936-1234567',
      guardianIdNumber: ID_GUARDIAN,
      diagnosisType: '01',
      hasIncidentHistory: false,
      riskLevel: '04',
      treatmentStatus: '02',
      managementParticipants: ['01', '02'],
      assistanceAgencies: ['01', '02'],
      hospitalizationReasons: ['02'],
      firstOnsetOn: '2015-03-01',
    });
  });

  it('reports each unknown item of a multi-select', () => {
    const r = validateRecord(
      smd,
      { columns: {}, attributes: { ...good, managementParticipants: '01,07, 民警' } },
      TODAY,
    );
    expect(r.failures).toEqual([
      {
        field: 'managementParticipants',
        rule: 'CODE_UNKNOWN',
        message:
          '肇事肇祸等严重精神障碍患者.参与管理人员 (managementParticipants) = "07": not a code of 参与管理人员 (management_participant)',
        value: '07',
      },
      {
        field: 'managementParticipants',
        rule: 'CODE_UNKNOWN',
        message:
          '肇事肇祸等严重精神障碍患者.参与管理人员 (managementParticipants) = "民警": not a code of 参与管理人员 (management_participant)',
        value: '民警',
      },
    ]);
  });

  it("rejects a guardian's ID number with a wrong check digit", () => {
    const r = validateRecord(
      smd,
      { columns: {}, attributes: { ...good, guardianIdNumber: ID_GUARDIAN_BAD } },
      TODAY,
    );
    expect(rules(r)).toEqual(['guardianIdNumber:CITIZEN_ID_CHECK_DIGIT']);
    expect(r.failures[0]!.message).toMatch(
      /^肇事肇祸等严重精神障碍患者\.监护人公民身份号码 \(guardianIdNumber\) = /,
    );
  });

  it('requires the number of incidents when there is a history, and counts are whole and not negative', () => {
    const r = validateRecord(smd, { columns: {}, attributes: { ...good, hasIncidentHistory: '有' } }, TODAY);
    expect(r.failures).toEqual([
      {
        field: 'incidentCount',
        rule: 'REQUIRED',
        message:
          '肇事肇祸等严重精神障碍患者.肇事肇祸次数 (incidentCount): missing, but mandatory when 有无肇事肇祸史 (hasIncidentHistory) is 是',
      },
    ]);
    const counted = validateRecord(
      smd,
      { columns: {}, attributes: { ...good, hasIncidentHistory: 1, incidentCount: '2' } },
      TODAY,
    );
    expect(counted.ok).toBe(true);
    expect(counted.normalised.attributes).toMatchObject({ hasIncidentHistory: true, incidentCount: 2 });
    const bad = validateRecord(
      smd,
      { columns: {}, attributes: { ...good, incidentCount: '-1', lastIncidentOn: 'soon' } },
      TODAY,
    );
    expect(rules(bad)).toEqual(['incidentCount:OUT_OF_RANGE', 'lastIncidentOn:DATE_FORMAT']);
    expect(bad.failures[0]!.message).toBe(
      '肇事肇祸等严重精神障碍患者.肇事肇祸次数 (incidentCount) = "-1": must be at least 0',
    );
    expect(
      rules(validateRecord(smd, { columns: {}, attributes: { ...good, incidentCount: 1.5 } }, TODAY)),
    ).toEqual(['incidentCount:INT_FORMAT']);
  });
});

describe('出租房屋 (rental house)', () => {
  const house = spec('house');
  const columns = { code: 'H-620725101001-0001', name: '北街1号', address: '清泉镇北街1号' };
  const owner = { buildingUse: '住宅', ownerName: '王五', ownerPhone: '13800138000' };

  it('needs only the house and owner fields when not let', () => {
    const r = validateRecord(house, { columns, attributes: { ...owner, isRented: '否' } }, TODAY);
    expect(r.failures).toEqual([]);
    expect(r.normalised.attributes).toEqual({ ...owner, buildingUse: '01', isRented: false });
  });

  it('needs the rental fields when let', () => {
    const r = validateRecord(house, { columns, attributes: { ...owner, isRented: 'Y' } }, TODAY);
    expect(rules(r)).toEqual([
      'rentalUse:REQUIRED',
      'hazardType:REQUIRED',
      'tenantIdNumber:REQUIRED',
      'tenantName:REQUIRED',
      'tenantPhone:REQUIRED',
    ]);
    expect(r.failures[0]!.message).toBe(
      '出租房屋.出租用途 (rentalUse): missing, but mandatory when 是否出租 (isRented) is 是',
    );
  });

  it('accepts a let house with its tenant, normalising codes, coordinates and phones', () => {
    const r = validateRecord(
      house,
      {
        columns: { ...columns, longitude: '101.0864', latitude: 38.78 },
        attributes: {
          ...owner,
          isRented: true,
          rentalUse: '住房',
          hazardType: '无',
          tenantIdNumber: ID_PERSON,
          tenantName: '赵六',
          tenantPhone: '+86 139-3600-0000',
          floorArea: '86.5',
        },
      },
      TODAY,
    );
    expect(r.failures).toEqual([]);
    expect(r.normalised.columns).toEqual({ ...columns, longitude: 101.0864, latitude: 38.78 });
    expect(r.normalised.attributes).toMatchObject({
      rentalUse: '02',
      hazardType: '00',
      tenantPhone: '13936000000',
      floorArea: 86.5,
    });
  });

  it('rejects an unknown building use and coordinates out of range', () => {
    const r = validateRecord(
      house,
      {
        columns: { ...columns, latitude: 138.78 },
        attributes: { ...owner, buildingUse: '别墅', isRented: false },
      },
      TODAY,
    );
    expect(r.failures.map((f) => f.message)).toEqual([
      '出租房屋.纬度 (latitude) = 138.78: must be at most 90',
      '出租房屋.建筑用途 (buildingUse) = "别墅": not a code of 建筑用途 (building_use)',
    ]);
  });

  it('reports a column given as an attribute', () => {
    const r = validateRecord(
      house,
      { columns, attributes: { ...owner, isRented: false, address: 'x' } },
      TODAY,
    );
    expect(r.failures).toEqual([
      {
        field: 'address',
        rule: 'UNKNOWN_FIELD',
        message: '出租房屋.address = "x": is the column 房屋地址 (address), not an attribute',
        value: 'x',
      },
    ]);
  });
});

describe('非公有制经济组织 (enterprise)', () => {
  const enterprise = spec('enterprise');
  const columns = {
    creditCode: CREDIT_CODE,
    name: '山丹县某某商贸有限公司',
    category: '01',
    address: '清泉镇南街8号',
    phone: '0936-2820000',
    employeeCount: 12,
    legalRepresentative: '钱七',
    attentionLevel: '03',
    hasPartyOrganization: false,
    hasUnion: true,
    unionMembers: 10,
    hasYouthLeague: false,
    hasWomensFederation: false,
  };
  const attributes = { regionCode: '620725', isHazardousChemicals: false, hazardType: '00' };

  it('accepts a complete record; non-field columns pass through', () => {
    const r = validateRecord(enterprise, { columns: { ...columns, kind: 'enterprise' }, attributes }, TODAY);
    expect(r.failures).toEqual([]);
    expect(r.normalised.columns).toEqual({ ...columns, kind: 'enterprise' });
  });

  it('normalises the credit code, labels and yes/no answers', () => {
    const r = validateRecord(
      enterprise,
      {
        columns: {
          ...columns,
          creditCode: ' 91620725ma74abcd1r ',
          category: '内资企业',
          attentionLevel: '低',
          hasPartyOrganization: '是',
          partyMembers: '3',
          hasUnion: 'true',
          employeeCount: '1,200',
        },
        attributes: { ...attributes, hazardType: '消防隐患', isHazardousChemicals: 'N' },
      },
      TODAY,
    );
    expect(r.failures).toEqual([]);
    expect(r.normalised.columns).toMatchObject({
      creditCode: CREDIT_CODE,
      category: '01',
      attentionLevel: '03',
      hasPartyOrganization: true,
      partyMembers: 3,
      hasUnion: true,
      employeeCount: 1200,
    });
    expect(r.normalised.attributes).toEqual({
      regionCode: '620725',
      isHazardousChemicals: false,
      hazardType: '02',
    });
  });

  it('rejects a credit code with a wrong check character', () => {
    const r = validateRecord(
      enterprise,
      { columns: { ...columns, creditCode: '91620725MA74ABCD1X' }, attributes },
      TODAY,
    );
    expect(r.failures).toEqual([
      {
        field: 'creditCode',
        rule: 'CREDIT_CODE_CHECK',
        message:
          '非公有制经济组织.统一社会信用代码 (creditCode) = "91620725MA74ABCD1X": unified social credit code "91620725MA74ABCD1X": check character must be R (GB 32100), not X',
        value: '91620725MA74ABCD1X',
      },
    ]);
  });

  it('requires the member count of an organisation it has, and every mandatory column', () => {
    const { name: _name, ...withoutName } = columns;
    const r = validateRecord(
      enterprise,
      { columns: { ...withoutName, hasPartyOrganization: true, employeeCount: null }, attributes },
      TODAY,
    );
    expect(r.failures.map((f) => f.message)).toEqual([
      '非公有制经济组织.企业名称 (name): missing, but mandatory',
      '非公有制经济组织.企业员工数 (employeeCount) = null: empty, but mandatory',
      '非公有制经济组织.中共党员数量 (partyMembers): missing, but mandatory when 是否有中共党组织 (hasPartyOrganization) is 是',
    ]);
    expect(r.normalised.columns.employeeCount).toBeNull();
  });
});

describe('矛盾纠纷事件 (dispute)', () => {
  const dispute = spec('dispute');
  const columns = {
    code: 'MD-2024-0001',
    title: '邻里通行纠纷',
    occurredAt: '2024-01-05 08:30',
    location: '清泉镇北街',
    scale: '个体性事件',
    typeCode: '0201',
    involvedCount: 2,
    description: '两户因通道使用发生争执',
    resolutionDeadline: '2024/1/20',
  };

  it('normalises the scale, the type, the occurrence time (China time) and the resolution block', () => {
    const r = validateRecord(
      dispute,
      {
        columns: {
          ...columns,
          resolutionMethod: '人民调解',
          resolvedSuccessfully: '是',
          resolutionNote: '经调解达成协议',
          resolvedAt: '2024-01-10T10:00:00+08:00',
          evaluatedOn: '2024年1月15日',
        },
        attributes: { resolutionOwnerPhone: '13800138000' },
      },
      TODAY,
    );
    expect(r.failures).toEqual([]);
    expect(r.normalised.columns).toEqual({
      ...columns,
      occurredAt: '2024-01-05T00:30:00.000Z',
      scale: '01',
      resolutionDeadline: '2024-01-20',
      resolutionMethod: '01',
      resolvedSuccessfully: true,
      resolutionNote: '经调解达成协议',
      resolvedAt: '2024-01-10T02:00:00.000Z',
      evaluatedOn: '2024-01-15',
    });
  });

  it('accepts type names of either level; 其他 is the top-level 99', () => {
    for (const [given, code] of [
      ['恋爱及婚姻', '0101'],
      ['邻里纠纷', '02'],
      ['其他', '99'],
    ] as const) {
      const r = validateRecord(dispute, { columns: { ...columns, typeCode: given } }, TODAY);
      expect(r.normalised.columns.typeCode, given).toBe(code);
    }
  });

  it('rejects an unknown type and scale, and a future occurrence', () => {
    const r = validateRecord(
      dispute,
      { columns: { ...columns, typeCode: '0299x', scale: '04', occurredAt: '2024-06-02 00:00' } },
      TODAY,
    );
    expect(r.failures.map((f) => f.message)).toEqual([
      '矛盾纠纷事件.发生日期 (occurredAt) = "2024-06-02 00:00": is after today (2024-06-01)',
      '矛盾纠纷事件.事件规模 (scale) = "04": not a code of 事件规模 (event_scale)',
      '矛盾纠纷事件.事件类别 (typeCode) = "0299x": not a code of 事件类型 (dispute_type)',
    ]);
  });

  it('requires the resolution note once resolved successfully', () => {
    const r = validateRecord(dispute, { columns: { ...columns, resolvedSuccessfully: 'Y' } }, TODAY);
    expect(rules(r)).toEqual(['resolutionNote:REQUIRED']);
    const failed = validateRecord(dispute, { columns: { ...columns, resolvedSuccessfully: 'N' } }, TODAY);
    expect(failed.ok).toBe(true);
  });
});

describe('X modules with inline code lists', () => {
  it('群众安全感调查: a rating by name, respondents 16 or older', () => {
    const survey = spec('safety_survey');
    const columns = { code: 'AQG-2024-1', title: '2024年群众安全感调查', recordedAt: '2024-05-01' };
    const r = validateRecord(
      survey,
      { columns: { ...columns, rating: '基本安全' }, attributes: { respondentAge: 40 } },
      TODAY,
    );
    expect(r.ok).toBe(true);
    expect(r.normalised.columns.rating).toBe('03');
    const bad = validateRecord(
      survey,
      {
        columns: { ...columns, rating: '有点安全' },
        attributes: { respondentAge: '15', respondentSex: '女' },
      },
      TODAY,
    );
    expect(bad.failures.map((f) => f.message)).toEqual([
      '群众安全感调查.安全感评价 (rating) = "有点安全": not a code of 安全感评价 (01 很安全, 02 安全, 03 基本安全, 04 不太安全, 05 不安全)',
      '群众安全感调查.受访者年龄 (respondentAge) = "15": must be at least 16',
    ]);
    expect(bad.normalised.attributes.respondentSex).toBe('2');
  });

  it('社会稳定风险评估: four verdicts and a risk level (高 for 高风险)', () => {
    const risk = spec('risk_assessment');
    const r = validateRecord(
      risk,
      {
        columns: { code: 'WP-1', title: '某项目征地', recordedAt: '2024-03-01', rating: '高' },
        attributes: {
          assessingUnit: '县委政法委',
          legality: '符合',
          reasonableness: '基本符合',
          feasibility: '01',
          controllability: '不符合',
        },
      },
      TODAY,
    );
    expect(r.failures).toEqual([]);
    expect(r.normalised.columns.rating).toBe('01');
    expect(r.normalised.attributes).toMatchObject({
      legality: '01',
      reasonableness: '02',
      controllability: '03',
    });
  });

  it('refuses a name that several inline values share', () => {
    const fixture: DataSetSpec = {
      id: 'fixture',
      label: '测试',
      entity: 'situation',
      standard: 'X module',
      fields: [
        {
          name: 'grade',
          label: '等级',
          type: 'code',
          values: [
            { code: '1', label: '甲' },
            { code: '2', label: '甲' },
          ],
          in: 'attributes',
        },
      ],
    };
    const r = validateRecord(fixture, { columns: {}, attributes: { grade: '甲' } }, TODAY);
    expect(r.failures[0]!.message).toBe(
      '测试.等级 (grade) = "甲": ambiguous in 等级 (1 甲, 2 甲): it names 1 甲, 2 甲; give the code',
    );
  });
});

describe('the value readers', () => {
  it('read dates and date-times', () => {
    expect(parseDate(new Date('2024-01-04T16:30:00Z'))).toBe('2024-01-05');
    expect(parseDate(20240105)).toBe('2024-01-05');
    expect(parseDate('2024-01-05T25:00')).toBeUndefined();
    expect(parseDateTime('2024-01-05')).toBe('2024-01-04T16:00:00.000Z');
    expect(parseDateTime('2024/1/5 8:05:09')).toBe('2024-01-05T00:05:09.000Z');
    expect(parseDateTime('2024-01-05T08:30:00.5+0000')).toBe('2024-01-05T08:30:00.500Z');
    expect(parseDateTime('2024-01-05T08:30:00Z')).toBe('2024-01-05T08:30:00.000Z');
    expect(parseDateTime('not a time')).toBeUndefined();
  });

  it('resolve today in China when no day is given', () => {
    const r = validateRecord(spec('floating_population'), {
      columns: {},
      attributes: { inflowReason: '01', permitType: '01', registeredOn: '2999-01-01', residenceType: '01' },
    });
    expect(rules(r)).toEqual(['registeredOn:DATE_FUTURE']);
  });
});
