import { resolveToday } from '../identifiers/dates';
import type { DataSetSpec, FieldSpec, MandatoryCondition } from './spec';
import { codeLabel, isEmptyValue, readField } from './values';

/**
 * Checks one record against its data set before it is written: mandatory fields present, codes known (a
 * label or alias is accepted and replaced by its code), dates and numbers readable, identifiers valid (with
 * the rule codes of schema/identifiers), no unknown attribute keys. Every failure names the data set, the
 * field (Chinese label and name), the value and the rule:
 * `流动人口.流入原因 (inflowReason) = "13": not a code of 流入原因 (inflow_reason)`.
 */

/** The rules of this module; identifier fields fail with the rules of schema/identifiers (CITIZEN_ID_…). */
export type DataSetRule =
  | 'REQUIRED'
  | 'CODE_UNKNOWN'
  | 'CODE_TABLE_UNKNOWN'
  | 'DATE_FORMAT'
  | 'DATE_FUTURE'
  | 'INT_FORMAT'
  | 'NUMBER_FORMAT'
  | 'OUT_OF_RANGE'
  | 'BOOLEAN_FORMAT'
  | 'TEXT_FORMAT'
  | 'UNKNOWN_FIELD';

export interface ValidationFailure {
  /** The field's name (or the unknown attribute key). */
  field: string;
  /** A DataSetRule or an identifier rule (CITIZEN_ID_CHECK_DIGIT, PHONE_FORMAT …). */
  rule: string;
  message: string;
  /** The offending value as given (one item of a multi-select); absent when the field is missing. */
  value?: unknown;
}

export interface DataSetRecord {
  /** Entity properties. Keys that are not fields of the data set pass through unchecked (id, region …). */
  columns: Record<string, unknown>;
  /** The `attributes` jsonb: every key must be a field of the data set. */
  attributes?: Record<string, unknown>;
}

export interface NormalisedRecord {
  /**
   * The input columns with the data set's fields normalised (codes for labels, `YYYY-MM-DD` dates, numbers,
   * booleans, normalised identifiers); empty values become null. A field that failed keeps its input value.
   */
  columns: Record<string, unknown>;
  /** The data set's attributes, normalised; empty values and unknown keys left out. */
  attributes: Record<string, unknown>;
}

export interface ValidationResult {
  ok: boolean;
  failures: ValidationFailure[];
  normalised: NormalisedRecord;
}

export interface ValidateOptions {
  /** `YYYY-MM-DD`: the reference day for DATE_FUTURE and citizen ID birth dates. Default: today in China. */
  today?: string;
  /**
   * An update that carries only the fields it changes: fields absent from the input (key not present) are not
   * reported as REQUIRED. A field present but empty still is.
   */
  partial?: boolean;
  /** Area code assumed for landlines given without one (e.g. 0936). */
  defaultAreaCode?: string;
}

const MAX_SHOWN = 60;

/** A value for a message: strings quoted (cut to a readable length), everything else as JSON. */
export function showValue(value: unknown): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'string') {
    const chars = Array.from(value);
    return JSON.stringify(chars.length > MAX_SHOWN ? `${chars.slice(0, MAX_SHOWN).join('')}…` : value);
  }
  if (typeof value === 'bigint') return String(value);
  if (value === undefined) return 'undefined';
  return JSON.stringify(value) ?? String(value);
}

/** `流动人口.流入原因 (inflowReason)`. */
export function fieldTitle(spec: DataSetSpec, field: FieldSpec): string {
  return `${spec.label}.${field.label} (${field.name})`;
}

function fieldValue(field: FieldSpec, record: DataSetRecord): { present: boolean; value: unknown } {
  const source = field.in === 'column' ? record.columns : (record.attributes ?? {});
  return { present: Object.hasOwn(source, field.name), value: source[field.name] };
}

/** What validation needs of a data set beyond its field list, worked out once per data set (bulk loads). */
interface SpecShape {
  attributeNames: ReadonlySet<string>;
  /** Fields mandatory always or under a condition. */
  mandatory: readonly FieldSpec[];
  attributeFields: readonly FieldSpec[];
}

const shapes = new WeakMap<DataSetSpec, SpecShape>();

function shapeOf(spec: DataSetSpec): SpecShape {
  let shape = shapes.get(spec);
  if (!shape) {
    const attributeFields = spec.fields.filter((f) => f.in === 'attributes');
    shape = {
      attributeNames: new Set(attributeFields.map((f) => f.name)),
      mandatory: spec.fields.filter((f) => f.mandatory || f.mandatoryIf),
      attributeFields,
    };
    shapes.set(spec, shape);
  }
  return shape;
}

/** How a condition's value reads in a message: 是/否 for booleans, `01 一致` for codes. */
function describeCondition(spec: DataSetSpec, condition: MandatoryCondition): string {
  const other = spec.fields.find((f) => f.name === condition.field);
  const title = other ? `${other.label} (${other.name})` : condition.field;
  let shown = String(condition.equals);
  if (typeof condition.equals === 'boolean') shown = condition.equals ? '是' : '否';
  else if (other && (other.type === 'code' || other.type === 'codes')) {
    const label = codeLabel(other, String(condition.equals));
    if (label) shown = `${condition.equals} ${label}`;
  }
  return `${title} is ${shown}`;
}

/** Whether the condition holds for normalised values (a multi-select holds when it includes the value). */
export function conditionHolds(condition: MandatoryCondition, normalised: unknown): boolean {
  if (Array.isArray(normalised)) return normalised.includes(condition.equals);
  return normalised === condition.equals;
}

/** Validates and normalises one record of `spec`; see the module comment. */
export function validateRecord(
  spec: DataSetSpec,
  record: DataSetRecord,
  options: ValidateOptions = {},
): ValidationResult {
  const today = resolveToday(options.today);
  const failures: ValidationFailure[] = [];
  const columns: Record<string, unknown> = { ...record.columns };
  const attributes: Record<string, unknown> = {};
  /** Normalised values of the fields that were given and valid, for conditions. */
  const read = new Map<string, unknown>();

  for (const field of spec.fields) {
    const { present, value } = fieldValue(field, record);
    if (!present) continue;
    const target = field.in === 'column' ? columns : attributes;
    if (isEmptyValue(value)) {
      if (field.in === 'column') target[field.name] = null;
      continue;
    }
    const reading = readField(field, value, { today, defaultAreaCode: options.defaultAreaCode });
    if (reading.ok) {
      target[field.name] = reading.value;
      read.set(field.name, reading.value);
      continue;
    }
    target[field.name] = value;
    for (const f of reading.failures) {
      failures.push({
        field: field.name,
        rule: f.rule,
        message: `${fieldTitle(spec, field)} = ${showValue(f.value)}: ${f.reason}`,
        value: f.value,
      });
    }
  }

  const shape = shapeOf(spec);
  for (const field of shape.mandatory) {
    const condition = field.mandatoryIf;
    const { present, value } = fieldValue(field, record);
    if (!isEmptyValue(value)) continue;
    if (options.partial && !present) continue;
    if (!field.mandatory && condition && !conditionHolds(condition, read.get(condition.field))) continue;
    const why =
      condition && !field.mandatory ? `mandatory when ${describeCondition(spec, condition)}` : 'mandatory';
    failures.push({
      field: field.name,
      rule: 'REQUIRED',
      message: present
        ? `${fieldTitle(spec, field)} = ${showValue(value)}: empty, but ${why}`
        : `${fieldTitle(spec, field)}: missing, but ${why}`,
      ...(present ? { value } : {}),
    });
  }

  for (const [key, value] of Object.entries(record.attributes ?? {})) {
    if (shape.attributeNames.has(key)) continue;
    const column = spec.fields.find((f) => f.in === 'column' && f.name === key);
    const hint = column
      ? `is the column ${column.label} (${column.name}), not an attribute`
      : `not an attribute of ${spec.label} (${spec.id})`;
    failures.push({
      field: key,
      rule: 'UNKNOWN_FIELD',
      message: `${spec.label}.${key} = ${showValue(value)}: ${hint}`,
      value,
    });
  }
  for (const field of shape.attributeFields) {
    if (!Object.hasOwn(record.columns, field.name)) continue;
    const value = record.columns[field.name];
    failures.push({
      field: field.name,
      rule: 'UNKNOWN_FIELD',
      message: `${fieldTitle(spec, field)} = ${showValue(value)}: is an attribute, not a column`,
      value,
    });
    delete columns[field.name];
  }

  return { ok: failures.length === 0, failures, normalised: { columns, attributes } };
}
