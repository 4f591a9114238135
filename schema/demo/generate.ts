import { GenerationContext } from './context';
import { generateEvents } from './events';
import { generateOrganizations } from './organizations';
import { generatePeople } from './people';
import { generatePlaces } from './places';
import { generateSituations } from './situations';
import { generateThings } from './things';
import { generateTraining } from './training';
import { DEMO_TABLES, type DemoCounty, type DemoCountyOptions, type DemoTable } from './types';

/**
 * A synthetic, deterministic demo county calibrated on domain.md (山丹县, 2023): the same seed and scale give
 * the same rows, byte for byte, on every machine; scale 1.0 is the full county (~160,000 people in ~62,000
 * households, ~3,000 organisations, 8,276 grid reports and 29 drills in 2023) and smaller scales keep the
 * proportions.
 *
 * Every governed row sits in a grid of `demoCountyRegions()` with that grid's path, and names the department
 * export that supplied it in its provenance. Foreign keys are natural keys; `loadDemoCounty` resolves them.
 */
export function generateDemoCounty(options: DemoCountyOptions = {}): DemoCounty {
  const ctx = new GenerationContext(options);
  const people = generatePeople(ctx);
  const places = generatePlaces(ctx, people);
  const organizations = generateOrganizations(ctx, people);
  const events = generateEvents(ctx, people, places, organizations);
  const things = generateThings(ctx, people, places, organizations);
  const situations = generateSituations(ctx, people);
  const trainingSessions = generateTraining(ctx);
  return {
    seed: ctx.seed,
    scale: ctx.scale,
    asOf: ctx.asOf,
    households: people.households.map((h) => h.row),
    persons: people.persons.map((p) => p.row),
    personRecords: people.records,
    places: [...people.places, ...places.schools, ...places.keyAreas, ...places.lines],
    organizations: organizations.rows,
    events: events.events,
    eventParties: events.parties,
    eventSteps: events.steps,
    eventSupervisions: events.supervisions,
    things,
    situations,
    trainingSessions,
  };
}

/** Rows per table. */
export function demoCountyCounts(county: DemoCounty): Record<DemoTable, number> {
  return Object.fromEntries(DEMO_TABLES.map((t) => [t, county[t].length])) as Record<DemoTable, number>;
}

/** Person records per kind. */
export function demoCountyRecordCounts(county: DemoCounty): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of county.personRecords) out[r.kind] = (out[r.kind] ?? 0) + 1;
  return out;
}

export type * from './types';
export { DEMO_TABLES } from './types';
