import type { GraphQLSchema } from 'graphql';
import { buildSchema, type ContainerType, type PubSub } from 'type-graphql';
import { guardSchema } from './guard';
import { AccessResolver } from './resolvers/access.resolver';
import { BudgetResolver } from './resolvers/budget.resolver';
import { CodeTableResolver } from './resolvers/codes.resolver';
import { ConnectorResolver, QuarantineResolver, SyncRunResolver } from './resolvers/connectors.resolver';
import { CountsResolver } from './resolvers/counts.resolver';
import { EVENT_WORKFLOW_RESOLVERS } from './resolvers/event-workflow.resolver';
import { EventPartyResolver, EventResolver } from './resolvers/events.resolver';
import { FEES_RESOLVERS } from './resolvers/fees.resolver';
import { FLEET_RESOLVERS } from './resolvers/fleet.resolver';
import { INDICATOR_RESOLVERS } from './resolvers/indicators.resolver';
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
  AccessResolver,
  ...FLEET_RESOLVERS,
  ...FEES_RESOLVERS,
  BudgetResolver,
  ...EVENT_WORKFLOW_RESOLVERS,
  ...INDICATOR_RESOLVERS,
] as const;

/**
 * The partner-facing schema, every root field and governed field behind the access guard (./guard.ts);
 * `schema.graphql` beside this file is its committed, printed form.
 */
export async function buildGatewaySchema(): Promise<GraphQLSchema> {
  return guardSchema(
    await buildSchema({
      resolvers: RESOLVERS,
      validate: false,
      emitSchemaFile: false,
      pubSub: NO_PUBSUB,
      container: RESOLVER_INSTANCES,
    }),
  );
}

const instances = new Map<unknown, unknown>();

/**
 * One instance per resolver class, found by a map: type-graphql asks for the instance on every field it
 * resolves, and its default container searches a list of every resolver class for it.
 */
const RESOLVER_INSTANCES: ContainerType = {
  get(someClass) {
    let instance = instances.get(someClass);
    if (!instance) {
      instance = new (someClass as new () => unknown)();
      instances.set(someClass, instance);
    }
    return instance;
  },
};

/**
 * type-graphql insists on a PubSub engine once any subscription exists, even though every subscription here
 * brings its own source (`subscribe`: the gateway's live notices, server.ts); this one is never used.
 */
const NO_PUBSUB: PubSub = {
  publish() {
    throw new Error('no PubSub engine: subscriptions bring their own source');
  },
  subscribe() {
    throw new Error('no PubSub engine: subscriptions bring their own source');
  },
};
