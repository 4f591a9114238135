import { MetadataStorage } from '@mikro-orm/core';
import { describe, expect, it } from 'vitest';
import { codeTable } from '../../../schema/codes';
import {
  DATA_SETS,
  type DataSetEntity,
  dataSet,
  dataSetById,
  type FieldType,
} from '../../../schema/datasets';
import { Event, EventKind } from '../../../schema/events/event.entity';
import { TrainingSession } from '../../../schema/indicators/indicator.entity';
import { Organization, OrganizationKind } from '../../../schema/organizations/organization.entity';
import { Household } from '../../../schema/people/household.entity';
import { Person } from '../../../schema/people/person.entity';
import { PersonRecord, PersonRecordKind } from '../../../schema/people/person-record.entity';
import { Place, PlaceKind } from '../../../schema/places/place.entity';
import { Situation, SituationKind } from '../../../schema/situations/situation.entity';
import { Thing, ThingKind } from '../../../schema/things/thing.entity';

const ENTITY_CLASSES: Record<DataSetEntity, abstract new () => unknown> = {
  person: Person,
  household: Household,
  person_record: PersonRecord,
  place: Place,
  organization: Organization,
  event: Event,
  thing: Thing,
  situation: Situation,
  training_session: TrainingSession,
};

/** The MikroORM property types a field type may be stored in. */
const COLUMN_TYPES: Record<FieldType, string[]> = {
  text: ['string', 'text'],
  code: ['string'],
  codes: ['text[]'],
  date: ['date'],
  datetime: ['timestamptz'],
  int: ['integer'],
  number: ['double'],
  boolean: ['boolean'],
  citizenId: ['string'],
  creditCode: ['string'],
  phone: ['string'],
  divisionCode: ['string'],
};

function entityProperties(entity: DataSetEntity): Record<string, { type?: string; length?: number }> {
  const meta = MetadataStorage.getMetadataFromDecorator(ENTITY_CLASSES[entity]);
  return meta.properties as unknown as Record<string, { type?: string; length?: number }>;
}

const fieldsOf = () => DATA_SETS.flatMap((spec) => spec.fields.map((field) => ({ spec, field })));

describe('the data-set specifications', () => {
  it('have unique snake_case ids and Chinese labels', () => {
    const ids = DATA_SETS.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const d of DATA_SETS) {
      expect(d.id).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
      expect(d.label, d.id).toMatch(/\p{Script=Han}/u);
      expect(d.fields.length, d.id).toBeGreaterThan(0);
    }
  });

  it('have one spec per entity and kind', () => {
    const keys = DATA_SETS.map((d) => `${d.entity}/${d.kind ?? ''}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('cover every PersonRecordKind, PlaceKind, OrganizationKind, EventKind, ThingKind and SituationKind', () => {
    const enums: Array<[DataSetEntity, Record<string, string>]> = [
      ['person_record', PersonRecordKind],
      ['place', PlaceKind],
      ['organization', OrganizationKind],
      ['event', EventKind],
      ['thing', ThingKind],
      ['situation', SituationKind],
    ];
    for (const [entity, kinds] of enums) {
      for (const kind of Object.values(kinds)) {
        const spec = dataSet(entity, kind);
        expect(spec, `${entity} ${kind}`).toBeDefined();
        expect(spec?.kind).toBe(kind);
      }
      // …and no spec names a kind the entity does not have.
      for (const d of DATA_SETS.filter((s) => s.entity === entity)) {
        expect(Object.values(kinds), d.id).toContain(d.kind);
      }
    }
    expect(dataSet('person')?.id).toBe('person');
    expect(dataSet('person', PersonRecordKind.FOREIGN)?.id).toBe('person_foreign');
    expect(dataSet('household')?.id).toBe('household');
    expect(dataSet('place', 'castle')).toBeUndefined();
    expect(dataSetById('floating_population')?.label).toBe('流动人口');
  });

  it('have unique camelCase field names and Chinese labels within each data set', () => {
    for (const d of DATA_SETS) {
      const names = d.fields.map((f) => f.name);
      expect(new Set(names).size, `${d.id}: ${names.join(', ')}`).toBe(names.length);
      for (const f of d.fields) {
        expect(f.name, d.id).toMatch(/^[a-z][a-zA-Z0-9]*$/);
        expect(f.label, `${d.id}.${f.name}`).toMatch(/\p{Script=Han}/u);
      }
    }
  });

  it('refer only to code tables that exist in CODE_TABLES', () => {
    const referenced = new Set<string>();
    for (const { spec, field } of fieldsOf()) {
      if (field.codeTable === undefined) continue;
      referenced.add(field.codeTable);
      expect(codeTable(field.codeTable), `${spec.id}.${field.name} → ${field.codeTable}`).toBeDefined();
    }
    expect(referenced.size).toBeGreaterThan(50);
  });

  it('give every coded field exactly one source of codes, and no other field one', () => {
    for (const { spec, field } of fieldsOf()) {
      const where = `${spec.id}.${field.name}`;
      if (field.type === 'code' || field.type === 'codes') {
        expect(
          [field.codeTable, field.values].filter((x) => x !== undefined),
          where,
        ).toHaveLength(1);
        if (field.values) {
          expect(field.values.length, where).toBeGreaterThan(0);
          expect(spec.standard, `${where}: inline lists are for X modules`).toBe('X module');
        }
      } else {
        expect(field.codeTable, where).toBeUndefined();
        expect(field.values, where).toBeUndefined();
      }
    }
  });

  it('use the multi-select tables only for multi-select fields', () => {
    for (const { spec, field } of fieldsOf()) {
      if (field.codeTable && codeTable(field.codeTable)?.multiple) {
        expect(field.type, `${spec.id}.${field.name}`).toBe('codes');
      }
    }
  });

  it('store column fields in properties of the entity, of a matching type and wide enough for their codes', () => {
    for (const { spec, field } of fieldsOf()) {
      if (field.in !== 'column') continue;
      const where = `${spec.id}.${field.name}`;
      const property = entityProperties(spec.entity)[field.name];
      expect(property, `${where} is not a property of ${spec.entity}`).toBeDefined();
      expect(COLUMN_TYPES[field.type], where).toContain(property?.type);
      const codes = field.values ?? (field.codeTable ? codeTable(field.codeTable)?.values : undefined);
      if (codes && property?.length) {
        for (const v of codes)
          expect(v.code.length, `${where} ${v.code}`).toBeLessThanOrEqual(property.length);
      }
    }
  });

  it('keep attributes only where the entity has an attributes column', () => {
    for (const d of DATA_SETS) {
      if (!d.fields.some((f) => f.in === 'attributes')) continue;
      expect(entityProperties(d.entity).attributes?.type, d.id).toBe('jsonb');
    }
    expect(dataSet('person')?.fields.every((f) => f.in === 'column')).toBe(true);
    expect(dataSet('household')?.fields.every((f) => f.in === 'column')).toBe(true);
  });

  it('declare a mandatory set for every data set, with conditions on boolean or coded fields of the same set', () => {
    for (const d of DATA_SETS) {
      expect(
        d.fields.some((f) => f.mandatory),
        d.id,
      ).toBe(true);
      for (const f of d.fields) {
        if (!f.mandatoryIf) continue;
        const where = `${d.id}.${f.name}`;
        expect(f.mandatory, `${where}: mandatoryIf and mandatory`).toBeUndefined();
        const other = d.fields.find((o) => o.name === f.mandatoryIf?.field);
        expect(other, where).toBeDefined();
        expect(['boolean', 'code', 'codes'], where).toContain(other?.type);
        expect(other?.name, where).not.toBe(f.name);
      }
    }
  });

  it('give ranges only to numbers, and notFuture only to dates', () => {
    for (const { spec, field } of fieldsOf()) {
      const where = `${spec.id}.${field.name}`;
      if (field.min !== undefined || field.max !== undefined)
        expect(['int', 'number'], where).toContain(field.type);
      if (field.notFuture) expect(['date', 'datetime'], where).toContain(field.type);
    }
  });

  it('mark special groups, key youth, petitioners and health data as sensitive sets', () => {
    const sets = Object.fromEntries(
      DATA_SETS.filter((d) => d.sensitiveSet).map((d) => [d.kind ?? d.id, d.sensitiveSet]),
    );
    expect(sets).toEqual({
      released_prisoner: 'special_group',
      community_correction: 'special_group',
      drug_user: 'special_group',
      petitioner: 'special_group',
      severe_mental_disorder: 'health',
      hiv_risk: 'health',
      key_youth: 'minor',
    });
  });

  it('mark ID numbers as sensitive personal data', () => {
    for (const { spec, field } of fieldsOf()) {
      if (field.type === 'citizenId') expect(field.sensitive, `${spec.id}.${field.name}`).toBe(true);
    }
  });

  it('name their standard: GB/T 31000 data sets, and X modules for the rest', () => {
    const x = DATA_SETS.filter((d) => d.standard === 'X module').map((d) => d.id);
    expect(x.sort()).toEqual(
      [
        'building',
        'camera',
        'dangerous_goods',
        'equipment',
        'grid_worker',
        'incident',
        'other_place',
        'petitioner',
        'risk_assessment',
        'safety_survey',
        'sentiment_report',
        'training_session',
      ].sort(),
    );
  });

  it('map the reference fields of the main data sets to their code tables', () => {
    const tableOf = (id: string, name: string) =>
      dataSetById(id)?.fields.find((f) => f.name === name)?.codeTable;
    expect(tableOf('floating_population', 'inflowReason')).toBe('inflow_reason');
    expect(tableOf('floating_population', 'residenceType')).toBe('residence_type');
    expect(tableOf('house', 'buildingUse')).toBe('building_use');
    expect(tableOf('house', 'rentalUse')).toBe('rental_use');
    expect(tableOf('house', 'hazardType')).toBe('rental_hazard_type');
    expect(tableOf('dispute', 'scale')).toBe('event_scale');
    expect(tableOf('dispute', 'typeCode')).toBe('dispute_type');
    expect(tableOf('dispute', 'resolutionMethod')).toBe('resolution_method');
    expect(tableOf('severe_mental_disorder', 'riskLevel')).toBe('mental_risk_level');
    expect(tableOf('community_correction', 'fourHistories')).toBe('four_histories');
    expect(tableOf('delivery_firm', 'category')).toBe('delivery_enterprise_type');
    expect(tableOf('enterprise', 'category')).toBe('enterprise_category');
    expect(tableOf('patrol_team', 'category')).toBe('team_type');
    const survey = dataSetById('safety_survey')?.fields.find((f) => f.name === 'rating');
    expect(survey?.values?.map((v) => v.label)).toEqual(['很安全', '安全', '基本安全', '不太安全', '不安全']);
    const risk = dataSetById('risk_assessment');
    expect(risk?.fields.filter((f) => f.mandatory && f.in === 'attributes').map((f) => f.name)).toEqual([
      'assessingUnit',
      'legality',
      'reasonableness',
      'feasibility',
      'controllability',
    ]);
    expect(risk?.fields.find((f) => f.name === 'rating')?.values?.map((v) => v.label)).toEqual([
      '高风险',
      '中风险',
      '低风险',
    ]);
  });
});
