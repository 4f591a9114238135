import { describe, expect, it } from 'vitest';
import {
  type CitizenIdRule,
  citizenIdCheckChar,
  crossCheckCitizenId,
  IdentifierError,
  maskCitizenId,
  normaliseCitizenId,
  parseStatedBirthDate,
  parseStatedSex,
  unwrapIdentifier,
  upgradeCitizenId15,
  validateCitizenId,
} from '../../../schema/identifiers';
import { DomainError } from '../../../schema/runtime/errors';
import { digits, pick, seededRandom, singleSubstitutions } from './seeded';

/** Every test passes its own "today", so nothing depends on the day the suite runs. */
const TODAY = '2024-06-01';
const opts = { today: TODAY };

/** 17 digits + their check character. */
const withCheck = (body: string) => `${body}${citizenIdCheckChar(body)}`;

function rejected(input: string, options = opts) {
  const result = validateCitizenId(input, options);
  if (result.ok) throw new Error(`expected ${input} to be rejected`);
  return result;
}

describe('validateCitizenId: the vectors of identifiers.md', () => {
  it.each([
    ['11010519491231002X', '110105', '1949-12-31', 'female'],
    ['440524188001010014', '440524', '1880-01-01', 'male'],
    ['620725199001010019', '620725', '1990-01-01', 'male'],
    ['622226198005120027', '622226', '1980-05-12', 'female'],
  ])('accepts %s and derives address code, birth date and sex', (id, addressCode, birthDate, sex) => {
    const result = validateCitizenId(id, opts);
    expect(result).toMatchObject({
      ok: true,
      value: id,
      addressCode,
      provinceCode: `${addressCode.slice(0, 2)}0000`,
      birthDate,
      sex,
      sexCode: sex === 'male' ? '1' : '2',
      checkChar: id[17],
      upgradedFrom15: null,
      warnings: [],
    });
  });

  it('keeps abolished address codes such as 622226 (codes are never updated after issue)', () => {
    expect(validateCitizenId('622226198005120027', opts).ok).toBe(true);
  });

  it('derives the sex from the parity of the sequence', () => {
    const male = validateCitizenId(withCheck('62072519900101001'), opts);
    const female = validateCitizenId(withCheck('62072519900101002'), opts);
    const zero = validateCitizenId(withCheck('62072519900101000'), opts);
    expect(male.ok && male.sex).toBe('male');
    expect(female.ok && female.sex).toBe('female');
    expect(zero.ok && zero.sex).toBe('female');
  });

  it('computes the check character with weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 and "10X98765432"', () => {
    expect(citizenIdCheckChar('11010519491231002')).toBe('X');
    expect(citizenIdCheckChar('44052418800101001')).toBe('4');
    expect(citizenIdCheckChar('62072519900101001')).toBe('9');
    expect(citizenIdCheckChar('62222619800512002')).toBe('7');
    // Σ a_i·W_i ≡ 0 (mod 11) → "1": seventeen zeros.
    expect(citizenIdCheckChar('00000000000000000')).toBe('1');
    expect(() => citizenIdCheckChar('6207251990010100')).toThrow(IdentifierError);
    expect(() => citizenIdCheckChar('6207251990010100A')).toThrow('must be exactly 17 digits');
  });
});

describe('validateCitizenId: normalisation', () => {
  it('upper-cases a trailing x', () => {
    expect(validateCitizenId('11010519491231002x', opts)).toMatchObject({
      ok: true,
      value: '11010519491231002X',
    });
  });

  it('folds full-width digits and letters and trims spaces, ideographic spaces and BOMs', () => {
    expect(normaliseCitizenId('１１０１０５１９４９１２３１００２ｘ')).toBe('11010519491231002X');
    expect(validateCitizenId('\u3000６２０７２５１９９００１０１００１９ ', opts)).toMatchObject({
      ok: true,
      value: '620725199001010019',
    });
    expect(validateCitizenId('\uFEFF620725199001010019\t', opts)).toMatchObject({ ok: true });
  });

  it('keeps the raw input on a failure for quarantine', () => {
    expect(rejected(' ６２０７２５１９９００１０１００１８')).toMatchObject({
      rule: 'CITIZEN_ID_CHECK_DIGIT',
      input: ' ６２０７２５１９９００１０１００１８',
    });
  });
});

describe('validateCitizenId: rejections name the rule and the value', () => {
  it.each<[string, string | null | undefined, CitizenIdRule, string]>([
    ['empty', '', 'CITIZEN_ID_EMPTY', 'citizen ID number is empty'],
    ['blank', ' \u3000 ', 'CITIZEN_ID_EMPTY', 'citizen ID number is empty'],
    ['null', null, 'CITIZEN_ID_EMPTY', 'citizen ID number is empty'],
    ['undefined', undefined, 'CITIZEN_ID_EMPTY', 'citizen ID number is empty'],
    [
      '17 characters',
      '62072519900101001',
      'CITIZEN_ID_LENGTH',
      'citizen ID number "62072519900101001": must be 18 characters (GB 11643), not 17',
    ],
    [
      '19 characters',
      '6207251990010100190',
      'CITIZEN_ID_LENGTH',
      'citizen ID number "6207251990010100190": must be 18 characters (GB 11643), not 19',
    ],
    [
      '15 digits (legacy)',
      '620725900101001',
      'CITIZEN_ID_LEGACY_15',
      'citizen ID number "620725900101001": is a 15-digit legacy number (GB 11643-1989); it must be upgraded',
    ],
    [
      'a letter inside',
      '62072519900101A019',
      'CITIZEN_ID_CHARSET',
      'citizen ID number "62072519900101A019": must be 17 digits then a digit or X (GB 11643); "A" at position 15',
    ],
    ['X not at the end', '62072519900101X019', 'CITIZEN_ID_CHARSET', '"X" at position 15 is not allowed'],
    ['a check character other than X', '62072519900101001Y', 'CITIZEN_ID_CHARSET', '"Y" at position 18'],
    ['an inner space', '620725 19900101001', 'CITIZEN_ID_CHARSET', '" " at position 7'],
    [
      'province 99',
      '990725199001010019',
      'CITIZEN_ID_PROVINCE',
      'citizen ID number "990725199001010019": address code 990725 does not start with a province code (11–15, 21–23, 31–37, 41–46, 50–54, 61–65, 71, 81, 82)',
    ],
    [
      '30 February 1990',
      '620725199002300019',
      'CITIZEN_ID_BIRTH_DATE',
      'citizen ID number "620725199002300019": birth date 19900230 does not exist',
    ],
    ['month 13', '620725199013010019', 'CITIZEN_ID_BIRTH_DATE', 'birth date 19901301 does not exist'],
    ['day 00', '620725199001000019', 'CITIZEN_ID_BIRTH_DATE', 'birth date 19900100 does not exist'],
    ['29 February 1900 (not a leap year)', '620725190002290019', 'CITIZEN_ID_BIRTH_DATE', '19000229'],
    ['31 April', '620725199004310019', 'CITIZEN_ID_BIRTH_DATE', '19900431'],
    [
      'a wrong check character',
      '620725199001010018',
      'CITIZEN_ID_CHECK_DIGIT',
      'citizen ID number "620725199001010018": check character must be 9 (GB 11643 MOD 11-2), not 8',
    ],
    [
      'X where a digit is due',
      '62072519900101001X',
      'CITIZEN_ID_CHECK_DIGIT',
      'must be 9 (GB 11643 MOD 11-2), not X',
    ],
    [
      'a digit where X is due',
      '110105194912310020',
      'CITIZEN_ID_CHECK_DIGIT',
      'must be X (GB 11643 MOD 11-2), not 0',
    ],
  ])('rejects %s', (_case, input, rule, message) => {
    const result = validateCitizenId(input, opts);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.rule).toBe(rule);
    expect(result.message).toContain(message);
  });

  it('accepts 29 February in leap years, 2000 included', () => {
    expect(validateCitizenId(withCheck('62072520000229001'), opts).ok).toBe(true);
    expect(validateCitizenId(withCheck('62072519880229001'), opts).ok).toBe(true);
    expect(rejected(withCheck('62072519890229001')).rule).toBe('CITIZEN_ID_BIRTH_DATE');
  });

  it('checks every province range at its edges', () => {
    const valid = ['11', '15', '21', '23', '31', '37', '41', '46', '50', '54', '61', '65', '71', '81', '82'];
    const invalid = [
      '00',
      '10',
      '16',
      '20',
      '24',
      '30',
      '38',
      '40',
      '47',
      '49',
      '55',
      '60',
      '66',
      '70',
      '72',
      '80',
      '83',
      '99',
    ];
    for (const p of valid) expect(validateCitizenId(withCheck(`${p}010519900101001`), opts).ok, p).toBe(true);
    for (const p of invalid)
      expect(rejected(withCheck(`${p}010519900101001`)).rule, p).toBe('CITIZEN_ID_PROVINCE');
  });
});

describe('validateCitizenId: birth dates in the future, against an injected today', () => {
  it('accepts a birth date of today and rejects tomorrow', () => {
    expect(validateCitizenId(withCheck('62072520240601001'), opts)).toMatchObject({
      ok: true,
      birthDate: '2024-06-01',
    });
    expect(rejected(withCheck('62072520240602001'))).toMatchObject({
      rule: 'CITIZEN_ID_BIRTH_DATE_FUTURE',
      message: expect.stringContaining('birth date 2024-06-02 is in the future (today is 2024-06-01)'),
    });
    expect(rejected(withCheck('62072520990101001')).rule).toBe('CITIZEN_ID_BIRTH_DATE_FUTURE');
  });

  it('reads a Date for today as the calendar day in China (UTC+8), whatever the server time zone', () => {
    // 2024-05-31T16:30Z is already 1 June 00:30 in Beijing.
    const today = new Date('2024-05-31T16:30:00Z');
    expect(validateCitizenId(withCheck('62072520240601001'), { today }).ok).toBe(true);
    expect(validateCitizenId(withCheck('62072520240602001'), { today }).ok).toBe(false);
    const before = new Date('2024-05-31T15:59:59Z');
    expect(validateCitizenId(withCheck('62072520240601001'), { today: before }).ok).toBe(false);
  });

  it('accepts today as YYYYMMDD and refuses a malformed today (a programming error, so it throws)', () => {
    expect(validateCitizenId('620725199001010019', { today: '20240601' }).ok).toBe(true);
    expect(() => validateCitizenId('620725199001010019', { today: '2024-02-30' })).toThrow(RangeError);
    expect(() => validateCitizenId('620725199001010019', { today: new Date(Number.NaN) })).toThrow(
      RangeError,
    );
  });
});

describe('15-digit legacy numbers (GB 11643-1989)', () => {
  it('upgrades by inserting 19 after the address code and computing the check character', () => {
    expect(upgradeCitizenId15('620725900101001', opts)).toMatchObject({
      ok: true,
      value: '620725199001010019',
      birthDate: '1990-01-01',
      sex: 'male',
      upgradedFrom15: '620725900101001',
      warnings: [{ rule: 'CITIZEN_ID_UPGRADED_FROM_15' }],
    });
    expect(upgradeCitizenId15('622226800512002', opts)).toMatchObject({
      ok: true,
      value: '622226198005120027',
    });
    expect(upgradeCitizenId15('110105491231002', opts)).toMatchObject({
      ok: true,
      value: '11010519491231002X',
    });
  });

  it('derives the sex from the last digit of the 15-digit number', () => {
    const female = upgradeCitizenId15('620725900101002', opts);
    expect(female.ok && female.sex).toBe('female');
  });

  it('accepts them in validateCitizenId only when asked to', () => {
    expect(rejected('620725900101001').rule).toBe('CITIZEN_ID_LEGACY_15');
    expect(validateCitizenId('620725900101001', { ...opts, acceptLegacy15: true })).toMatchObject({
      ok: true,
      value: '620725199001010019',
      upgradedFrom15: '620725900101001',
    });
  });

  it('validates the province and the date of a legacy number, quoting it as given', () => {
    expect(upgradeCitizenId15('620725900230001', opts)).toMatchObject({
      ok: false,
      rule: 'CITIZEN_ID_BIRTH_DATE',
      message: 'legacy citizen ID number "620725900230001": birth date 19900230 does not exist',
    });
    expect(upgradeCitizenId15('990725900101001', opts)).toMatchObject({
      ok: false,
      rule: 'CITIZEN_ID_PROVINCE',
    });
    expect(upgradeCitizenId15('62072590010100', opts)).toMatchObject({
      ok: false,
      rule: 'CITIZEN_ID_LENGTH',
    });
    expect(upgradeCitizenId15('620725199001010019', opts)).toMatchObject({
      ok: false,
      rule: 'CITIZEN_ID_LENGTH',
    });
    expect(upgradeCitizenId15('', opts)).toMatchObject({ ok: false, rule: 'CITIZEN_ID_EMPTY' });
  });
});

describe('maskCitizenId', () => {
  it('shows the first 6 and the last 4 characters', () => {
    expect(maskCitizenId('620725199001010019')).toBe('620725********0019');
    expect(maskCitizenId('11010519491231002x')).toBe('110105********002X');
    expect(maskCitizenId('６２０７２５１９９００１０１００１９')).toBe('620725********0019');
    expect(maskCitizenId('620725900101001')).toBe('620725*****1001');
    const result = validateCitizenId('622226198005120027', opts);
    expect(result.ok && result.masked).toBe('622226********0027');
  });

  it('masks short or garbled values entirely', () => {
    expect(maskCitizenId('6207251990')).toBe('**********');
    expect(maskCitizenId('')).toBe('');
    expect(maskCitizenId(null)).toBe('');
  });
});

describe('crossCheckCitizenId: stated sex and birth date against the number (flag, not reject)', () => {
  const derived = unwrapIdentifier(validateCitizenId('620725199001010019', opts));

  it('reports nothing when the source agrees, in any of the usual spellings', () => {
    for (const sex of ['male', 'M', 'm', '男', '1', 1, ' 男 ']) {
      expect(crossCheckCitizenId(derived, { sex }), String(sex)).toEqual([]);
    }
    for (const birthDate of [
      '1990-01-01',
      '1990/1/1',
      '1990.01.01',
      '19900101',
      '1990年1月1日',
      '１９９０-０１-０１',
    ]) {
      expect(crossCheckCitizenId(derived, { birthDate }), birthDate).toEqual([]);
    }
    expect(crossCheckCitizenId(derived, {})).toEqual([]);
  });

  it('does not compare "unknown", "not stated" or empty values', () => {
    for (const sex of [null, '', '0', '9', 0, 9, '未知', '未说明']) {
      expect(crossCheckCitizenId(derived, { sex }), String(sex)).toEqual([]);
    }
    expect(crossCheckCitizenId(derived, { birthDate: null })).toEqual([]);
    expect(crossCheckCitizenId(derived, { birthDate: '' })).toEqual([]);
  });

  it('flags a different sex and a different birth date, quoting the number masked', () => {
    expect(crossCheckCitizenId(derived, { sex: '女', birthDate: '1990-01-02' })).toEqual([
      {
        field: 'sex',
        rule: 'CITIZEN_ID_SEX_MISMATCH',
        stated: '女',
        derived: 'male',
        message:
          'citizen ID number 620725********0019: stated sex "女" (female) differs from the number\'s male',
      },
      {
        field: 'birthDate',
        rule: 'CITIZEN_ID_BIRTH_DATE_MISMATCH',
        stated: '1990-01-02',
        derived: '1990-01-01',
        message:
          'citizen ID number 620725********0019: stated birth date "1990-01-02" differs from the number\'s 1990-01-01',
      },
    ]);
    expect(crossCheckCitizenId(derived, { sex: 2 })).toMatchObject([
      { rule: 'CITIZEN_ID_SEX_MISMATCH', stated: '2' },
    ]);
  });

  it('flags stated values it cannot read instead of guessing', () => {
    expect(crossCheckCitizenId(derived, { sex: 'x', birthDate: '1990-02-30' })).toMatchObject([
      { field: 'sex', rule: 'CITIZEN_ID_STATED_UNREADABLE', derived: 'male' },
      { field: 'birthDate', rule: 'CITIZEN_ID_STATED_UNREADABLE', derived: '1990-01-01' },
    ]);
    expect(crossCheckCitizenId(derived, { birthDate: '1990-01-01T00:00:00Z' })).toMatchObject([
      { rule: 'CITIZEN_ID_STATED_UNREADABLE' },
    ]);
  });

  it('parses stated values on their own', () => {
    expect(parseStatedSex('F')).toBe('female');
    expect(parseStatedSex('男性')).toBe('male');
    expect(parseStatedSex('9')).toBeNull();
    expect(parseStatedSex('?')).toBeUndefined();
    expect(parseStatedBirthDate('1980年5月12日')).toBe('1980-05-12');
    expect(parseStatedBirthDate('1980-5-12')).toBe('1980-05-12');
    expect(parseStatedBirthDate('12/05/1980')).toBeUndefined();
  });
});

describe('unwrapIdentifier', () => {
  it('returns the success and throws a DomainError whose code is the rule, naming the field', () => {
    expect(unwrapIdentifier(validateCitizenId('620725199001010019', opts)).value).toBe('620725199001010019');
    try {
      unwrapIdentifier(validateCitizenId('620725199001010018', opts), 'idNumber');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(IdentifierError);
      expect(error).toBeInstanceOf(DomainError);
      const e = error as IdentifierError;
      expect(e.code).toBe('CITIZEN_ID_CHECK_DIGIT');
      expect(e.rule).toBe('CITIZEN_ID_CHECK_DIGIT');
      expect(e.field).toBe('idNumber');
      expect(e.message).toBe(
        'idNumber: citizen ID number "620725199001010018": check character must be 9 (GB 11643 MOD 11-2), not 8',
      );
      expect(e.details).toEqual({
        rule: 'CITIZEN_ID_CHECK_DIGIT',
        field: 'idNumber',
        value: '620725199001010018',
      });
    }
  });
});

describe('generated cases', () => {
  const DIGITS = '0123456789';
  const allowedAt = (i: number) => (i === 17 ? `${DIGITS}X` : DIGITS);
  const FAILURE_RULES: CitizenIdRule[] = [
    'CITIZEN_ID_PROVINCE',
    'CITIZEN_ID_BIRTH_DATE',
    'CITIZEN_ID_BIRTH_DATE_FUTURE',
    'CITIZEN_ID_CHECK_DIGIT',
  ];

  /** Valid numbers from a seeded generator: real province prefixes, real dates up to TODAY, any sequence. */
  function generated(count: number, seed: number): string[] {
    const random = seededRandom(seed);
    const provinces = [
      '11',
      '13',
      '15',
      '22',
      '32',
      '37',
      '44',
      '46',
      '50',
      '53',
      '62',
      '65',
      '71',
      '81',
      '82',
    ];
    const out: string[] = [];
    while (out.length < count) {
      const year = 1900 + Math.floor(random() * 124);
      const month = 1 + Math.floor(random() * 12);
      const day = 1 + Math.floor(random() * 28);
      const date = `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`;
      out.push(withCheck(`${pick(random, provinces)}${digits(random, 4)}${date}${digits(random, 3)}`));
    }
    return out;
  }

  const samples = [
    '11010519491231002X',
    '440524188001010014',
    '620725199001010019',
    '622226198005120027',
    ...generated(12, 20240601),
  ];

  it('the generator only produces valid numbers', () => {
    for (const id of samples) expect(validateCitizenId(id, opts).ok, id).toBe(true);
  });

  it.each(samples)('changing any single character of %s to any other digit (or X at the end) fails', (id) => {
    const mutants = singleSubstitutions(id, allowedAt);
    expect(mutants).toHaveLength(17 * 9 + 10);
    const accepted = mutants.filter((m) => validateCitizenId(m, opts).ok);
    expect(accepted).toEqual([]);
    for (const m of mutants) expect(FAILURE_RULES).toContain(rejected(m).rule);
  });
});
