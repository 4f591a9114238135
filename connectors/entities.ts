import { Connector, ConnectorState, SourceLink, SyncRun } from './connector.entity';
import { MergeConflict, QuarantinedRecord } from './quarantine.entity';

/** The connectors' own tables: registrations, read positions, runs, source links, quarantine, conflicts. */
export const CONNECTOR_ENTITIES = [
  Connector,
  ConnectorState,
  SyncRun,
  SourceLink,
  QuarantinedRecord,
  MergeConflict,
];
