import {
  type DataSetSpec,
  dataSetById,
  type FieldSpec,
  isEmptyValue,
  type ValidationFailure,
  validateRecord,
} from '../schema/datasets';
import { toHalfWidth } from '../schema/identifiers';
import { resolveToday } from '../schema/identifiers/dates';
import type { FieldMapping, Mapping, RegionMapping, Transform } from './streams';

/**
 * Applying a stream's declarative mapping to one source record: which data-set field each value fills
 * (by the standard's Chinese field name, the field's own name, or an explicit `from`), value transforms,
 * department code translations, constants, and the owning region by code or by village/township name. Then
 * the data set's own validation (identifiers, required fields, codes, dates) from schema/datasets. The result
 * is either a record ready to merge or the full list of failures, each naming the field and the rule.
 */

/** The county's units as mapping needs them: by code, and by (township name, village name). */
export interface RegionIndex {
  byCode: Map<string, { code: string; path: string; level: string }>;
  /** `village name` → units with that name (a name can repeat across townships). */
  byVillageName: Map<string, Array<{ code: string; path: string; township: string }>>;
}

export interface MappedRecord {
  dataSet: DataSetSpec;
  /** Entity columns of the data set, normalised (codes, dates, identifiers). */
  columns: Record<string, unknown>;
  attributes: Record<string, unknown>;
  regionCode: string;
  regionPath: string;
}

export type MappingResult = { ok: true; record: MappedRecord } | { ok: false; failures: ValidationFailure[] };

/** Fields a mapping can fill: the data set's own, plus the person block for population and group lists. */
export interface CompiledMapping {
  mapping: Mapping;
  dataSet: DataSetSpec;
  /** Extra data set written beside the main one (the person block of a person record). */
  personBlock?: DataSetSpec;
  /** data-set field name → how to read it (explicit or by label), with the field of its data set. */
  fields: Map<string, { spec: DataSetSpec; field: FieldSpec; mapping: FieldMapping }>;
  /** The same, laid out per data set in validation order (person block first): what mapRecord walks. */
  plan: SpecPlan[];
}

/** One data set's mapped fields, flattened once per run so that mapping a record looks nothing up. */
interface SpecPlan {
  spec: DataSetSpec;
  fields: Array<{
    name: string;
    /** The source field, or undefined for a constant. */
    from: string | undefined;
    constant: unknown;
    transforms: readonly Transform[];
    fallback: unknown;
    codes: Readonly<Record<string, string>> | undefined;
    column: boolean;
  }>;
}

/** The characters `toHalfWidth` folds (full-width ASCII, ideographic space; keep in step): most values have none. */
const FULL_WIDTH = /[\uFF01-\uFF5E\u3000]/;

function applyTransforms(value: unknown, transforms: readonly Transform[]): unknown {
  if (typeof value !== 'string') return value;
  let s = (FULL_WIDTH.test(value) ? toHalfWidth(value) : value).trim();
  for (const t of transforms) {
    if (t === 'upper') s = s.toUpperCase();
    else if (t === 'lower') s = s.toLowerCase();
    else if (t === 'collapseSpaces') s = s.replace(/\s+/g, ' ');
    else if (t === 'digitsOnly') s = s.replace(/\D+/g, '');
  }
  return s;
}

/**
 * Resolves the mapping against the data sets once per run: unknown data sets or fields are configuration
 * errors, reported before any record is read.
 */
export function compileMapping(
  mapping: Mapping,
  sourceFields: readonly string[] | null,
  personBlockOf: (spec: DataSetSpec) => DataSetSpec | undefined,
): CompiledMapping {
  const dataSet = dataSetById(mapping.dataSet);
  if (!dataSet) throw new MappingError(`mapping.dataSet: no data set "${mapping.dataSet}"`);
  const personBlock = personBlockOf(dataSet);
  const specs = personBlock ? [personBlock, dataSet] : [dataSet];
  const fields = new Map<string, { spec: DataSetSpec; field: FieldSpec; mapping: FieldMapping }>();
  if (mapping.byLabel && sourceFields) {
    for (const spec of specs) {
      for (const f of spec.fields) {
        const from = sourceFields.find((s) => s === f.label || s === f.name);
        if (from) fields.set(f.name, { spec, field: f, mapping: { from, transforms: [] } });
      }
    }
  }
  for (const [name, m] of Object.entries(mapping.fields)) {
    const spec = specs.find((s) => s.fields.some((f) => f.name === name));
    const field = spec?.fields.find((f) => f.name === name);
    if (!spec || !field) {
      throw new MappingError(
        `mapping.fields.${name}: not a field of ${dataSet.label} (${dataSet.id})${personBlock ? ' or of the person block' : ''}`,
      );
    }
    if (m.from && sourceFields && !sourceFields.includes(m.from)) {
      throw new MappingError(
        `mapping.fields.${name}.from: the stream has no field "${m.from}" (it has ${sourceFields.join(', ')})`,
      );
    }
    fields.set(name, { spec, field, mapping: m });
  }
  const regionColumns = 'code' in mapping.region ? [mapping.region.code] : [mapping.region.village];
  for (const c of regionColumns) {
    if (sourceFields && !sourceFields.includes(c)) {
      throw new MappingError(
        `mapping.region: the stream has no field "${c}" (it has ${sourceFields.join(', ')})`,
      );
    }
  }
  const plan = specs.map((spec) => ({
    spec,
    fields: [...fields]
      .filter(([, f]) => f.spec === spec)
      .map(([name, { field, mapping: m }]) => ({
        name,
        from: m.const !== undefined ? undefined : m.from,
        constant: m.const,
        transforms: m.transforms,
        fallback: m.default,
        codes: m.codes,
        column: field.in === 'column',
      })),
  }));
  return { mapping, dataSet, personBlock, fields, plan };
}

export class MappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingError';
  }
}

function resolveRegion(
  region: RegionMapping,
  data: Record<string, unknown>,
  index: RegionIndex,
): { ok: true; code: string; path: string } | { ok: false; failure: ValidationFailure } {
  if ('code' in region) {
    const raw = data[region.code];
    const code =
      typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? toHalfWidth(raw).trim() : '';
    if (!code) {
      return {
        ok: false,
        failure: {
          field: 'region',
          rule: 'REQUIRED',
          message: `${region.code}: empty, but every record needs its region`,
        },
      };
    }
    const unit = index.byCode.get(code);
    if (!unit) {
      return {
        ok: false,
        failure: {
          field: 'region',
          rule: 'UNKNOWN_REGION',
          message: `${region.code} = "${code}": no such unit in the county's region tree`,
          value: raw,
        },
      };
    }
    return { ok: true, code: unit.code, path: unit.path };
  }
  const village =
    typeof data[region.village] === 'string' ? toHalfWidth(String(data[region.village])).trim() : '';
  const township =
    region.township && typeof data[region.township] === 'string'
      ? toHalfWidth(String(data[region.township])).trim()
      : '';
  const candidates = (index.byVillageName.get(village) ?? []).filter(
    (c) => !township || c.township === township,
  );
  if (candidates.length === 1) return { ok: true, code: candidates[0]!.code, path: candidates[0]!.path };
  const where = township ? `${township} ${village}` : village;
  return {
    ok: false,
    failure: {
      field: 'region',
      rule: candidates.length ? 'AMBIGUOUS_REGION' : 'UNKNOWN_REGION',
      message: candidates.length
        ? `"${where}": ${candidates.length} villages or communities have this name; map the township too`
        : `"${where}": no village or community of that name in the county`,
      value: where,
    },
  };
}

/** Maps and validates one source record. `today` fixes the reference day (tests). */
export function mapRecord(
  compiled: CompiledMapping,
  data: Record<string, unknown>,
  regions: RegionIndex,
  today?: string,
): MappingResult {
  const failures: ValidationFailure[] = [];
  if (typeof data.__error === 'string') {
    failures.push({ field: '(record)', rule: 'MALFORMED_RECORD', message: data.__error });
  }
  // Resolved once for the record's data sets (and the identifiers in them), not once per check.
  const day = resolveToday(today);
  const columns: Record<string, unknown> = {};
  let attributes: Record<string, unknown> = {};
  for (const { spec, fields } of compiled.plan) {
    const input = { columns: {} as Record<string, unknown>, attributes: {} as Record<string, unknown> };
    for (const f of fields) {
      let value: unknown = f.from === undefined ? f.constant : data[f.from];
      value = applyTransforms(value, f.transforms);
      if (f.fallback !== undefined && isEmptyValue(value)) value = f.fallback;
      if (f.codes && typeof value === 'string' && Object.hasOwn(f.codes, value)) value = f.codes[value];
      (f.column ? input.columns : input.attributes)[f.name] = value;
    }
    const result = validateRecord(spec, input, { today: day });
    for (const failure of result.failures) failures.push(failure);
    Object.assign(columns, result.normalised.columns);
    if (spec === compiled.dataSet) attributes = result.normalised.attributes;
  }
  const region = resolveRegion(compiled.mapping.region, data, regions);
  if (!region.ok) failures.push(region.failure);
  if (failures.length || !region.ok) return { ok: false, failures };
  return {
    ok: true,
    record: {
      dataSet: compiled.dataSet,
      columns,
      attributes,
      regionCode: region.code,
      regionPath: region.path,
    },
  };
}
