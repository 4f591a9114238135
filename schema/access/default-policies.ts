import type { PolicyInput } from './policy';

/**
 * The roles the hub starts with, seeded by a migration when missing (an administrator may change them
 * afterwards; changes are audited). The three department roles are the examples of issue 5: public security
 * reads the whole county in the clear, civil affairs reads left-behind people and social organisations with
 * ID numbers masked and no special groups, a township office reads everything in its own township.
 */

const REFERENCE = ['region', 'regions', 'codeTable', 'codeTables', 'hub'];
const READ_ALL = [
  'person',
  'people',
  'event',
  'events',
  'organization',
  'organizations',
  'place',
  'places',
  'thing',
  'things',
  'situation',
  'situations',
  'counts',
];
const CONNECTOR_OPS = [
  'sourceTypes',
  'connectors',
  'connector',
  'syncRuns',
  'syncRun',
  'quarantine',
  'mergeConflicts',
  'createConnector',
  'updateConnector',
  'deleteConnector',
  'checkConnector',
  'checkConnectorConfig',
  'discoverConnector',
  'runConnector',
  'correctQuarantined',
  'replayQuarantined',
  'discardQuarantined',
];
/** The IT office's handset fleet (gateway/resolvers/fleet.resolver.ts): inventory, enrollment, compliance. */
export const FLEET_OPS = [
  'handsets',
  'handset',
  'sims',
  'sim',
  'workers',
  'worker',
  'fleetHistory',
  'appReleases',
  'fleetCompliance',
  'fleetComplianceCsv',
  'fleetAudit',
  'createHandset',
  'updateHandset',
  'setHandsetStatus',
  'createSim',
  'setSimStatus',
  'createWorker',
  'assignHandset',
  'unassignHandset',
  'createAppRelease',
  'createEnrollmentToken',
  'revokeCertificate',
  'revokeHandset',
  'importFleetInventory',
];
/** Finance's carrier statements (gateway/resolvers/fees.resolver.ts): templates, statements, their import. */
export const FEES_OPS = [
  'carrierTemplates',
  'statements',
  'statement',
  'importStatement',
  'reconciliation',
  'reconcileStatement',
  'acceptFinding',
  'budget',
  'setBudget',
  'allocation',
  'feeSummaryExport',
  'feeDetailExport',
];
/**
 * The events workflow as centres and departments work it (gateway/resolvers/event-workflow.resolver.ts): their
 * queues, an event's history, the operations, notifications and the live subscription. Which events each may
 * see and act on is the workflow's own rule (its units), not the read policy.
 */
export const EVENT_OPS = [
  'eventQueue',
  'eventHistory',
  'eventNotifications',
  'markEventNotificationsRead',
  'reportEvent',
  'acceptEvent',
  'reportEventUp',
  'dispatchEvent',
  'handleEvent',
  'resolveEvent',
  'verifyEvent',
  'archiveEvent',
  'returnEvent',
  'abortEvent',
  'setEventUrgent',
  'requestEventExtension',
  'decideEventExtension',
  'superviseEvent',
  'eventDispatched',
];
/**
 * The performance indicators and the annual self-evaluation report (gateway/resolvers/indicators.resolver.ts);
 * setIndicatorTarget is administrators' only. Callers tied to a unit see their unit and below.
 */
export const INDICATOR_OPS = ['indicators', 'indicatorTrend', 'indicatorRecords', 'selfEvaluationReport'];
/** Finance reads the indicators and the report, not the records behind them. */
export const INDICATOR_REPORT_OPS = ['indicators', 'indicatorTrend', 'selfEvaluationReport'];
const EVERY_TYPE = {
  Person: {},
  PersonRecord: {},
  Household: {},
  Event: {},
  Organization: {},
  Place: {},
  Thing: {},
  Situation: {},
} as const;
const OWN_UNIT = { rows: { ownUnit: true as const } };

export const DEFAULT_POLICIES: Record<string, PolicyInput> = {
  anonymous: {
    description: 'Callers without a key: the region tree and code tables only',
    rootFields: [...REFERENCE],
    ratePerMinute: 120,
  },
  admin: {
    description: 'Administrators: everything, including principals, keys, policies and the audit',
    rootFields: '*',
    types: EVERY_TYPE,
    clear: ['idNumber', 'name', 'phone', 'address', 'birthDate', 'documentNumber'],
    sensitiveSets: ['special_group', 'minor', 'health'],
    aggregates: true,
    introspection: true,
    admin: true,
    ratePerMinute: 6_000,
    limits: { depth: 12, cost: 50_000, aliases: 100, bodyBytes: 1_000_000 },
  },
  it_office: {
    description: 'County IT office: the handset fleet, connectors and the reference data',
    rootFields: [...REFERENCE, ...CONNECTOR_OPS, ...FLEET_OPS, 'thing', 'things'],
    types: { Thing: {} },
    aggregates: true,
    introspection: true,
  },
  finance: {
    description: 'Finance: fees and budgets, and the reference data',
    rootFields: [...REFERENCE, ...FEES_OPS, ...INDICATOR_REPORT_OPS],
    aggregates: true,
    introspection: true,
  },
  centre_operator: {
    description: 'Township or county governance centre staff: everything in their own unit',
    rootFields: [...REFERENCE, ...READ_ALL, ...EVENT_OPS, ...INDICATOR_OPS],
    types: Object.fromEntries(Object.keys(EVERY_TYPE).map((t) => [t, OWN_UNIT])),
    clear: ['name', 'phone', 'address'],
    sensitiveSets: ['special_group', 'minor'],
    aggregates: true,
    introspection: true,
  },
  public_security: {
    description: '公安: the whole county, all fields in the clear, special groups included',
    rootFields: [...REFERENCE, ...READ_ALL, ...EVENT_OPS],
    types: EVERY_TYPE,
    clear: ['idNumber', 'name', 'phone', 'address', 'birthDate', 'documentNumber'],
    sensitiveSets: ['special_group', 'minor', 'health'],
    aggregates: true,
    requirePurpose: true,
  },
  civil_affairs: {
    description: '民政: left-behind people and social organisations; ID numbers masked; no special groups',
    rootFields: [...REFERENCE, 'person', 'people', 'organization', 'organizations', 'counts', ...EVENT_OPS],
    types: {
      Person: { rows: { kinds: ['left_behind'] } },
      PersonRecord: { rows: { kinds: ['left_behind'] } },
      Household: { rows: { all: true } },
      Organization: { rows: { kinds: ['social_organization'] } },
    },
    clear: ['name', 'phone', 'address', 'birthDate'],
    sensitiveSets: ['minor'],
    aggregates: true,
  },
  township_office: {
    description: 'A township office: everything in its own township',
    rootFields: [...REFERENCE, ...READ_ALL, ...EVENT_OPS, ...INDICATOR_OPS],
    types: Object.fromEntries(Object.keys(EVERY_TYPE).map((t) => [t, OWN_UNIT])),
    clear: ['idNumber', 'name', 'phone', 'address', 'birthDate', 'documentNumber'],
    sensitiveSets: ['special_group', 'minor', 'health'],
    aggregates: true,
  },
};
