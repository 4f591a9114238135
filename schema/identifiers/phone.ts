import { cleanIdentifierInput } from './fullwidth';
import { fail, type IdentifierFailure, type IdentifierSuccess, quote } from './result';

/**
 * Chinese phone numbers (MSISDN and fixed lines).
 *
 * - mobile: 11 digits, 1 then 3–9 (13x … 19x).
 * - iot: 13-digit numbers of IoT data cards, 141 / 144 / 146 / 148 followed by 10 digits.
 * - landline: area code (010, 02x, or 0 + three digits such as 0936) + a 7- or 8-digit local number that
 *   does not start with 0; stored as `0936-1234567`.
 *
 * There is deliberately no carrier lookup by prefix. Mobile number portability (携号转网) went nationwide on
 * 2019-12-01: a 139 number may now be served by China Telecom, so a prefix table would silently mislabel
 * subscribers. Take the carrier from the SIM record (ICCID) or the carrier's bill instead.
 */

export type PhoneKind = 'mobile' | 'iot' | 'landline';

export type PhoneRule =
  | 'PHONE_EMPTY'
  | 'PHONE_CHARSET'
  | 'PHONE_COUNTRY'
  | 'PHONE_AREA_CODE'
  | 'PHONE_FORMAT'
  | 'PHONE_KIND';

export interface PhoneInfo {
  readonly kind: PhoneKind;
  /** +86 followed by the national number without its trunk 0, e.g. +8613812345678, +869361234567. */
  readonly e164: string;
  /** Landlines only: `010`, `020`…`029`, or `0` + 3 digits. */
  readonly areaCode: string | null;
  /** Landlines only: the 7- or 8-digit local number. */
  readonly localNumber: string | null;
  /** 138****5678; IoT 141******5678; landline 0936-***4567. */
  readonly masked: string;
}

export type PhoneResult = IdentifierSuccess<PhoneInfo> | IdentifierFailure<PhoneRule>;

export interface PhoneOptions {
  /** Kinds the field accepts; default all three. A valid number of another kind fails with PHONE_KIND. */
  readonly kinds?: readonly PhoneKind[];
  /**
   * Area code to assume for a bare 7–8 digit local number (e.g. `0936` for a county in 张掖). Without it such
   * numbers fail with PHONE_AREA_CODE, since the same local number exists in every city.
   */
  readonly defaultAreaCode?: string;
}

/** Spaces of any kind, ASCII and typographic dashes, parentheses (full-width forms are folded before). */
const SEPARATORS = /[\s\-\u2010-\u2015\u2212()]/g;
const MOBILE = /^1[3-9]\d{9}$/;
const IOT = /^14[1468]\d{10}$/;
const LOCAL = /^[1-9]\d{6,7}$/;
const AREA_CODE = /^(?:010|02\d|0[3-9]\d\d)$/;

/**
 * Strips separators and the country prefix (+86, 0086, or a bare 86 in front of a mobile or IoT number) and
 * restores the trunk 0 of an internationally written landline. Returns digits for anything phone-like;
 * whatever else is left (letters, a foreign `+`) stays for the validator to report.
 */
export function normalisePhone(input: string | null | undefined): string {
  const s = cleanIdentifierInput(input).replace(SEPARATORS, '');
  let national: string;
  if (s.startsWith('+86')) national = s.slice(3);
  else if (s.startsWith('0086')) national = s.slice(4);
  else if (/^86\d+$/.test(s) && (MOBILE.test(s.slice(2)) || IOT.test(s.slice(2)))) return s.slice(2);
  else return s;
  // Written internationally, a landline drops its trunk 0 (+86 10 …, +86 936 …); mobiles start 13–19.
  return /^(?:10|[2-9])/.test(national) ? `0${national}` : national;
}

function maskMiddle(digits: string, keepStart: number, keepEnd: number): string {
  return `${digits.slice(0, keepStart)}${'*'.repeat(digits.length - keepStart - keepEnd)}${digits.slice(-keepEnd)}`;
}

/** Validates a Chinese phone number and classifies it as mobile, IoT data card or landline. */
export function validatePhone(input: string | null | undefined, options: PhoneOptions = {}): PhoneResult {
  const digits = normalisePhone(input);
  const shown = quote(digits);
  if (digits === '') return fail('PHONE_EMPTY', 'phone number is empty', input);
  if (digits.startsWith('+')) {
    return fail('PHONE_COUNTRY', `phone number ${shown}: only Chinese numbers (+86) are accepted`, input);
  }
  if (!/^\d+$/.test(digits)) {
    return fail(
      'PHONE_CHARSET',
      `phone number ${shown}: must contain only digits, spaces, dashes, parentheses and a +86 prefix`,
      input,
    );
  }
  let info: PhoneInfo;
  if (MOBILE.test(digits)) {
    info = {
      kind: 'mobile',
      e164: `+86${digits}`,
      areaCode: null,
      localNumber: null,
      masked: maskMiddle(digits, 3, 4),
    };
  } else if (IOT.test(digits)) {
    info = {
      kind: 'iot',
      e164: `+86${digits}`,
      areaCode: null,
      localNumber: null,
      masked: maskMiddle(digits, 3, 4),
    };
  } else if (digits.startsWith('0')) {
    const areaLength = /^0[12]/.test(digits) ? 3 : 4;
    const areaCode = digits.slice(0, areaLength);
    const localNumber = digits.slice(areaLength);
    if (!AREA_CODE.test(areaCode)) {
      return fail(
        'PHONE_AREA_CODE',
        `phone number ${shown}: ${areaCode} is not a Chinese area code (010, 020–029, or 0 and three digits)`,
        input,
      );
    }
    if (!LOCAL.test(localNumber)) {
      return fail(
        'PHONE_FORMAT',
        `phone number ${shown}: after area code ${areaCode} the local number must be 7 or 8 digits not starting with 0`,
        input,
      );
    }
    info = landline(areaCode, localNumber);
  } else if (LOCAL.test(digits)) {
    const area = options.defaultAreaCode;
    if (area === undefined) {
      return fail(
        'PHONE_AREA_CODE',
        `phone number ${shown}: a landline number needs its area code (e.g. 0936-${digits})`,
        input,
      );
    }
    if (!AREA_CODE.test(area)) throw new RangeError(`defaultAreaCode "${area}": not a Chinese area code`);
    info = landline(area, digits);
  } else {
    return fail(
      'PHONE_FORMAT',
      `phone number ${shown}: must be a mobile number (11 digits, 13–19…), an IoT number ` +
        '(13 digits, 141/144/146/148…) or a landline with area code (0936-1234567)',
      input,
    );
  }
  const kinds = options.kinds;
  if (kinds && !kinds.includes(info.kind)) {
    return fail(
      'PHONE_KIND',
      `phone number ${shown}: is a ${info.kind} number, expected ${kinds.join(' or ')}`,
      input,
    );
  }
  const value = info.kind === 'landline' ? `${info.areaCode}-${info.localNumber}` : digits;
  return { ok: true, value, warnings: [], ...info };
}

function landline(areaCode: string, localNumber: string): PhoneInfo {
  return {
    kind: 'landline',
    e164: `+86${areaCode.slice(1)}${localNumber}`,
    areaCode,
    localNumber,
    masked: `${areaCode}-${maskMiddle(localNumber, 0, 4)}`,
  };
}

/**
 * Masked display: mobile 3 + 4 (138****5678), IoT 3 + 4, landline area code + last 4 of the local number.
 * Anything that does not validate is masked entirely, keeping only its length.
 */
export function maskPhone(input: string | null | undefined): string {
  const result = validatePhone(input);
  if (result.ok) return result.masked;
  return '*'.repeat(Array.from(normalisePhone(input)).length);
}
