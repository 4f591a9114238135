import { describe, expect, it } from 'vitest';
import {
  IdentifierError,
  type IdentifierRule,
  type ImeiRule,
  imeiCheckDigit,
  maskImei,
  normaliseImei,
  unwrapIdentifier,
  validateImei,
} from '../../../schema/identifiers';
import { digits, pick, seededRandom, singleSubstitutions } from './seeded';

const withCheck = (first14: string) => `${first14}${imeiCheckDigit(first14)}`;

describe('validateImei: the vectors of identifiers.md', () => {
  it('accepts 490154203237518 and splits it into its parts', () => {
    expect(validateImei('490154203237518')).toEqual({
      ok: true,
      value: '490154203237518',
      warnings: [],
      tac: '49015420',
      reportingBody: { code: '49', label: null, labelEn: null },
      serial: '323751',
      checkDigit: '8',
      fromImeisv: false,
      softwareVersion: null,
      test: false,
      masked: '49015420****518',
    });
  });

  it('accepts 358718371466652', () => {
    expect(validateImei('358718371466652')).toEqual({
      ok: true,
      value: '358718371466652',
      warnings: [],
      tac: '35871837',
      reportingBody: { code: '35', label: 'BABT（英国）', labelEn: 'BABT (United Kingdom)' },
      serial: '146665',
      checkDigit: '2',
      fromImeisv: false,
      softwareVersion: null,
      test: false,
      masked: '35871837****652',
    });
  });

  it('rejects 358718371466676 (a typo of 358718371466876), naming the expected check digit', () => {
    expect(validateImei('358718371466676')).toEqual({
      ok: false,
      rule: 'IMEI_CHECK',
      message: 'IMEI "358718371466676": check digit must be 8 (Luhn over the first 14 digits), not 6',
      input: '358718371466676',
    });
    expect(validateImei('358718371466876')).toMatchObject({ ok: true, checkDigit: '6' });
  });

  it('converts the IMEISV 3587183714666503 to the IMEI 358718371466652', () => {
    expect(validateImei('3587183714666503')).toEqual({
      ok: true,
      value: '358718371466652',
      warnings: [],
      tac: '35871837',
      reportingBody: { code: '35', label: 'BABT（英国）', labelEn: 'BABT (United Kingdom)' },
      serial: '146665',
      checkDigit: '2',
      fromImeisv: true,
      softwareVersion: '03',
      test: false,
      masked: '35871837****652',
    });
  });

  it('computes the check digit by Luhn over the first 14 digits', () => {
    expect(imeiCheckDigit('49015420323751')).toBe('8');
    expect(imeiCheckDigit('35871837146665')).toBe('2');
    expect(imeiCheckDigit('35871837146687')).toBe('6');
    expect(imeiCheckDigit('35871837146667')).toBe('8');
    expect(imeiCheckDigit('35-871837-146665')).toBe('2');
    expect(imeiCheckDigit('３５８７１８３７１４６６６５')).toBe('2');
  });

  it('refuses to compute a check digit for anything but 14 digits', () => {
    expect(() => imeiCheckDigit('3587183714666')).toThrow(IdentifierError);
    expect(() => imeiCheckDigit('358718371466652')).toThrow('must be exactly 14 digits');
    expect(() => imeiCheckDigit('3587183714666A')).toThrow(IdentifierError);
    try {
      imeiCheckDigit('3587183714666A');
    } catch (error) {
      expect((error as IdentifierError).code).toBe('IMEI_CHARSET');
    }
    try {
      imeiCheckDigit('3587183714666');
    } catch (error) {
      expect((error as IdentifierError).code).toBe('IMEI_LENGTH');
    }
  });
});

describe('validateImei: normalisation', () => {
  it.each([
    '358718371466652',
    '35-871837-146665-2',
    '35 871837 146665 2',
    '35/871837/146665/2',
    '35871837/146665/2',
    ' 358718371466652\t',
    '３５８７１８３７１４６６６５２',
    '３５－８７１８３７－１４６６６５－２',
    '35\u3000871837\u3000146665\u30002',
    '35\u2010871837\u2011146665\u20132',
    '\uFEFF358718371466652\u200B',
    '35-871837-146665-03',
    '35 871837 146665 03',
    '３５８７１８３７１４６６６５０３',
  ])('normalises %s to 358718371466652', (input) => {
    expect(validateImei(input)).toMatchObject({ ok: true, value: '358718371466652', checkDigit: '2' });
  });

  it('strips only separators', () => {
    expect(normaliseImei(' 35-871837/146665 2 ')).toBe('358718371466652');
    expect(normaliseImei('IMEI: 35')).toBe('IMEI:35');
    expect(normaliseImei(null)).toBe('');
  });
});

describe('validateImei: reporting body and test IMEIs', () => {
  it('labels a TAC starting 86 as China', () => {
    const imei = withCheck('86123456012345');
    expect(validateImei(imei)).toMatchObject({
      ok: true,
      tac: '86123456',
      reportingBody: { code: '86', label: '中国（TAF）', labelEn: 'China (TAF)' },
    });
  });

  it('gives null labels, not an error, for reporting bodies outside the table', () => {
    expect(validateImei(withCheck('99000000123456'))).toMatchObject({
      ok: true,
      reportingBody: { code: '99', label: null, labelEn: null },
    });
  });

  it('rejects a test IMEI (TAC starting 00) unless allowTest', () => {
    const imei = withCheck('00123456123456');
    expect(validateImei(imei)).toEqual({
      ok: false,
      rule: 'IMEI_TEST',
      message: `IMEI "${imei}": TAC 00123456 starts with 00, a test IMEI; not accepted in production inventory`,
      input: imei,
    });
    expect(validateImei(imei, { allowTest: true })).toMatchObject({
      ok: true,
      value: imei,
      test: true,
      warnings: [],
      reportingBody: { code: '00', label: '测试', labelEn: 'test IMEI' },
    });
    expect(validateImei('0012345612345603')).toMatchObject({ ok: false, rule: 'IMEI_TEST' });
    expect(validateImei('0012345612345603', { allowTest: true })).toMatchObject({
      ok: true,
      value: imei,
      test: true,
      fromImeisv: true,
    });
  });

  it('reports a wrong check digit before the test TAC', () => {
    const imei = withCheck('00123456123456');
    const wrong = `${imei.slice(0, 14)}${(Number(imei[14]) + 1) % 10}`;
    expect(validateImei(wrong)).toMatchObject({ ok: false, rule: 'IMEI_CHECK' });
  });
});

describe('validateImei: rejections name the rule and the value', () => {
  it.each<[string, string | null, ImeiRule, string]>([
    ['empty', '', 'IMEI_EMPTY', 'IMEI is empty'],
    ['null', null, 'IMEI_EMPTY', 'IMEI is empty'],
    ['only separators', ' - / - ', 'IMEI_EMPTY', 'IMEI is empty'],
    [
      'a letter',
      '35871837146665A',
      'IMEI_CHARSET',
      'IMEI "35871837146665A": must contain only digits, spaces, dashes and slashes; "A" at position 15 is not allowed',
    ],
    ['a label', 'IMEI 358718371466652', 'IMEI_CHARSET', '"I" at position 1 is not allowed'],
    ['a dot', '358718.371466652', 'IMEI_CHARSET', '"." at position 7'],
    [
      'scientific notation',
      '3.58718E+14',
      'IMEI_CHARSET',
      'it looks like a spreadsheet number in scientific notation (format the column as text)',
    ],
    [
      '14 digits',
      '35871837146665',
      'IMEI_LENGTH',
      'IMEI "35871837146665": must be 15 digits (or 16 for an IMEISV, 3GPP TS 23.003), not 14',
    ],
    ['17 digits', '35871837146665031', 'IMEI_LENGTH', 'not 17'],
    [
      'two IMEIs',
      '358718371466652/358718371466876',
      'IMEI_LENGTH',
      'not 30 (two IMEIs of a dual-SIM handset? store one per field)',
    ],
    [
      'a wrong check digit',
      '490154203237519',
      'IMEI_CHECK',
      'IMEI "490154203237519": check digit must be 8 (Luhn over the first 14 digits), not 9',
    ],
    ['swapped digits', '490154203273518', 'IMEI_CHECK', 'check digit must be'],
  ])('rejects %s', (_case, input, rule, message) => {
    const result = validateImei(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.rule).toBe(rule);
    expect(result.message).toContain(message);
    expect(result.input).toBe(input ?? '');
  });

  it('throws through unwrapIdentifier with the rule as code', () => {
    expect(unwrapIdentifier(validateImei('358718371466652'), 'imei').value).toBe('358718371466652');
    expect(() => unwrapIdentifier(validateImei('358718371466676'), 'imei')).toThrow(
      'imei: IMEI "358718371466676": check digit must be 8',
    );
    const rule: IdentifierRule = 'IMEI_TEST';
    expect(rule).toBe('IMEI_TEST');
  });
});

describe('maskImei', () => {
  it('keeps the TAC and the last 3 digits', () => {
    expect(maskImei('358718371466652')).toBe('35871837****652');
    expect(maskImei('35-871837-146665-2')).toBe('35871837****652');
    expect(maskImei('3587183714666503')).toBe('35871837****652');
    expect(maskImei(withCheck('00123456123456'))).toMatch(/^00123456\*{4}\d{3}$/);
  });

  it('masks anything invalid entirely', () => {
    expect(maskImei('358718371466676')).toBe('***************');
    expect(maskImei('35871837146665')).toBe('**************');
    expect(maskImei('')).toBe('');
  });
});

describe('generated cases', () => {
  /** Valid IMEIs from a seeded generator: reporting bodies 01, 35, 86 and others, random TAC and serial. */
  function generated(count: number, seed: number): string[] {
    const random = seededRandom(seed);
    const out: string[] = [];
    while (out.length < count) {
      const rb = pick(random, ['01', '35', '86', '86', '49', '99']);
      out.push(withCheck(`${rb}${digits(random, 12)}`));
    }
    return out;
  }

  const samples = ['490154203237518', '358718371466652', '358718371466876', ...generated(12, 23003)];

  it('the generator only produces valid IMEIs', () => {
    for (const imei of samples) expect(validateImei(imei).ok, imei).toBe(true);
  });

  it.each(samples)('changing any single digit of %s fails on the check digit', (imei) => {
    const mutants = singleSubstitutions(imei, () => '0123456789');
    expect(mutants).toHaveLength(15 * 9);
    for (const m of mutants) {
      expect(validateImei(m, { allowTest: true }), m).toMatchObject({ ok: false, rule: 'IMEI_CHECK' });
    }
  });

  it.each(samples)('every IMEISV of %s converts to it', (imei) => {
    for (const sv of ['00', '01', '03', '42', '98']) {
      expect(validateImei(`${imei.slice(0, 14)}${sv}`), sv).toMatchObject({
        ok: true,
        value: imei,
        fromImeisv: true,
        softwareVersion: sv,
        checkDigit: imei[14],
      });
    }
  });
});
