import { Budget } from './budget.entity';
import { DeviceCa, DeviceCertificate, EnrollmentToken, FleetAudit } from './ca.entity';
import { AppRelease, Checkin } from './checkin.entity';
import { CarrierTemplate, QuarantinedLine, Statement, StatementLine } from './fees.entity';
import { Assignment, FleetChange, Handset, SimCard, Worker } from './inventory.entity';
import { ReconciliationFinding, ReconciliationRun } from './reconciliation.entity';

/** The fleet's tables: inventory, assignments and their history, the device CA, check-ins, app releases, and carrier statements. */
export const FLEET_ENTITIES = [
  Worker,
  Handset,
  SimCard,
  Assignment,
  FleetChange,
  DeviceCa,
  DeviceCertificate,
  EnrollmentToken,
  FleetAudit,
  Checkin,
  AppRelease,
  CarrierTemplate,
  Statement,
  StatementLine,
  QuarantinedLine,
  ReconciliationRun,
  ReconciliationFinding,
  Budget,
];
