import { z } from 'zod';
import { DATA_SETS, type SensitiveSet } from '../datasets';
import { PersonRecordKind } from '../people/person-record.entity';

/**
 * Read policies as data: per role, which root fields and types it sees, which rows of each type (a filter
 * tree over the caller's unit, a fixed unit, or kinds/groups, combined with and/or), which fields, which
 * personal fields in the clear (the rest masked), which sensitive sets (special groups, minors, health) it
 * is granted, its page cap, whether it may read aggregates, its request limits and rate limit. A principal
 * with several roles gets the union of their read permissions. SQL for the row filters is built here too,
 * so that every service applies the same predicate to lists, counts and lookups.
 */

export const SENSITIVE_FIELDS = [
  'idNumber',
  'name',
  'phone',
  'address',
  'birthDate',
  'documentNumber',
] as const;
export type SensitiveField = (typeof SENSITIVE_FIELDS)[number];

export const SENSITIVE_SETS = ['special_group', 'minor', 'health'] as const satisfies readonly SensitiveSet[];

/** The GraphQL types whose rows policies filter. */
export const GOVERNED_TYPES = [
  'Person',
  'PersonRecord',
  'Household',
  'Event',
  'Organization',
  'Place',
  'Thing',
  'Situation',
] as const;
export type GovernedType = (typeof GOVERNED_TYPES)[number];

export type RowFilter =
  | { all: true }
  | { ownUnit: true }
  | { unit: string }
  | { kinds: string[] }
  | { and: RowFilter[] }
  | { or: RowFilter[] };

export const RowFilterSchema: z.ZodType<RowFilter> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.literal(true) }),
    z.strictObject({ ownUnit: z.literal(true) }),
    z.strictObject({ unit: z.string().min(1) }),
    z.strictObject({ kinds: z.array(z.string().min(1)).min(1) }),
    z.strictObject({ and: z.array(RowFilterSchema).min(1) }),
    z.strictObject({ or: z.array(RowFilterSchema).min(1) }),
  ]),
);

const TypeRuleSchema = z.strictObject({
  rows: RowFilterSchema.default({ all: true }),
  /** Fields of the type it may read; '*' for all. */
  fields: z.union([z.literal('*'), z.array(z.string().min(1))]).default('*'),
});
export type TypeRule = z.output<typeof TypeRuleSchema>;

export const LimitsSchema = z.strictObject({
  depth: z.number().int().min(1).max(50).default(8),
  cost: z.number().int().min(1).max(1_000_000).default(5_000),
  aliases: z.number().int().min(0).max(1_000).default(30),
  bodyBytes: z.number().int().min(1_000).max(10_000_000).default(100_000),
});
export type Limits = z.output<typeof LimitsSchema>;

export const PolicySchema = z.strictObject({
  description: z.string().default(''),
  /** Query and Mutation fields it may call; '*' for all. */
  rootFields: z.union([z.literal('*'), z.array(z.string().min(1))]).default([]),
  types: z.partialRecord(z.enum(GOVERNED_TYPES), TypeRuleSchema).default({}),
  /** Personal fields shown in the clear; the others are masked (ID 6+4, phone 3+4, name to surname + *). */
  clear: z.array(z.enum(SENSITIVE_FIELDS)).default([]),
  /** Sensitive sets (PIPL art. 28) it is granted; without the grant those rows are hidden. */
  sensitiveSets: z.array(z.enum(SENSITIVE_SETS)).default([]),
  /** Largest page it may fetch. */
  rowCap: z.number().int().min(1).max(1_000).default(100),
  aggregates: z.boolean().default(false),
  limits: LimitsSchema.default(LimitsSchema.parse({})),
  /** Requests per minute per client, counted in Redis across gateway processes. */
  ratePerMinute: z.number().int().min(1).max(1_000_000).default(600),
  introspection: z.boolean().default(false),
  /** Administration: principals, keys, policies, connectors, the audit. */
  admin: z.boolean().default(false),
  /** A declared purpose (X-Purpose header) is required on every request. */
  requirePurpose: z.boolean().default(false),
});
export type Policy = z.output<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;

/** What a principal may do: its roles' policies combined (union of read permissions). */
export interface EffectivePolicy {
  roles: string[];
  rootFields: '*' | ReadonlySet<string>;
  types: Partial<Record<GovernedType, { rows: RowFilter; fields: '*' | ReadonlySet<string> }>>;
  clear: ReadonlySet<SensitiveField>;
  sensitiveSets: ReadonlySet<SensitiveSet>;
  rowCap: number;
  aggregates: boolean;
  limits: Limits;
  ratePerMinute: number;
  introspection: boolean;
  admin: boolean;
  requirePurpose: boolean;
}

function simplify(filters: RowFilter[]): RowFilter {
  if (filters.some((f) => 'all' in f)) return { all: true };
  return filters.length === 1 ? filters[0]! : { or: filters };
}

export function combinePolicies(entries: Array<{ role: string; policy: Policy }>): EffectivePolicy {
  const roots = entries.map((e) => e.policy.rootFields);
  const types: EffectivePolicy['types'] = {};
  for (const type of GOVERNED_TYPES) {
    const rules = entries.map((e) => e.policy.types[type]).filter((r): r is TypeRule => Boolean(r));
    if (!rules.length) continue;
    types[type] = {
      rows: simplify(rules.map((r) => r.rows)),
      fields: rules.some((r) => r.fields === '*') ? '*' : new Set(rules.flatMap((r) => r.fields as string[])),
    };
  }
  const max = (f: (p: Policy) => number, fallback: number) =>
    entries.length ? Math.max(...entries.map((e) => f(e.policy))) : fallback;
  return {
    roles: entries.map((e) => e.role),
    rootFields: roots.includes('*') ? '*' : new Set(roots.flatMap((r) => r as string[])),
    types,
    clear: new Set(entries.flatMap((e) => e.policy.clear)),
    sensitiveSets: new Set(entries.flatMap((e) => e.policy.sensitiveSets)),
    rowCap: max((p) => p.rowCap, 20),
    aggregates: entries.some((e) => e.policy.aggregates),
    limits: {
      depth: max((p) => p.limits.depth, 5),
      cost: max((p) => p.limits.cost, 1_000),
      aliases: max((p) => p.limits.aliases, 10),
      bodyBytes: max((p) => p.limits.bodyBytes, 20_000),
    },
    ratePerMinute: max((p) => p.ratePerMinute, 60),
    introspection: entries.some((e) => e.policy.introspection),
    admin: entries.some((e) => e.policy.admin),
    // A constraint rather than a permission: any role that requires a purpose requires it.
    requirePurpose: entries.some((e) => e.policy.requirePurpose),
  };
}

/** Person-record kinds whose data set belongs to a sensitive set not granted. */
export function hiddenRecordKinds(granted: ReadonlySet<SensitiveSet>): string[] {
  const kinds = new Set<string>();
  for (const d of DATA_SETS) {
    if (d.entity === 'person_record' && d.kind && d.sensitiveSet && !granted.has(d.sensitiveSet))
      kinds.add(d.kind);
  }
  return [...kinds];
}

export interface SqlFragment {
  sql: string;
  params: unknown[];
}

export const NOTHING: SqlFragment = { sql: 'false', params: [] };
export const EVERYTHING: SqlFragment = { sql: 'true', params: [] };

export interface ScopeContext {
  /** The caller's unit path (`/620725/620725101/`), when it has a unit. */
  unitPath: string | null;
  /** Unit code → path, for filters naming a fixed unit. */
  pathOf: (code: string) => string | null;
}

const PERSON_KINDS = new Set<string>(Object.values(PersonRecordKind));

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The SQL predicate (knex `?` placeholders) of a row filter on `type`'s table aliased `alias`. Kinds mean:
 * for a person, holding a record of one of them; for a person record or a kinded record, its kind.
 */
export function rowFilterSql(
  filter: RowFilter,
  type: GovernedType,
  alias: string,
  ctx: ScopeContext,
): SqlFragment {
  if ('all' in filter) return EVERYTHING;
  if ('ownUnit' in filter || 'unit' in filter) {
    const path = 'ownUnit' in filter ? ctx.unitPath : ctx.pathOf(filter.unit);
    if (!path) return NOTHING;
    // A person record or household row carries its own region path like every governed record.
    return { sql: `${alias}.region_path like ?`, params: [`${escapeLike(path)}%`] };
  }
  if ('kinds' in filter) {
    if (type === 'Person') {
      const kinds = filter.kinds.filter((k) => PERSON_KINDS.has(k));
      if (!kinds.length) return NOTHING;
      return {
        sql: `exists (select 1 from person_record pk where pk.person_id = ${alias}.id and pk.kind::text = any(?::text[]))`,
        params: [`{${kinds.join(',')}}`],
      };
    }
    if (type === 'Household') return NOTHING;
    return { sql: `${alias}.kind::text = any(?::text[])`, params: [`{${filter.kinds.join(',')}}`] };
  }
  const parts = ('and' in filter ? filter.and : filter.or).map((f) => rowFilterSql(f, type, alias, ctx));
  const joiner = 'and' in filter ? ' and ' : ' or ';
  return { sql: `(${parts.map((p) => p.sql).join(joiner)})`, params: parts.flatMap((p) => p.params) };
}

/**
 * The whole predicate for `type` under a policy: its row filter, and the sensitive sets it is not granted
 * (person records of those groups; for people, minors unless `minor` is granted). NOTHING for a type the
 * policy does not list.
 */
export function scopeSql(
  policy: EffectivePolicy,
  type: GovernedType,
  alias: string,
  ctx: ScopeContext,
  today: string,
): SqlFragment {
  const rule = policy.types[type];
  if (!rule) return NOTHING;
  const parts: SqlFragment[] = [rowFilterSql(rule.rows, type, alias, ctx)];
  if (type === 'PersonRecord') {
    const hidden = hiddenRecordKinds(policy.sensitiveSets);
    if (hidden.length)
      parts.push({ sql: `${alias}.kind::text <> all(?::text[])`, params: [`{${hidden.join(',')}}`] });
  }
  if (type === 'Person' && !policy.sensitiveSets.has('minor')) {
    const [y, m, d] = today.split('-');
    parts.push({ sql: `${alias}.birth_date <= ?::date`, params: [`${Number(y) - 18}-${m}-${d}`] });
  }
  const real = parts.filter((p) => p !== EVERYTHING);
  if (!real.length) return EVERYTHING;
  if (real.includes(NOTHING)) return NOTHING;
  return { sql: real.map((p) => p.sql).join(' and '), params: real.flatMap((p) => p.params) };
}
