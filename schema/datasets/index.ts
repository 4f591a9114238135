import { EVENT_DATA_SETS } from './events';
import { ORGANIZATION_DATA_SETS } from './organizations';
import { PLACE_DATA_SETS } from './places';
import { POPULATION_DATA_SETS } from './population';
import { ROLE_DATA_SETS } from './roles';
import { SITUATION_DATA_SETS } from './situations';
import type { DataSetEntity, DataSetSpec } from './spec';
import { SPECIAL_GROUP_DATA_SETS } from './special-groups';
import { THING_DATA_SETS } from './things';

export {
  type Completeness,
  completeness,
  conditionallyMandatoryFields,
  filledMandatory,
  type MandatoryCount,
  mandatoryFields,
} from './completeness';
export type {
  DataSetEntity,
  DataSetSpec,
  DataSetStandard,
  FieldSpec,
  FieldStorage,
  FieldType,
  MandatoryCondition,
  SensitiveSet,
} from './spec';
export {
  type DataSetRecord,
  type DataSetRule,
  type NormalisedRecord,
  type ValidateOptions,
  type ValidationFailure,
  type ValidationResult,
  validateRecord,
} from './validate';
export { isEmptyValue, parseBoolean, parseDate, parseDateTime, parseInteger, parseNumber } from './values';

/**
 * Every data set: the person block and households, one per PersonRecordKind, PlaceKind, OrganizationKind,
 * EventKind, ThingKind and SituationKind (and the person block of foreigners). Plain data: a deployment may
 * adjust it (e.g. declare more fields mandatory) before use.
 */
export const DATA_SETS: DataSetSpec[] = [
  ...POPULATION_DATA_SETS,
  ...SPECIAL_GROUP_DATA_SETS,
  ...ROLE_DATA_SETS,
  ...PLACE_DATA_SETS,
  ...ORGANIZATION_DATA_SETS,
  ...EVENT_DATA_SETS,
  ...THING_DATA_SETS,
  ...SITUATION_DATA_SETS,
];

/**
 * The data set of an entity's records of one kind: `dataSet('person_record', 'floating')` is 流动人口,
 * `dataSet('place', 'house')` 出租房屋, `dataSet('person')` the person block and `dataSet('person', 'foreign')`
 * a foreigner's person block. Undefined when there is none.
 */
export function dataSet(entity: DataSetEntity, kind?: string): DataSetSpec | undefined {
  return DATA_SETS.find((d) => d.entity === entity && d.kind === kind);
}

/** The data set with this id, or undefined. */
export function dataSetById(id: string): DataSetSpec | undefined {
  return DATA_SETS.find((d) => d.id === id);
}
