import { MapperKind, mapSchema } from '@graphql-tools/utils';
import {
  defaultFieldResolver,
  GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  isNonNullType,
} from 'graphql';
import { GOVERNED_TYPES } from '../schema/access/policy';
import type { GatewayContext } from './context';

/**
 * The one enforcement point of access policies in the schema: every root field checks that the caller's
 * roles may call it (a forbidden root field fails with FORBIDDEN naming the permission), and every field of
 * the governed types checks the caller's field allow-list. A forbidden field answers null with an error entry
 * naming the missing permission, so a partner's dashboard keeps the rest of its data: those fields are made
 * nullable in the published schema for that reason (ids excepted). Rows are scoped in SQL by the services,
 * through the request's Access (./access.ts); this guard covers what SQL cannot: fields and operations.
 */

const GOVERNED = new Set<string>(GOVERNED_TYPES);

export function forbiddenRoot(field: string, access: GatewayContext['access']): GraphQLError {
  return new GraphQLError(
    `Not permitted: your role(s) (${access.role ?? 'anonymous'}) may not call ${field}`,
    {
      extensions: { code: 'FORBIDDEN', permission: `root:${field}` },
    },
  );
}

function guardRoot(
  field: string,
  resolve: GraphQLFieldResolver<unknown, GatewayContext>,
): GraphQLFieldResolver<unknown, GatewayContext> {
  return (source, args, ctx, info) => {
    if (!ctx.access.mayCall(field)) throw forbiddenRoot(field, ctx.access);
    return resolve(source, args, ctx, info);
  };
}

function guardField(
  type: string,
  field: string,
  resolve: GraphQLFieldResolver<unknown, GatewayContext>,
): GraphQLFieldResolver<unknown, GatewayContext> {
  return (source, args, ctx, info) => {
    if (!ctx.access.mayRead(type, field)) {
      throw new GraphQLError(`Not permitted: ${type}.${field} is not in your role(s)' field list`, {
        extensions: { code: 'FORBIDDEN_FIELD', permission: `${type}.${field}` },
      });
    }
    return resolve(source, args, ctx, info);
  };
}

export function guardSchema(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.ROOT_FIELD]: (config, fieldName) => ({
      ...config,
      resolve: guardRoot(
        fieldName,
        (config.resolve ?? defaultFieldResolver) as GraphQLFieldResolver<unknown, GatewayContext>,
      ),
      // A subscription is checked when it starts, before its source is opened.
      ...(config.subscribe
        ? {
            subscribe: guardRoot(
              fieldName,
              config.subscribe as GraphQLFieldResolver<unknown, GatewayContext>,
            ),
          }
        : {}),
    }),
    [MapperKind.OBJECT_FIELD]: (config, fieldName, typeName) => {
      if (!GOVERNED.has(typeName)) return config;
      return {
        ...config,
        type: fieldName !== 'id' && isNonNullType(config.type) ? config.type.ofType : config.type,
        resolve: guardField(
          typeName,
          fieldName,
          (config.resolve ?? defaultFieldResolver) as GraphQLFieldResolver<unknown, GatewayContext>,
        ),
      };
    },
  });
}
