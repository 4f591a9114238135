import { beforeAll, describe, expect, it } from 'vitest';
import { isKnownCode } from '../../../schema/codes';
import { type DataSetEntity, dataSet, validateRecord } from '../../../schema/datasets';
import { generateDemoCounty } from '../../../schema/demo/generate';
import { GROUP_RATES } from '../../../schema/demo/people';
import type { DemoCounty, DemoGoverned } from '../../../schema/demo/types';
import { demoCountyRegions } from '../../../schema/regions/demo-county';
import { RegionLevel } from '../../../schema/regions/region.entity';
import { childPath, ROOT_PATH } from '../../../schema/regions/region-path';
import { citizenIdFacts, citizenIdPasses, creditCodePasses, isRealDate } from './checks';

/** In memory only: the generator's promises, checked at test scale and (for proportions) at full scale. */

const GOVERNED_TABLES = [
  'households',
  'persons',
  'personRecords',
  'places',
  'organizations',
  'events',
  'things',
  'situations',
] as const;

function gridPaths(): Map<string, string> {
  const paths = new Map<string, string>();
  const grids = new Map<string, string>();
  for (const r of demoCountyRegions()) {
    const path = childPath(r.parentCode ? paths.get(r.parentCode)! : ROOT_PATH, r.code);
    paths.set(r.code, path);
    if (r.level === RegionLevel.GRID) grids.set(r.code, path);
  }
  return grids;
}

const share = (part: number, whole: number) => part / whole;

describe('the demo county generator at test scale', () => {
  let county: DemoCounty;
  beforeAll(() => {
    county = generateDemoCounty({ seed: 2023, scale: 0.02 });
  });

  it('is deterministic: the same seed gives deep-equal output, another seed another county', () => {
    expect(generateDemoCounty({ seed: 2023, scale: 0.02 })).toStrictEqual(county);
    const other = generateDemoCounty({ seed: 2024, scale: 0.02 });
    expect(other.persons.length).toBeGreaterThan(0);
    const ids = new Set(county.persons.map((p) => p.idNumber));
    const shared = other.persons.filter((p) => ids.has(p.idNumber)).length;
    expect(shared / other.persons.length).toBeLessThan(0.01);
    expect(other.events.map((e) => e.title)).not.toEqual(county.events.map((e) => e.title));
  });

  it('puts every governed row in a grid, with that grid’s path', () => {
    const grids = gridPaths();
    for (const table of GOVERNED_TABLES) {
      const rows = county[table] as readonly DemoGoverned[];
      expect(rows.length, table).toBeGreaterThan(0);
      const wrong = rows.filter((r) => grids.get(r.regionCode) !== r.regionPath);
      expect(wrong, table).toEqual([]);
    }
  });

  it('names the supplying department in every row’s provenance', () => {
    for (const table of GOVERNED_TABLES) {
      for (const row of county[table] as readonly DemoGoverned[]) {
        const [source] = row.provenance.sources;
        expect(row.provenance.sources).toHaveLength(1);
        expect(source!.connector).toBe('demo');
        expect(source!.sourceKey).toMatch(/^(山丹县|中共山丹县委|共青团山丹县委|张掖市)[^/]*\/[^/]+\/.+/);
        expect(Date.parse(source!.firstSeen)).not.toBeNaN();
      }
    }
    const key = (table: (typeof GOVERNED_TABLES)[number], i = 0) =>
      (county[table][i] as DemoGoverned).provenance.sources[0]!.sourceKey;
    expect(key('households')).toMatch(/^山丹县公安局\/户籍人口\//);
    expect(key('persons')).toMatch(/^山丹县公安局\/户籍人口\//);
    const bySource = (kind: string) =>
      county.personRecords.find((r) => r.kind === kind)!.provenance.sources[0]!.sourceKey;
    expect(bySource('community_correction')).toMatch(/^山丹县司法局\//);
    expect(bySource('released_prisoner')).toMatch(/^山丹县司法局\//);
    expect(bySource('severe_mental_disorder')).toMatch(/^山丹县卫生健康局\//);
    const social = county.organizations.find((o) => o.kind === 'social_organization')!;
    expect(social.provenance.sources[0]!.sourceKey).toMatch(/^山丹县民政局\//);
  });

  it('issues ID numbers and credit codes that pass their checks, with sex and birth date agreeing', () => {
    const seen = new Set<string>();
    for (const p of county.persons) {
      if (p.idNumber === null) {
        expect(p.documentType).toBe('414');
        expect(p.documentNumber).toMatch(/^[A-Z0-9]{8,9}$/);
        continue;
      }
      expect(citizenIdPasses(p.idNumber), p.idNumber).toBe(true);
      expect(seen.has(p.idNumber)).toBe(false);
      seen.add(p.idNumber);
      const facts = citizenIdFacts(p.idNumber);
      expect(facts.birthDate).toBe(p.birthDate);
      expect(facts.sex).toBe(p.sex);
      expect(isRealDate(p.birthDate)).toBe(true);
      expect(p.birthDate <= county.asOf).toBe(true);
      if (p.phone !== null) expect(p.phone).toMatch(/^1[3-9]\d{9}$/);
    }
    for (const party of county.eventParties.filter((p) => p.creditCode === null)) {
      if (party.idNumber) expect(citizenIdPasses(party.idNumber)).toBe(true);
    }
    const credit = county.organizations.map((o) => o.creditCode).filter((c): c is string => c !== null);
    expect(credit.length).toBeGreaterThan(0);
    expect(new Set(credit).size).toBe(credit.length);
    for (const code of credit) {
      expect(creditCodePasses(code), code).toBe(true);
      expect(code.slice(2, 8)).toBe('620725');
    }
    const prefixes = new Set(credit.map((c) => c.slice(0, 2)));
    for (const p of ['91', '92', '93', '51', '52', '12']) expect(prefixes).toContain(p);
  });

  it('uses the old county code 622226 only for people born before the 2002 change', () => {
    for (const p of county.persons) {
      if (p.idNumber?.startsWith('622226')) expect(p.birthDate < '2002-01-01').toBe(true);
    }
    const floating = new Set(
      county.personRecords.filter((r) => r.kind === 'floating').map((r) => r.personIdNumber),
    );
    for (const p of county.persons.filter((x) => floating.has(x.idNumber))) {
      expect(p.idNumber!.slice(0, 6)).not.toMatch(/^(620725|622226)$/);
      expect(p.householdNumber).toBeNull();
      expect(p.registeredRegionCode).toBe(p.idNumber!.slice(0, 6));
    }
  });

  it('keeps natural keys unique and every reference resolvable inside the county', () => {
    const unique = (values: readonly (string | null)[]) => new Set(values).size === values.length;
    expect(unique(county.households.map((h) => h.householdNumber))).toBe(true);
    expect(unique(county.places.map((p) => p.code))).toBe(true);
    expect(unique(county.events.map((e) => e.code))).toBe(true);
    expect(unique(county.things.map((t) => t.code))).toBe(true);
    expect(unique(county.situations.map((s) => s.code))).toBe(true);

    const people = new Set(county.persons.map((p) => p.idNumber ?? `${p.documentType}:${p.documentNumber}`));
    const households = new Set(county.households.map((h) => h.householdNumber));
    const places = new Set(county.places.map((p) => p.code));
    const credit = new Set(county.organizations.map((o) => o.creditCode));
    const events = new Set(county.events.map((e) => e.code));
    for (const p of county.persons)
      if (p.householdNumber) expect(households.has(p.householdNumber)).toBe(true);
    const recordKeys = new Set<string>();
    for (const r of county.personRecords) {
      const key = r.personIdNumber ?? `${r.personDocumentType}:${r.personDocumentNumber}`;
      expect(people.has(key), key).toBe(true);
      expect(recordKeys.has(`${key}/${r.kind}`)).toBe(false);
      recordKeys.add(`${key}/${r.kind}`);
    }
    for (const p of county.places) if (p.parentCode) expect(places.has(p.parentCode)).toBe(true);
    for (const e of county.events) if (e.placeCode) expect(places.has(e.placeCode)).toBe(true);
    for (const t of county.things) {
      if (t.ownerCreditCode) expect(credit.has(t.ownerCreditCode)).toBe(true);
      if (t.placeCode) expect(places.has(t.placeCode)).toBe(true);
    }
    for (const x of [...county.eventParties, ...county.eventSteps, ...county.eventSupervisions]) {
      expect(events.has(x.eventCode)).toBe(true);
    }
    // Every household member is registered there, and the head is one of them.
    const registered = county.personRecords.filter((r) => r.kind === 'registered');
    expect(registered).toHaveLength(county.persons.filter((p) => p.householdNumber).length);
    const members = new Map<string, Set<string>>();
    for (const p of county.persons) {
      if (p.householdNumber)
        members.set(p.householdNumber, (members.get(p.householdNumber) ?? new Set()).add(p.idNumber!));
    }
    for (const h of county.households)
      expect(members.get(h.householdNumber)?.has(h.headIdNumber!)).toBe(true);
  });

  it('produces records that pass the project’s data-set validation (fields, mandatory items, codes, identifiers)', () => {
    const failures = new Map<string, number>();
    const examples: string[] = [];
    let checked = 0;
    const check = (entity: DataSetEntity, kind: string | undefined, row: object) => {
      const spec = dataSet(entity, kind);
      expect(spec, `${entity}/${kind}`).toBeDefined();
      // The owning grid and provenance are the entity's `region` and `provenance`, not data-set fields (a
      // data set's `regionCode` attribute is the address's division code).
      const { attributes, regionCode, regionPath, provenance, ...columns } = row as DemoGoverned & {
        attributes?: Record<string, unknown>;
      };
      expect(regionPath.endsWith(`/${regionCode}/`) && provenance.sources.length === 1).toBe(true);
      const result = validateRecord(spec!, { columns, attributes }, { today: county.asOf });
      checked++;
      for (const f of result.failures) {
        const key = `${spec!.id}.${f.field} ${f.rule}`;
        failures.set(key, (failures.get(key) ?? 0) + 1);
        if (examples.length < 10) examples.push(f.message);
      }
    };
    for (const h of county.households) check('household', undefined, h);
    for (const p of county.persons) check('person', p.idNumber ? undefined : 'foreign', p);
    for (const r of county.personRecords) check('person_record', r.kind, r);
    for (const p of county.places) check('place', p.kind, p);
    for (const o of county.organizations) check('organization', o.kind, o);
    for (const e of county.events) check('event', e.kind, e);
    for (const t of county.things) check('thing', t.kind, t);
    for (const s of county.situations) check('situation', s.kind, s);
    expect({ failures: Object.fromEntries(failures), examples }).toEqual({ failures: {}, examples: [] });
    expect(checked).toBeGreaterThan(5_000);
    // Event parties are rows of their own, outside the data sets: their 人员类别 is checked here.
    for (const party of county.eventParties.filter((p) => p.creditCode === null))
      expect(isKnownCode('party_category', party.category!)).toBe(true);
  });
});

describe('the full-scale demo county (in memory)', () => {
  let full: DemoCounty;
  let tenth: DemoCounty;
  beforeAll(() => {
    full = generateDemoCounty({ seed: 1, scale: 1 });
    tenth = generateDemoCounty({ seed: 1, scale: 0.1 });
  }, 120_000);

  const seatShare = (c: DemoCounty) =>
    share(c.persons.filter((p) => p.regionCode.startsWith('620725101')).length, c.persons.length);
  const kindCount = (c: DemoCounty, kind: string) => c.personRecords.filter((r) => r.kind === kind).length;

  it('matches the county’s size: ~160,000 people, 62,000 households, ~3,000 organisations, ~8,000 events', () => {
    expect(full.households).toHaveLength(62_000);
    expect(full.persons.length).toBeGreaterThan(155_000);
    expect(full.persons.length).toBeLessThan(165_000);
    expect(full.organizations.length).toBeGreaterThan(2_800);
    expect(full.organizations.length).toBeLessThan(3_200);
    expect(full.organizations.filter((o) => o.kind === 'governance_centre')).toHaveLength(1 + 8 + 123);
    // 8,276 grid reports (incidents and disputes) and 250 police cases.
    expect(full.events).toHaveLength(8_526);
    expect(full.events.filter((e) => e.kind === 'dispute')).toHaveLength(600);
  });

  it('reproduces the county’s 2023: 8,276 items reported, 2,340 key matters, 580 disputes resolved, training', () => {
    const reports = full.events.filter(
      (e) => (e.kind === 'incident' || e.kind === 'dispute') && e.occurredAt.startsWith('2023'),
    );
    expect(reports).toHaveLength(8_276);
    const keyMatters = full.events.filter((e) => e.attributes.keyMatter === true);
    expect(keyMatters).toHaveLength(2_340);
    expect(keyMatters.every((e) => e.kind !== 'case')).toBe(true);
    // The group-scale disputes are key matters first.
    const group = full.events.filter((e) => e.kind === 'dispute' && e.scale !== '01');
    expect(group.every((e) => e.attributes.keyMatter === true)).toBe(true);
    const disputes = full.events.filter((e) => e.kind === 'dispute');
    expect(disputes.filter((e) => e.resolvedSuccessfully === true)).toHaveLength(580);
    const drills = full.trainingSessions.filter((s) => s.kind === 'drill');
    expect(drills).toHaveLength(29);
    expect(full.trainingSessions.reduce((n, s) => n + s.participants, 0)).toBe(1_280);
    // A tenth of the county keeps the proportions and the dispute resolution target.
    const tenthReports = tenth.events.filter((e) => e.kind === 'incident' || e.kind === 'dispute');
    expect(tenthReports).toHaveLength(768 + 60);
    expect(tenth.events.filter((e) => e.attributes.keyMatter === true)).toHaveLength(234);
    expect(tenth.events.filter((e) => e.kind === 'dispute' && e.resolvedSuccessfully === true)).toHaveLength(
      58,
    );
  });

  it('puts ~55 % of the people in the county seat 清泉镇, at every scale', () => {
    expect(seatShare(full)).toBeGreaterThan(0.53);
    expect(seatShare(full)).toBeLessThan(0.57);
    expect(Math.abs(seatShare(tenth) - seatShare(full))).toBeLessThan(0.02);
  });

  it('has the population types and special groups at their rates, at every scale', () => {
    const n = full.persons.length;
    expect(share(kindCount(full, 'floating'), n)).toBeCloseTo(0.03, 3);
    expect(Math.abs(share(kindCount(tenth, 'floating'), tenth.persons.length) - 0.03)).toBeLessThan(0.002);
    expect(kindCount(full, 'foreign')).toBe(20);
    const leftBehind = share(kindCount(full, 'left_behind'), n);
    expect(leftBehind).toBeGreaterThan(0.03);
    expect(leftBehind).toBeLessThan(0.06);
    // Group sizes are rounded: allow one person or 2 % (full scale) / 10 % (a tenth), whichever is more.
    for (const [kind, rate] of Object.entries(GROUP_RATES)) {
      for (const [c, tolerance] of [
        [full, 0.02],
        [tenth, 0.1],
      ] as const) {
        const expected = rate * c.persons.length;
        expect(Math.abs(kindCount(c, kind) - expected), kind).toBeLessThanOrEqual(
          Math.max(1, tolerance * expected),
        );
      }
    }
    const workers = full.personRecords.filter((r) => r.kind === 'grid_worker');
    expect(workers.filter((w) => w.attributes.fullTime === true)).toHaveLength(225);
    expect(workers.filter((w) => w.attributes.fullTime === false)).toHaveLength(120);
    const heads = full.personRecords.filter((r) => r.kind === 'building_head');
    expect(heads.length).toBeGreaterThan(200);
    expect(heads.length).toBeLessThan(500);
    const urbanGrids = new Set(
      demoCountyRegions()
        .filter((r) => r.kind === 'urban_grid')
        .map((r) => r.code),
    );
    expect(heads.every((h) => urbanGrids.has(h.regionCode))).toBe(true);
    expect(
      full.personRecords.filter((r) => r.kind === 'left_behind').every((r) => !urbanGrids.has(r.regionCode)),
    ).toBe(true);
  });

  it('is mostly 汉族 with the Hexi corridor’s minorities under their GB/T 3304 codes', () => {
    const counts = new Map<string | null, number>();
    for (const p of full.persons) counts.set(p.ethnicity, (counts.get(p.ethnicity) ?? 0) + 1);
    expect(share(counts.get('01')!, full.persons.length)).toBeGreaterThan(0.96);
    for (const code of ['03', '04', '48']) expect(counts.get(code)).toBeGreaterThan(100);
    expect(
      [...counts.keys()].every((c) => c === null || ['01', '02', '03', '04', '26', '30', '48'].includes(c)),
    ).toBe(true);
    const codes = new Map<string, number>();
    for (const p of full.persons)
      if (p.idNumber) codes.set(p.idNumber.slice(0, 6), (codes.get(p.idNumber.slice(0, 6)) ?? 0) + 1);
    expect(codes.get('620725')!).toBeGreaterThan(codes.get('622226')!);
    expect(codes.get('622226')!).toBeGreaterThan(0.2 * full.persons.length);
  });

  it('resolves at least 95 % of disputes, and answers the safety survey at ~95 % safe', () => {
    const disputes = full.events.filter((e) => e.kind === 'dispute');
    const resolved = disputes.filter((e) => e.resolvedSuccessfully === true).length;
    expect(share(resolved, disputes.length)).toBeGreaterThanOrEqual(0.95);
    for (const d of disputes) {
      expect(d.typeCode).toMatch(/^(0[1-9]|1[0-6])\d\d$/);
      expect(['01', '02', '03']).toContain(d.scale);
      expect(full.eventParties.filter((p) => p.eventCode === d.code).length).toBeGreaterThanOrEqual(2);
    }
    expect(full.eventSupervisions.length).toBeGreaterThan(0);
    const survey = full.situations.filter((s) => s.kind === 'safety_survey');
    const safe = survey.filter((s) => ['01', '02', '03'].includes(s.rating!)).length;
    expect(share(safe, survey.length)).toBeCloseTo(0.95, 2);
  });
});
