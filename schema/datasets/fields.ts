import type { FieldSpec, FieldType } from './spec';

/** Everything of a FieldSpec but its name, label, type and storage. */
export type FieldOptions = Omit<FieldSpec, 'name' | 'label' | 'type' | 'in'>;

/** A field stored in an entity column. */
export function col(name: string, label: string, type: FieldType, options: FieldOptions = {}): FieldSpec {
  return { name, label, type, ...options, in: 'column' };
}

/** A field stored under a key of the entity's `attributes` jsonb. */
export function attr(name: string, label: string, type: FieldType, options: FieldOptions = {}): FieldSpec {
  return { name, label, type, ...options, in: 'attributes' };
}

/** Mandatory. */
export const M = { mandatory: true } as const;
/** Personal data to mask or hide. */
export const S = { sensitive: true } as const;
/** Mandatory personal data. */
export const MS = { mandatory: true, sensitive: true } as const;
/** A count: an integer, never negative. */
export const COUNT = { min: 0 } as const;

/** 经度 / 纬度, in the given storage. */
export function coordinates(place: 'column' | 'attributes'): FieldSpec[] {
  const make = place === 'column' ? col : attr;
  return [
    make('longitude', '经度', 'number', { min: -180, max: 180 }),
    make('latitude', '纬度', 'number', { min: -90, max: 90 }),
  ];
}

/** A person named by name and phone (帮扶人, 管控人 …) as two attributes `${prefix}Name`, `${prefix}Phone`. */
export function contact(prefix: string, label: string, options: FieldOptions = {}): FieldSpec[] {
  return [
    attr(`${prefix}Name`, `${label}姓名`, 'text', options),
    attr(`${prefix}Phone`, `${label}联系方式`, 'phone', { ...options, sensitive: true }),
  ];
}
