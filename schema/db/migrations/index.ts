import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126135216_init } from './Migration20261126135216_init';
import { Migration20261126142114_six_categories } from './Migration20261126142114_six_categories';
import { Migration20261126142608_read_audit } from './Migration20261126142608_read_audit';
import { Migration20261126143000_code_tables } from './Migration20261126143000_code_tables';
import { Migration20261126143100_event_party_organization } from './Migration20261126143100_event_party_organization';
import { Migration20261126163733_connectors } from './Migration20261126163733_connectors';
import { Migration20261126165432_access } from './Migration20261126165432_access';
import { Migration20261126172800_read_audit_partitions } from './Migration20261126172800_read_audit_partitions';
import { Migration20261127023843_fleet } from './Migration20261127023843_fleet';
import { Migration20261127040347_fees } from './Migration20261127040347_fees';
import { Migration20261127041034_reconciliation } from './Migration20261127041034_reconciliation';
import { Migration20261127042958_budget } from './Migration20261127042958_budget';
import { Migration20261127054806_event_workflow } from './Migration20261127054806_event_workflow';
import { Migration20261127065045_indicators } from './Migration20261127065045_indicators';
import { Migration20261127085320_FeeLineMatch } from './Migration20261127085320_FeeLineMatch';
import { Migration20261127090724_FeeLineStatementIndex } from './Migration20261127090724_FeeLineStatementIndex';

/**
 * Committed migrations, in order. Listed here rather than globbed so that the same list runs from the
 * TypeScript sources (tests) and the compiled build (production). `hub migrate --create NAME` writes a new
 * file into this folder; add it to the end of this list.
 */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261126135216_init', class: Migration20261126135216_init },
  { name: 'Migration20261126142114_six_categories', class: Migration20261126142114_six_categories },
  { name: 'Migration20261126142608_read_audit', class: Migration20261126142608_read_audit },
  { name: 'Migration20261126143000_code_tables', class: Migration20261126143000_code_tables },
  {
    name: 'Migration20261126143100_event_party_organization',
    class: Migration20261126143100_event_party_organization,
  },
  { name: 'Migration20261126163733_connectors', class: Migration20261126163733_connectors },
  { name: 'Migration20261126165432_access', class: Migration20261126165432_access },
  {
    name: 'Migration20261126172800_read_audit_partitions',
    class: Migration20261126172800_read_audit_partitions,
  },
  { name: 'Migration20261127023843_fleet', class: Migration20261127023843_fleet },
  { name: 'Migration20261127040347_fees', class: Migration20261127040347_fees },
  { name: 'Migration20261127041034_reconciliation', class: Migration20261127041034_reconciliation },
  { name: 'Migration20261127042958_budget', class: Migration20261127042958_budget },
  { name: 'Migration20261127054806_event_workflow', class: Migration20261127054806_event_workflow },
  { name: 'Migration20261127065045_indicators', class: Migration20261127065045_indicators },
  { name: 'Migration20261127085320_FeeLineMatch', class: Migration20261127085320_FeeLineMatch },
  {
    name: 'Migration20261127090724_FeeLineStatementIndex',
    class: Migration20261127090724_FeeLineStatementIndex,
  },
];
