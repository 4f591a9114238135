import type { ProvenanceData } from '../common/provenance';
import type { EventKind, EventStatus } from '../events/event.entity';
import type { SupervisionLevel } from '../events/event-detail.entity';
import type { OrganizationKind } from '../organizations/organization.entity';
import type { PersonRecordKind } from '../people/person-record.entity';
import type { PlaceKind } from '../places/place.entity';
import type { SituationKind } from '../situations/situation.entity';
import type { ThingKind } from '../things/thing.entity';

/**
 * The demo county's rows: plain objects shaped like the tables, with foreign keys given as natural keys
 * (ID number, household number, credit code, place or event code) so that the loader resolves them in SQL
 * and a second load can recognise what is already there. Dates are `YYYY-MM-DD`, instants ISO strings (UTC).
 */

export interface DemoGoverned {
  /** A grid code. */
  regionCode: string;
  /** That grid's path, `/620725/620725101/620725101001/620725101001-G01/`. */
  regionPath: string;
  provenance: ProvenanceData;
}

export interface DemoHousehold extends DemoGoverned {
  householdNumber: string;
  headIdNumber: string | null;
  headName: string | null;
  address: string;
  /** 人户一致标识: 01 一致, 02 不一致. */
  residenceMatch: string;
}

export interface DemoPerson extends DemoGoverned {
  idNumber: string | null;
  /** GA/T 517 证件代码 for foreigners (414 普通护照), with the document number. */
  documentType: string | null;
  documentNumber: string | null;
  name: string;
  formerName: string | null;
  /** GB/T 2261.1: 1 male, 2 female. */
  sex: '1' | '2';
  birthDate: string;
  ethnicity: string | null;
  nativePlace: string | null;
  maritalStatus: string | null;
  politicalStatus: string | null;
  education: string | null;
  religion: string | null;
  occupationCategory: string | null;
  occupation: string | null;
  employer: string | null;
  phone: string | null;
  registeredRegionCode: string | null;
  registeredAddress: string | null;
  currentAddress: string | null;
  /** The household (户号) the person is registered in; null for floating residents and foreigners. */
  householdNumber: string | null;
  tags: string[];
}

export interface DemoPersonRecord extends DemoGoverned {
  /** The person's natural key: the ID number, or the document for a foreigner without one. */
  personIdNumber: string | null;
  personDocumentType: string | null;
  personDocumentNumber: string | null;
  kind: PersonRecordKind;
  attributes: Record<string, unknown>;
  since: string | null;
  until: string | null;
}

export interface DemoPlace extends DemoGoverned {
  code: string;
  kind: PlaceKind;
  name: string;
  address: string | null;
  /** The code of the building a house is in. */
  parentCode: string | null;
  longitude: number | null;
  latitude: number | null;
  attributes: Record<string, unknown>;
}

export interface DemoOrganization extends DemoGoverned {
  creditCode: string | null;
  kind: OrganizationKind;
  name: string;
  category: string | null;
  address: string | null;
  legalRepresentative: string | null;
  legalRepresentativeIdNumber: string | null;
  phone: string | null;
  employeeCount: number | null;
  attentionLevel: string | null;
  hasPartyOrganization: boolean | null;
  partyMembers: number | null;
  hasUnion: boolean | null;
  unionMembers: number | null;
  hasYouthLeague: boolean | null;
  youthLeagueMembers: number | null;
  hasWomensFederation: boolean | null;
  womenCount: number | null;
  longitude: number | null;
  latitude: number | null;
  attributes: Record<string, unknown>;
}

export interface DemoEvent extends DemoGoverned {
  code: string;
  kind: EventKind;
  title: string;
  occurredAt: string;
  reportedAt: string | null;
  location: string | null;
  placeCode: string | null;
  scale: string | null;
  typeCode: string | null;
  involvedCount: number | null;
  description: string | null;
  involvedUnits: string | null;
  status: EventStatus;
  resolutionDeadline: string | null;
  resolutionMethod: string | null;
  resolvingOrganization: string | null;
  resolutionOwner: string | null;
  resolvedSuccessfully: boolean | null;
  resolvedAt: string | null;
  resolutionNote: string | null;
  evaluatedOn: string | null;
  evaluation: string | null;
  attributes: Record<string, unknown>;
}

export interface DemoEventParty {
  eventCode: string;
  idNumber: string | null;
  /** An organisation party (涉及单位) by its credit code; null for people. */
  creditCode: string | null;
  name: string;
  role: string | null;
  category: string | null;
  residenceRegionCode: string | null;
}

export interface DemoEventStep {
  eventCode: string;
  step: string;
  unit: string;
  at: string;
  handler: string | null;
  opinion: string | null;
  verifier: string | null;
  verified: boolean | null;
  verificationOpinion: string | null;
}

export interface DemoEventSupervision {
  eventCode: string;
  level: SupervisionLevel;
  unit: string;
  supervisor: string | null;
  at: string;
  opinion: string | null;
}

export interface DemoThing extends DemoGoverned {
  code: string;
  kind: ThingKind;
  name: string;
  type: string | null;
  ownerCreditCode: string | null;
  ownerIdNumber: string | null;
  placeCode: string | null;
  longitude: number | null;
  latitude: number | null;
  attributes: Record<string, unknown>;
}

export interface DemoSituation extends DemoGoverned {
  code: string;
  kind: SituationKind;
  title: string;
  recordedAt: string;
  rating: string | null;
  attributes: Record<string, unknown>;
}

/** 培训、演练 (training_session): held by the county or a township, not in a grid; no provenance column. */
export interface DemoTrainingSession {
  code: string;
  kind: 'training' | 'drill';
  title: string;
  audience: 'county_staff' | 'township_staff' | 'grid_workers';
  /** The organising unit: the county or a township. */
  regionCode: string;
  regionPath: string;
  heldOn: string;
  /** Person-times (人次). */
  participants: number;
  organizer: string | null;
  attributes: Record<string, unknown>;
}

export interface DemoCountyOptions {
  /** Any number or string; the same seed gives the same county. Default 1. */
  seed?: number | string;
  /** 1.0 = the full county (~160,000 people, ~62,000 households); 0.02 for tests. Default 1. */
  scale?: number;
  /** The day the data describes ("today" for ages, statuses and exports). Default 2023-12-31. */
  asOf?: string;
}

export interface DemoCounty {
  seed: string | number;
  scale: number;
  asOf: string;
  households: DemoHousehold[];
  persons: DemoPerson[];
  personRecords: DemoPersonRecord[];
  places: DemoPlace[];
  organizations: DemoOrganization[];
  events: DemoEvent[];
  eventParties: DemoEventParty[];
  eventSteps: DemoEventStep[];
  eventSupervisions: DemoEventSupervision[];
  things: DemoThing[];
  situations: DemoSituation[];
  trainingSessions: DemoTrainingSession[];
}

/** The tables of a demo county, in load order. */
export const DEMO_TABLES = [
  'households',
  'persons',
  'personRecords',
  'places',
  'organizations',
  'events',
  'eventParties',
  'eventSteps',
  'eventSupervisions',
  'things',
  'situations',
  'trainingSessions',
] as const;

export type DemoTable = (typeof DEMO_TABLES)[number];
