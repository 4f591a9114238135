import { ApiKey, Principal } from '../access/principal.entity';
import { AccessChange, RolePolicy } from '../access/role-policy.entity';
import { ReadAudit } from '../audit/read-audit.entity';
import { CodeTable, CodeValue } from '../codes/code.entity';
import { Event } from '../events/event.entity';
import { EventParty, EventStep, EventSupervision } from '../events/event-detail.entity';
import {
  EventAttachment,
  EventCopy,
  EventExtension,
  EventNotification,
  EventTimeLimit,
} from '../events/workflow.entity';
import {
  EvaluationRubric,
  IndicatorSnapshot,
  IndicatorTarget,
  TrainingSession,
} from '../indicators/indicator.entity';
import { Organization } from '../organizations/organization.entity';
import { Household } from '../people/household.entity';
import { Person } from '../people/person.entity';
import { PersonRecord } from '../people/person-record.entity';
import { Place } from '../places/place.entity';
import { Region } from '../regions/region.entity';
import { Situation } from '../situations/situation.entity';
import { Thing } from '../things/thing.entity';

/** Every entity of the hub, listed explicitly so discovery is the same under tsc, vitest and the CLI. */
export const ENTITIES = [
  Region,
  CodeTable,
  CodeValue,
  Household,
  Person,
  PersonRecord,
  Place,
  Organization,
  Event,
  EventParty,
  EventStep,
  EventSupervision,
  EventAttachment,
  EventExtension,
  EventCopy,
  EventTimeLimit,
  EventNotification,
  Thing,
  Situation,
  TrainingSession,
  IndicatorTarget,
  IndicatorSnapshot,
  EvaluationRubric,
  ReadAudit,
  Principal,
  ApiKey,
  RolePolicy,
  AccessChange,
];
