import { describe, expect, it } from 'vitest';
import { codeTable } from '../../../schema/codes';

const codesOf = (id: string) => codeTable(id)!.values.map((v) => v.code);

describe('person block code tables', () => {
  it('性别 GB/T 2261.1', () => {
    expect(codeTable('sex')).toMatchObject({ label: '性别', standard: 'GB/T 2261.1-2003' });
    expect(codeTable('sex')!.values.map((v) => `${v.code} ${v.label}`)).toEqual([
      '0 未知的性别',
      '1 男',
      '2 女',
      '9 未说明的性别',
    ]);
  });

  it('民族 GB/T 3304: 56 nationalities coded 01–56, plus 97 and 98', () => {
    const t = codeTable('ethnicity')!;
    expect(t.values).toHaveLength(58);
    expect(codesOf('ethnicity').slice(0, 56)).toEqual(
      Array.from({ length: 56 }, (_, i) => String(i + 1).padStart(2, '0')),
    );
    const label = (code: string) => t.values.find((v) => v.code === code)?.label;
    expect(label('01')).toBe('汉族');
    expect(label('03')).toBe('回族');
    expect(label('04')).toBe('藏族');
    expect(label('26')).toBe('东乡族');
    expect(label('35')).toBe('撒拉族');
    expect(label('47')).toBe('保安族');
    expect(label('48')).toBe('裕固族');
    expect(label('56')).toBe('基诺族');
    expect(label('97')).toBe('其他');
    expect(label('98')).toBe('外国血统中国籍人士');
    expect(t.values.slice(0, 56).every((v) => v.label.endsWith('族'))).toBe(true);
    expect(new Set(t.values.map((v) => v.label)).size).toBe(58);
  });

  it('婚姻状况 GB/T 2261.2 with 21–23 under 20 已婚', () => {
    expect(codeTable('marital_status')!.values.map((v) => `${v.code} ${v.label}`)).toEqual([
      '10 未婚',
      '20 已婚',
      '21 初婚',
      '22 再婚',
      '23 复婚',
      '30 丧偶',
      '40 离婚',
      '90 未说明的婚姻状况',
    ]);
    expect(codeTable('marital_status')!.values.filter((v) => v.parent === '20')).toHaveLength(3);
  });

  it('政治面貌 GB/T 4762: 01 中共党员 … 13 群众', () => {
    expect(codesOf('political_status')).toEqual(
      Array.from({ length: 13 }, (_, i) => String(i + 1).padStart(2, '0')),
    );
    expect(codeTable('political_status')!.values[0]).toMatchObject({ code: '01', label: '中共党员' });
    expect(codeTable('political_status')!.values[12]).toMatchObject({ code: '13', label: '群众' });
  });

  it('学历 GB/T 4658: top levels 10 … 90 with sub-codes under them', () => {
    const t = codeTable('education')!;
    expect(t.values.filter((v) => v.parent === undefined).map((v) => `${v.code} ${v.label}`)).toEqual([
      '10 研究生教育',
      '20 大学本科教育',
      '30 大学专科教育',
      '40 中等职业教育',
      '60 普通高级中学教育',
      '70 初级中学教育',
      '80 小学教育',
      '90 其他',
    ]);
    for (const v of t.values.filter((x) => x.parent !== undefined)) expect(v.parent).toBe(`${v.code[0]}0`);
  });

  it('与户主关系 GB/T 4761: 02 户主, 10 配偶, 20 子, 30 女 …', () => {
    const t = codeTable('household_relation')!;
    const label = (code: string) => t.values.find((v) => v.code === code)?.label;
    expect(label('02')).toBe('户主');
    expect(label('10')).toBe('配偶');
    expect(label('20')).toBe('子');
    expect(label('30')).toBe('女');
    expect(label('50')).toBe('父母');
    expect(label('99')).toBe('非亲属');
    // 11–79 sit under their tens; 81–97 (uncles, aunts, cousins …) all sit under 80 其他.
    for (const v of t.values.filter((x) => x.parent !== undefined)) {
      expect(v.parent).toBe(Number(v.code) > 80 ? '80' : `${v.code[0]}0`);
    }
    expect(label('90')).toBe('姑母');
  });

  it('宗教信仰 is local; 证件代码 and 国籍 are partial and say so', () => {
    expect(codeTable('religion')).toMatchObject({ standard: 'local' });
    expect(codesOf('religion')).toEqual(['00', '10', '20', '30', '40', '50', '99']);
    expect(codeTable('id_document_type')?.uncertain).toMatch(/^Partial/);
    expect(codesOf('id_document_type')).toEqual(
      expect.arrayContaining(['111', '335', '414', '511', '516', '990']),
    );
    expect(codeTable('nationality')?.uncertain).toMatch(/^Partial/);
    expect(codesOf('nationality')).toEqual(
      expect.arrayContaining(['CN', 'PK', 'KZ', 'VN', 'MM', 'RU', 'US', 'KR', 'JP']),
    );
    expect(codesOf('nationality').length).toBeGreaterThanOrEqual(21);
  });

  it('职业类别 GB/T 6565 has the 8 major groups', () => {
    expect(codesOf('occupation_category')).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(codeTable('occupation_category')!.values[6].label).toBe('军人');
  });
});
