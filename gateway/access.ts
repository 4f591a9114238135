import type { EntityManager } from '@mikro-orm/postgresql';
import type { Caller } from '../schema/access/credentials.service';
import {
  combinePolicies,
  type EffectivePolicy,
  GOVERNED_TYPES,
  type GovernedType,
  type RowFilter,
  type ScopeContext,
  type SensitiveField,
  type SqlFragment,
  scopeSql,
} from '../schema/access/policy';
import { effectivePolicy } from '../schema/access/policy.service';
import type { Scope } from '../schema/access/scope';
import { type DataSetEntity, dataSet, type FieldSpec } from '../schema/datasets';
import { departmentUnits } from '../schema/events/units';
import type { WorkflowActor } from '../schema/events/workflow.service';
import { maskCitizenId, maskPhone } from '../schema/identifiers';
import { getRegionCached } from '../schema/regions/region.service';
import { ADMIN_FIELDS } from './resolvers/access.resolver';

export type { SensitiveField };

/**
 * The one place the gateway asks what a caller may see, built per request from the caller's roles: which
 * root fields it may call and which fields of each type it may read (the schema guard in ./guard.ts asks
 * here), which rows (as SQL predicates the services add to every statement: it is the request's Scope),
 * which personal fields in the clear (the rest masked: ID numbers 6 + 4, phones 3 + 4, names as the surname
 * and *, addresses cut to six characters, birth dates to the year), its page cap and whether it may read
 * aggregates.
 */
export class Access implements Scope {
  private readonly scopes = new Map<string, SqlFragment>();

  constructor(
    readonly caller: Caller | null,
    readonly policy: EffectivePolicy,
    private readonly scopeContext: ScopeContext,
    private readonly today: string,
  ) {}

  /** No key: the `anonymous` role's policy (by default, reference data only). */
  static anonymous(policy: EffectivePolicy = combinePolicies([])): Access {
    return new Access(null, policy, { unitPath: null, pathOf: () => null }, chinaToday());
  }

  get principal(): string {
    return this.caller?.principal ?? 'anonymous';
  }

  get role(): string | null {
    return this.policy.roles.join(',') || null;
  }

  where(type: GovernedType, alias: string): SqlFragment {
    const key = `${type}/${alias}`;
    let fragment = this.scopes.get(key);
    if (!fragment) {
      fragment = scopeSql(this.policy, type, alias, this.scopeContext, this.today);
      this.scopes.set(key, fragment);
    }
    return fragment;
  }

  /**
   * The caller as an actor of the events workflow: its unit (a region code) and the departments its roles
   * make it part of; administrators act as the county centre too.
   */
  workflowActor(): WorkflowActor {
    const units = [
      ...(this.caller?.unitCode ? [this.caller.unitCode] : []),
      ...departmentUnits(this.caller?.roles ?? []),
    ];
    return { name: this.principal, units, admin: this.policy.admin };
  }

  mayCall(rootField: string): boolean {
    if (ADMIN_FIELDS.has(rootField) && !this.policy.admin) return false;
    return this.policy.rootFields === '*' || this.policy.rootFields.has(rootField);
  }

  /** Whether the caller may read `field` of `type`; types without a policy of their own are open. */
  mayRead(type: string, field: string): boolean {
    if (!GOVERNED.has(type)) return true;
    const rule = this.policy.types[type as GovernedType];
    if (!rule) return false;
    return rule.fields === '*' || rule.fields.has(field);
  }

  sees(field: SensitiveField): boolean {
    return this.policy.clear.has(field);
  }

  /** Fields this caller reads in the clear, for the audit entry. */
  clearFields(): SensitiveField[] {
    return [...this.policy.clear];
  }

  show(field: SensitiveField, value: string | null | undefined): string | null {
    if (value == null || value === '') return value ?? null;
    if (this.sees(field)) return value;
    switch (field) {
      case 'idNumber':
        return maskCitizenId(value);
      case 'phone':
        return maskPhone(value);
      case 'name':
        return `${[...value][0]}${'*'.repeat(Math.max(1, [...value].length - 1))}`;
      case 'address':
        return [...value].length > 6 ? `${[...value].slice(0, 6).join('')}****` : value;
      case 'birthDate':
        return `${value.slice(0, 4)}-**-**`;
      case 'documentNumber':
        return value.length > 4 ? `${'*'.repeat(value.length - 4)}${value.slice(-4)}` : '****';
    }
  }
}

const GOVERNED = new Set<string>(GOVERNED_TYPES);

function chinaToday(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** Builds the request's Access: the caller's roles (or `anonymous`), combined, with its unit's path. */
export async function accessFor(em: EntityManager, caller: Caller | null): Promise<Access> {
  const policy = await effectivePolicy(em, caller ? caller.roles : ['anonymous']);
  const unitPath = caller?.unitCode
    ? ((await getRegionCached(em, caller.unitCode).catch(() => null))?.path ?? null)
    : null;
  const paths = new Map<string, string | null>();
  for (const code of unitCodesOf(policy))
    paths.set(code, (await getRegionCached(em, code).catch(() => null))?.path ?? null);
  return new Access(caller, policy, { unitPath, pathOf: (code) => paths.get(code) ?? null }, chinaToday());
}

/** Units named by fixed-unit row filters, resolved once per request. */
function unitCodesOf(policy: EffectivePolicy): string[] {
  const codes: string[] = [];
  const walk = (f: RowFilter) => {
    if ('unit' in f) codes.push(f.unit);
    else if ('and' in f) f.and.forEach(walk);
    else if ('or' in f) f.or.forEach(walk);
  };
  for (const rule of Object.values(policy.types)) if (rule) walk(rule.rows);
  return codes;
}

/** Which masking rule a data-set field's values need, if any: by type first, then by what the label names. */
function maskingOf(field: FieldSpec): SensitiveField | null {
  if (field.type === 'citizenId') return 'idNumber';
  if (field.type === 'phone') return 'phone';
  if (/姓名|名称$/.test(field.label) && !/单位|机构|组织|企业|学校|医院/.test(field.label)) return 'name';
  if (/证件号码|证件号/.test(field.label)) return 'documentNumber';
  if (/详址|地址|住址|住所/.test(field.label)) return 'address';
  return field.sensitive ? 'name' : null;
}

const attributeMasks = new Map<string, Map<string, SensitiveField>>();

/** The masking rule of each personal attribute of a data set, computed once per data set. */
function masksOf(entity: DataSetEntity, kind: string | undefined): Map<string, SensitiveField> {
  const key = `${entity}/${kind ?? ''}`;
  let masks = attributeMasks.get(key);
  if (!masks) {
    masks = new Map();
    for (const field of dataSet(entity, kind)?.fields ?? []) {
      const rule = field.in === 'attributes' ? maskingOf(field) : null;
      if (rule) masks.set(field.name, rule);
    }
    attributeMasks.set(key, masks);
  }
  return masks;
}

/**
 * A record's data-set attributes as this caller may see them: personal values (the household head's ID number,
 * a tenant's phone, a guardian's name…) masked by the same rules as the person's own fields.
 */
export function visibleAttributes(
  access: Access,
  entity: DataSetEntity,
  kind: string | undefined,
  attributes: Record<string, unknown>,
): Record<string, unknown> {
  const masks = masksOf(entity, kind);
  if (!masks.size) return attributes;
  // A caller who reads every one of them in the clear gets the stored object itself, not a copy.
  let clear = true;
  for (const rule of masks.values()) clear &&= access.sees(rule);
  if (clear) return attributes;
  const out: Record<string, unknown> = { ...attributes };
  for (const [name, rule] of masks) {
    const value = out[name];
    if (value == null) continue;
    out[name] = typeof value === 'string' ? access.show(rule, value) : access.sees(rule) ? value : null;
  }
  return out;
}

/**
 * The personal records one request returned, by type; the audit plugin writes them once the response is
 * ready, one entry per type.
 */
export class ReadLog {
  private readonly seen = new Map<string, Set<string>>();

  saw(recordType: string, ids: Iterable<string>): void {
    const set = this.seen.get(recordType) ?? new Set<string>();
    this.seen.set(recordType, set);
    for (const id of ids) set.add(String(id));
  }

  entries(): Array<{ recordType: string; ids: string[] }> {
    return [...this.seen]
      .filter(([, ids]) => ids.size)
      .map(([recordType, ids]) => ({ recordType, ids: [...ids] }));
  }
}
