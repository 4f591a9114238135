import { describe, expect, it } from 'vitest';
import { CODE_TABLES, validateCode } from '../../../schema/codes';

// A fixture table, added before the first lookup indexes CODE_TABLES (each test file has its own modules).
CODE_TABLES.push({
  id: 'fixture_ambiguous',
  label: '测试表',
  standard: 'local',
  hierarchical: true,
  values: [
    { code: '1', label: '甲' },
    { code: '11', label: '其他', parent: '1' },
    { code: '2', label: '乙' },
    { code: '21', label: '其他', parent: '2' },
  ],
});

describe('a name shared by several values and by no single top-level value', () => {
  it('is rejected as ambiguous, listing the values it names', () => {
    const r = validateCode('fixture_ambiguous', '其他');
    expect(r).toEqual({
      ok: false,
      rule: 'CODE_UNKNOWN',
      message: '"其他" is ambiguous in 测试表 (fixture_ambiguous): it names 11 其他, 21 其他; give the code',
    });
    expect(validateCode('fixture_ambiguous', '21')).toEqual({ ok: true, code: '21', label: '其他' });
  });
});
