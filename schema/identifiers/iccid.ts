import { cleanIdentifierInput } from './fullwidth';
import { luhnCheckDigit } from './luhn';
import {
  fail,
  IdentifierError,
  type IdentifierFailure,
  type IdentifierSuccess,
  type IdentifierWarning,
  quote,
} from './result';

/**
 * SIM card numbers (ICCID), ITU-T E.118: 89 (telecommunications) + country code (86 for China) + issuer +
 * account + Luhn check digit; 20 digits, or 19 digits without the check digit, which is then appended.
 * Modems pad the number to whole bytes with a trailing F, which is stripped.
 *
 * Chinese cards start 8986 and the next two digits are commonly read as the carrier (see the default table).
 * Old China Unicom cards carry letters (898601A…): they cannot be checked, so they are accepted as they are
 * (upper-cased) with an ICCID_LEGACY_FORMAT warning rather than rejected.
 */

export type IccidRule = 'ICCID_EMPTY' | 'ICCID_CHARSET' | 'ICCID_PREFIX' | 'ICCID_LENGTH' | 'ICCID_CHECK';

/** Warning on an accepted ICCID: it contains letters, an unverifiable legacy format. */
export type IccidWarningRule = 'ICCID_LEGACY_FORMAT';

export type IccidCarrierCode = 'cmcc' | 'cucc' | 'ctcc';

export interface IccidCarrier {
  readonly code: IccidCarrierCode;
  readonly label: string;
  readonly labelEn: string;
}

/** ICCID prefix (digits starting 89) → carrier; the longest matching prefix wins. */
export type IccidCarrierTable = Readonly<Record<string, IccidCarrier>>;

const CHINA_MOBILE: IccidCarrier = { code: 'cmcc', label: '中国移动', labelEn: 'China Mobile' };
const CHINA_UNICOM: IccidCarrier = { code: 'cucc', label: '中国联通', labelEn: 'China Unicom' };
const CHINA_TELECOM: IccidCarrier = { code: 'ctcc', label: '中国电信', labelEn: 'China Telecom' };

/**
 * The default carrier table. Commonly reported, not an official list: carriers do not publish their issuer
 * numbers, so pass your own table in `IccidOptions.carriers` when you know better.
 */
export const DEFAULT_ICCID_CARRIERS: IccidCarrierTable = {
  '898600': CHINA_MOBILE,
  '898602': CHINA_MOBILE,
  '898604': CHINA_MOBILE,
  '898607': CHINA_MOBILE,
  '898608': CHINA_MOBILE,
  '898601': CHINA_UNICOM,
  '898606': CHINA_UNICOM,
  '898609': CHINA_UNICOM,
  '898603': CHINA_TELECOM,
  '898611': CHINA_TELECOM,
};

export interface IccidInfo {
  /**
   * The E.164 country code after the 89 (86 China, 45, 852, 1 for 891… and the zero-padded 8901…), read with
   * the E.164 code lengths; null when the digits there start no country code.
   */
  readonly countryCode: string | null;
  /** From the carrier table by the longest matching prefix; null when no prefix matches. */
  readonly carrier: IccidCarrier | null;
  /** The last digit; null for a legacy value with letters, which has no verifiable check digit. */
  readonly checkDigit: string | null;
  /** True when the input had 19 digits and its Luhn check digit was computed and appended. */
  readonly checkDigitAppended: boolean;
  /** True for a value with letters, accepted with an ICCID_LEGACY_FORMAT warning. */
  readonly legacyFormat: boolean;
  /** First 6 (country and issuer) + hidden + last 4, as printed on the card: 898600**********4320. */
  readonly masked: string;
}

export type IccidResult = IdentifierSuccess<IccidInfo, IccidWarningRule> | IdentifierFailure<IccidRule>;

export interface IccidOptions {
  /**
   * Prefix → carrier, replacing DEFAULT_ICCID_CARRIERS (spread it to extend it). Keys must be digits starting
   * with 89; a bad key throws a RangeError.
   */
  readonly carriers?: IccidCarrierTable;
}

/** Spaces of any kind, ASCII and typographic dashes (full-width forms are folded before). */
const SEPARATORS = /[\s\-\u2010-\u2015\u2212]/g;
/** How a spreadsheet shows a long number in a cell not formatted as text: 8.98600703101121E+19. */
const SCIENTIFIC = /^\d(?:\.\d+)?E[+-]?\d+$/i;
/**
 * E.164 two-digit country codes (20, 27, 30–34, 36, 39, 40, 41, 43–49, 51–58, 60–66, 81, 82, 84, 86, 90–95,
 * 98); 1 and 7 are one digit, every other code has three.
 */
const TWO_DIGIT_COUNTRY_CODE = /^(?:2[07]|3[0-469]|4[013-9]|5[1-8]|6[0-6]|8[1246]|9[0-58])/;

/** Trim, fold full-width characters, upper-case, strip spaces and dashes, then one trailing F (modem padding). */
export function normaliseIccid(input: string | null | undefined): string {
  const s = cleanIdentifierInput(input).toUpperCase().replace(SEPARATORS, '');
  return s.endsWith('F') ? s.slice(0, -1) : s;
}

/**
 * The Luhn check digit for a 19-digit ICCID body (normalised first). Throws an IdentifierError on anything
 * but 19 digits. Handy for generators.
 */
export function iccidCheckDigit(first19: string): string {
  const body = normaliseIccid(first19);
  if (!/^\d{19}$/.test(body)) {
    throw new IdentifierError(
      /^\d*$/.test(body) ? 'ICCID_LENGTH' : 'ICCID_CHARSET',
      `ICCID body ${quote(body)}: must be exactly 19 digits to compute a check digit`,
      undefined,
      first19,
    );
  }
  return String(luhnCheckDigit(body));
}

/** First 6 + hidden + last 4 (898600**********4320). Anything that does not validate is masked entirely. */
export function maskIccid(input: string | null | undefined): string {
  const result = validateIccid(input);
  if (result.ok) return result.masked;
  return '*'.repeat(Array.from(normaliseIccid(input)).length);
}

/** Validates an ICCID, appending the check digit to a 19-digit body, and reads country and carrier from it. */
export function validateIccid(input: string | null | undefined, options: IccidOptions = {}): IccidResult {
  const carriers = options.carriers ?? DEFAULT_ICCID_CARRIERS;
  for (const prefix of Object.keys(carriers)) {
    if (!/^89\d*$/.test(prefix)) {
      throw new RangeError(`ICCID carrier table: prefix "${prefix}" must be digits starting with 89`);
    }
  }
  const iccid = normaliseIccid(input);
  const shown = quote(iccid);
  if (iccid === '') return fail('ICCID_EMPTY', 'ICCID is empty', input);
  const chars = Array.from(iccid);
  const bad = chars.findIndex((ch) => !/[0-9A-Z]/.test(ch));
  if (bad >= 0) {
    const hint = SCIENTIFIC.test(iccid)
      ? '; it looks like a spreadsheet number in scientific notation (format the column as text)'
      : '';
    return fail(
      'ICCID_CHARSET',
      `ICCID ${shown}: must contain only digits and spaces; ${quote(chars[bad]!)} at position ${bad + 1} ` +
        `is not allowed${hint}`,
      input,
    );
  }
  if (!iccid.startsWith('89')) {
    return fail(
      'ICCID_PREFIX',
      `ICCID ${shown}: must start with 89 (telecommunications, ITU-T E.118), not ${iccid.slice(0, 2)}`,
      input,
    );
  }
  if (iccid.length !== 19 && iccid.length !== 20) {
    return fail(
      'ICCID_LENGTH',
      `ICCID ${shown}: must be 20 digits, or 19 without the check digit (ITU-T E.118), not ${iccid.length}`,
      input,
    );
  }
  const letter = iccid.search(/[A-Z]/);
  if (letter >= 0) {
    if (!iccid.startsWith('8986') || letter < 6) {
      return fail(
        'ICCID_CHARSET',
        `ICCID ${shown}: ${quote(iccid[letter]!)} at position ${letter + 1} is not allowed; letters occur ` +
          'only after the first 6 digits of legacy Chinese ICCIDs (898601A…)',
        input,
      );
    }
    const warnings: IdentifierWarning<IccidWarningRule>[] = [
      {
        rule: 'ICCID_LEGACY_FORMAT',
        message: `ICCID ${shown}: contains letters, an unverifiable legacy format; accepted without a check digit`,
      },
    ];
    return {
      ok: true,
      value: iccid,
      warnings,
      ...info(iccid, carriers, null, false, true),
    };
  }
  const body = iccid.slice(0, 19);
  const expected = String(luhnCheckDigit(body));
  if (iccid.length === 20 && iccid[19] !== expected) {
    return fail(
      'ICCID_CHECK',
      `ICCID ${shown}: check digit must be ${expected} (Luhn over the first 19 digits), not ${iccid[19]}`,
      input,
    );
  }
  const value = `${body}${expected}`;
  return { ok: true, value, warnings: [], ...info(value, carriers, expected, iccid.length === 19, false) };
}

function info(
  value: string,
  carriers: IccidCarrierTable,
  checkDigit: string | null,
  checkDigitAppended: boolean,
  legacyFormat: boolean,
): IccidInfo {
  let carrier: IccidCarrier | null = null;
  let matched = '';
  for (const [prefix, entry] of Object.entries(carriers)) {
    if (prefix.length > matched.length && value.startsWith(prefix)) {
      carrier = entry;
      matched = prefix;
    }
  }
  return {
    countryCode: countryCodeOf(value.slice(2)),
    carrier,
    checkDigit,
    checkDigitAppended,
    legacyFormat,
    masked: `${value.slice(0, 6)}${'*'.repeat(value.length - 10)}${value.slice(-4)}`,
  };
}

/** The E.164 country code at the start of `rest` (the ICCID after its 89), or null. */
function countryCodeOf(rest: string): string | null {
  // One-digit codes: 1 (North America) is written bare (891…) or zero-padded (8901…); 7 (Russia, Kazakhstan).
  if (/^0?1/.test(rest)) return '1';
  if (rest.startsWith('7')) return '7';
  if (TWO_DIGIT_COUNTRY_CODE.test(rest)) return rest.slice(0, 2);
  return /^[2-9]\d\d/.test(rest) ? rest.slice(0, 3) : null;
}
