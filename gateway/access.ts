import { type DataSetEntity, dataSet, type FieldSpec } from '../schema/datasets';
import { maskCitizenId, maskPhone } from '../schema/identifiers';
import { DomainError } from '../schema/runtime/errors';

/** Fields that are personal data in the clear; each is masked unless the caller may see it. */
export type SensitiveField = 'idNumber' | 'name' | 'phone' | 'address' | 'birthDate' | 'documentNumber';

/**
 * The one place resolvers ask what a caller may see. Until credentials and policies exist (the access issue),
 * every caller is `anonymous` and sees personal fields masked: ID numbers 6 + 4, phones 3 + 4, names as the
 * surname and *, addresses cut to the first six characters, birth dates to the year.
 */
export class Access {
  constructor(
    readonly principal: string,
    readonly role: string | null,
    private readonly clear: ReadonlySet<SensitiveField>,
  ) {}

  static anonymous(): Access {
    return new Access('anonymous', null, new Set());
  }

  sees(field: SensitiveField): boolean {
    return this.clear.has(field);
  }

  /** Fields this caller reads in the clear, for the audit entry. */
  clearFields(): SensitiveField[] {
    return [...this.clear];
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

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Operator actions (registering and running connectors, reading and fixing quarantined records, which hold
 * personal data as the source sent it) until principals and API keys exist: allowed to callers on this
 * machine only. The one place that rule lives; the access issue replaces it with a role check.
 */
export function requireOperator(caller: { clientAddress: string | null }): void {
  if (caller.clientAddress && LOOPBACK.has(caller.clientAddress)) return;
  throw new DomainError(
    'FORBIDDEN',
    'Operator access requires a local caller (127.0.0.1 or ::1) until API keys exist',
    { rule: 'operator access: loopback only' },
  );
}
