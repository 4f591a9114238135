import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ICCID_CARRIERS,
  type IccidCarrier,
  type IccidRule,
  IdentifierError,
  iccidCheckDigit,
  maskIccid,
  normaliseIccid,
  validateIccid,
} from '../../../schema/identifiers';
import { digits, pick, seededRandom, singleSubstitutions } from './seeded';

const withCheck = (first19: string) => `${first19}${iccidCheckDigit(first19)}`;

const CMCC: IccidCarrier = { code: 'cmcc', label: '中国移动', labelEn: 'China Mobile' };
const CUCC: IccidCarrier = { code: 'cucc', label: '中国联通', labelEn: 'China Unicom' };
const CTCC: IccidCarrier = { code: 'ctcc', label: '中国电信', labelEn: 'China Telecom' };

describe('validateIccid: the vectors of identifiers.md', () => {
  it('accepts the Chinese 89860070310112094320 (China Mobile)', () => {
    expect(validateIccid('89860070310112094320')).toEqual({
      ok: true,
      value: '89860070310112094320',
      warnings: [],
      countryCode: '86',
      carrier: CMCC,
      checkDigit: '0',
      checkDigitAppended: false,
      legacyFormat: false,
      masked: '898600**********4320',
    });
  });

  it('accepts 89450421180216254864 (country code 45, no carrier)', () => {
    expect(validateIccid('89450421180216254864')).toEqual({
      ok: true,
      value: '89450421180216254864',
      warnings: [],
      countryCode: '45',
      carrier: null,
      checkDigit: '4',
      checkDigitAppended: false,
      legacyFormat: false,
      masked: '894504**********4864',
    });
  });

  it('accepts 89011003330170055239 (zero-padded country code 1)', () => {
    expect(validateIccid('89011003330170055239')).toMatchObject({
      ok: true,
      value: '89011003330170055239',
      countryCode: '1',
      carrier: null,
      checkDigit: '9',
    });
  });

  it('computes the check digit by Luhn over the first 19 digits', () => {
    expect(iccidCheckDigit('8986007031011209432')).toBe('0');
    expect(iccidCheckDigit('8945042118021625486')).toBe('4');
    expect(iccidCheckDigit('8901100333017005523')).toBe('9');
    expect(iccidCheckDigit('8986 0070 3101 1209 432')).toBe('0');
  });

  it('refuses to compute a check digit for anything but 19 digits', () => {
    expect(() => iccidCheckDigit('89860070310112094320')).toThrow(IdentifierError);
    expect(() => iccidCheckDigit('898601A031011209432')).toThrow('must be exactly 19 digits');
    try {
      iccidCheckDigit('898601A031011209432');
    } catch (error) {
      expect((error as IdentifierError).code).toBe('ICCID_CHARSET');
    }
  });
});

describe('validateIccid: normalisation', () => {
  it.each([
    '89860070310112094320',
    '8986 0070 3101 1209 4320',
    '8986-0070-3101-1209-4320',
    ' 89860070310112094320\t',
    '８９８６００７０３１０１１２０９４３２０',
    '8986\u30000070\u30003101\u30001209\u30004320',
    '89860070310112094320F',
    '89860070310112094320f',
    '８９８６００７０３１０１１２０９４３２０Ｆ',
  ])('normalises %s to 89860070310112094320', (input) => {
    expect(validateIccid(input)).toMatchObject({
      ok: true,
      value: '89860070310112094320',
      checkDigitAppended: false,
      warnings: [],
    });
  });

  it('strips one trailing F only', () => {
    expect(normaliseIccid('89860070310112094320F')).toBe('89860070310112094320');
    expect(normaliseIccid('89860070310112094320FF')).toBe('89860070310112094320F');
    expect(validateIccid('89860070310112094320FF')).toMatchObject({ ok: false, rule: 'ICCID_LENGTH' });
    expect(normaliseIccid('898601a1')).toBe('898601A1');
    expect(normaliseIccid(undefined)).toBe('');
  });

  it('appends the check digit to a 19-digit body', () => {
    expect(validateIccid('8986007031011209432')).toEqual({
      ok: true,
      value: '89860070310112094320',
      warnings: [],
      countryCode: '86',
      carrier: CMCC,
      checkDigit: '0',
      checkDigitAppended: true,
      legacyFormat: false,
      masked: '898600**********4320',
    });
    expect(validateIccid('8986 0070 3101 1209 432F')).toMatchObject({
      ok: true,
      value: '89860070310112094320',
      checkDigitAppended: true,
    });
    expect(validateIccid('8945042118021625486')).toMatchObject({ ok: true, value: '89450421180216254864' });
  });
});

describe('validateIccid: legacy China Unicom ICCIDs with letters', () => {
  it('accepts them upper-cased, with a warning and no check digit', () => {
    expect(validateIccid('898601a9876543210123')).toEqual({
      ok: true,
      value: '898601A9876543210123',
      warnings: [
        {
          rule: 'ICCID_LEGACY_FORMAT',
          message:
            'ICCID "898601A9876543210123": contains letters, an unverifiable legacy format; accepted without a check digit',
        },
      ],
      countryCode: '86',
      carrier: CUCC,
      checkDigit: null,
      checkDigitAppended: false,
      legacyFormat: true,
      masked: '898601**********0123',
    });
  });

  it('does not append a check digit to a 19-character legacy value', () => {
    expect(validateIccid('8986 01A9 8765 4321 012')).toMatchObject({
      ok: true,
      value: '898601A987654321012',
      checkDigit: null,
      checkDigitAppended: false,
      legacyFormat: true,
      masked: '898601*********1012',
    });
  });

  it('accepts letters anywhere after the first 6 digits of an 8986 ICCID', () => {
    for (const m of singleSubstitutions('89860070310112094320', (i) => (i >= 6 ? 'AB' : ''))) {
      expect(validateIccid(m), m).toMatchObject({
        ok: true,
        value: m,
        warnings: [{ rule: 'ICCID_LEGACY_FORMAT' }],
      });
    }
  });

  it('rejects letters in the first 6 digits or outside Chinese ICCIDs', () => {
    expect(validateIccid('8986A070310112094320')).toEqual({
      ok: false,
      rule: 'ICCID_CHARSET',
      message:
        'ICCID "8986A070310112094320": "A" at position 5 is not allowed; letters occur only after the first ' +
        '6 digits of legacy Chinese ICCIDs (898601A…)',
      input: '8986A070310112094320',
    });
    expect(validateIccid('89450421180216A54864')).toMatchObject({ ok: false, rule: 'ICCID_CHARSET' });
  });

  it('still applies the prefix and length rules', () => {
    expect(validateIccid('988601A9876543210123')).toMatchObject({ ok: false, rule: 'ICCID_PREFIX' });
    expect(validateIccid('898601A98765432101234')).toMatchObject({ ok: false, rule: 'ICCID_LENGTH' });
    expect(validateIccid('898601A98765432101')).toMatchObject({ ok: false, rule: 'ICCID_LENGTH' });
  });
});

describe('validateIccid: carriers', () => {
  it.each<[string, IccidCarrier]>([
    ['898600', CMCC],
    ['898602', CMCC],
    ['898604', CMCC],
    ['898607', CMCC],
    ['898608', CMCC],
    ['898601', CUCC],
    ['898606', CUCC],
    ['898609', CUCC],
    ['898603', CTCC],
    ['898611', CTCC],
  ])('maps %s to %o by default', (prefix, carrier) => {
    expect(validateIccid(withCheck(`${prefix}1234567890123`))).toMatchObject({
      ok: true,
      countryCode: '86',
      carrier,
    });
  });

  it.each(['898605', '898610', '898612', '898699'])('gives no carrier for %s', (prefix) => {
    expect(validateIccid(withCheck(`${prefix}1234567890123`))).toMatchObject({
      ok: true,
      countryCode: '86',
      carrier: null,
    });
  });

  it('has exactly the documented default table', () => {
    expect(Object.keys(DEFAULT_ICCID_CARRIERS).sort()).toEqual([
      '898600',
      '898601',
      '898602',
      '898603',
      '898604',
      '898606',
      '898607',
      '898608',
      '898609',
      '898611',
    ]);
  });

  it('takes a table from the options, replacing the default, longest prefix first', () => {
    const broad: IccidCarrier = { code: 'cucc', label: '联通（测试）', labelEn: 'Unicom (test)' };
    const carriers = {
      '8986': broad,
      '898603': DEFAULT_ICCID_CARRIERS['898603']!,
      '8986031': CMCC,
    };
    expect(validateIccid('89860070310112094320', { carriers })).toMatchObject({ ok: true, carrier: broad });
    expect(validateIccid(withCheck('8986030000000000001'), { carriers })).toMatchObject({ carrier: CTCC });
    expect(validateIccid(withCheck('8986031000000000001'), { carriers })).toMatchObject({ carrier: CMCC });
    expect(validateIccid('89450421180216254864', { carriers })).toMatchObject({ ok: true, carrier: null });
    expect(validateIccid('89860070310112094320', { carriers: {} })).toMatchObject({
      ok: true,
      carrier: null,
    });
    expect(validateIccid('89860070310112094320', { carriers: { ...DEFAULT_ICCID_CARRIERS } })).toMatchObject({
      carrier: CMCC,
    });
  });

  it('throws on a table key that is not digits starting with 89', () => {
    expect(() => validateIccid('89860070310112094320', { carriers: { '86': CMCC } })).toThrow(RangeError);
    expect(() => validateIccid('89860070310112094320', { carriers: { '8986x': CMCC } })).toThrow(
      'ICCID carrier table: prefix "8986x" must be digits starting with 89',
    );
  });
});

describe('validateIccid: country codes', () => {
  it.each([
    ['8986', '86'],
    ['8944', '44'],
    ['8949', '49'],
    ['8933', '33'],
    ['8981', '81'],
    ['8991', '91'],
    ['8901', '1'],
    ['8914', '1'],
    ['8970', '7'],
    ['89852', '852'],
    ['89853', '853'],
    ['89886', '886'],
    ['89234', '234'],
    ['8900', null],
    ['8902', null],
  ])('reads %s as %s', (prefix, countryCode) => {
    const body = `${prefix}${'1'.repeat(19 - prefix.length)}`;
    expect(validateIccid(withCheck(body))).toMatchObject({ ok: true, countryCode });
  });
});

describe('validateIccid: rejections name the rule and the value', () => {
  it.each<[string, string | null, IccidRule, string]>([
    ['empty', '', 'ICCID_EMPTY', 'ICCID is empty'],
    ['null', null, 'ICCID_EMPTY', 'ICCID is empty'],
    ['only padding', ' F ', 'ICCID_EMPTY', 'ICCID is empty'],
    [
      'a dot',
      '8986.0070310112094320',
      'ICCID_CHARSET',
      'ICCID "8986.0070310112094320": must contain only digits and spaces; "." at position 5 is not allowed',
    ],
    [
      'scientific notation',
      '8.98600703101121E+19',
      'ICCID_CHARSET',
      'it looks like a spreadsheet number in scientific notation (format the column as text)',
    ],
    [
      'an IMEI',
      '358718371466652',
      'ICCID_PREFIX',
      'ICCID "358718371466652": must start with 89 (telecommunications, ITU-T E.118), not 35',
    ],
    ['a phone number', '13812345678', 'ICCID_PREFIX', 'not 13'],
    [
      '18 digits',
      '898600703101120943',
      'ICCID_LENGTH',
      'ICCID "898600703101120943": must be 20 digits, or 19 without the check digit (ITU-T E.118), not 18',
    ],
    ['21 digits', '898600703101120943201', 'ICCID_LENGTH', 'not 21'],
    [
      'a wrong check digit',
      '89860070310112094321',
      'ICCID_CHECK',
      'ICCID "89860070310112094321": check digit must be 0 (Luhn over the first 19 digits), not 1',
    ],
    ['swapped digits', '89860070310121094320', 'ICCID_CHECK', 'check digit must be'],
  ])('rejects %s', (_case, input, rule, message) => {
    const result = validateIccid(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.rule).toBe(rule);
    expect(result.message).toContain(message);
    expect(result.input).toBe(input ?? '');
  });
});

describe('validateIccid: what Luhn cannot see', () => {
  it('misses the swap of adjacent 0 and 9', () => {
    // 89860070310112094320 with "09" swapped to "90": the known blind spot of Luhn.
    expect(validateIccid('89860070310112904320')).toMatchObject({ ok: true });
  });
});

describe('maskIccid', () => {
  it('keeps the first 6 and the last 4', () => {
    expect(maskIccid('89860070310112094320')).toBe('898600**********4320');
    expect(maskIccid('8986 0070 3101 1209 432')).toBe('898600**********4320');
    expect(maskIccid('898601A9876543210123')).toBe('898601**********0123');
  });

  it('masks anything invalid entirely', () => {
    expect(maskIccid('89860070310112094321')).toBe('********************');
    expect(maskIccid('13812345678')).toBe('***********');
    expect(maskIccid('')).toBe('');
  });
});

describe('generated cases', () => {
  /** Valid ICCIDs from a seeded generator: Chinese cards of every default prefix, and a few foreign ones. */
  function generated(count: number, seed: number): string[] {
    const random = seededRandom(seed);
    const prefixes = [...Object.keys(DEFAULT_ICCID_CARRIERS), '8944', '8901', '89852'];
    const out: string[] = [];
    while (out.length < count) {
      const prefix = pick(random, prefixes);
      out.push(withCheck(`${prefix}${digits(random, 19 - prefix.length)}`));
    }
    return out;
  }

  const samples = [
    '89860070310112094320',
    '89450421180216254864',
    '89011003330170055239',
    ...generated(12, 118),
  ];

  it('the generator only produces valid ICCIDs', () => {
    for (const iccid of samples) expect(validateIccid(iccid).ok, iccid).toBe(true);
  });

  it.each(samples)('changing any single digit of %s fails', (iccid) => {
    const mutants = singleSubstitutions(iccid, () => '0123456789');
    expect(mutants).toHaveLength(20 * 9);
    for (const m of mutants) {
      const result = validateIccid(m);
      const prefixBroken = !m.startsWith('89');
      expect(result, m).toMatchObject({ ok: false, rule: prefixBroken ? 'ICCID_PREFIX' : 'ICCID_CHECK' });
    }
  });

  it.each(samples)('the 19-digit body of %s gets its check digit back', (iccid) => {
    expect(validateIccid(iccid.slice(0, 19))).toMatchObject({
      ok: true,
      value: iccid,
      checkDigitAppended: true,
    });
    expect(validateIccid(`${iccid.slice(0, 19)}F`)).toMatchObject({ ok: true, value: iccid });
  });
});
