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
 * Unified social credit codes, GB 32100-2015 (统一社会信用代码): registering authority (1) + organisation
 * type (1) + division code of the registering authority (6 digits, GB/T 2260) + organisation code
 * (9 characters, GB 11714) + check character, all over a 31-symbol alphabet without I, O, Z, S, V.
 *
 * The division part is only required to be digits: central-level registrations use 100000, which is not a
 * province, and the code keeps the registering authority's division even after the area is re-coded.
 */

export type CreditCodeRule =
  | 'CREDIT_CODE_EMPTY'
  | 'CREDIT_CODE_LENGTH'
  | 'CREDIT_CODE_CHARSET'
  | 'CREDIT_CODE_DIVISION'
  | 'CREDIT_CODE_CHECK';

/** With `legacy: true` a failing check character is accepted and reported under the same rule code. */
export type CreditCodeWarningRule = 'CREDIT_CODE_CHECK';

export const CREDIT_CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

export interface CodeLabel {
  readonly code: string;
  /** Chinese label from the standard's code table; null when the code is not in the table below. */
  readonly label: string | null;
  readonly labelEn: string | null;
}

interface AuthorityEntry {
  readonly label: string;
  readonly labelEn: string;
  readonly types: Readonly<Record<string, readonly [string, string]>>;
}

/**
 * Registering authorities and their organisation types (GB 32100-2015 appendix and later additions). Only a
 * label table: an authority or type not listed here is not an error, its label is just null.
 */
const AUTHORITIES: Readonly<Record<string, AuthorityEntry>> = {
  '1': {
    label: '机构编制',
    labelEn: 'institutional staffing',
    types: {
      '1': ['机关', 'government organ'],
      '2': ['事业单位', 'public institution'],
      '3': ['中央编办直接管理机构编制的群众团体', 'mass organisation staffed by the central staffing office'],
      '9': ['其他', 'other'],
    },
  },
  '2': {
    label: '外交',
    labelEn: 'foreign affairs',
    types: { '1': ['外国常驻新闻机构', 'resident foreign news agency'], '9': ['其他', 'other'] },
  },
  '3': {
    label: '司法行政',
    labelEn: 'justice administration',
    types: {
      '1': ['律师执业机构', 'law firm'],
      '2': ['公证处', 'notary office'],
      '3': ['基层法律服务所', 'grassroots legal service office'],
      '4': ['司法鉴定机构', 'forensic appraisal institution'],
      '5': ['仲裁委员会', 'arbitration commission'],
      '9': ['其他', 'other'],
    },
  },
  '4': {
    label: '文化',
    labelEn: 'culture',
    types: { '1': ['外国在华文化中心', 'foreign cultural centre in China'], '9': ['其他', 'other'] },
  },
  '5': {
    label: '民政',
    labelEn: 'civil affairs',
    types: {
      '1': ['社会团体', 'social group'],
      '2': ['民办非企业单位', 'private non-enterprise unit'],
      '3': ['基金会', 'foundation'],
      '9': ['其他', 'other'],
    },
  },
  '6': {
    label: '旅游',
    labelEn: 'tourism',
    types: {
      '1': ['外国旅游部门常驻代表机构', 'representative office of a foreign tourism authority'],
      '2': [
        '港澳台地区旅游部门常驻内地（大陆）代表机构',
        'representative office of a Hong Kong, Macao or Taiwan tourism authority',
      ],
      '9': ['其他', 'other'],
    },
  },
  '7': {
    label: '宗教',
    labelEn: 'religious affairs',
    types: {
      '1': ['宗教活动场所', 'place of religious activity'],
      '2': ['宗教院校', 'religious school'],
      '9': ['其他', 'other'],
    },
  },
  '8': {
    label: '工会',
    labelEn: 'trade unions',
    types: { '1': ['基层工会', 'grassroots trade union'], '9': ['其他', 'other'] },
  },
  '9': {
    label: '工商',
    labelEn: 'industry and commerce (market regulation)',
    types: {
      '1': ['企业', 'enterprise'],
      '2': ['个体工商户', 'individual business'],
      '3': ['农民专业合作社', "farmers' co-operative"],
    },
  },
  A: {
    label: '中央军委改革和编制办公室',
    labelEn: 'Central Military Commission reform and staffing office',
    types: { '1': ['军队事业单位', 'military public institution'], '9': ['其他', 'other'] },
  },
  N: {
    label: '农业',
    labelEn: 'agriculture',
    types: {
      '1': ['组级集体经济组织', 'group-level collective economic organisation'],
      '2': ['村级集体经济组织', 'village-level collective economic organisation'],
      '3': ['乡镇级集体经济组织', 'township-level collective economic organisation'],
      '9': ['其他', 'other'],
    },
  },
  Y: {
    label: '其他',
    labelEn: 'other',
    types: { '1': ['其他', 'other'] },
  },
};

export interface CreditCodeInfo {
  readonly authority: CodeLabel;
  readonly organisationType: CodeLabel;
  /** Characters 3–8: division code of the registering authority. */
  readonly divisionCode: string;
  /** Characters 9–17: the GB 11714 organisation code (its own last character is its own check). */
  readonly organisationCode: string;
  readonly checkChar: string;
  /** False only for a code accepted with `legacy: true` whose check character is wrong. */
  readonly checkPassed: boolean;
}

export type CreditCodeResult =
  | IdentifierSuccess<CreditCodeInfo, CreditCodeWarningRule>
  | IdentifierFailure<CreditCodeRule>;

export interface CreditCodeOptions {
  /**
   * For imported legacy data: accept a code whose check character is wrong (some issued codes are), with a
   * CREDIT_CODE_CHECK warning instead of a failure. Every other rule still applies.
   */
  readonly legacy?: boolean;
}

/** Trim, fold full-width characters to ASCII, upper-case. */
export function normaliseCreditCode(input: string | null | undefined): string {
  return cleanIdentifierInput(input).toUpperCase();
}

/** The alphabet value of each character, or -1 for a character outside the alphabet. */
function values(code: string): number[] {
  return Array.from(code, (ch) => CREDIT_CODE_ALPHABET.indexOf(ch));
}

function checkValue(first17: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += first17[i]! * WEIGHTS[i]!;
  const c = 31 - (sum % 31);
  return c === 31 ? 0 : c;
}

/**
 * The check character for the first 17 characters (normalised first): c = 31 − (Σ value_i·W_i mod 31),
 * 31 → 0. Throws an IdentifierError on anything but 17 alphabet characters. Handy for generators.
 */
export function creditCodeCheckChar(first17: string): string {
  const body = normaliseCreditCode(first17);
  const v = values(body);
  if (v.length !== 17 || v.includes(-1)) {
    throw new IdentifierError(
      v.length !== 17 ? 'CREDIT_CODE_LENGTH' : 'CREDIT_CODE_CHARSET',
      `credit code body ${quote(body)}: must be exactly 17 characters of ${CREDIT_CODE_ALPHABET} to compute a check character`,
      undefined,
      first17,
    );
  }
  return CREDIT_CODE_ALPHABET[checkValue(v)]!;
}

function labelOf(code: string, entry: readonly [string, string] | undefined): CodeLabel {
  return { code, label: entry?.[0] ?? null, labelEn: entry?.[1] ?? null };
}

/** Validates an 18-character unified social credit code and splits it into its parts. */
export function validateCreditCode(
  input: string | null | undefined,
  options: CreditCodeOptions = {},
): CreditCodeResult {
  const code = normaliseCreditCode(input);
  const shown = quote(code);
  if (code === '') return fail('CREDIT_CODE_EMPTY', 'unified social credit code is empty', input);
  const chars = Array.from(code);
  if (chars.length !== 18) {
    return fail(
      'CREDIT_CODE_LENGTH',
      `unified social credit code ${shown}: must be 18 characters (GB 32100), not ${chars.length}`,
      input,
    );
  }
  const v = values(code);
  const bad = v.indexOf(-1);
  if (bad >= 0) {
    return fail(
      'CREDIT_CODE_CHARSET',
      `unified social credit code ${shown}: ${quote(chars[bad]!)} at position ${bad + 1} is not in the ` +
        `GB 32100 alphabet ${CREDIT_CODE_ALPHABET} (no I, O, Z, S, V)`,
      input,
    );
  }
  const divisionCode = code.slice(2, 8);
  if (!/^\d{6}$/.test(divisionCode)) {
    return fail(
      'CREDIT_CODE_DIVISION',
      `unified social credit code ${shown}: characters 3–8 (${divisionCode}) must be a 6-digit division code`,
      input,
    );
  }
  const expected = CREDIT_CODE_ALPHABET[checkValue(v)]!;
  const warnings: IdentifierWarning<CreditCodeWarningRule>[] = [];
  if (code[17] !== expected) {
    const message = `unified social credit code ${shown}: check character must be ${expected} (GB 32100), not ${code[17]}`;
    if (!options.legacy) return fail('CREDIT_CODE_CHECK', message, input);
    warnings.push({ rule: 'CREDIT_CODE_CHECK', message: `${message}; accepted as legacy data` });
  }
  const authority = AUTHORITIES[code[0]!];
  return {
    ok: true,
    value: code,
    warnings,
    authority: { code: code[0]!, label: authority?.label ?? null, labelEn: authority?.labelEn ?? null },
    organisationType: labelOf(code[1]!, authority?.types[code[1]!]),
    divisionCode,
    organisationCode: code.slice(8, 17),
    checkChar: code[17]!,
    checkPassed: warnings.length === 0,
  };
}
