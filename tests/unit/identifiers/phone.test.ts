import { describe, expect, it } from 'vitest';
import { maskPhone, normalisePhone, type PhoneRule, validatePhone } from '../../../schema/identifiers';

describe('validatePhone: mobile numbers', () => {
  it.each([
    '13812345678',
    '138 1234 5678',
    '138-1234-5678',
    '(138) 1234-5678',
    '+86 138 1234 5678',
    '+86-13812345678',
    '+86(138)12345678',
    '008613812345678',
    '0086 138 1234 5678',
    '8613812345678',
    '86 138 1234 5678',
    '１３８１２３４５６７８',
    '＋８６　１３８－１２３４－５６７８',
    '138\u20111234\u20135678',
  ])('normalises %s to 13812345678', (input) => {
    expect(validatePhone(input)).toEqual({
      ok: true,
      value: '13812345678',
      warnings: [],
      kind: 'mobile',
      e164: '+8613812345678',
      areaCode: null,
      localNumber: null,
      masked: '138****5678',
    });
  });

  it('accepts every second digit from 3 to 9 and rejects 0–2', () => {
    for (const d of '3456789') expect(validatePhone(`1${d}012345678`).ok, d).toBe(true);
    for (const d of '012')
      expect(validatePhone(`1${d}012345678`), d).toMatchObject({ ok: false, rule: 'PHONE_FORMAT' });
  });
});

describe('validatePhone: IoT data cards (13 digits)', () => {
  it.each(['1410123456789', '1440123456789', '1460123456789', '1480123456789', '+86 144 0123 4567 89'])(
    'accepts %s',
    (input) => {
      const result = validatePhone(input);
      expect(result).toMatchObject({ ok: true, kind: 'iot' });
      expect(result.ok && result.value).toMatch(/^14[1468]\d{10}$/);
      expect(result.ok && result.masked).toMatch(/^14[1468]\*{6}6789$/);
    },
  );

  it.each(['1400123456789', '1420123456789', '1450123456789', '1490123456789', '1380123456789'])(
    'rejects 13 digits starting %s',
    (input) => {
      expect(validatePhone(input)).toMatchObject({ ok: false, rule: 'PHONE_FORMAT' });
    },
  );
});

describe('validatePhone: landlines with area code', () => {
  it.each([
    ['0936-1234567', '0936', '1234567', '+869361234567', '0936-***4567'],
    ['(0936) 8821234', '0936', '8821234', '+869368821234', '0936-***1234'],
    ['0936 88212345', '0936', '88212345', '+8693688212345', '0936-****2345'],
    ['+86 936 8821234', '0936', '8821234', '+869368821234', '0936-***1234'],
    ['+86 (0)936 8821234', '0936', '8821234', '+869368821234', '0936-***1234'],
    ['010-12345678', '010', '12345678', '+861012345678', '010-****5678'],
    ['+86 10 6512 3456', '010', '65123456', '+861065123456', '010-****3456'],
    ['021-6123 4567', '021', '61234567', '+862161234567', '021-****4567'],
    ['０９３６－１２３４５６７', '0936', '1234567', '+869361234567', '0936-***4567'],
  ])('accepts %s', (input, areaCode, localNumber, e164, masked) => {
    expect(validatePhone(input)).toEqual({
      ok: true,
      value: `${areaCode}-${localNumber}`,
      warnings: [],
      kind: 'landline',
      e164,
      areaCode,
      localNumber,
      masked,
    });
  });

  it('uses a configured area code for bare local numbers, and otherwise asks for one', () => {
    expect(validatePhone('8821234', { defaultAreaCode: '0936' })).toMatchObject({
      ok: true,
      value: '0936-8821234',
    });
    expect(validatePhone('8821234')).toEqual({
      ok: false,
      rule: 'PHONE_AREA_CODE',
      message: 'phone number "8821234": a landline number needs its area code (e.g. 0936-8821234)',
      input: '8821234',
    });
    expect(() => validatePhone('8821234', { defaultAreaCode: '936' })).toThrow(RangeError);
  });
});

describe('validatePhone: rejections name the rule and the value', () => {
  it.each<[string, string | null, PhoneRule, string]>([
    ['empty', '', 'PHONE_EMPTY', 'phone number is empty'],
    ['null', null, 'PHONE_EMPTY', 'phone number is empty'],
    ['only separators', ' - ( ) ', 'PHONE_EMPTY', 'phone number is empty'],
    [
      'a foreign number',
      '+1 212 555 0100',
      'PHONE_COUNTRY',
      'phone number "+12125550100": only Chinese numbers (+86) are accepted',
    ],
    ['letters', '138-1234-567a', 'PHONE_CHARSET', 'phone number "1381234567a": must contain only digits'],
    ['a slash between two numbers', '13812345678/13912345678', 'PHONE_CHARSET', 'must contain only digits'],
    [
      '10 digits',
      '1381234567',
      'PHONE_FORMAT',
      'phone number "1381234567": must be a mobile number (11 digits, 13–19…)',
    ],
    ['12 digits', '138123456789', 'PHONE_FORMAT', 'phone number "138123456789"'],
    ['a service number', '4008123123', 'PHONE_FORMAT', 'or a landline with area code (0936-1234567)'],
    [
      'a 6-digit local number',
      '0936-123456',
      'PHONE_FORMAT',
      'after area code 0936 the local number must be 7 or 8 digits',
    ],
    ['a 9-digit local number', '0936-123456789', 'PHONE_FORMAT', 'must be 7 or 8 digits'],
    ['a local number starting with 0', '0936-0123456', 'PHONE_FORMAT', 'not starting with 0'],
    ['an extension', '0936-1234567-123', 'PHONE_FORMAT', 'must be 7 or 8 digits'],
    [
      'area code 01x',
      '011-12345678',
      'PHONE_AREA_CODE',
      'phone number "01112345678": 011 is not a Chinese area code',
    ],
    ['area code 00', '0012345678', 'PHONE_AREA_CODE', '0012 is not a Chinese area code'],
  ])('rejects %s', (_case, input, rule, message) => {
    const result = validatePhone(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.rule).toBe(rule);
    expect(result.message).toContain(message);
    expect(result.input).toBe(input ?? '');
  });

  it('rejects a valid number of a kind the field does not take', () => {
    expect(validatePhone('0936-1234567', { kinds: ['mobile'] })).toEqual({
      ok: false,
      rule: 'PHONE_KIND',
      message: 'phone number "09361234567": is a landline number, expected mobile',
      input: '0936-1234567',
    });
    expect(validatePhone('1440123456789', { kinds: ['mobile', 'landline'] })).toMatchObject({
      rule: 'PHONE_KIND',
    });
    expect(validatePhone('1440123456789', { kinds: ['iot'] }).ok).toBe(true);
  });

  it('does not strip a bare 86 that is not followed by a mobile or IoT number', () => {
    expect(normalisePhone('869361234567')).toBe('869361234567');
    expect(validatePhone('869361234567')).toMatchObject({ ok: false, rule: 'PHONE_FORMAT' });
  });

  it('never reports a carrier (number portability since 2019-12-01)', () => {
    const result = validatePhone('13812345678');
    expect(Object.keys(result)).not.toContain('carrier');
  });
});

describe('maskPhone', () => {
  it('masks mobiles as 3 + 4', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('+86 138 1234 5678')).toBe('138****5678');
  });

  it('masks landlines to the area code and the last 4 digits', () => {
    expect(maskPhone('0936-1234567')).toBe('0936-***4567');
  });

  it('masks anything invalid entirely', () => {
    expect(maskPhone('1381234567')).toBe('**********');
    expect(maskPhone('')).toBe('');
  });
});
