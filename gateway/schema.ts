import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { CodeTableResolver } from './resolvers/codes.resolver';
import { ConnectorResolver, QuarantineResolver, SyncRunResolver } from './resolvers/connectors.resolver';
import { CountsResolver } from './resolvers/counts.resolver';
import { EventPartyResolver, EventResolver } from './resolvers/events.resolver';
import { OrganizationResolver } from './resolvers/organizations.resolver';
import { HouseholdResolver, PersonRecordResolver, PersonResolver } from './resolvers/people.resolver';
import { PlaceResolver } from './resolvers/places.resolver';
import { RegionResolver } from './resolvers/region.resolver';
import { SystemResolver } from './resolvers/system.resolver';
import { SituationResolver, ThingResolver } from './resolvers/things.resolver';

export const RESOLVERS = [
  RegionResolver,
  PersonResolver,
  HouseholdResolver,
  PersonRecordResolver,
  EventResolver,
  EventPartyResolver,
  OrganizationResolver,
  PlaceResolver,
  ThingResolver,
  SituationResolver,
  CountsResolver,
  CodeTableResolver,
  SystemResolver,
  ConnectorResolver,
  SyncRunResolver,
  QuarantineResolver,
] as const;

/** The partner-facing schema; `schema.graphql` beside this file is its committed, printed form. */
export function buildGatewaySchema(): Promise<GraphQLSchema> {
  return buildSchema({ resolvers: RESOLVERS, validate: false, emitSchemaFile: false });
}
