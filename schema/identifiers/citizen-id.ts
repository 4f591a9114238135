import { isExistingDate, isoDate, resolveToday } from './dates';
import { isProvincePrefix, PROVINCE_RANGES_TEXT } from './division-code';
import { cleanIdentifierInput } from './fullwidth';
import {
  fail,
  IdentifierError,
  type IdentifierFailure,
  type IdentifierSuccess,
  type IdentifierWarning,
  quote,
} from './result';

/**
 * Citizen identity numbers, GB 11643-1999 (公民身份号码): 6-digit address code (GB/T 2260 county at the
 * time of issue, never updated, so abolished codes such as 622226 stay valid) + birth date YYYYMMDD +
 * 3-digit sequence (odd male, even female) + ISO 7064 MOD 11-2 check character (0–9 or X).
 * Legacy 15-digit numbers (GB 11643-1989) have a 2-digit year and no check character.
 */

export type CitizenIdRule =
  | 'CITIZEN_ID_EMPTY'
  | 'CITIZEN_ID_LENGTH'
  | 'CITIZEN_ID_LEGACY_15'
  | 'CITIZEN_ID_CHARSET'
  | 'CITIZEN_ID_PROVINCE'
  | 'CITIZEN_ID_BIRTH_DATE'
  | 'CITIZEN_ID_BIRTH_DATE_FUTURE'
  | 'CITIZEN_ID_CHECK_DIGIT';

/** Warning on an accepted number: it arrived as a 15-digit legacy number and was upgraded. */
export type CitizenIdWarningRule = 'CITIZEN_ID_UPGRADED_FROM_15';

/** Flags raised when a source's stated sex or birth date disagrees with the number. */
export type CitizenIdMismatchRule =
  | 'CITIZEN_ID_SEX_MISMATCH'
  | 'CITIZEN_ID_BIRTH_DATE_MISMATCH'
  | 'CITIZEN_ID_STATED_UNREADABLE';

export type Sex = 'male' | 'female';

export interface CitizenIdInfo {
  /** 6-digit address code (county of first registration). */
  readonly addressCode: string;
  /** `PP0000`. */
  readonly provinceCode: string;
  /** `YYYY-MM-DD`. */
  readonly birthDate: string;
  /** The 3-digit sequence; its parity gives the sex. */
  readonly sequence: string;
  readonly sex: Sex;
  /** GB/T 2261.1 sex code: 1 male, 2 female. */
  readonly sexCode: '1' | '2';
  readonly checkChar: string;
  /** First 6 + last 4, e.g. 620725********0019. */
  readonly masked: string;
  /** The 15-digit number this one was upgraded from, or null. */
  readonly upgradedFrom15: string | null;
}

export type CitizenIdResult =
  | IdentifierSuccess<CitizenIdInfo, CitizenIdWarningRule>
  | IdentifierFailure<CitizenIdRule>;

export interface CitizenIdOptions {
  /** Reference day for the "not in the future" rule: `YYYY-MM-DD`, or a Date read in China time. Default: now. */
  readonly today?: string | Date;
  /** Accept 15-digit legacy numbers, upgrading them (with a CITIZEN_ID_UPGRADED_FROM_15 warning). Default false. */
  readonly acceptLegacy15?: boolean;
}

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';

/** Trim, fold full-width digits and letters to ASCII, upper-case the check character x. */
export function normaliseCitizenId(input: string | null | undefined): string {
  return cleanIdentifierInput(input).replace(/x/g, 'X');
}

/** The check character for 17 digits: "10X98765432"[Σ a_i·W_i mod 11]. Throws on anything but 17 digits. */
export function citizenIdCheckChar(first17: string): string {
  const body = normaliseCitizenId(first17);
  if (!/^\d{17}$/.test(body)) {
    throw new IdentifierError(
      'CITIZEN_ID_CHARSET',
      `citizen ID body ${quote(body)}: must be exactly 17 digits to compute a check character`,
      undefined,
      first17,
    );
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

/** First 6 + last 4, the rest as `*` (620725********0019). Short or garbled input is masked entirely. */
export function maskCitizenId(input: string | null | undefined): string {
  const id = normaliseCitizenId(input);
  const chars = Array.from(id);
  if (chars.length < 15) return '*'.repeat(chars.length);
  return `${chars.slice(0, 6).join('')}${'*'.repeat(chars.length - 10)}${chars.slice(-4).join('')}`;
}

/** Validates an 18-character citizen ID number and derives sex and birth date from it. */
export function validateCitizenId(
  input: string | null | undefined,
  options: CitizenIdOptions = {},
): CitizenIdResult {
  const id = normaliseCitizenId(input);
  if (id === '') return fail('CITIZEN_ID_EMPTY', 'citizen ID number is empty', input);
  if (/^\d{15}$/.test(id)) {
    if (options.acceptLegacy15) return upgradeCitizenId15(input, options);
    return fail(
      'CITIZEN_ID_LEGACY_15',
      `citizen ID number ${quote(id)}: is a 15-digit legacy number (GB 11643-1989); it must be upgraded to 18 digits`,
      input,
    );
  }
  return check18(id, input, options, null, () => `citizen ID number ${quote(id)}`);
}

/**
 * Upgrades a 15-digit legacy number (GB 11643-1989): "19" is inserted after the 6-digit address code and
 * the check character appended; the result is then validated like any 18-digit number.
 */
export function upgradeCitizenId15(
  input: string | null | undefined,
  options: Omit<CitizenIdOptions, 'acceptLegacy15'> = {},
): CitizenIdResult {
  const id = normaliseCitizenId(input);
  if (id === '') return fail('CITIZEN_ID_EMPTY', 'citizen ID number is empty', input);
  if (!/^\d{15}$/.test(id)) {
    return fail(
      'CITIZEN_ID_LENGTH',
      `legacy citizen ID number ${quote(id)}: must be 15 digits (GB 11643-1989)`,
      input,
    );
  }
  const body = `${id.slice(0, 6)}19${id.slice(6)}`;
  return check18(
    `${body}${citizenIdCheckChar(body)}`,
    input,
    options,
    id,
    () => `legacy citizen ID number ${quote(id)}`,
  );
}

function check18(
  id: string,
  input: string | null | undefined,
  options: Omit<CitizenIdOptions, 'acceptLegacy15'>,
  upgradedFrom15: string | null,
  /** How messages name the number: built only when one is written (bulk loads validate millions). */
  what: () => string,
): CitizenIdResult {
  const chars = Array.from(id);
  if (chars.length !== 18) {
    return fail(
      'CITIZEN_ID_LENGTH',
      `${what()}: must be 18 characters (GB 11643), not ${chars.length}`,
      input,
    );
  }
  const bad = chars.findIndex((ch, i) => !(/\d/.test(ch) || (i === 17 && ch === 'X')));
  if (bad >= 0) {
    return fail(
      'CITIZEN_ID_CHARSET',
      `${what()}: must be 17 digits then a digit or X (GB 11643); ${quote(chars[bad]!)} at position ${bad + 1} is not allowed`,
      input,
    );
  }
  const addressCode = id.slice(0, 6);
  if (!isProvincePrefix(id.slice(0, 2))) {
    return fail(
      'CITIZEN_ID_PROVINCE',
      `${what()}: address code ${addressCode} does not start with a province code ` +
        `(${PROVINCE_RANGES_TEXT})`,
      input,
    );
  }
  const birth = id.slice(6, 14);
  if (!isExistingDate(birth)) {
    return fail('CITIZEN_ID_BIRTH_DATE', `${what()}: birth date ${birth} does not exist`, input);
  }
  const birthDate = isoDate(birth);
  const today = resolveToday(options.today);
  if (birthDate > today) {
    return fail(
      'CITIZEN_ID_BIRTH_DATE_FUTURE',
      `${what()}: birth date ${birthDate} is in the future (today is ${today})`,
      input,
    );
  }
  // The body is 17 ASCII digits by now: the check character is computed here without normalising it again.
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (id.charCodeAt(i) - 48) * WEIGHTS[i]!;
  const expected = CHECK_CHARS[sum % 11]!;
  if (id[17] !== expected) {
    return fail(
      'CITIZEN_ID_CHECK_DIGIT',
      `${what()}: check character must be ${expected} (GB 11643 MOD 11-2), not ${id[17]}`,
      input,
    );
  }
  const sequence = id.slice(14, 17);
  const male = Number(sequence) % 2 === 1;
  const warnings: IdentifierWarning<CitizenIdWarningRule>[] = upgradedFrom15
    ? [
        {
          rule: 'CITIZEN_ID_UPGRADED_FROM_15',
          message: `citizen ID number ${maskCitizenId(upgradedFrom15)}: 15-digit legacy number upgraded to ${maskCitizenId(id)}`,
        },
      ]
    : [];
  return {
    ok: true,
    value: id,
    warnings,
    addressCode,
    provinceCode: `${id.slice(0, 2)}0000`,
    birthDate,
    sequence,
    sex: male ? 'male' : 'female',
    sexCode: male ? '1' : '2',
    checkChar: expected,
    // 18 ASCII characters: maskCitizenId's first 6 + 8 stars + last 4, without normalising again.
    masked: `${id.slice(0, 6)}********${id.slice(14)}`,
    upgradedFrom15,
  };
}

/** What a source says about the person, in the forms sources use. */
export interface CitizenIdStated {
  /**
   * male/female, M/F, 男/女, GB/T 2261.1 codes 1/2 (numbers or strings). GB/T 2261.1 "unknown" (0) and
   * "not stated" (9), 未知, 未说明, empty and null mean "nothing stated" and are not compared.
   */
  readonly sex?: string | number | null;
  /** YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYYMMDD or YYYY年M月D日; empty or null is not compared. */
  readonly birthDate?: string | null;
}

export interface CitizenIdMismatch {
  readonly field: 'sex' | 'birthDate';
  readonly rule: CitizenIdMismatchRule;
  /** The stated value as given (stringified). */
  readonly stated: string;
  /** What the number says (`male`/`female`, or `YYYY-MM-DD`). */
  readonly derived: string;
  /** Human message; quotes the ID number masked, since these flags are routinely logged. */
  readonly message: string;
}

const MALE = new Set(['male', 'm', '男', '1', '男性']);
const FEMALE = new Set(['female', 'f', '女', '2', '女性']);
const UNSTATED = new Set(['', '0', '9', '未知', '未说明', '未知的性别', '未说明的性别', 'unknown']);

/** Reads a stated sex: a Sex, null for "nothing stated", or undefined when the value is unreadable. */
export function parseStatedSex(stated: string | number | null | undefined): Sex | null | undefined {
  if (stated === null || stated === undefined) return null;
  const s = cleanIdentifierInput(String(stated)).toLowerCase();
  if (UNSTATED.has(s)) return null;
  if (MALE.has(s)) return 'male';
  if (FEMALE.has(s)) return 'female';
  return undefined;
}

/** Reads a stated birth date as `YYYY-MM-DD`: null for "nothing stated", undefined when unreadable. */
export function parseStatedBirthDate(stated: string | null | undefined): string | null | undefined {
  if (stated === null || stated === undefined) return null;
  const s = cleanIdentifierInput(stated);
  if (s === '') return null;
  const m =
    /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(s) ??
    /^(\d{4})年(\d{1,2})月(\d{1,2})日?$/.exec(s) ??
    /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (!m) return undefined;
  const digits = `${m[1]}${m[2]!.padStart(2, '0')}${m[3]!.padStart(2, '0')}`;
  return isExistingDate(digits) ? isoDate(digits) : undefined;
}

/**
 * Compares a source's stated sex and birth date with those derived from a validated number. Differences are
 * flags for a person to review, not rejections: the number is the key, the stated fields may be the typo.
 * Returns an empty array when everything stated agrees (or nothing is stated).
 */
export function crossCheckCitizenId(
  derived: Pick<CitizenIdInfo, 'sex' | 'birthDate' | 'masked'>,
  stated: CitizenIdStated,
): CitizenIdMismatch[] {
  const flags: CitizenIdMismatch[] = [];
  const who = `citizen ID number ${derived.masked}`;
  if (stated.sex !== undefined) {
    const sex = parseStatedSex(stated.sex);
    const given = String(stated.sex ?? '');
    if (sex === undefined) {
      flags.push({
        field: 'sex',
        rule: 'CITIZEN_ID_STATED_UNREADABLE',
        stated: given,
        derived: derived.sex,
        message: `${who}: stated sex ${quote(given)} is not a recognised value; the number says ${derived.sex}`,
      });
    } else if (sex !== null && sex !== derived.sex) {
      flags.push({
        field: 'sex',
        rule: 'CITIZEN_ID_SEX_MISMATCH',
        stated: given,
        derived: derived.sex,
        message: `${who}: stated sex ${quote(given)} (${sex}) differs from the number's ${derived.sex}`,
      });
    }
  }
  if (stated.birthDate !== undefined) {
    const date = parseStatedBirthDate(stated.birthDate);
    const given = stated.birthDate ?? '';
    if (date === undefined) {
      flags.push({
        field: 'birthDate',
        rule: 'CITIZEN_ID_STATED_UNREADABLE',
        stated: given,
        derived: derived.birthDate,
        message: `${who}: stated birth date ${quote(given)} is not a readable date; the number says ${derived.birthDate}`,
      });
    } else if (date !== null && date !== derived.birthDate) {
      flags.push({
        field: 'birthDate',
        rule: 'CITIZEN_ID_BIRTH_DATE_MISMATCH',
        stated: given,
        derived: derived.birthDate,
        message: `${who}: stated birth date ${quote(given)} differs from the number's ${derived.birthDate}`,
      });
    }
  }
  return flags;
}
