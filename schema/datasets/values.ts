import { type CodeValueDef, codeTable, labelOf, validateCode } from '../codes';
import {
  parseDivisionCode,
  toHalfWidth,
  validateCitizenId,
  validateCreditCode,
  validatePhone,
} from '../identifiers';
import { chinaDate, isExistingDate, isoDate } from '../identifiers/dates';
import type { FieldSpec } from './spec';

/**
 * Reading one field's value as departments' exports spell it: codes or their names, dates in the usual
 * Chinese spellings, 是/否 for booleans, identifiers through schema/identifiers. `readField` returns the
 * normalised value to store, or the rule the value breaks and why (the caller adds the data set and field).
 */

/** How a value was read: the normalised value, or the rule it breaks with the reason (no field names). */
export type FieldReading =
  | { ok: true; value: unknown }
  | { ok: false; failures: Array<{ rule: string; reason: string; value: unknown }> };

export interface ReadOptions {
  /** `YYYY-MM-DD`: the reference day for DATE_FUTURE and citizen ID birth dates. */
  today: string;
  /** Area code assumed for a landline given without one (e.g. 0936); without it such numbers fail. */
  defaultAreaCode?: string;
}

/** Nothing given: undefined, null, a blank string, or an empty list. */
export function isEmptyValue(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.every(isEmptyValue);
  return false;
}

// ---------------------------------------------------------------- dates

interface DateParts {
  date: string;
  time?: { hour: number; minute: number; second: number; millisecond: number };
  /** `Z` or `+08:00`-style offset, when the text carries one. */
  zone?: string;
}

const DATE_PATTERNS = [
  /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})/,
  /^(\d{4})年(\d{1,2})月(\d{1,2})日?/,
  /^(\d{4})(\d{2})(\d{2})(?!\d)/,
];
const TIME_PATTERN = /^(?:[T ]|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** Splits `2024-01-05`, `2024/1/5`, `20240105`, `2024年1月5日`, optionally followed by `08:30[:00][Z|+08:00]`. */
function dateParts(input: string): DateParts | undefined {
  const s = toHalfWidth(input).trim();
  for (const pattern of DATE_PATTERNS) {
    const m = pattern.exec(s);
    if (!m) continue;
    const digits = `${m[1]}${m[2]!.padStart(2, '0')}${m[3]!.padStart(2, '0')}`;
    if (!isExistingDate(digits)) return undefined;
    const date = isoDate(digits);
    const rest = s.slice(m[0].length);
    if (rest === '') return { date };
    const t = TIME_PATTERN.exec(rest);
    if (!t) return undefined;
    const time = {
      hour: Number(t[1]),
      minute: Number(t[2]),
      second: Number(t[3] ?? 0),
      millisecond: Number((t[4] ?? '0').padEnd(3, '0').slice(0, 3)),
    };
    if (time.hour > 23 || time.minute > 59 || time.second > 59) return undefined;
    return { date, time, ...(t[5] ? { zone: t[5].toUpperCase() } : {}) };
  }
  return undefined;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** The instant of date parts; without a zone the wall-clock time is read as China time (UTC+8). */
function instantOf(parts: DateParts): Date {
  const t = parts.time ?? { hour: 0, minute: 0, second: 0, millisecond: 0 };
  let zone = parts.zone ?? '+08:00';
  if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  return new Date(
    `${parts.date}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}.${pad(t.millisecond, 3)}${zone}`,
  );
}

/**
 * A calendar day as `YYYY-MM-DD` from `2024-01-05`, `2024/1/5`, `2024.1.5`, `20240105`, `2024年1月5日`
 * (full-width digits too), a Date (read in China time), or a date-time (with a zone: its day in China time;
 * without: its date part). Undefined when unreadable or not a real day.
 */
export function parseDate(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : chinaDate(value);
  if (typeof value === 'number' && Number.isInteger(value)) return parseDate(String(value));
  if (typeof value !== 'string') return undefined;
  const parts = dateParts(value);
  if (!parts) return undefined;
  return parts.zone ? chinaDate(instantOf(parts)) : parts.date;
}

/**
 * An instant as an ISO 8601 string in UTC from a Date, an ISO string with a zone, or any date spelling of
 * `parseDate` with an optional `HH:mm[:ss]` read as China time. Undefined when unreadable.
 */
export function parseDateTime(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value === 'number' && Number.isInteger(value)) return parseDateTime(String(value));
  if (typeof value !== 'string') return undefined;
  const parts = dateParts(value);
  if (!parts) return undefined;
  const instant = instantOf(parts);
  return Number.isNaN(instant.getTime()) ? undefined : instant.toISOString();
}

// ---------------------------------------------------------------- scalars

const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', '1', '是', '有']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', '0', '否', '无']);

/** true/false, 1/0, 是/否, 有/无, Y/N, yes/no (any case, full-width folded). Undefined otherwise. */
export function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value !== 'string') return undefined;
  const s = toHalfWidth(value).trim().toLowerCase();
  if (TRUE_WORDS.has(s)) return true;
  if (FALSE_WORDS.has(s)) return false;
  return undefined;
}

/** Digits with an optional sign; `1,200` thousands separators allowed. */
function numericText(value: string): string {
  const s = toHalfWidth(value).trim();
  return /^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$/.test(s) ? s.replaceAll(',', '') : s;
}

/** A safe integer from a number or a digit string. Undefined otherwise. */
export function parseInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const s = numericText(value);
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A finite number from a number or a decimal string. Undefined otherwise. */
export function parseNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const s = numericText(value);
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

// ---------------------------------------------------------------- codes

function listValues(values: CodeValueDef[]): string {
  return values.map((v) => `${v.code} ${v.label}`).join(', ');
}

/** The table a coded field draws from, as `label (id)`, or its inline list. */
export function describeCodeSource(field: FieldSpec): string {
  if (field.values) return `${field.label} (${listValues(field.values)})`;
  const table = field.codeTable ? codeTable(field.codeTable) : undefined;
  return table ? `${table.label} (${table.id})` : `unknown code table "${field.codeTable}"`;
}

/** The label of a code of a coded field (its table or inline list), or undefined. */
export function codeLabel(field: FieldSpec, code: string): string | undefined {
  if (field.values) return field.values.find((v) => v.code === code)?.label;
  return field.codeTable ? labelOf(field.codeTable, code) : undefined;
}

type CodeReading = { ok: true; code: string } | { ok: false; rule: string; reason: string };

/** One code of a coded field, given as the code or a label/alias; names shared by several values are refused. */
export function readCode(field: FieldSpec, raw: unknown): CodeReading {
  const text = typeof raw === 'number' && Number.isInteger(raw) ? String(raw) : raw;
  if (typeof text !== 'string') {
    return { ok: false, rule: 'CODE_UNKNOWN', reason: `not a code of ${describeCodeSource(field)}` };
  }
  const wanted = toHalfWidth(text).trim();
  const values = field.values ?? (field.codeTable ? codeTable(field.codeTable)?.values : undefined);
  if (!values) {
    return { ok: false, rule: 'CODE_TABLE_UNKNOWN', reason: describeCodeSource(field) };
  }
  if (field.codeTable && !field.values) {
    const check = validateCode(field.codeTable, wanted);
    if (check.ok) return { ok: true, code: check.code };
  } else {
    const byCode = values.find((v) => v.code === wanted);
    if (byCode) return { ok: true, code: byCode.code };
    const named = values.filter((v) => v.label === wanted || v.aliases?.includes(wanted));
    if (named.length === 1) return { ok: true, code: named[0]!.code };
  }
  const named = values.filter((v) => v.label === wanted || v.aliases?.includes(wanted));
  if (named.length > 1) {
    return {
      ok: false,
      rule: 'CODE_UNKNOWN',
      reason: `ambiguous in ${describeCodeSource(field)}: it names ${listValues(named)}; give the code`,
    };
  }
  return { ok: false, rule: 'CODE_UNKNOWN', reason: `not a code of ${describeCodeSource(field)}` };
}

/** The separate items of a multi-select value: a list, or a string split on , ，、 ; ； | and spaces. */
function codeItems(field: FieldSpec, value: unknown): unknown[] {
  if (Array.isArray(value)) return value.filter((v) => !isEmptyValue(v));
  if (typeof value === 'string') {
    if (readCode(field, value).ok) return [value];
    return value.split(/[,，、;；|\s]+/).filter((s) => s !== '');
  }
  return [value];
}

// ---------------------------------------------------------------- fields

function fail(rule: string, reason: string, value: unknown): FieldReading {
  return { ok: false, failures: [{ rule, reason, value }] };
}

function identifierText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

function checkRange(field: FieldSpec, n: number, given: unknown): FieldReading {
  if (field.min !== undefined && n < field.min) {
    return fail('OUT_OF_RANGE', `must be at least ${field.min}`, given);
  }
  if (field.max !== undefined && n > field.max) {
    return fail('OUT_OF_RANGE', `must be at most ${field.max}`, given);
  }
  return { ok: true, value: n };
}

type IdentifierType = 'citizenId' | 'creditCode' | 'phone' | 'divisionCode';

function checkIdentifier(
  type: IdentifierType,
  text: string,
  options: ReadOptions,
): { ok: true; value: string } | { ok: false; rule: string; message: string } {
  switch (type) {
    case 'citizenId':
      return validateCitizenId(text, { today: options.today });
    case 'creditCode':
      return validateCreditCode(text);
    case 'phone':
      return validatePhone(text, options.defaultAreaCode ? { defaultAreaCode: options.defaultAreaCode } : {});
    case 'divisionCode':
      return parseDivisionCode(text);
  }
}

/** Reads a non-empty value of `field`: the normalised value, or the failures (one per bad item of a list). */
export function readField(field: FieldSpec, value: unknown, options: ReadOptions): FieldReading {
  switch (field.type) {
    case 'text':
      if (typeof value === 'string') return { ok: true, value: value.trim() };
      if (typeof value === 'number' || typeof value === 'bigint') return { ok: true, value: String(value) };
      return fail('TEXT_FORMAT', 'not text', value);
    case 'code': {
      const r = readCode(field, value);
      return r.ok ? { ok: true, value: r.code } : fail(r.rule, r.reason, value);
    }
    case 'codes': {
      const codes: string[] = [];
      const failures: Array<{ rule: string; reason: string; value: unknown }> = [];
      for (const item of codeItems(field, value)) {
        const r = readCode(field, item);
        if (r.ok) {
          if (!codes.includes(r.code)) codes.push(r.code);
        } else failures.push({ rule: r.rule, reason: r.reason, value: item });
      }
      return failures.length > 0 ? { ok: false, failures } : { ok: true, value: codes };
    }
    case 'date': {
      const date = parseDate(value);
      if (date === undefined) {
        return fail(
          'DATE_FORMAT',
          'not a date (write 2024-01-05, 2024/1/5, 20240105 or 2024年1月5日, a real day)',
          value,
        );
      }
      if (field.notFuture && date > options.today) {
        return fail('DATE_FUTURE', `is after today (${options.today})`, value);
      }
      return { ok: true, value: date };
    }
    case 'datetime': {
      const instant = parseDateTime(value);
      if (instant === undefined) {
        return fail(
          'DATE_FORMAT',
          'not a date-time (write 2024-01-05 08:30, an ISO 8601 time with a zone, or a date)',
          value,
        );
      }
      if (field.notFuture && chinaDate(new Date(instant)) > options.today) {
        return fail('DATE_FUTURE', `is after today (${options.today})`, value);
      }
      return { ok: true, value: instant };
    }
    case 'int': {
      const n = parseInteger(value);
      if (n === undefined) return fail('INT_FORMAT', 'not a whole number', value);
      return checkRange(field, n, value);
    }
    case 'number': {
      const n = parseNumber(value);
      if (n === undefined) return fail('NUMBER_FORMAT', 'not a number', value);
      return checkRange(field, n, value);
    }
    case 'boolean': {
      const b = parseBoolean(value);
      if (b === undefined) {
        return fail('BOOLEAN_FORMAT', 'not a yes/no value (是/否, Y/N, true/false, 1/0)', value);
      }
      return { ok: true, value: b };
    }
    case 'citizenId':
    case 'creditCode':
    case 'phone':
    case 'divisionCode': {
      const text = identifierText(value);
      if (text === undefined) return fail('TEXT_FORMAT', 'not text', value);
      const r = checkIdentifier(field.type, text, options);
      return r.ok ? { ok: true, value: r.value } : fail(r.rule, r.message, value);
    }
  }
}
