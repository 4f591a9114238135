import { ManyToOne, type Opt, Property } from '@mikro-orm/core';
import { Field } from 'type-graphql';
import { Region } from '../regions/region.entity';
import type { ProvenanceData } from './provenance';

/**
 * What every governed record of the six categories carries: its owning region (normally a grid), that
 * region's path copied beside it so "records in this unit and below" is one indexed prefix predicate on the
 * record's own table, provenance, and timestamps. `regionPath` is kept in step by the services that write.
 */

export abstract class GovernedRecord {
  @ManyToOne(() => Region, { fieldName: 'region_code', deleteRule: 'restrict', updateRule: 'cascade' })
  region!: Region;

  /** Indexed per table (text_pattern_ops) by each subclass, since index names are per table. */
  @Property({ type: 'text' })
  regionPath!: string;

  @Property({ type: 'jsonb', default: '{"sources":[],"fields":{}}', lazy: false })
  provenance!: Opt<ProvenanceData>;

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Field(() => Date)
  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt: Opt<Date> = new Date();
}
