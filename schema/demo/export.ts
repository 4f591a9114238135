import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import iconv from 'iconv-lite';
import { type DataSetEntity, type DataSetSpec, dataSet, type FieldSpec } from '../datasets';
import { PersonRecordKind } from '../people/person-record.entity';
import type { DemoCounty, DemoPerson, DemoPersonRecord } from './types';

/**
 * The demo county as its departments would export it: one CSV per department and data set, Chinese
 * headers from the data-set specs (the standard's field names), codes as codes, in GBK (what government
 * systems usually write) or UTF-8. These files are what the connectors read; the loader's tables are what
 * they should arrive at.
 *
 * The tables are built per data set (`personRecordTable`, `organizationTable` …) so that the department
 * simulator can serve the same content in other shapes (XLSX, a JSON API, a SQL table).
 */

/** Which department keeps each population type or group (the county's usual division of labour). */
export const DEPARTMENT_OF: Record<PersonRecordKind, string> = {
  [PersonRecordKind.REGISTERED]: '公安',
  [PersonRecordKind.FLOATING]: '公安',
  [PersonRecordKind.FOREIGN]: '公安',
  [PersonRecordKind.DRUG_USER]: '公安',
  [PersonRecordKind.LEFT_BEHIND]: '民政',
  [PersonRecordKind.RELEASED_PRISONER]: '司法',
  [PersonRecordKind.COMMUNITY_CORRECTION]: '司法',
  [PersonRecordKind.SEVERE_MENTAL_DISORDER]: '卫健',
  [PersonRecordKind.HIV_RISK]: '卫健',
  [PersonRecordKind.KEY_YOUTH]: '团委',
  [PersonRecordKind.PETITIONER]: '信访',
  [PersonRecordKind.GRID_WORKER]: '综治',
  [PersonRecordKind.BUILDING_HEAD]: '综治',
};

/** Which department keeps each kind of organisation the exports cover. */
export const ORGANIZATION_DEPARTMENT_OF: Record<string, string> = {
  enterprise: '市场监管',
  social_organization: '民政',
  governance_centre: '综治',
  patrol_team: '综治',
  delivery_firm: '邮政管理',
};

export interface DemoExportOptions {
  encoding?: 'gbk' | 'utf8';
}

export interface ExportedFile {
  file: string;
  department: string;
  dataSet: string;
  rows: number;
}

/** The column every export adds after the data set's fields: the grid the record belongs to. */
export const GRID_COLUMN = '所属网格编码';

/** One department's table of one data set, values as the text a CSV cell holds. */
export interface DepartmentTable {
  department: string;
  spec: DataSetSpec;
  header: string[];
  rows: string[][];
}

/** A value as a CSV cell: lists joined with `;`, booleans as 是/否, nothing as an empty cell. */
export function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(';');
  if (typeof value === 'boolean') return value ? '是' : '否';
  return String(value);
}

function columnsOf(spec: DataSetSpec): FieldSpec[] {
  return spec.fields.filter((f) => f.in === 'column');
}

export function requireSpec(entity: DataSetEntity, kind?: string): DataSetSpec {
  const spec = dataSet(entity, kind);
  if (!spec) throw new Error(`no data set for ${entity}${kind ? `/${kind}` : ''}`);
  return spec;
}

/** The `<department>_<data set label>.csv` name an export of `table` is written under. */
export function exportFileName(table: Pick<DepartmentTable, 'department' | 'spec'>, ext = 'csv'): string {
  return `${table.department}_${table.spec.label}.${ext}`;
}

/** The person block's fields a data set of person records starts with (foreigners have their own). */
export function personBlockFields(kind: PersonRecordKind): FieldSpec[] {
  return columnsOf(
    kind === PersonRecordKind.FOREIGN ? requireSpec('person', 'foreign') : requireSpec('person'),
  );
}

/** A lookup of the county's people by their natural key (ID number, or document for foreigners). */
export function personIndex(county: DemoCounty): (record: DemoPersonRecord) => DemoPerson | undefined {
  const byIdNumber = new Map<string, DemoPerson>();
  const byDocument = new Map<string, DemoPerson>();
  for (const p of county.persons) {
    if (p.idNumber) byIdNumber.set(p.idNumber, p);
    if (p.documentNumber) byDocument.set(`${p.documentType}/${p.documentNumber}`, p);
  }
  return (record) =>
    record.personIdNumber
      ? byIdNumber.get(record.personIdNumber)
      : byDocument.get(`${record.personDocumentType}/${record.personDocumentNumber}`);
}

/** The county's records of one kind, each with its person, in generation order. */
export function personRecordsOf(
  county: DemoCounty,
  kind: PersonRecordKind,
  personOf: (record: DemoPersonRecord) => DemoPerson | undefined = personIndex(county),
): Array<{ person: DemoPerson; record: DemoPersonRecord }> {
  const out: Array<{ person: DemoPerson; record: DemoPersonRecord }> = [];
  for (const record of county.personRecords) {
    if (record.kind !== kind) continue;
    const person = personOf(record);
    if (person) out.push({ person, record });
  }
  return out;
}

/** A population type or group as its department exports it: the person block, the grid, the data set's own fields. */
export function personRecordTable(
  county: DemoCounty,
  kind: PersonRecordKind,
  personOf?: (record: DemoPersonRecord) => DemoPerson | undefined,
): DepartmentTable {
  const spec = requireSpec('person_record', kind);
  const block = personBlockFields(kind);
  const own = spec.fields;
  const rows = personRecordsOf(county, kind, personOf).map(({ person, record }) => {
    const row = person as unknown as Record<string, unknown>;
    return [
      ...block.map((f) => cell(row[f.name])),
      record.regionCode,
      ...own.map((f) => cell(record.attributes[f.name])),
    ];
  });
  return {
    department: DEPARTMENT_OF[kind],
    spec,
    header: [...block.map((f) => f.label), GRID_COLUMN, ...own.map((f) => f.label)],
    rows,
  };
}

/** An organisation's value of a field (a column or an attribute). */
export function organizationValue(organization: object, field: FieldSpec): unknown {
  const row = organization as Record<string, unknown>;
  if (field.in === 'column') return row[field.name];
  return ((row.attributes ?? {}) as Record<string, unknown>)[field.name];
}

/** Organisations of one kind as their department exports them: the data set's fields, then the grid. */
export function organizationTable(county: DemoCounty, kind: string): DepartmentTable {
  const spec = requireSpec('organization', kind);
  const department = ORGANIZATION_DEPARTMENT_OF[kind];
  if (!department) throw new Error(`no department exports organisations of kind ${kind}`);
  return {
    department,
    spec,
    header: [...spec.fields.map((f) => f.label), GRID_COLUMN],
    rows: county.organizations
      .filter((o) => o.kind === kind)
      .map((o) => [...spec.fields.map((f) => cell(organizationValue(o, f))), o.regionCode]),
  };
}

/** The household register's households (公安). */
export function householdTable(county: DemoCounty): DepartmentTable {
  const spec = requireSpec('household');
  return {
    department: '公安',
    spec,
    header: [...spec.fields.map((f) => f.label), GRID_COLUMN],
    rows: county.households.map((h) => [
      ...spec.fields.map((f) => cell((h as unknown as Record<string, unknown>)[f.name])),
      h.regionCode,
    ]),
  };
}

/** The disputes the governance centre (综治) records. */
export function disputeTable(county: DemoCounty): DepartmentTable {
  const spec = requireSpec('event', 'dispute');
  return {
    department: '综治',
    spec,
    header: [...spec.fields.map((f) => f.label), GRID_COLUMN],
    rows: county.events
      .filter((e) => e.kind === 'dispute')
      .map((e) => {
        const row = e as unknown as Record<string, unknown>;
        const attributes = (row.attributes ?? {}) as Record<string, unknown>;
        return [
          ...spec.fields.map((f) => cell(f.in === 'column' ? row[f.name] : attributes[f.name])),
          e.regionCode,
        ];
      }),
  };
}

/** A CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180), as it is otherwise. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * A table as CSV bytes: GBK, or UTF-8 with a byte-order mark (so Excel opens it right); CRLF line ends.
 * (Joined by hand: csv-stringify took 3.4 s for the full county's household register, this 0.4 s.)
 */
export function csvBytes(table: Pick<DepartmentTable, 'header' | 'rows'>, encoding: 'gbk' | 'utf8'): Buffer {
  let text = '';
  for (const row of [table.header, ...table.rows]) text += `${row.map(csvField).join(',')}\r\n`;
  return encoding === 'gbk' ? iconv.encode(text, 'gbk') : Buffer.from(`\uFEFF${text}`, 'utf8');
}

/** Writes the county's exports into `dir`; returns what was written. */
export async function exportDemoCounty(
  county: DemoCounty,
  dir: string,
  { encoding = 'gbk' }: DemoExportOptions = {},
): Promise<ExportedFile[]> {
  await mkdir(dir, { recursive: true });
  const written: ExportedFile[] = [];
  const write = async (table: DepartmentTable) => {
    const file = path.join(dir, exportFileName(table));
    await writeFile(file, csvBytes(table, encoding));
    written.push({ file, department: table.department, dataSet: table.spec.id, rows: table.rows.length });
  };

  // People: one file per population type or group.
  const personOf = personIndex(county);
  for (const kind of Object.values(PersonRecordKind)) await write(personRecordTable(county, kind, personOf));
  // Households (公安), organisations by kind (市场监管, 民政, 综治, 邮政), disputes (综治).
  await write(householdTable(county));
  for (const kind of Object.keys(ORGANIZATION_DEPARTMENT_OF)) await write(organizationTable(county, kind));
  await write(disputeTable(county));
  return written;
}
