import type { DataSetSpec, FieldSpec } from './spec';
import { conditionHolds, type DataSetRecord } from './validate';
import { isEmptyValue, readField } from './values';

/**
 * The base-database completeness indicator (基础数据库完整率, domain.md §4): filled mandatory items ÷ mandatory
 * items over all records, the mandatory set declared per data set (`FieldSpec.mandatory`, and
 * `FieldSpec.mandatoryIf` for the records that meet its condition). "Filled" means a non-empty value; whether
 * the value is valid is `validateRecord`'s business, and records are validated before they are written.
 */

/** The fields mandatory in every record of the data set. */
export function mandatoryFields(spec: DataSetSpec): FieldSpec[] {
  return spec.fields.filter((f) => f.mandatory === true);
}

/** The fields mandatory only in the records that meet their condition (是否出租 = 是 → 出租用途). */
export function conditionallyMandatoryFields(spec: DataSetSpec): FieldSpec[] {
  return spec.fields.filter((f) => f.mandatory !== true && f.mandatoryIf !== undefined);
}

export interface MandatoryCount {
  /** Mandatory items of this record that hold a value. */
  filled: number;
  /** Mandatory items of this record: the data set's mandatory fields plus the conditional ones that apply. */
  mandatory: number;
  /** Names of the mandatory fields that are empty, in the data set's field order. */
  missing: string[];
}

function rawValue(field: FieldSpec, record: DataSetRecord): unknown {
  return field.in === 'column' ? record.columns[field.name] : record.attributes?.[field.name];
}

/** The normalised value of a condition's field, or undefined when it is empty or unreadable. */
function conditionValue(spec: DataSetSpec, name: string, record: DataSetRecord): unknown {
  const field = spec.fields.find((f) => f.name === name);
  if (!field) return undefined;
  const value = rawValue(field, record);
  if (isEmptyValue(value)) return undefined;
  // The reference day only matters for DATE_FUTURE, which a condition's value does not depend on.
  const reading = readField(field, value, { today: '9999-12-31' });
  return reading.ok ? reading.value : undefined;
}

/** Counts the filled mandatory items of one record of `spec`. */
export function filledMandatory(spec: DataSetSpec, record: DataSetRecord): MandatoryCount {
  let filled = 0;
  let mandatory = 0;
  const missing: string[] = [];
  for (const field of spec.fields) {
    const condition = field.mandatory ? undefined : field.mandatoryIf;
    if (!field.mandatory && !condition) continue;
    if (condition && !conditionHolds(condition, conditionValue(spec, condition.field, record))) continue;
    mandatory++;
    if (isEmptyValue(rawValue(field, record))) missing.push(field.name);
    else filled++;
  }
  return { filled, mandatory, missing };
}

export interface Completeness {
  filled: number;
  mandatory: number;
  /** filled ÷ mandatory, or null when there is no mandatory item at all. */
  rate: number | null;
}

/** Sums per-record counts into the indicator. */
export function completeness(counts: Iterable<{ filled: number; mandatory: number }>): Completeness {
  let filled = 0;
  let mandatory = 0;
  for (const c of counts) {
    filled += c.filled;
    mandatory += c.mandatory;
  }
  return { filled, mandatory, rate: mandatory === 0 ? null : filled / mandatory };
}
