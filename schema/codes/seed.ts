import type { CodeTableDef } from './code-table';

/**
 * SQL that brings the code tables in the database up to `tables`: new tables and codes are inserted,
 * changed labels updated. Codes are never deleted here, since records may still refer to them. The data
 * travels as one dollar-quoted JSON literal per statement, so no label needs escaping.
 */
export function seedCodeTablesSql(tables: CodeTableDef[]): string[] {
  const tableRows = tables.map((t) => ({
    id: t.id,
    label: t.label,
    standard: t.standard,
    multiple: !!t.multiple,
    note: t.uncertain ?? null,
  }));
  const valueRows = tables.flatMap((t) =>
    t.values.map((v, position) => ({
      table_id: t.id,
      code: v.code,
      label: v.label,
      parent_code: v.parent ?? null,
      position,
    })),
  );
  const literal = (rows: unknown[]) => {
    const json = JSON.stringify(rows);
    if (json.includes('$codes$')) throw new Error('code table data must not contain $codes$');
    return `$codes$${json}$codes$::jsonb`;
  };
  return [
    `insert into code_table (id, label, standard, multiple, note)
       select id, label, standard, multiple, note
         from jsonb_to_recordset(${literal(tableRows)}) as x(id text, label text, standard text, multiple boolean, note text)
       on conflict (id) do update set label = excluded.label, standard = excluded.standard,
         multiple = excluded.multiple, note = excluded.note`,
    `insert into code_value (table_id, code, label, parent_code, position)
       select table_id, code, label, parent_code, position
         from jsonb_to_recordset(${literal(valueRows)}) as x(table_id text, code text, label text, parent_code text, position int)
       on conflict (table_id, code) do update set label = excluded.label, parent_code = excluded.parent_code,
         position = excluded.position`,
  ];
}
