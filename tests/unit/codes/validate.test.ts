import { describe, expect, it } from 'vitest';
import { codeTable, isKnownCode, labelOf, validateCode } from '../../../schema/codes';

describe('lookups', () => {
  it('codeTable, isKnownCode and labelOf', () => {
    expect(codeTable('inflow_reason')?.label).toBe('流入原因');
    expect(codeTable('no_such_table')).toBeUndefined();
    expect(isKnownCode('inflow_reason', '01')).toBe(true);
    expect(isKnownCode('inflow_reason', '1')).toBe(false);
    expect(isKnownCode('inflow_reason', '务工')).toBe(false);
    expect(isKnownCode('no_such_table', '01')).toBe(false);
    expect(isKnownCode('dispute_type', '0101')).toBe(true);
    expect(labelOf('dispute_type', '0101')).toBe('恋爱及婚姻');
    expect(labelOf('sex', '1')).toBe('男');
    expect(labelOf('sex', '3')).toBeUndefined();
    expect(labelOf('no_such_table', '1')).toBeUndefined();
  });
});

describe('validateCode', () => {
  it('accepts a code and returns its label', () => {
    expect(validateCode('inflow_reason', '99')).toEqual({ ok: true, code: '99', label: '其他' });
    expect(validateCode('dispute_type', '0101')).toEqual({ ok: true, code: '0101', label: '恋爱及婚姻' });
    expect(validateCode('nationality', 'CN')).toEqual({ ok: true, code: 'CN', label: '中国' });
  });

  it('accepts an exact label (or alias) in place of the code', () => {
    expect(validateCode('sex', '男')).toEqual({ ok: true, code: '1', label: '男' });
    expect(validateCode('sex', '女性')).toEqual({ ok: true, code: '2', label: '女' });
    expect(validateCode('inflow_reason', '务工')).toEqual({ ok: true, code: '01', label: '务工' });
    expect(validateCode('ethnicity', '汉族')).toEqual({ ok: true, code: '01', label: '汉族' });
    expect(validateCode('ethnicity', '回')).toEqual({ ok: true, code: '03', label: '回族' });
    expect(validateCode('political_status', '中国共产党党员')).toEqual({
      ok: true,
      code: '01',
      label: '中共党员',
    });
    expect(validateCode('nationality', 'PAK')).toEqual({ ok: true, code: 'PK', label: '巴基斯坦' });
    expect(validateCode('dispute_type', '涉民族宗教纠纷')).toEqual({
      ok: true,
      code: '16',
      label: '涉民族宗教纠纷',
    });
    expect(validateCode('resolution_method', ' 人民调解 ')).toEqual({
      ok: true,
      code: '01',
      label: '人民调解',
    });
  });

  it('resolves a name shared across levels to the only top-level value', () => {
    // 其他 names 99 and every 0x99 second-level code.
    expect(validateCode('dispute_type', '其他')).toEqual({ ok: true, code: '99', label: '其他' });
  });

  it('does not match near misses: labels must be exact and codes are not padded', () => {
    expect(validateCode('inflow_reason', '1').ok).toBe(false);
    expect(validateCode('inflow_reason', '务工人员').ok).toBe(false);
    expect(validateCode('sex', 'M').ok).toBe(false);
  });

  it('rejects an unknown code naming the table, its id and the value, listing allowed codes', () => {
    const r = validateCode('inflow_reason', '10');
    expect(r).toMatchObject({ ok: false, rule: 'CODE_UNKNOWN' });
    if (r.ok) throw new Error('unreachable');
    expect(r.message).toContain('流入原因');
    expect(r.message).toContain('inflow_reason');
    expect(r.message).toContain('"10"');
    expect(r.message).toContain('01 务工, 02 务农, 03 经商');
    expect(r.message).toContain('09 工作调动, 99 其他');
    expect(r.message).not.toContain('more');
  });

  it('lists at most 10 allowed codes, top levels first, and says how many more there are', () => {
    const r = validateCode('dispute_type', '0105');
    if (r.ok) throw new Error('expected a rejection');
    expect(r.rule).toBe('CODE_UNKNOWN');
    expect(r.message).toContain('事件类型 (dispute_type)');
    expect(r.message).toContain('01 婚恋家庭纠纷, 02 邻里纠纷');
    expect(r.message).toContain('10 其他民商事纠纷 … and 85 more');
    expect(r.message).not.toContain('11 城乡建设发展纠纷');
    const allowed = r.message.split('allowed codes: ')[1].split(' … ')[0];
    expect(allowed.split(', ')).toHaveLength(10);
  });

  it('rejects an unknown table', () => {
    expect(validateCode('no_such_table', '01')).toEqual({
      ok: false,
      rule: 'CODE_TABLE_UNKNOWN',
      message: 'unknown code table "no_such_table" (the value was "01")',
    });
  });

  it('rejects an empty value', () => {
    expect(validateCode('sex', '  ')).toMatchObject({ ok: false, rule: 'CODE_UNKNOWN' });
  });
});
