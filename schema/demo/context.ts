import type { ProvenanceData } from '../common/provenance';
import { DEMO_COUNTY, demoCountyRegions, type RegionSeed } from '../regions/demo-county';
import { RegionKind, RegionLevel } from '../regions/region.entity';
import { childPath, ROOT_PATH } from '../regions/region-path';
import { CitizenIdFactory, CreditCodeFactory } from './identity';
import { Random } from './random';
import type { DemoCountyOptions } from './types';

/**
 * What every part of the demo generator shares: options, the seeded streams, the county's grids with their
 * paths and weights, date helpers, identifier factories and the provenance of each department's export.
 */

/** Share of the county's people by township (county seat 清泉镇 ~55 %; the rest roughly by 2010 census size). */
export const TOWNSHIP_SHARE: Record<string, number> = {
  '620725101': 0.55,
  '620725102': 0.09,
  '620725103': 0.085,
  '620725104': 0.075,
  '620725105': 0.07,
  '620725106': 0.06,
  '620725203': 0.035,
  '620725204': 0.035,
};

/** Approximate township centres (WGS-84), for plausible place coordinates. Synthetic. */
const TOWNSHIP_CENTRE: Record<string, readonly [number, number]> = {
  '620725101': [101.088, 38.784],
  '620725102': [101.19, 38.87],
  '620725103': [101.27, 38.62],
  '620725104': [100.98, 38.7],
  '620725105': [101.18, 38.42],
  '620725106': [100.83, 38.83],
  '620725203': [101.38, 38.78],
  '620725204': [100.93, 38.62],
};

/** Inside the county seat: urban grids hold most people, village grids some, special grids a few. */
const SEAT_SPLIT = { urban: 0.8, village: 0.18, special: 0.02 } as const;
const SPECIAL_SHARE_ELSEWHERE = 0.015;

export interface GridInfo {
  code: string;
  name: string;
  path: string;
  kind: RegionKind;
  urban: boolean;
  special: boolean;
  /** The village or community the grid belongs to. */
  unitCode: string;
  /** The village or community's name (北滩村, 长城社区). */
  unitName: string;
  townshipCode: string;
  townshipName: string;
  longitude: number;
  latitude: number;
  /** Share of the county's households. */
  weight: number;
}

export interface UnitInfo {
  code: string;
  name: string;
  path: string;
  level: RegionLevel;
  townshipCode: string;
  townshipName: string;
  grids: GridInfo[];
}

/** A department's export: who supplied the rows, under which data set. */
export interface Source {
  department: string;
  dataset: string;
}

export class GenerationContext {
  readonly seed: string | number;
  readonly scale: number;
  readonly asOf: string;
  readonly year: number;
  readonly rng: Random;
  readonly regions: RegionSeed[];
  readonly grids: GridInfo[];
  readonly gridByCode: Map<string, GridInfo>;
  readonly units: UnitInfo[];
  readonly townships: UnitInfo[];
  readonly citizenIds: CitizenIdFactory;
  readonly creditCodes: CreditCodeFactory;
  /** When the departments' exports were taken: the day after `asOf`, 00:00 China time. */
  readonly exportedAt: string;

  constructor(options: DemoCountyOptions) {
    this.seed = options.seed ?? 1;
    this.scale = options.scale ?? 1;
    if (!(this.scale > 0 && this.scale <= 10)) throw new Error(`scale ${this.scale} must be in (0, 10]`);
    this.asOf = options.asOf ?? '2023-12-31';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(this.asOf)) throw new Error(`asOf ${this.asOf} must be YYYY-MM-DD`);
    this.year = Number(this.asOf.slice(0, 4));
    this.exportedAt = new Date(Date.parse(`${this.asOf}T00:00:00Z`) + 16 * 3600_000).toISOString();
    this.rng = new Random(this.seed);
    this.citizenIds = new CitizenIdFactory(this.rng.fork('citizen-ids'));
    this.creditCodes = new CreditCodeFactory(this.rng.fork('credit-codes'), DEMO_COUNTY.code);

    this.regions = demoCountyRegions();
    const paths = new Map<string, string>();
    const byCode = new Map<string, RegionSeed>();
    for (const r of this.regions) {
      byCode.set(r.code, r);
      paths.set(r.code, childPath(r.parentCode ? paths.get(r.parentCode)! : ROOT_PATH, r.code));
    }
    const geo = this.rng.fork('geography');

    const unitByCode = new Map<string, UnitInfo>();
    this.townships = [];
    this.units = [];
    for (const r of this.regions) {
      if (r.level === RegionLevel.TOWNSHIP || r.level === RegionLevel.VILLAGE) {
        const township = r.level === RegionLevel.TOWNSHIP ? r : byCode.get(r.parentCode!)!;
        const unit: UnitInfo = {
          code: r.code,
          name: r.name,
          path: paths.get(r.code)!,
          level: r.level,
          townshipCode: township.code,
          townshipName: township.name,
          grids: [],
        };
        unitByCode.set(r.code, unit);
        (r.level === RegionLevel.TOWNSHIP ? this.townships : this.units).push(unit);
      }
    }

    this.grids = [];
    for (const r of this.regions) {
      if (r.level !== RegionLevel.GRID) continue;
      const unit = unitByCode.get(r.parentCode!)!;
      const [lon, lat] = TOWNSHIP_CENTRE[unit.townshipCode] ?? [101.088, 38.784];
      const grid: GridInfo = {
        code: r.code,
        name: r.name,
        path: paths.get(r.code)!,
        kind: r.kind,
        urban: r.kind === RegionKind.URBAN_GRID,
        special: r.kind === RegionKind.SPECIAL_GRID,
        unitCode: unit.code,
        unitName: unit.name,
        townshipCode: unit.townshipCode,
        townshipName: unit.townshipName,
        longitude: round6(lon + (r.kind === RegionKind.URBAN_GRID ? 0.02 : 0.12) * (geo.float() - 0.5)),
        latitude: round6(lat + (r.kind === RegionKind.URBAN_GRID ? 0.015 : 0.09) * (geo.float() - 0.5)),
        weight: 0,
      };
      unit.grids.push(grid);
      this.grids.push(grid);
    }
    this.gridByCode = new Map(this.grids.map((g) => [g.code, g]));
    this.assignGridWeights(geo);
  }

  /** Spreads each township's share over its grids (with some unevenness between villages). */
  private assignGridWeights(geo: Random) {
    for (const [township, share] of Object.entries(TOWNSHIP_SHARE)) {
      const grids = this.grids.filter((g) => g.townshipCode === township);
      const groups: Array<[GridInfo[], number]> = [];
      const urban = grids.filter((g) => g.urban);
      const special = grids.filter((g) => g.special);
      const village = grids.filter((g) => !g.urban && !g.special);
      if (urban.length) {
        groups.push([urban, SEAT_SPLIT.urban], [village, SEAT_SPLIT.village], [special, SEAT_SPLIT.special]);
      } else if (special.length) {
        groups.push([village, 1 - SPECIAL_SHARE_ELSEWHERE], [special, SPECIAL_SHARE_ELSEWHERE]);
      } else {
        groups.push([village, 1]);
      }
      for (const [members, part] of groups) {
        const factors = members.map(() => 0.6 + 0.8 * geo.float());
        const total = factors.reduce((a, b) => a + b, 0);
        members.forEach((g, i) => {
          g.weight = (share * part * factors[i]!) / total;
        });
      }
    }
  }

  /** `base` (the count in the full county) at this scale; at least `min` so every kind shows up in tests. */
  count(base: number, min = 1): number {
    return Math.max(min, Math.round(base * this.scale));
  }

  /**
   * The provenance of a row from `source`'s export. Rows are written as object literals field by field, never
   * as `{ ...governed, … }`: V8 turns a spread followed by twenty-odd properties into a slow dictionary
   * object, which made the full county 40× slower to build.
   */
  provenance(source: Source, key: string): ProvenanceData {
    return {
      sources: [
        {
          connector: 'demo',
          sourceKey: `${source.department}/${source.dataset}/${key}`,
          firstSeen: this.exportedAt,
          lastSeen: this.exportedAt,
        },
      ],
      fields: {},
    };
  }

  /** `YYYY-MM-DD` `days` after `date` (negative: before). */
  addDays(date: string, days: number): string {
    return isoFromDayNumber(dayNumber(date) + days);
  }

  /** Whole days from `a` to `b`. */
  daysBetween(a: string, b: string): number {
    return dayNumber(b) - dayNumber(a);
  }

  /** A day uniformly in [from, to] (dates as `YYYY-MM-DD`). */
  dayBetween(rng: Random, from: string, to: string): string {
    const start = dayNumber(from);
    return isoFromDayNumber(start + rng.int(0, Math.max(0, dayNumber(to) - start)));
  }

  /** A birth date giving `age` full years on `asOf`: after the (age+1)th birthday before it, up to the age-th. */
  birthDateForAge(rng: Random, age: number): string {
    const monthDay = this.asOf.slice(4) === '-02-29' ? '-02-28' : this.asOf.slice(4);
    const latest = dayNumber(`${pad(this.year - age, 4)}${monthDay}`);
    const earliest = dayNumber(`${pad(this.year - age - 1, 4)}${monthDay}`) + 1;
    return isoFromDayNumber(earliest + rng.int(0, latest - earliest));
  }

  /** The day, or `asOf` if it falls after it. */
  notAfterAsOf(day: string): string {
    return isoFromDayNumber(Math.min(dayNumber(day), dayNumber(this.asOf)));
  }

  /** An instant on `date` at a China-time hour and minute, as an ISO UTC string. */
  instant(date: string, hour: number, minute: number): string {
    return new Date(Date.parse(`${date}T00:00:00Z`) + ((hour - 8) * 60 + minute) * 60_000).toISOString();
  }

  /** An instant `minutes` after another. */
  later(iso: string, minutes: number): string {
    return new Date(Date.parse(iso) + minutes * 60_000).toISOString();
  }

  /** The `asOf` day at 23:59 China time: nothing happens after it. */
  get endOfDay(): string {
    return this.instant(this.asOf, 23, 59);
  }

  /** A longitude near the grid's centre (rows are built field by field: see `provenance`). */
  longitudeNear(rng: Random, grid: GridInfo, spread = 0.004): number {
    return round6(grid.longitude + spread * (rng.float() - 0.5));
  }

  latitudeNear(rng: Random, grid: GridInfo, spread = 0.004): number {
    return round6(grid.latitude + spread * (rng.float() - 0.5));
  }
}

export function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

export const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * Days since 1970-01-01 for a `YYYY-MM-DD` date, by integer arithmetic (proleptic Gregorian calendar,
 * H. Hinnant's days_from_civil): the generator does this a million times, and Date objects were its hot spot.
 */
export function dayNumber(iso: string): number {
  let y =
    (iso.charCodeAt(0) - 48) * 1000 +
    (iso.charCodeAt(1) - 48) * 100 +
    (iso.charCodeAt(2) - 48) * 10 +
    (iso.charCodeAt(3) - 48);
  const m = (iso.charCodeAt(5) - 48) * 10 + (iso.charCodeAt(6) - 48);
  const d = (iso.charCodeAt(8) - 48) * 10 + (iso.charCodeAt(9) - 48);
  if (m <= 2) y -= 1;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The `YYYY-MM-DD` date of a day number (inverse of `dayNumber`). */
export function isoFromDayNumber(n: number): string {
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${pad(y, 4)}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}
