import { cleanIdentifierInput } from './fullwidth';
import { fail, type IdentifierFailure, type IdentifierSuccess, quote } from './result';

/**
 * Administrative division codes (GB/T 2260 for province/prefecture/county, GB/T 10114 for townships and
 * villages) and the hub's local grid codes.
 *
 * - 6 digits: province `PP0000`, prefecture `PPCC00` or county-level unit `PPCCDD` (620725 山丹县).
 *   Codes are never reused for another place, and codes of abolished units (622226) stay meaningful in old
 *   records, so only the province prefix is checked: there is no list of "current" counties here.
 * - 9 digits: township = county + 3 digits; 001–099 sub-district (街道), 100–199 town (镇),
 *   200–399 township (乡), 400–599 farm/ranch and similar units.
 * - 12 digits: village = township + 3 digits; 001–199 residents' committee (community),
 *   200–399 villagers' committee (village).
 * - Grid codes are local, not national: village code + `-` + a local suffix (620725101001-G03).
 *
 * Townships may sit directly under a prefecture-level city that has no counties (东莞 441900, 嘉峪关 620200),
 * so the county part of a 9- or 12-digit code is not required to be county-level.
 */

export type DivisionRule =
  | 'DIVISION_CODE_EMPTY'
  | 'DIVISION_CODE_FORMAT'
  | 'DIVISION_CODE_PROVINCE'
  | 'DIVISION_CODE_TOWNSHIP_RANGE'
  | 'DIVISION_CODE_VILLAGE_RANGE'
  | 'DIVISION_CODE_LEVEL';

export type GridCodeRule = 'GRID_CODE_EMPTY' | 'GRID_CODE_FORMAT' | 'GRID_CODE_VILLAGE';

export type DivisionLevel = 'province' | 'prefecture' | 'county' | 'township' | 'village';

/** Same spellings as the hub's RegionKind where the two overlap. */
export type DivisionKind =
  | 'province'
  | 'prefecture'
  | 'county'
  | 'subdistrict'
  | 'town'
  | 'xiang'
  | 'farm'
  | 'community'
  | 'village';

/**
 * Two-digit province prefixes of GB/T 2260: 11–15 North, 21–23 North-east, 31–37 East, 41–46 Central-south,
 * 50–54 South-west, 61–65 North-west, 71 Taiwan, 81 Hong Kong, 82 Macao.
 */
const PROVINCE_RANGES: readonly (readonly [number, number])[] = [
  [11, 15],
  [21, 23],
  [31, 37],
  [41, 46],
  [50, 54],
  [61, 65],
  [71, 71],
  [81, 82],
];

export const PROVINCE_RANGES_TEXT = '11–15, 21–23, 31–37, 41–46, 50–54, 61–65, 71, 81, 82';
const TOWNSHIP_RANGES_TEXT = '001–099 sub-district, 100–199 town, 200–399 township, 400–599 farm or ranch';
const VILLAGE_RANGES_TEXT = '001–199 community, 200–399 village';

/** True when `prefix` (the first two digits of a division or address code) is a GB/T 2260 province. */
export function isProvincePrefix(prefix: string): boolean {
  if (!/^\d{2}$/.test(prefix)) return false;
  const n = Number(prefix);
  return PROVINCE_RANGES.some(([lo, hi]) => n >= lo && n <= hi);
}

export interface DivisionCodeInfo {
  readonly level: DivisionLevel;
  readonly kind: DivisionKind;
  /** The code one level up (county → prefecture → province; village → township → county), null for a province. */
  readonly parentCode: string | null;
  /** `PP0000`. */
  readonly provinceCode: string;
  /** The 6-digit part for county, township and village codes; null above county level. */
  readonly countyCode: string | null;
  /** The 9-digit part for township and village codes; null otherwise. */
  readonly townshipCode: string | null;
}

export type DivisionCodeResult = IdentifierSuccess<DivisionCodeInfo> | IdentifierFailure<DivisionRule>;

export interface DivisionCodeOptions {
  /** Only accept codes of these levels (e.g. `['village']` for a village field). */
  readonly levels?: readonly DivisionLevel[];
}

/** Trim and fold full-width digits; nothing else (division codes are digits only). */
export function normaliseDivisionCode(input: string | null | undefined): string {
  return cleanIdentifierInput(input);
}

export function townshipKind(threeDigits: number): DivisionKind | null {
  if (threeDigits >= 1 && threeDigits <= 99) return 'subdistrict';
  if (threeDigits >= 100 && threeDigits <= 199) return 'town';
  if (threeDigits >= 200 && threeDigits <= 399) return 'xiang';
  if (threeDigits >= 400 && threeDigits <= 599) return 'farm';
  return null;
}

export function villageKind(threeDigits: number): DivisionKind | null {
  if (threeDigits >= 1 && threeDigits <= 199) return 'community';
  if (threeDigits >= 200 && threeDigits <= 399) return 'village';
  return null;
}

/** Validates a 6-, 9- or 12-digit division code and tells its level, kind and parent. */
export function parseDivisionCode(
  input: string | null | undefined,
  options: DivisionCodeOptions = {},
): DivisionCodeResult {
  const code = normaliseDivisionCode(input);
  const shown = quote(code);
  if (code === '') return fail('DIVISION_CODE_EMPTY', 'division code is empty', input);
  if (!/^\d+$/.test(code) || ![6, 9, 12].includes(code.length)) {
    return fail(
      'DIVISION_CODE_FORMAT',
      `division code ${shown}: must be 6 digits (GB/T 2260), 9 digits (township) or 12 digits (village)`,
      input,
    );
  }
  if (!isProvincePrefix(code.slice(0, 2))) {
    return fail(
      'DIVISION_CODE_PROVINCE',
      `division code ${shown}: ${code.slice(0, 2)} is not a GB/T 2260 province code (${PROVINCE_RANGES_TEXT})`,
      input,
    );
  }
  const provinceCode = `${code.slice(0, 2)}0000`;
  let info: DivisionCodeInfo;
  if (code.length === 6) {
    if (code.endsWith('0000')) {
      info = {
        level: 'province',
        kind: 'province',
        parentCode: null,
        provinceCode,
        countyCode: null,
        townshipCode: null,
      };
    } else if (code.endsWith('00')) {
      info = {
        level: 'prefecture',
        kind: 'prefecture',
        parentCode: provinceCode,
        provinceCode,
        countyCode: null,
        townshipCode: null,
      };
    } else {
      info = {
        level: 'county',
        kind: 'county',
        parentCode: `${code.slice(0, 4)}00`,
        provinceCode,
        countyCode: code,
        townshipCode: null,
      };
    }
  } else {
    const countyCode = code.slice(0, 6);
    const townshipCode = code.slice(0, 9);
    const tKind = townshipKind(Number(code.slice(6, 9)));
    if (!tKind) {
      const what =
        code.length === 9
          ? `township code ${shown}: ${code.slice(6)}`
          : `village code ${shown}: township part ${code.slice(6, 9)}`;
      return fail(
        'DIVISION_CODE_TOWNSHIP_RANGE',
        `${what} is outside the GB/T 10114 ranges (${TOWNSHIP_RANGES_TEXT})`,
        input,
      );
    }
    if (code.length === 9) {
      info = {
        level: 'township',
        kind: tKind,
        parentCode: countyCode,
        provinceCode,
        countyCode,
        townshipCode,
      };
    } else {
      const vKind = villageKind(Number(code.slice(9)));
      if (!vKind) {
        const padded = code.endsWith('000')
          ? `; ${code} looks like township ${townshipCode} zero-padded`
          : '';
        return fail(
          'DIVISION_CODE_VILLAGE_RANGE',
          `village code ${shown}: ${code.slice(9)} is outside the GB/T 10114 ranges (${VILLAGE_RANGES_TEXT})${padded}`,
          input,
        );
      }
      info = {
        level: 'village',
        kind: vKind,
        parentCode: townshipCode,
        provinceCode,
        countyCode,
        townshipCode,
      };
    }
  }
  const allowed = options.levels;
  if (allowed && !allowed.includes(info.level)) {
    return fail(
      'DIVISION_CODE_LEVEL',
      `division code ${shown}: is a ${info.level} code, expected a ${allowed.join(' or ')} code`,
      input,
    );
  }
  return { ok: true, value: code, warnings: [], ...info };
}

export interface GridCodeInfo {
  /** The 12-digit village or community the grid belongs to. */
  readonly villageCode: string;
  /** The local part after the dash, kept exactly as given (opaque). */
  readonly suffix: string;
  readonly villageKind: 'community' | 'village';
  readonly townshipCode: string;
  readonly countyCode: string;
}

export type GridCodeResult = IdentifierSuccess<GridCodeInfo> | IdentifierFailure<GridCodeRule>;

/**
 * Local suffix: ASCII letters and digits, dashes inside, at most 32 characters. No `/` (region paths use it
 * as separator), no `_` or `%` (LIKE wildcards in subtree queries), no spaces.
 */
const GRID_CODE = /^(\d{12})-([A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?)$/;

/**
 * Grid codes are opaque local strings scoped under their village: `<12-digit village code>-<suffix>`
 * (620725101001-G03). Returns the village; the suffix is not interpreted.
 */
export function parseGridCode(input: string | null | undefined): GridCodeResult {
  const code = cleanIdentifierInput(input);
  const shown = quote(code);
  if (code === '') return fail('GRID_CODE_EMPTY', 'grid code is empty', input);
  const match = GRID_CODE.exec(code);
  if (!match) {
    return fail(
      'GRID_CODE_FORMAT',
      `grid code ${shown}: must be a 12-digit village code, "-", and a local suffix of at most 32 letters, ` +
        'digits and inner dashes (e.g. 620725101001-G03)',
      input,
    );
  }
  const [, villageCode, suffix] = match as unknown as [string, string, string];
  const village = parseDivisionCode(villageCode);
  if (!village.ok) {
    return fail('GRID_CODE_VILLAGE', `grid code ${shown}: ${village.message}`, input);
  }
  return {
    ok: true,
    value: code,
    warnings: [],
    villageCode,
    suffix,
    villageKind: village.kind as 'community' | 'village',
    townshipCode: village.townshipCode!,
    countyCode: village.countyCode!,
  };
}
