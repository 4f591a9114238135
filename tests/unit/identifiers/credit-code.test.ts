import { describe, expect, it } from 'vitest';
import {
  CREDIT_CODE_ALPHABET,
  type CreditCodeRule,
  creditCodeCheckChar,
  IdentifierError,
  normaliseCreditCode,
  validateCreditCode,
} from '../../../schema/identifiers';
import { digits, pick, seededRandom, singleSubstitutions } from './seeded';

const withCheck = (body: string) => `${body}${creditCodeCheckChar(body)}`;

describe('validateCreditCode: the vectors of identifiers.md', () => {
  it('accepts 91350100M000100Y43 and splits it into its parts', () => {
    expect(validateCreditCode('91350100M000100Y43')).toEqual({
      ok: true,
      value: '91350100M000100Y43',
      warnings: [],
      authority: { code: '9', label: '工商', labelEn: 'industry and commerce (market regulation)' },
      organisationType: { code: '1', label: '企业', labelEn: 'enterprise' },
      divisionCode: '350100',
      organisationCode: 'M000100Y4',
      checkChar: '3',
      checkPassed: true,
    });
  });

  it('accepts the synthetic 91620725000000019C', () => {
    expect(validateCreditCode('91620725000000019C')).toMatchObject({
      ok: true,
      value: '91620725000000019C',
      divisionCode: '620725',
      organisationCode: '000000019',
      checkChar: 'C',
    });
  });

  it('computes the check character: c = 31 − (Σ value·W mod 31), 31 → 0', () => {
    expect(creditCodeCheckChar('91350100M000100Y4')).toBe('3');
    expect(creditCodeCheckChar('91620725000000019')).toBe('C');
    // Σ = 0 → c = 31 → 0.
    expect(creditCodeCheckChar('00000000000000000')).toBe('0');
    // Σ = 30 (position 1, weight 1, value Y = 30) → c = 1.
    expect(creditCodeCheckChar('Y0000000000000000')).toBe('1');
    // Σ = 1 → c = 30 → Y, the last symbol.
    expect(creditCodeCheckChar('10000000000000000')).toBe('Y');
    expect(creditCodeCheckChar('91620725０００００００１９')).toBe('C');
  });

  it('refuses to compute a check character for anything but 17 alphabet characters', () => {
    expect(() => creditCodeCheckChar('9162072500000001')).toThrow(IdentifierError);
    expect(() => creditCodeCheckChar('9162072500000001O')).toThrow('must be exactly 17 characters');
    try {
      creditCodeCheckChar('9162072500000001O');
    } catch (error) {
      expect((error as IdentifierError).code).toBe('CREDIT_CODE_CHARSET');
    }
  });
});

describe('validateCreditCode: registering authority and organisation type', () => {
  it.each([
    ['1', '1', '机构编制', '机关'],
    ['1', '2', '机构编制', '事业单位'],
    ['5', '1', '民政', '社会团体'],
    ['5', '2', '民政', '民办非企业单位'],
    ['5', '3', '民政', '基金会'],
    ['9', '1', '工商', '企业'],
    ['9', '2', '工商', '个体工商户'],
    ['9', '3', '工商', '农民专业合作社'],
    ['Y', '1', '其他', '其他'],
  ])('labels authority %s type %s as %s / %s', (authority, type, authorityLabel, typeLabel) => {
    const result = validateCreditCode(withCheck(`${authority}${type}620725MA0000001`));
    expect(result).toMatchObject({
      ok: true,
      authority: { code: authority, label: authorityLabel },
      organisationType: { code: type, label: typeLabel },
    });
  });

  it('gives null labels, not an error, for codes outside the table', () => {
    expect(validateCreditCode(withCheck('9962072500000001Q'))).toMatchObject({
      ok: true,
      authority: { code: '9', label: '工商' },
      organisationType: { code: '9', label: null, labelEn: null },
    });
    expect(validateCreditCode(withCheck('0162072500000001Q'))).toMatchObject({
      ok: true,
      authority: { code: '0', label: null },
      organisationType: { code: '1', label: null },
    });
  });

  it('accepts the central-level division 100000 (only digits are required there)', () => {
    expect(validateCreditCode(withCheck('12100000400000398'))).toMatchObject({
      ok: true,
      divisionCode: '100000',
    });
  });
});

describe('validateCreditCode: normalisation', () => {
  it('trims, upper-cases and folds full-width characters', () => {
    expect(normaliseCreditCode(' 91350100m000100y43\u3000')).toBe('91350100M000100Y43');
    expect(validateCreditCode('９１３５０１００Ｍ０００１００Ｙ４３')).toMatchObject({
      ok: true,
      value: '91350100M000100Y43',
    });
    expect(validateCreditCode('91620725000000019c')).toMatchObject({ ok: true, value: '91620725000000019C' });
  });
});

describe('validateCreditCode: rejections name the rule and the value', () => {
  it.each<[string, string | null, CreditCodeRule, string]>([
    ['empty', '', 'CREDIT_CODE_EMPTY', 'unified social credit code is empty'],
    ['null', null, 'CREDIT_CODE_EMPTY', 'unified social credit code is empty'],
    [
      '17 characters',
      '91350100M000100Y4',
      'CREDIT_CODE_LENGTH',
      'unified social credit code "91350100M000100Y4": must be 18 characters (GB 32100), not 17',
    ],
    ['a 15-digit business registration number', '350100100001234', 'CREDIT_CODE_LENGTH', 'not 15'],
    [
      'the letter I',
      '91350100I000100Y43',
      'CREDIT_CODE_CHARSET',
      'unified social credit code "91350100I000100Y43": "I" at position 9 is not in the GB 32100 alphabet 0123456789ABCDEFGHJKLMNPQRTUWXY (no I, O, Z, S, V)',
    ],
    ['the letter O', '91350100M0O0100Y43', 'CREDIT_CODE_CHARSET', '"O" at position 11'],
    ['the letter Z', 'Z1350100M000100Y43', 'CREDIT_CODE_CHARSET', '"Z" at position 1'],
    ['the letter S', '91350100M000100S43', 'CREDIT_CODE_CHARSET', '"S" at position 16'],
    ['the letter V', '91350100M000100Y4V', 'CREDIT_CODE_CHARSET', '"V" at position 18'],
    ['a dash', '91350100-000100Y43', 'CREDIT_CODE_CHARSET', '"-" at position 9'],
    [
      'a letter in the division code',
      '9135A100M000100Y43',
      'CREDIT_CODE_DIVISION',
      'unified social credit code "9135A100M000100Y43": characters 3–8 (35A100) must be a 6-digit division code',
    ],
    [
      'a wrong check character',
      '91350100M000100Y44',
      'CREDIT_CODE_CHECK',
      'unified social credit code "91350100M000100Y44": check character must be 3 (GB 32100), not 4',
    ],
    [
      'a wrong check character (synthetic)',
      '91620725000000019D',
      'CREDIT_CODE_CHECK',
      'must be C (GB 32100), not D',
    ],
  ])('rejects %s', (_case, input, rule, message) => {
    const result = validateCreditCode(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.rule).toBe(rule);
    expect(result.message).toContain(message);
    expect(result.input).toBe(input ?? '');
  });
});

describe('validateCreditCode: legacy data', () => {
  it('accepts a failing check character with a warning instead of an error', () => {
    expect(validateCreditCode('91350100M000100Y44', { legacy: true })).toMatchObject({
      ok: true,
      value: '91350100M000100Y44',
      checkChar: '4',
      checkPassed: false,
      warnings: [
        {
          rule: 'CREDIT_CODE_CHECK',
          message:
            'unified social credit code "91350100M000100Y44": check character must be 3 (GB 32100), not 4; accepted as legacy data',
        },
      ],
    });
  });

  it('gives no warning for a code that passes', () => {
    expect(validateCreditCode('91350100M000100Y43', { legacy: true })).toMatchObject({
      ok: true,
      warnings: [],
      checkPassed: true,
    });
  });

  it('still applies every other rule', () => {
    expect(validateCreditCode('91350100I000100Y43', { legacy: true })).toMatchObject({
      ok: false,
      rule: 'CREDIT_CODE_CHARSET',
    });
    expect(validateCreditCode('91350100M000100Y4', { legacy: true })).toMatchObject({
      ok: false,
      rule: 'CREDIT_CODE_LENGTH',
    });
    expect(validateCreditCode('9135A100M000100Y43', { legacy: true })).toMatchObject({
      ok: false,
      rule: 'CREDIT_CODE_DIVISION',
    });
  });
});

describe('generated cases', () => {
  /** Valid codes from a seeded generator: authority/type pairs of the table, digit divisions, any organisation code. */
  function generated(count: number, seed: number): string[] {
    const random = seededRandom(seed);
    const prefixes = ['11', '12', '51', '52', '53', '91', '92', '93', 'Y1', 'N2'];
    const out: string[] = [];
    while (out.length < count) {
      let org = '';
      for (let i = 0; i < 9; i++) org += pick(random, [...CREDIT_CODE_ALPHABET]);
      out.push(withCheck(`${pick(random, prefixes)}${digits(random, 6)}${org}`));
    }
    return out;
  }

  const samples = ['91350100M000100Y43', '91620725000000019C', ...generated(12, 32100)];

  it('the generator only produces valid codes', () => {
    for (const code of samples) expect(validateCreditCode(code).ok, code).toBe(true);
  });

  it.each(samples)('changing any single character of %s to any other alphabet symbol fails', (code) => {
    const mutants = singleSubstitutions(code, () => CREDIT_CODE_ALPHABET);
    expect(mutants).toHaveLength(18 * 30);
    const accepted = mutants.filter((m) => validateCreditCode(m).ok);
    expect(accepted).toEqual([]);
    for (const m of mutants) {
      const result = validateCreditCode(m);
      expect(
        result.ok === false && ['CREDIT_CODE_CHECK', 'CREDIT_CODE_DIVISION'].includes(result.rule),
        m,
      ).toBe(true);
    }
  });

  it.each(samples.slice(0, 4))(
    'changing any character of %s to I, O, Z, S or V fails on the alphabet',
    (code) => {
      for (const m of singleSubstitutions(code, () => 'IOZSV')) {
        expect(validateCreditCode(m, { legacy: true }), m).toMatchObject({
          ok: false,
          rule: 'CREDIT_CODE_CHARSET',
        });
      }
    },
  );
});
