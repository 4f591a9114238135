import { RegionKind } from './region.entity';

/** Materialised paths: `/county/township/village/grid/`, leading and trailing slash included. */
export const ROOT_PATH = '/';

export function childPath(parentPath: string, code: string): string {
  if (code.includes('/')) throw new Error(`Region code "${code}" must not contain "/"`);
  return `${parentPath}${code}/`;
}

/** Codes of the units above the one at `path`, county first, the unit itself excluded. */
export function ancestorCodes(path: string): string[] {
  return path.split('/').filter(Boolean).slice(0, -1);
}

/** The LIKE pattern matching a unit and everything below it; `_` and `%` cannot occur in codes. */
export function subtreePattern(path: string): string {
  return `${path}%`;
}

/**
 * GB/T 10114: the township's three digits after the county code tell its kind —
 * 001–099 sub-district (街道), 100–199 town (镇), 200–399 township (乡), 400–599 farm or ranch unit.
 */
export function townshipKindOf(code: string): RegionKind {
  if (!/^\d{9}$/.test(code)) throw new Error(`Township code "${code}" must be 9 digits`);
  const n = Number(code.slice(6));
  if (n >= 1 && n <= 99) return RegionKind.SUBDISTRICT;
  if (n >= 100 && n <= 199) return RegionKind.TOWN;
  if (n >= 200 && n <= 399) return RegionKind.XIANG;
  if (n >= 400 && n <= 599) return RegionKind.FARM;
  throw new Error(`Township code "${code}": ${code.slice(6)} is outside the GB/T 10114 ranges`);
}

/** 12-digit village codes: 001–199 residents' committees (communities), 200–399 villagers' committees. */
export function villageKindOf(code: string): RegionKind {
  if (!/^\d{12}$/.test(code)) throw new Error(`Village code "${code}" must be 12 digits`);
  const n = Number(code.slice(9));
  if (n >= 1 && n <= 199) return RegionKind.COMMUNITY;
  if (n >= 200 && n <= 399) return RegionKind.VILLAGE;
  throw new Error(`Village code "${code}": ${code.slice(9)} is outside the ranges 001–199 and 200–399`);
}
