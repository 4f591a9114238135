import { describe, expect, it } from 'vitest';
import { codeTable } from '../../../schema/codes';

/** "01 务工, 02 务农" for a table, in its stored order. */
function listing(id: string): string {
  const t = codeTable(id);
  if (!t) throw new Error(`no table ${id}`);
  return t.values.map((v) => `${v.code} ${v.label}`).join(', ');
}

describe('GB/T 31000-2015 code tables (exact values from the reference)', () => {
  it('流入原因', () => {
    expect(codeTable('inflow_reason')?.label).toBe('流入原因');
    expect(listing('inflow_reason')).toBe(
      '01 务工, 02 务农, 03 经商, 04 学习培训, 05 婚嫁, 06 随迁, 07 治病疗养, 08 投亲靠友, 09 工作调动, 99 其他',
    );
  });

  it('层级, 人户一致标识, 留守人员类型, 事件规模, 危险性评估类型', () => {
    expect(listing('admin_level')).toBe(
      '01 中央, 02 省/自治区/直辖市, 03 地/市/州/盟, 04 县/市/区/旗, 05 乡镇/街道, 06 村/社区',
    );
    expect(listing('household_match')).toBe('01 一致, 02 不一致');
    expect(listing('left_behind_type')).toBe('01 留守老人, 02 留守妇女, 03 留守儿童');
    expect(listing('event_scale')).toBe('01 个体性事件, 02 一般群体性事件, 03 重大群体性事件');
    expect(listing('release_risk_type')).toBe('01 重点帮教人员, 02 一般帮教人员');
  });

  it('人员级别 keeps its three-digit codes', () => {
    expect(listing('staff_rank')).toBe(
      '111 省部级正职, 112 省部级副职, 121 厅局级正职, 122 厅局级副职, 131 县处级正职, 132 县处级副职, ' +
        '141 乡科级正职, 142 乡科级副职, 150 科员级, 160 办事员级, 199 未定级公务员',
    );
  });

  it('专业特长 has 01–22 and 99', () => {
    const t = codeTable('specialty')!;
    expect(t.values).toHaveLength(23);
    expect(t.values[21]).toEqual({ code: '22', label: '手语' });
    expect(t.values[22]).toEqual({ code: '99', label: '其他' });
  });

  it('出租用途 uses the corrected 04 办公 and says so', () => {
    const t = codeTable('rental_use')!;
    expect(listing('rental_use')).toBe('01 宿舍, 02 住房, 03 商铺, 04 办公, 05 仓库, 06 厂房, 99 其他');
    expect(t.uncertain).toContain('(0?)4');
  });

  it('效果评估 keeps the printed order and flags it', () => {
    expect(listing('effect_evaluation')).toBe('01 好, 02 较好, 03 差, 04 较差');
    expect(codeTable('effect_evaluation')?.uncertain).toBeTruthy();
  });

  it('tables with 00 无 keep it', () => {
    for (const id of [
      'rental_hazard_type',
      'hiv_attention_type',
      'admission_status',
      'enterprise_hazard_type',
    ]) {
      expect(codeTable(id)?.values[0], id).toEqual({ code: '00', label: '无' });
    }
  });

  it('罪名分类, 目前危险性评估等级, 感染途径, 登记注册类型, 控股情况', () => {
    expect(codeTable('crime_category')?.values[3]).toEqual({
      code: '04',
      label: '侵犯公民人身权利、民主权利罪',
    });
    expect(codeTable('crime_category')?.values).toHaveLength(10);
    expect(listing('mental_risk_level')).toBe('01 0级, 02 1级, 03 2级, 04 3级, 05 4级, 06 5级');
    expect(codeTable('infection_route')?.values.at(-1)).toEqual({ code: '99', label: '不详' });
    expect(listing('registration_type')).toBe(
      '110 国有, 120 集体, 130 股份合作, 140 联营, 150 有限责任公司, 160 股份有限公司, 170 私营, ' +
        '190 其他内资企业, 200 港澳台商投资企业, 300 外商投资企业',
    );
    expect(listing('holding_type')).toBe(
      '110 国有控股, 120 集体控股, 210 私人控股, 220 港澳台控股, 230 外商控股',
    );
  });

  it('重点青少年 人员类型 and the multi-select 社区矫正 tables', () => {
    expect(listing('youth_type')).toBe(
      '01 闲散青少年, 02 有不良行为或严重不良行为青少年, 03 流浪乞讨未成年人, 04 服刑人员未成年子女, ' +
        '05 农村留守儿童, 99 其他',
    );
    expect(codeTable('four_histories')).toMatchObject({ label: '"四史"情况', multiple: true });
    expect(listing('four_histories')).toBe('01 吸毒史, 02 逃脱史, 03 自杀史, 04 袭警史');
    expect(listing('three_involvements')).toBe('01 涉毒, 02 涉黑, 03 涉枪');
  });
});

describe('事件类型 (dispute type), two levels', () => {
  const t = codeTable('dispute_type')!;
  const value = (code: string) => t.values.find((v) => v.code === code);

  it('is hierarchical with 17 first-level and 78 second-level codes', () => {
    expect(t.hierarchical).toBe(true);
    expect(t.values.filter((v) => v.parent === undefined).map((v) => v.code)).toEqual([
      '01',
      '02',
      '03',
      '04',
      '05',
      '06',
      '07',
      '08',
      '09',
      '10',
      '11',
      '12',
      '13',
      '14',
      '15',
      '16',
      '99',
    ]);
    expect(t.values.filter((v) => v.parent !== undefined)).toHaveLength(78);
  });

  it('puts each second-level code under the first-level code it starts with', () => {
    for (const v of t.values.filter((x) => x.parent !== undefined)) {
      expect(v.code).toMatch(/^\d{4}$/);
      expect(v.parent).toBe(v.code.slice(0, 2));
    }
  });

  it('has the exact values of the reference', () => {
    expect(value('01')).toEqual({ code: '01', label: '婚恋家庭纠纷' });
    expect(value('0101')).toEqual({ code: '0101', label: '恋爱及婚姻', parent: '01' });
    expect(value('0199')).toEqual({ code: '0199', label: '其他', parent: '01' });
    expect(value('0299')).toEqual({ code: '0299', label: '其他', parent: '02' });
    expect(value('0507')).toEqual({ code: '0507', label: '劳务损害', parent: '05' });
    expect(value('0701')).toEqual({ code: '0701', label: '劳动合同、劳务派遣', parent: '07' });
    expect(value('1002')).toEqual({ code: '1002', label: '公司企业设立解散', parent: '10' });
    expect(value('1201')).toEqual({ code: '1201', label: '村(社区)选举和管理', parent: '12' });
    expect(value('1307')).toEqual({ code: '1307', label: '计划生育管理', parent: '13' });
    expect(value('1404')).toEqual({ code: '1404', label: '涉司法行政机关', parent: '14' });
    expect(value('16')).toEqual({ code: '16', label: '涉民族宗教纠纷' });
    expect(value('1601')).toEqual({ code: '1601', label: '涉民族问题', parent: '16' });
    expect(value('1602')).toEqual({ code: '1602', label: '涉宗教问题', parent: '16' });
    expect(value('99')).toEqual({ code: '99', label: '其他' });
    expect(value('1499')).toBeUndefined();
    expect(value('1699')).toBeUndefined();
  });
});

describe('dictionaries named by the standard with unknown values', () => {
  it('化解方式 carries the suggested methods, local and flagged', () => {
    expect(codeTable('resolution_method')).toMatchObject({ label: '化解方式', standard: 'local' });
    expect(codeTable('resolution_method')?.uncertain).toBeTruthy();
    expect(listing('resolution_method')).toBe(
      '01 人民调解, 02 行政调解, 03 司法调解, 04 诉调对接, 05 当事人和解, 99 其他',
    );
  });

  it('the others exist as local dictionaries', () => {
    const ids = [
      'party_category',
      'drug_use_reason',
      'drug_use_consequence',
      'line_type',
      'security_hazard_level',
      'harm_degree',
      'school_type',
      'case_nature',
    ];
    for (const id of ids) {
      expect(codeTable(id)?.standard, id).toBe('local');
      expect(codeTable(id)?.uncertain, id).toBeTruthy();
    }
    expect(listing('line_type')).toMatch(
      /^01 铁路, 02 公路, 03 水路, 04 电力设施, 05 电信设施, 06 广播电视设施, 07 输油气管道/,
    );
  });
});
