import type { CodeTableDef, CodeValueDef } from './code-table';
import { GBT31000_LOCAL_TABLES, GBT31000_TABLES } from './gbt31000';
import { PERSON_BLOCK_TABLES } from './person-block';

export type { CodeTableDef, CodeValueDef } from './code-table';

/**
 * Every code table: GB/T 31000-2015, its local (configurable) dictionaries, and the person block. The lookups
 * below index this list on first use: change it (e.g. reconfigure a local dictionary) before the first lookup.
 */
export const CODE_TABLES: CodeTableDef[] = [
  ...GBT31000_TABLES,
  ...GBT31000_LOCAL_TABLES,
  ...PERSON_BLOCK_TABLES,
];

export type CodeCheck =
  | { ok: true; code: string; label: string }
  | { ok: false; rule: 'CODE_UNKNOWN' | 'CODE_TABLE_UNKNOWN'; message: string };

/** How many allowed codes an error message lists. */
const LISTED_CODES = 10;

interface TableIndex {
  table: CodeTableDef;
  byCode: Map<string, CodeValueDef>;
  /** Label or alias → the values spelled that way (several when e.g. every 0x99 of a level is 其他). */
  byName: Map<string, CodeValueDef[]>;
}

let index: Map<string, TableIndex> | undefined;

function indexes(): Map<string, TableIndex> {
  if (index) return index;
  const built = new Map<string, TableIndex>();
  for (const table of CODE_TABLES) {
    const byCode = new Map<string, CodeValueDef>();
    const byName = new Map<string, CodeValueDef[]>();
    for (const value of table.values) {
      byCode.set(value.code, value);
      for (const name of new Set([value.label, ...(value.aliases ?? [])])) {
        const same = byName.get(name);
        if (same) same.push(value);
        else byName.set(name, [value]);
      }
    }
    built.set(table.id, { table, byCode, byName });
  }
  index = built;
  return built;
}

/** The table with this id, or undefined. */
export function codeTable(id: string): CodeTableDef | undefined {
  return indexes().get(id)?.table;
}

/** Whether `code` is a code (not a label) of the table; false for an unknown table. */
export function isKnownCode(tableId: string, code: string): boolean {
  return indexes().get(tableId)?.byCode.has(code) ?? false;
}

/** The label of a code, or undefined when the table or the code is unknown. */
export function labelOf(tableId: string, code: string): string | undefined {
  return indexes().get(tableId)?.byCode.get(code)?.label;
}

/**
 * Checks one value of a coded field (a multi-select field checks each of its values). The value may be a
 * code or, since departments' exports often carry names, a label or alias matching exactly (surrounding
 * whitespace ignored): `validateCode('sex', '男')` → `{ ok: true, code: '1', label: '男' }`. A name shared by
 * several values resolves to the only top-level one among them (in `dispute_type`, 其他 → 99) or is rejected as
 * ambiguous. Codes are never padded: '1' is not '01'.
 */
export function validateCode(tableId: string, value: string): CodeCheck {
  const entry = indexes().get(tableId);
  if (!entry) {
    return {
      ok: false,
      rule: 'CODE_TABLE_UNKNOWN',
      message: `unknown code table "${tableId}" (the value was "${value}")`,
    };
  }
  const { table, byCode, byName } = entry;
  const wanted = value.trim();
  const byCodeHit = byCode.get(wanted);
  if (byCodeHit) return { ok: true, code: byCodeHit.code, label: byCodeHit.label };

  const named = byName.get(wanted) ?? [];
  const chosen = named.length > 1 ? named.filter((v) => v.parent === undefined) : named;
  if (chosen.length === 1) return { ok: true, code: chosen[0].code, label: chosen[0].label };

  const what = `${table.label} (${table.id})`;
  if (named.length > 1) {
    return {
      ok: false,
      rule: 'CODE_UNKNOWN',
      message: `"${value}" is ambiguous in ${what}: it names ${describe(named)}; give the code`,
    };
  }
  const roots = table.values.filter((v) => v.parent === undefined);
  const listed = [...roots, ...table.values.filter((v) => v.parent !== undefined)].slice(0, LISTED_CODES);
  const more = table.values.length - listed.length;
  return {
    ok: false,
    rule: 'CODE_UNKNOWN',
    message:
      `"${value}" is not a code or name in ${what}; allowed codes: ${describe(listed)}` +
      (more > 0 ? ` … and ${more} more` : ''),
  };
}

function describe(values: CodeValueDef[]): string {
  return values.map((v) => `${v.code} ${v.label}`).join(', ');
}
