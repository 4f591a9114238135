/**
 * The deliberately bad rows of the demo departments' data: a few records of the generated county spoiled the
 * way real exports go wrong (a typo in an ID number's check digit, a grid that does not exist, 30 February,
 * a blank name, a hospital writing ICD-10 instead of the standard's code …), so that a fresh demo shows
 * quarantine at work. Deterministic: the same county spoils the same rows the same way.
 */

/** One bad record as its connector will see it, and the failure validation must report for it. */
export interface InjectedFault {
  /** The data set the record is mapped onto. */
  dataSet: string;
  /** The record's key at its source: the data row number of a file, the record's id in an API. */
  sourceKey: string;
  /** The column (a file's Chinese header, an API field) that was spoiled, and the value it now holds. */
  column: string;
  value: string;
  /** The data-set field (or `region`) and the rule its failure names. */
  field: string;
  rule: string;
  /** What went wrong at the department, for people reading the demo. */
  story: string;
}

/** How to spoil one column of a record. */
export interface Fault {
  column: string;
  spoil: (current: string) => string;
  field: string;
  rule: string;
  story: string;
}

/** The same ID number with a wrong check digit (the last character). */
export function wrongCheckDigit(idNumber: string): string {
  const last = idNumber.slice(-1).toUpperCase();
  const wrong = last === 'X' ? '0' : last === '9' ? 'X' : String(Number(last) + 1);
  return `${idNumber.slice(0, -1)}${wrong}`;
}

/** 公安's household register (户籍人口, GBK CSV): five bad rows. */
export const HOUSEHOLD_REGISTER_FAULTS: readonly Fault[] = [
  {
    column: '公民身份号码',
    spoil: wrongCheckDigit,
    field: 'idNumber',
    rule: 'CITIZEN_ID_CHECK_DIGIT',
    story: 'a clerk mistyped the last character of the ID number',
  },
  {
    column: '所属网格编码',
    spoil: () => '620725199001-G09',
    field: 'region',
    rule: 'UNKNOWN_REGION',
    story: 'the record names a grid the county does not have',
  },
  {
    column: '出生日期',
    spoil: (day) => `${day.slice(0, 4)}-02-30`,
    field: 'birthDate',
    rule: 'DATE_FORMAT',
    story: 'an impossible birth date (30 February)',
  },
  {
    column: '姓名',
    spoil: () => '',
    field: 'name',
    rule: 'REQUIRED',
    story: 'the name was left blank',
  },
  {
    column: '与户主关系',
    spoil: () => '邻居的表舅',
    field: 'relationToHead',
    rule: 'CODE_UNKNOWN',
    story: 'free text instead of a code of 与户主关系',
  },
];

/** 卫健's severe-mental-disorder list (XLSX): two bad rows. */
export const MENTAL_HEALTH_FAULTS: readonly Fault[] = [
  {
    column: '目前诊断类型',
    spoil: () => 'F20.0',
    field: 'diagnosisType',
    rule: 'CODE_UNKNOWN',
    story: 'the hospital wrote an ICD-10 code instead of the standard’s diagnosis type',
  },
  {
    column: '初次发病日期',
    spoil: (day) => `${day.slice(0, 4) || '2019'}-02-30`,
    field: 'firstOnsetOn',
    rule: 'DATE_FORMAT',
    story: 'a date typed as text that is not a real day',
  },
];

/** 民政's left-behind API: one bad record. */
export const LEFT_BEHIND_FAULTS: readonly Fault[] = [
  {
    column: 'leftBehindType',
    spoil: () => '99',
    field: 'leftBehindType',
    rule: 'CODE_UNKNOWN',
    story: 'a type code the standard does not have',
  },
];

/**
 * The rows to spoil among `n`, spread evenly (never the first, so a glance at the file's head sees good
 * rows): as many as there are faults, or fewer when there are fewer rows.
 */
export function faultRows(n: number, faults: number): number[] {
  const count = Math.min(n, faults);
  return Array.from({ length: count }, (_, k) => Math.floor(((k + 1) * n) / (count + 1)));
}

/**
 * Spoils rows of a table of text cells in place; `keyOf(index)` is the source key of the row at `index`.
 */
export function spoilTable(
  dataSet: string,
  header: readonly string[],
  rows: string[][],
  faults: readonly Fault[],
  keyOf: (index: number) => string,
): InjectedFault[] {
  return faultRows(rows.length, faults.length).map((index, k) => {
    const fault = faults[k]!;
    const column = header.indexOf(fault.column);
    if (column < 0) throw new Error(`no column ${fault.column} to spoil in ${dataSet}`);
    const value = fault.spoil(rows[index]![column]!);
    rows[index]![column] = value;
    return describe(dataSet, keyOf(index), fault, value);
  });
}

/** Spoils records (objects keyed by field) in place; `keyOf(record)` is the record's source key. */
export function spoilRecords(
  dataSet: string,
  records: Array<Record<string, unknown>>,
  faults: readonly Fault[],
  keyOf: (record: Record<string, unknown>) => string,
): InjectedFault[] {
  return faultRows(records.length, faults.length).map((index, k) => {
    const fault = faults[k]!;
    const record = records[index]!;
    const current = record[fault.column];
    const value = fault.spoil(current === null || current === undefined ? '' : String(current));
    record[fault.column] = value;
    return describe(dataSet, keyOf(record), fault, value);
  });
}

function describe(dataSet: string, sourceKey: string, fault: Fault, value: string): InjectedFault {
  return {
    dataSet,
    sourceKey,
    column: fault.column,
    value,
    field: fault.field,
    rule: fault.rule,
    story: fault.story,
  };
}
