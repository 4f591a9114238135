import { citizenIdCheckChar, creditCodeCheckChar } from '../identifiers';
import type { Random } from './random';

/**
 * Identifier factories for the demo county. Every number they make passes its standard's check, and none
 * repeats within one generation (each factory remembers what it issued).
 */

/** 公民身份号码 (GB 11643): address code + birth date + sequence whose parity is the sex + check character. */
export class CitizenIdFactory {
  private readonly issued = new Set<string>();

  constructor(private readonly rng: Random) {}

  /** `sex` is the GB/T 2261.1 code: '1' male (odd sequence), '2' female (even sequence). */
  issue(addressCode: string, birthDate: string, sex: '1' | '2'): string {
    const prefix = `${addressCode}${birthDate.replaceAll('-', '')}`;
    for (let attempt = 0; attempt < 2000; attempt++) {
      // Sequences 001–999: odd for men, even (002–998) for women.
      const k = this.rng.int(0, 498);
      const seq = sex === '1' ? 2 * k + 1 : 2 * k + 2;
      const body = `${prefix}${String(seq).padStart(3, '0')}`;
      if (this.issued.has(body)) continue;
      this.issued.add(body);
      return `${body}${citizenIdCheckChar(body)}`;
    }
    throw new Error(`no free citizen ID sequence left for ${prefix}`);
  }
}

const ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const;
/** Characters usable in the 9-character organisation code inside a credit code (GB 32100 alphabet). */
const ORG_BODY_LETTERS = 'ABCDEFGHJKLMNPQRTUWXY';

/** GB 11714 organisation-code check character over 8 characters (digits, or letters valued A=10 … Z=35). */
export function organizationCodeCheckChar(body8: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const ch = body8[i]!;
    const v = ch >= '0' && ch <= '9' ? ch.charCodeAt(0) - 48 : ch.charCodeAt(0) - 55;
    sum += v * ORG_CODE_WEIGHTS[i]!;
  }
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

/** 统一社会信用代码 (GB 32100) for units registered in one county. */
export class CreditCodeFactory {
  private readonly issued = new Set<string>();

  constructor(
    private readonly rng: Random,
    private readonly divisionCode: string,
  ) {}

  /**
   * `authorityAndType` is the first two characters: 91 enterprise, 92 individual business, 93 farmers'
   * co-operative, 51/52/53 social group / private non-enterprise unit / foundation, 12 public institution.
   * `recent` units (registered since 2015) get an `MA…` organisation code, older ones a numeric one.
   */
  issue(authorityAndType: string, recent: boolean): string {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const body8 = recent
        ? `MA${this.rng.digits(1)}${this.rng.chars(`0123456789${ORG_BODY_LETTERS}`, 5)}`
        : `${this.rng.pick(['22', '71', '58', '66', '78'])}${this.rng.digits(6)}`;
      const first17 = `${authorityAndType}${this.divisionCode}${body8}${organizationCodeCheckChar(body8)}`;
      if (this.issued.has(first17)) continue;
      this.issued.add(first17);
      return `${first17}${creditCodeCheckChar(first17)}`;
    }
    throw new Error(`no free credit code left for ${authorityAndType}${this.divisionCode}`);
  }
}

/** Mobile numbers 1[3-9]x xxxx xxxx with the prefixes Chinese carriers actually hand out. */
const MOBILE_PREFIXES = [
  '133',
  '135',
  '136',
  '137',
  '138',
  '139',
  '150',
  '151',
  '152',
  '153',
  '155',
  '156',
  '157',
  '158',
  '159',
  '173',
  '176',
  '177',
  '178',
  '180',
  '181',
  '182',
  '183',
  '185',
  '186',
  '187',
  '188',
  '189',
  '191',
  '193',
  '195',
  '198',
  '199',
];

export function mobileNumber(rng: Random): string {
  return `${rng.pick(MOBILE_PREFIXES)}${rng.digits(8)}`;
}

/** Passport numbers in the usual shapes of the issuing countries (not checked by any standard here). */
export function passportNumber(
  rng: Random,
  pattern: 'letters2digits7' | 'letter1digits8' | 'digits9' | 'letters2digits6',
): string {
  const letters = 'ABCDEFGHJKLMNPRSTUVWXYZ';
  switch (pattern) {
    case 'letters2digits7':
      return `${rng.chars(letters, 2)}${rng.digits(7)}`;
    case 'letter1digits8':
      return `${rng.chars(letters, 1)}${rng.digits(8)}`;
    case 'digits9':
      return `${rng.int(1, 9)}${rng.digits(8)}`;
    case 'letters2digits6':
      return `${rng.chars(letters, 2)}${rng.digits(6)}`;
  }
}
