import { maskCitizenId, maskPhone } from '../schema/identifiers';

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
