import type { ApolloServerPlugin } from '@apollo/server';
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Redis } from 'ioredis';
import type { Logger } from '../schema/runtime/logger';
import type { GatewayContext } from './context';
import { RateLimited, RateLimiter } from './rate-limit';

/**
 * Per-role request limits, checked once the operation is known and before anything runs: depth, cost
 * (object 1, scalar 0, a list × its page size, a mutation 10), aliases, body size; introspection only for
 * roles that are granted it; and a per-client rate limit kept in Redis, so that it holds across gateway
 * processes. Each refusal has a stable code.
 */

export interface OperationMeasure {
  depth: number;
  cost: number;
  aliases: number;
  introspection: boolean;
}

const DEFAULT_PAGE = 20;

/** Depth, cost and aliases of an operation, fragments expanded (a fragment cycle is a validation error already). */
export function measure(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> = {},
): OperationMeasure {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  let aliases = 0;
  let introspection = false;
  const pageOf = (args: readonly { name: { value: string }; value: { kind: string } }[]): number => {
    const first = args.find((a) => a.name.value === 'first');
    if (!first) return 1;
    const v = first.value as { kind: string; value?: string; name?: { value: string } };
    if (v.kind === Kind.INT) return Number(v.value);
    if (v.kind === Kind.VARIABLE) return Number(variables[v.name!.value] ?? DEFAULT_PAGE);
    return DEFAULT_PAGE;
  };
  const walk = (set: SelectionSetNode, depth: number, seen: Set<string>): { depth: number; cost: number } => {
    let maxDepth = depth;
    let cost = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.alias) aliases++;
        if (sel.name.value === '__schema' || sel.name.value === '__type') introspection = true;
        if (sel.selectionSet) {
          const inner = walk(sel.selectionSet, depth + 1, seen);
          maxDepth = Math.max(maxDepth, inner.depth);
          const multiplier = pageOf(sel.arguments ?? []);
          cost += multiplier * (1 + inner.cost);
        }
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const inner = walk(sel.selectionSet, depth, seen);
        maxDepth = Math.max(maxDepth, inner.depth);
        cost += inner.cost;
      } else {
        const fragment = fragments.get(sel.name.value);
        if (!fragment || seen.has(sel.name.value)) continue;
        const inner = walk(fragment.selectionSet, depth, new Set([...seen, sel.name.value]));
        maxDepth = Math.max(maxDepth, inner.depth);
        cost += inner.cost;
      }
    }
    return { depth: maxDepth, cost };
  };
  const root = walk(operation.selectionSet, 0, new Set());
  const mutationCost = operation.operation === 'mutation' ? 10 * operation.selectionSet.selections.length : 0;
  return { depth: root.depth, cost: root.cost + mutationCost, aliases, introspection };
}

function refuse(code: string, message: string, extra: Record<string, unknown> = {}, status = 400): never {
  throw new GraphQLError(message, { extensions: { code, ...extra, http: { status } } });
}

export function limitsPlugin(redis: Redis, logger: Logger): ApolloServerPlugin<GatewayContext> {
  const limiter = new RateLimiter(redis);
  return {
    async requestDidStart({ contextValue }) {
      return {
        async didResolveOperation({ document, operation, request }) {
          if (!operation) return;
          const { access } = contextValue;
          const { limits } = access.policy;
          const m = measure(document, operation, request.variables ?? {});
          if (m.introspection && !access.policy.introspection) {
            refuse(
              'INTROSPECTION_FORBIDDEN',
              'Introspection is for staff roles only',
              { permission: 'introspection' },
              403,
            );
          }
          if (m.depth > limits.depth)
            refuse('DEPTH_LIMIT', `The query is ${m.depth} levels deep; your limit is ${limits.depth}`, {
              limit: limits.depth,
              actual: m.depth,
            });
          if (m.aliases > limits.aliases)
            refuse('ALIAS_LIMIT', `The query uses ${m.aliases} aliases; your limit is ${limits.aliases}`, {
              limit: limits.aliases,
              actual: m.aliases,
            });
          if (m.cost > limits.cost)
            refuse('COST_LIMIT', `The query costs ${m.cost}; your limit is ${limits.cost}`, {
              limit: limits.cost,
              actual: m.cost,
            });
          if (access.policy.requirePurpose && !contextValue.purpose) {
            refuse(
              'PURPOSE_REQUIRED',
              'Your role must declare the purpose of each request (X-Purpose header)',
              { header: 'X-Purpose' },
            );
          }
          try {
            await limiter.consume(
              access.principal === 'anonymous' ? `anon:${contextValue.clientAddress}` : access.principal,
              access.policy.ratePerMinute,
            );
          } catch (error) {
            if (!(error instanceof RateLimited)) {
              logger.warn({ err: (error as Error).message }, 'rate limiter unavailable');
              return;
            }
            const retry = Math.ceil(error.msBeforeNext / 1000);
            refuse(
              'RATE_LIMITED',
              `More than ${access.policy.ratePerMinute} requests a minute; retry in ${retry} s`,
              { retryAfterSeconds: retry },
              429,
            );
          }
        },
      };
    },
  };
}
