import { access, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { FieldSpec } from '../../schema/datasets';
import {
  csvBytes,
  type DepartmentTable,
  exportFileName,
  organizationTable,
  personBlockFields,
  personIndex,
  personRecordsOf,
  personRecordTable,
  requireSpec,
} from '../../schema/demo/export';
import type { DemoCounty, DemoPersonRecord } from '../../schema/demo/types';
import { PersonRecordKind } from '../../schema/people/person-record.entity';
import {
  HOUSEHOLD_REGISTER_FAULTS,
  type InjectedFault,
  LEFT_BEHIND_FAULTS,
  MENTAL_HEALTH_FAULTS,
  spoilRecords,
  spoilTable,
} from './faults';

/**
 * What the demo county's five departments hold, in the shape each keeps it: 公安's household register and
 * 市场监管's enterprises as CSV exports, 卫健's severe-mental-disorder list as a workbook, 民政's left-behind
 * people as JSON records behind an API, 司法's community corrections as rows of a SQL table. Built from the
 * generated county (the same rows the loader would write) with a few bad rows injected (./faults.ts).
 */

/** A column of 司法's table: snake_case, typed, and the data-set field it holds (none for id and cursor). */
export interface SqlColumn {
  name: string;
  type: string;
  field?: string;
}

export interface DepartmentData {
  /** 公安 户籍人口 (written as GBK CSV). */
  householdRegister: DepartmentTable;
  /** 卫健 严重精神障碍患者 (written as XLSX, one sheet named after the data set). */
  mentalHealth: DepartmentTable;
  /** 民政 留守人员: API records keyed by field name, with `id` and `gridCode`. */
  leftBehind: Array<Record<string, unknown>>;
  /** 司法 社区矫正人员: the table's columns and rows (`updated_at` ascending with `id`). */
  communityCorrection: { table: string; columns: SqlColumn[]; rows: Array<Record<string, unknown>> };
  /** 市场监管 非公有制经济组织 (written as UTF-8 CSV with a byte-order mark). */
  enterprises: DepartmentTable;
  faults: InjectedFault[];
}

/** camelCase → snake_case, the way the justice bureau's database names its columns. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function sqlType(field: FieldSpec): string {
  switch (field.type) {
    case 'date':
      return 'date';
    case 'boolean':
      return 'boolean';
    case 'int':
      return 'integer';
    case 'number':
      return 'numeric';
    case 'codes':
      return 'text[]';
    default:
      return 'text';
  }
}

/** The department's own record number (卫健 JS…, 民政 LS…, 司法 JZ…), the last part of its provenance key. */
function recordNumber(record: DemoPersonRecord, index: number): string {
  const key = record.provenance.sources[0]?.sourceKey;
  return key ? key.slice(key.lastIndexOf('/') + 1) : String(index + 1);
}

/** The county's records of `kind` as objects keyed by field name (person block, grid, the data set's own). */
function personRecordObjects(
  county: DemoCounty,
  kind: PersonRecordKind,
  personOf: ReturnType<typeof personIndex>,
  gridKey: string,
  name: (field: string) => string = (f) => f,
): Array<{ record: DemoPersonRecord; values: Record<string, unknown> }> {
  const block = personBlockFields(kind);
  const own = requireSpec('person_record', kind).fields;
  return personRecordsOf(county, kind, personOf).map(({ person, record }) => {
    const values: Record<string, unknown> = {};
    const row = person as unknown as Record<string, unknown>;
    for (const f of block) values[name(f.name)] = row[f.name] ?? null;
    values[gridKey] = record.regionCode;
    for (const f of own) values[name(f.name)] = record.attributes[f.name] ?? null;
    return { record, values };
  });
}

export function departmentData(county: DemoCounty): DepartmentData {
  const personOf = personIndex(county);
  const faults: InjectedFault[] = [];

  const householdRegister = personRecordTable(county, PersonRecordKind.REGISTERED, personOf);
  // Files are keyed by data row number (1 = the first row under the header).
  faults.push(
    ...spoilTable(
      householdRegister.spec.id,
      householdRegister.header,
      householdRegister.rows,
      HOUSEHOLD_REGISTER_FAULTS,
      (i) => String(i + 1),
    ),
  );
  const mentalHealth = personRecordTable(county, PersonRecordKind.SEVERE_MENTAL_DISORDER, personOf);
  faults.push(
    ...spoilTable(mentalHealth.spec.id, mentalHealth.header, mentalHealth.rows, MENTAL_HEALTH_FAULTS, (i) =>
      String(i + 1),
    ),
  );

  const leftBehind = personRecordObjects(county, PersonRecordKind.LEFT_BEHIND, personOf, 'gridCode').map(
    ({ record, values }, i) => ({ id: recordNumber(record, i), ...values }),
  );
  faults.push(
    ...spoilRecords(
      requireSpec('person_record', PersonRecordKind.LEFT_BEHIND).id,
      leftBehind,
      LEFT_BEHIND_FAULTS,
      (r) => String(r.id),
    ),
  );

  const correction = requireSpec('person_record', PersonRecordKind.COMMUNITY_CORRECTION);
  const columns: SqlColumn[] = [
    { name: 'id', type: 'bigint primary key' },
    ...personBlockFields(PersonRecordKind.COMMUNITY_CORRECTION).map((f) => ({
      name: snakeCase(f.name),
      type: sqlType(f),
      field: f.name,
    })),
    { name: 'grid_code', type: 'text not null' },
    ...correction.fields.map((f) => ({ name: snakeCase(f.name), type: sqlType(f), field: f.name })),
    { name: 'updated_at', type: 'timestamptz not null' },
  ];
  const corrections = personRecordObjects(
    county,
    PersonRecordKind.COMMUNITY_CORRECTION,
    personOf,
    'grid_code',
    snakeCase,
  );
  // Last edited one minute apart, the latest at 09:00 on the county's "today": distinct and stable cursors.
  const lastEdit = Date.parse(`${county.asOf}T09:00:00+08:00`);
  const rows = corrections.map(({ values }, i) => ({
    id: i + 1,
    ...values,
    updated_at: new Date(lastEdit - (corrections.length - 1 - i) * 60_000).toISOString(),
  }));

  return {
    householdRegister,
    mentalHealth,
    leftBehind,
    communityCorrection: { table: 'community_correction', columns, rows },
    enterprises: organizationTable(county, 'enterprise'),
    faults,
  };
}

// --- files --------------------------------------------------------------------------------------------------

export interface DepartmentFiles {
  householdRegister: string;
  mentalHealth: string;
  enterprises: string;
  /** The sheet of the workbook that holds the list. */
  mentalHealthSheet: string;
}

/** What the simulator serves, as kept in `<dataDir>/departments/` between starts. */
export interface DepartmentStore {
  files: DepartmentFiles;
  leftBehind: DepartmentData['leftBehind'];
  communityCorrection: DepartmentData['communityCorrection'];
  faults: InjectedFault[];
  /** Records each department holds, by data set (bad ones included). */
  records: Record<string, number>;
  /** Whether this start wrote the store (a new data directory, or another county). */
  written: boolean;
}

/** Bump when the store's format changes, so existing demo data directories get it rewritten. */
const STORE_VERSION = 1;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A cell as a department's Excel would hold it: real dates, numbers as numbers, codes and IDs as text. */
function xlsxValue(field: FieldSpec | undefined, text: string): ExcelJS.CellValue {
  if (text === '') return null;
  if (field?.type === 'date') {
    const m = DAY.exec(text);
    if (m) {
      const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
      if (date.getUTCDate() === Number(m[3])) return date;
    }
    return text; // not a real day: typed in as text, as happens
  }
  if ((field?.type === 'int' || field?.type === 'number') && /^-?\d+(\.\d+)?$/.test(text))
    return Number(text);
  return text;
}

/** Writes a table as a one-sheet workbook with ExcelJS's streaming writer. */
async function writeXlsx(file: string, sheetName: string, table: DepartmentTable): Promise<void> {
  const kind = table.spec.kind as PersonRecordKind;
  const byLabel = new Map<string, FieldSpec>(
    [...personBlockFields(kind), ...table.spec.fields].map((f) => [f.label, f]),
  );
  const fields = table.header.map((label) => byLabel.get(label));
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: file,
    useStyles: true,
    useSharedStrings: true,
  });
  const sheet = workbook.addWorksheet(sheetName);
  sheet.addRow(table.header).commit();
  for (const cells of table.rows) {
    const row = sheet.addRow(cells.map((text, i) => xlsxValue(fields[i], text)));
    row.eachCell((c) => {
      if (c.value instanceof Date) c.numFmt = 'yyyy-mm-dd';
    });
    row.commit();
  }
  sheet.commit();
  await workbook.commit();
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Written via a temporary name, so a crash never leaves a half file that looks complete. */
async function writeAtomically(file: string, write: (temporary: string) => Promise<void>): Promise<void> {
  const temporary = `${file}.part`;
  await write(temporary);
  await rename(temporary, file);
}

/**
 * The departments' data in `dir`: the three file exports, and the JSON the simulated API and database are
 * served from. Written from the county (generated only then, by `county()`) unless the same county's store is
 * there already: a restart then neither generates the county nor rewrites the files, which keep any fix an
 * operator made in them, as a department's files would.
 */
export async function prepareDepartments(
  dir: string,
  which: { seed: number | string; scale: number },
  county: () => DemoCounty,
): Promise<DepartmentStore> {
  const householdSpec = requireSpec('person_record', PersonRecordKind.REGISTERED);
  const mentalSpec = requireSpec('person_record', PersonRecordKind.SEVERE_MENTAL_DISORDER);
  const files: DepartmentFiles = {
    householdRegister: path.join(dir, exportFileName({ department: '公安', spec: householdSpec })),
    mentalHealth: path.join(dir, exportFileName({ department: '卫健', spec: mentalSpec }, 'xlsx')),
    enterprises: path.join(
      dir,
      exportFileName({ department: '市场监管', spec: requireSpec('organization', 'enterprise') }),
    ),
    mentalHealthSheet: mentalSpec.label,
  };
  const apiStore = path.join(dir, '民政_留守人员.api.json');
  const sqlStore = path.join(dir, '司法_社区矫正人员.sql.json');
  const manifestFile = path.join(dir, 'manifest.json');
  const key = { version: STORE_VERSION, seed: which.seed, scale: which.scale };

  const manifest = await readFile(manifestFile, 'utf8')
    .then((text) => JSON.parse(text) as typeof key & Pick<DepartmentStore, 'faults' | 'records'>)
    .catch(() => undefined);
  const all = [files.householdRegister, files.mentalHealth, files.enterprises, apiStore, sqlStore];
  if (
    manifest?.version === key.version &&
    manifest.seed === key.seed &&
    manifest.scale === key.scale &&
    (await Promise.all(all.map(exists))).every(Boolean)
  ) {
    return {
      files,
      leftBehind: JSON.parse(await readFile(apiStore, 'utf8')),
      communityCorrection: JSON.parse(await readFile(sqlStore, 'utf8')),
      faults: manifest.faults,
      records: manifest.records,
      written: false,
    };
  }

  const data = departmentData(county());
  await mkdir(dir, { recursive: true });
  await writeFile(manifestFile, '{}'); // invalid until everything below is written
  await writeAtomically(files.householdRegister, (f) =>
    writeFile(f, csvBytes(data.householdRegister, 'gbk')),
  );
  await writeAtomically(files.mentalHealth, (f) => writeXlsx(f, files.mentalHealthSheet, data.mentalHealth));
  await writeAtomically(files.enterprises, (f) => writeFile(f, csvBytes(data.enterprises, 'utf8')));
  await writeAtomically(apiStore, (f) => writeFile(f, JSON.stringify(data.leftBehind)));
  await writeAtomically(sqlStore, (f) => writeFile(f, JSON.stringify(data.communityCorrection)));
  const records = {
    [data.householdRegister.spec.id]: data.householdRegister.rows.length,
    [data.mentalHealth.spec.id]: data.mentalHealth.rows.length,
    [requireSpec('person_record', PersonRecordKind.LEFT_BEHIND).id]: data.leftBehind.length,
    [requireSpec('person_record', PersonRecordKind.COMMUNITY_CORRECTION).id]:
      data.communityCorrection.rows.length,
    [data.enterprises.spec.id]: data.enterprises.rows.length,
  };
  await writeAtomically(manifestFile, (f) =>
    writeFile(f, JSON.stringify({ ...key, records, faults: data.faults }, null, 2)),
  );
  return {
    files,
    leftBehind: data.leftBehind,
    communityCorrection: data.communityCorrection,
    faults: data.faults,
    records,
    written: true,
  };
}
