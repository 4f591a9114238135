import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import iconv from 'iconv-lite';
import { type DataSetEntity, type DataSetSpec, dataSet, type FieldSpec } from '../datasets';
import { PersonRecordKind } from '../people/person-record.entity';
import type { DemoCounty, DemoPerson } from './types';

/**
 * The demo county as its departments would export it: one CSV per department and data set, Chinese
 * headers from the data-set specs (the standard's field names), codes as codes, in GBK (what government
 * systems usually write) or UTF-8. These files are what the connectors read; the loader's tables are what
 * they should arrive at.
 */

/** Which department keeps each population type or group (the county's usual division of labour). */
const DEPARTMENT_OF: Record<PersonRecordKind, string> = {
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

export interface DemoExportOptions {
  encoding?: 'gbk' | 'utf8';
}

export interface ExportedFile {
  file: string;
  department: string;
  dataSet: string;
  rows: number;
}

const GRID_COLUMN = '所属网格编码';

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(';');
  if (typeof value === 'boolean') return value ? '是' : '否';
  return String(value);
}

function columnsOf(spec: DataSetSpec): FieldSpec[] {
  return spec.fields.filter((f) => f.in === 'column');
}

function requireSpec(entity: DataSetEntity, kind?: string): DataSetSpec {
  const spec = dataSet(entity, kind);
  if (!spec) throw new Error(`no data set for ${entity}${kind ? `/${kind}` : ''}`);
  return spec;
}

/** Writes the county's exports into `dir`; returns what was written. */
export async function exportDemoCounty(
  county: DemoCounty,
  dir: string,
  { encoding = 'gbk' }: DemoExportOptions = {},
): Promise<ExportedFile[]> {
  await mkdir(dir, { recursive: true });
  const written: ExportedFile[] = [];
  const write = async (department: string, spec: DataSetSpec, header: string[], rows: string[][]) => {
    const file = path.join(dir, `${department}_${spec.label}.csv`);
    const text = stringify([header, ...rows], { record_delimiter: '\r\n' });
    await writeFile(file, encoding === 'gbk' ? iconv.encode(text, 'gbk') : `\uFEFF${text}`);
    written.push({ file, department, dataSet: spec.id, rows: rows.length });
  };

  const byIdNumber = new Map<string, DemoPerson>();
  const byDocument = new Map<string, DemoPerson>();
  for (const p of county.persons) {
    if (p.idNumber) byIdNumber.set(p.idNumber, p);
    if (p.documentNumber) byDocument.set(`${p.documentType}/${p.documentNumber}`, p);
  }

  // People: one file per population type or group, the person block followed by the data set's own fields.
  const personBlock = columnsOf(requireSpec('person'));
  const foreignBlock = columnsOf(requireSpec('person', 'foreign'));
  for (const kind of Object.values(PersonRecordKind)) {
    const spec = requireSpec('person_record', kind);
    const block = kind === PersonRecordKind.FOREIGN ? foreignBlock : personBlock;
    const own = spec.fields;
    const rows: string[][] = [];
    for (const record of county.personRecords) {
      if (record.kind !== kind) continue;
      const person = record.personIdNumber
        ? byIdNumber.get(record.personIdNumber)
        : byDocument.get(`${record.personDocumentType}/${record.personDocumentNumber}`);
      if (!person) continue;
      const row = person as unknown as Record<string, unknown>;
      rows.push([
        ...block.map((f) => cell(row[f.name])),
        record.regionCode,
        ...own.map((f) => cell(record.attributes[f.name])),
      ]);
    }
    await write(
      DEPARTMENT_OF[kind],
      spec,
      [...block.map((f) => f.label), GRID_COLUMN, ...own.map((f) => f.label)],
      rows,
    );
  }

  // Households (公安), organisations by kind (市场监管, 民政, 综治, 邮政), disputes (综治).
  const household = requireSpec('household');
  await write(
    '公安',
    household,
    [...household.fields.map((f) => f.label), GRID_COLUMN],
    county.households.map((h) => [
      ...household.fields.map((f) => cell((h as unknown as Record<string, unknown>)[f.name])),
      h.regionCode,
    ]),
  );
  const ORG_DEPARTMENT: Record<string, string> = {
    enterprise: '市场监管',
    social_organization: '民政',
    governance_centre: '综治',
    patrol_team: '综治',
    delivery_firm: '邮政管理',
  };
  for (const [kind, department] of Object.entries(ORG_DEPARTMENT)) {
    const spec = requireSpec('organization', kind);
    const rows = county.organizations
      .filter((o) => o.kind === kind)
      .map((o) => {
        const row = o as unknown as Record<string, unknown>;
        const attributes = (row.attributes ?? {}) as Record<string, unknown>;
        return [
          ...spec.fields.map((f) => cell(f.in === 'column' ? row[f.name] : attributes[f.name])),
          o.regionCode,
        ];
      });
    await write(department, spec, [...spec.fields.map((f) => f.label), GRID_COLUMN], rows);
  }
  const dispute = requireSpec('event', 'dispute');
  await write(
    '综治',
    dispute,
    [...dispute.fields.map((f) => f.label), GRID_COLUMN],
    county.events
      .filter((e) => e.kind === 'dispute')
      .map((e) => {
        const row = e as unknown as Record<string, unknown>;
        const attributes = (row.attributes ?? {}) as Record<string, unknown>;
        return [
          ...dispute.fields.map((f) => cell(f.in === 'column' ? row[f.name] : attributes[f.name])),
          e.regionCode,
        ];
      }),
  );
  return written;
}
