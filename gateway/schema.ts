import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { RegionResolver } from './resolvers/region.resolver';
import { SystemResolver } from './resolvers/system.resolver';

export const RESOLVERS = [RegionResolver, SystemResolver] as const;

/** The partner-facing schema; `schema.graphql` beside this file is its committed, printed form. */
export function buildGatewaySchema(): Promise<GraphQLSchema> {
  return buildSchema({ resolvers: RESOLVERS, validate: false, emitSchemaFile: false });
}
