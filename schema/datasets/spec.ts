import type { CodeValueDef } from '../codes';

/**
 * Data-set specifications (数据集规格): for each data set of GB/T 31000-2015 and each of the county's X modules,
 * which fields it has, where each is stored (an entity column or a key of the `attributes` jsonb), its type and
 * code table, which fields are mandatory (必填项, the denominator of the base-database completeness indicator,
 * domain.md §4) and which are personal data to mask or hide. Plain data: `./validate.ts` checks records
 * against it and `./completeness.ts` counts filled mandatory items.
 */

/** How a field's value is read, checked and normalised (see `./validate.ts`). */
export type FieldType =
  | 'text'
  | 'code'
  /** Multi-select: a list of codes of one table ("四史"情况, 参与管理人员 …). */
  | 'codes'
  /** A calendar day, stored as `YYYY-MM-DD`. */
  | 'date'
  /** An instant, stored as an ISO 8601 string in UTC; a time without a zone is read as China time. */
  | 'datetime'
  | 'int'
  | 'number'
  | 'boolean'
  /** 公民身份号码 (GB 11643), checked by `validateCitizenId`. */
  | 'citizenId'
  /** 统一社会信用代码 (GB 32100), checked by `validateCreditCode`. */
  | 'creditCode'
  /** Mobile or landline with area code, checked by `validatePhone`. */
  | 'phone'
  /** 6-, 9- or 12-digit division code (GB/T 2260 / GB/T 10114), checked by `parseDivisionCode`. */
  | 'divisionCode';

export type FieldStorage = 'column' | 'attributes';

/** The entities that hold data-set records. */
export type DataSetEntity =
  | 'person'
  | 'household'
  | 'person_record'
  | 'place'
  | 'organization'
  | 'event'
  | 'thing'
  | 'situation'
  /** 培训、演练 (organisation and teams). */
  | 'training_session';

/** Where a data set's fields come from. */
export type DataSetStandard = 'GB/T 31000-2015' | 'X module';

/**
 * A data set whose records are sensitive personal information as a whole (PIPL art. 28: specific identities,
 * medical and health data, data of minors): hidden unless the reader is granted that set.
 */
export type SensitiveSet = 'special_group' | 'minor' | 'health';

/** A value another field must have for a conditionally mandatory field to be required. */
export interface MandatoryCondition {
  /** The `name` of another field of the same data set. */
  field: string;
  /** Its normalised value (a code for a coded field, `true`/`false` for a boolean). */
  equals: string | boolean | number;
}

export interface FieldSpec {
  /** The entity property (for `in: 'column'`) or the `attributes` key, camelCase English. */
  name: string;
  /** The standard's Chinese field name, e.g. 流入原因. */
  label: string;
  type: FieldType;
  /** For `code` / `codes`: the id of a table in CODE_TABLES. */
  codeTable?: string;
  /**
   * For `code` / `codes` of X modules whose closed list has no table in CODE_TABLES (yet): the values inline.
   * A coded field has exactly one of `codeTable` and `values`.
   */
  values?: CodeValueDef[];
  /** Counts in the completeness indicator and is required on write. */
  mandatory?: boolean;
  /**
   * Mandatory only when another field has a given value (是否出租 = 是 → 出租用途 required). Counts in the
   * completeness indicator of the records that meet the condition. Not combined with `mandatory`.
   */
  mandatoryIf?: MandatoryCondition;
  /** Personal data to mask or hide (ID numbers, phones, addresses, health details …). */
  sensitive?: boolean;
  /** For `date` / `datetime`: may not be after today (birth dates, dates of past facts). Rule DATE_FUTURE. */
  notFuture?: boolean;
  /** For `int` / `number`: the smallest allowed value. Rule OUT_OF_RANGE. */
  min?: number;
  /** For `int` / `number`: the largest allowed value. Rule OUT_OF_RANGE. */
  max?: number;
  in: FieldStorage;
}

export interface DataSetSpec {
  /** Stable snake_case id, unique among DATA_SETS. */
  id: string;
  /** The data set's Chinese name, e.g. 流动人口. */
  label: string;
  entity: DataSetEntity;
  /**
   * The PersonRecordKind / PlaceKind / OrganizationKind / EventKind / ThingKind / SituationKind value the data
   * set applies to. On `person` it is the PersonRecordKind whose person block differs (foreigners).
   */
  kind?: string;
  standard: DataSetStandard;
  /** Hidden unless the reader is granted this set (PIPL art. 28). */
  sensitiveSet?: SensitiveSet;
  /** A note on how the data set maps onto the entity or the standard. */
  note?: string;
  fields: FieldSpec[];
}
