import type { CodeLabel } from './credit-code';
import { cleanIdentifierInput } from './fullwidth';
import { luhnCheckDigit } from './luhn';
import { fail, IdentifierError, type IdentifierFailure, type IdentifierSuccess, quote } from './result';

/**
 * Handset IMEIs, 3GPP TS 23.003: Type Allocation Code (8 digits, the first two naming the reporting body
 * that allocated it) + serial number (6) + Luhn check digit over the first 14.
 *
 * A 16-digit IMEISV (TAC + serial + 2-digit software version, no check digit) is accepted and stored as the
 * IMEI of the same handset: the check digit is computed from its first 14 digits. An IMEISV carries no check
 * digit, so a typo in one cannot be detected.
 *
 * Dual-SIM handsets have two IMEIs: store one per field. On Android 10+ only a device-owner app can read them.
 */

export type ImeiRule = 'IMEI_EMPTY' | 'IMEI_CHARSET' | 'IMEI_LENGTH' | 'IMEI_CHECK' | 'IMEI_TEST';

export interface ImeiInfo {
  /** Type Allocation Code, digits 1–8: identifies make and model, not the handset. */
  readonly tac: string;
  /** Digits 1–2 of the TAC (86 China, 00 test IMEI); labels are null for bodies not in the table below. */
  readonly reportingBody: CodeLabel;
  /** Digits 9–14. */
  readonly serial: string;
  /** Digit 15; computed when the input was an IMEISV. */
  readonly checkDigit: string;
  /** True when the input was a 16-digit IMEISV, converted to the IMEI stored as `value`. */
  readonly fromImeisv: boolean;
  /** The IMEISV's 2-digit software version number; null for an IMEI. */
  readonly softwareVersion: string | null;
  /** TAC starting 00: a test IMEI (only accepted with `allowTest`). */
  readonly test: boolean;
  /**
   * TAC + 4 hidden digits + the last 3 (two serial digits and the check digit): 35871837****652. Like
   * 138****5678 for phones it hides 10⁴ candidates, and the shown tail can be matched against the label.
   */
  readonly masked: string;
}

export type ImeiResult = IdentifierSuccess<ImeiInfo> | IdentifierFailure<ImeiRule>;

export interface ImeiOptions {
  /** Accept test IMEIs (TAC starting 00), e.g. for lab inventory. Default false: they fail with IMEI_TEST. */
  readonly allowTest?: boolean;
}

/**
 * Reporting bodies by the first two TAC digits. Only a label table: a body not listed is not an error, its
 * labels are just null.
 */
const REPORTING_BODIES: Readonly<Record<string, readonly [string, string]>> = {
  '00': ['测试', 'test IMEI'],
  '01': ['PTCRB（美国）', 'PTCRB (United States)'],
  '35': ['BABT（英国）', 'BABT (United Kingdom)'],
  '86': ['中国（TAF）', 'China (TAF)'],
};

/** Spaces of any kind, ASCII and typographic dashes, slashes (full-width forms are folded before). */
const SEPARATORS = /[\s\-\u2010-\u2015\u2212/]/g;
/** How a spreadsheet shows a long number in a cell not formatted as text: 3.58718E+14. */
const SCIENTIFIC = /^\d(?:\.\d+)?E[+-]?\d+$/i;

/** Trim, fold full-width characters, strip separators (35-871837-146665-2, 35 871837 146665 2). */
export function normaliseImei(input: string | null | undefined): string {
  return cleanIdentifierInput(input).replace(SEPARATORS, '');
}

/**
 * The check digit for the first 14 digits (normalised first), by Luhn. Throws an IdentifierError on
 * anything but 14 digits. Handy for generators and for turning an IMEISV into its IMEI.
 */
export function imeiCheckDigit(first14: string): string {
  const body = normaliseImei(first14);
  if (!/^\d{14}$/.test(body)) {
    throw new IdentifierError(
      /^\d*$/.test(body) ? 'IMEI_LENGTH' : 'IMEI_CHARSET',
      `IMEI body ${quote(body)}: must be exactly 14 digits to compute a check digit`,
      undefined,
      first14,
    );
  }
  return String(luhnCheckDigit(body));
}

/** TAC + 4 hidden + last 3 (35871837****652). Anything that does not validate is masked entirely. */
export function maskImei(input: string | null | undefined): string {
  const result = validateImei(input, { allowTest: true });
  if (result.ok) return result.masked;
  return '*'.repeat(Array.from(normaliseImei(input)).length);
}

/** Validates a 15-digit IMEI or a 16-digit IMEISV (stored as its IMEI) and splits it into its parts. */
export function validateImei(input: string | null | undefined, options: ImeiOptions = {}): ImeiResult {
  const digits = normaliseImei(input);
  const shown = quote(digits);
  if (digits === '') return fail('IMEI_EMPTY', 'IMEI is empty', input);
  const chars = Array.from(digits);
  const bad = chars.findIndex((ch) => !/\d/.test(ch));
  if (bad >= 0) {
    const hint = SCIENTIFIC.test(digits)
      ? '; it looks like a spreadsheet number in scientific notation (format the column as text)'
      : '';
    return fail(
      'IMEI_CHARSET',
      `IMEI ${shown}: must contain only digits, spaces, dashes and slashes; ${quote(chars[bad]!)} at ` +
        `position ${bad + 1} is not allowed${hint}`,
      input,
    );
  }
  if (digits.length !== 15 && digits.length !== 16) {
    const hint = digits.length === 30 ? ' (two IMEIs of a dual-SIM handset? store one per field)' : '';
    return fail(
      'IMEI_LENGTH',
      `IMEI ${shown}: must be 15 digits (or 16 for an IMEISV, 3GPP TS 23.003), not ${digits.length}${hint}`,
      input,
    );
  }
  const fromImeisv = digits.length === 16;
  const body = digits.slice(0, 14);
  const checkDigit = String(luhnCheckDigit(body));
  if (!fromImeisv && digits[14] !== checkDigit) {
    return fail(
      'IMEI_CHECK',
      `IMEI ${shown}: check digit must be ${checkDigit} (Luhn over the first 14 digits), not ${digits[14]}`,
      input,
    );
  }
  const tac = digits.slice(0, 8);
  const test = tac.startsWith('00');
  if (test && !options.allowTest) {
    return fail(
      'IMEI_TEST',
      `IMEI ${shown}: TAC ${tac} starts with 00, a test IMEI; not accepted in production inventory`,
      input,
    );
  }
  const imei = `${body}${checkDigit}`;
  const reportingBody = REPORTING_BODIES[tac.slice(0, 2)];
  return {
    ok: true,
    value: imei,
    warnings: [],
    tac,
    reportingBody: {
      code: tac.slice(0, 2),
      label: reportingBody?.[0] ?? null,
      labelEn: reportingBody?.[1] ?? null,
    },
    serial: digits.slice(8, 14),
    checkDigit,
    fromImeisv,
    softwareVersion: fromImeisv ? digits.slice(14) : null,
    test,
    masked: `${tac}****${imei.slice(-3)}`,
  };
}
