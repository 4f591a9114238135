import { parseDivisionCode } from '../identifiers';
import type { RegionKind } from './region.entity';

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

/** The kind of a township-level unit from its 9-digit code (GB/T 10114 ranges); throws naming the rule. */
export function townshipKindOf(code: string): RegionKind {
  return divisionKind(code, 'township');
}

/** The kind of a village-level unit from its 12-digit code: community (001–199) or village (200–399). */
export function villageKindOf(code: string): RegionKind {
  return divisionKind(code, 'village');
}

function divisionKind(code: string, level: 'township' | 'village'): RegionKind {
  const parsed = parseDivisionCode(code, { levels: [level] });
  if (!parsed.ok) throw new Error(parsed.message);
  // The identifier rules use the same kind names as the region tree.
  return parsed.kind as RegionKind;
}
