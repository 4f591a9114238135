import type { GraphQLFormattedError } from 'graphql';
import type { ClassType } from 'type-graphql';
import { Field, Int, ObjectType } from 'type-graphql';
import type { Page, PageRequest } from '../schema/common/listing';
import { DomainError } from '../schema/runtime/errors';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

@ObjectType({ simpleResolvers: true, description: 'Relay page information' })
export class PageInfo {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => Boolean, { description: 'Always false: pages go forward from a cursor' })
  hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true }) startCursor!: string | null;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
  @Field(() => Int, { description: 'The page size applied (a request above the cap is capped)' })
  pageSize!: number;
}

/** Keyset cursors over the bigint primary key: stable under inserts, one index range per page. */
export function encodeCursor(id: string): string {
  return Buffer.from(`id:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined): string | null {
  if (!cursor) return null;
  const decoded = Buffer.from(cursor, 'base64url').toString();
  const match = /^id:(\d{1,19})$/.exec(decoded);
  if (!match)
    throw new DomainError('BAD_CURSOR', `Cursor "${cursor}" is not one this API issued`, { field: 'after' });
  return match[1];
}

export interface GatewayPageRequest extends PageRequest {
  /** Set when the request asked for more than the cap. */
  cappedFrom: number | null;
}

/** Validates `first`/`after`: negative sizes are refused, sizes over the cap are capped (and the caller told). */
export function pageRequest(
  first: number | null | undefined,
  after: string | null | undefined,
  cap = MAX_PAGE_SIZE,
): GatewayPageRequest {
  const requested = first ?? Math.min(DEFAULT_PAGE_SIZE, cap);
  if (!Number.isInteger(requested) || requested < 0) {
    throw new DomainError(
      'BAD_PAGE_SIZE',
      `first must be a whole number from 0 to ${MAX_PAGE_SIZE}, got ${requested}`,
      {
        field: 'first',
        rule: `0 ≤ first ≤ ${MAX_PAGE_SIZE}`,
      },
    );
  }
  return {
    first: Math.min(requested, cap),
    afterId: decodeCursor(after),
    cappedFrom: requested > cap ? requested : null,
  };
}

export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  nodes: T[];
  pageInfo: PageInfo;
  count: () => Promise<number>;
  totalCount(): Promise<number>;
}

/**
 * A Relay connection type for `node`, built once per node type. `totalCount` is a method, so the count
 * query runs only when a client asks for it.
 */
export function ConnectionType<T extends object>(node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`, { simpleResolvers: true })
  class Edge {
    @Field(() => String) cursor!: string;
    @Field(() => node) node!: T;
  }

  @ObjectType(`${name}Connection`, {
    simpleResolvers: true,
    description: `A page of ${name} records, in id order`,
  })
  class ConnectionClass implements Connection<T> {
    @Field(() => [Edge]) edges!: Edge[];
    @Field(() => [node], { description: 'The nodes of the edges, for clients that need no cursors' })
    nodes!: T[];
    @Field(() => PageInfo) pageInfo!: PageInfo;
    count!: () => Promise<number>;

    @Field(() => Int, {
      description: 'All records matching the filter (visible to the caller), not just this page',
    })
    totalCount(): Promise<number> {
      return this.count();
    }
  }
  return ConnectionClass;
}

export function toConnection<T extends { id: string }>(page: Page<T>): Connection<T> {
  const first = page.nodes[0];
  const last = page.nodes.at(-1);
  let edges: Connection<T>['edges'] | undefined;
  return {
    // Built when asked for: most clients read `nodes`, and a cursor per node is a base64 encoding each.
    get edges() {
      edges ??= page.nodes.map((node) => ({ cursor: encodeCursor(node.id), node }));
      return edges;
    },
    nodes: page.nodes,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: false,
      startCursor: first ? encodeCursor(first.id) : null,
      endCursor: last ? encodeCursor(last.id) : null,
      pageSize: page.pageSize,
    },
    count: page.count,
    // graphql-js calls a function-valued property; the class's method does the same for class instances.
    totalCount: page.count,
  };
}

/** `pageRequest`, telling the caller (in the response's errors) when its page size was capped. */
export function requestPage(
  notices: GraphQLFormattedError[],
  field: string,
  first: number | null | undefined,
  after: string | null | undefined,
  /** The caller's row-fetch cap (its policy's), never above the hub's own. */
  cap = MAX_PAGE_SIZE,
): PageRequest {
  const limit = Math.min(cap, MAX_PAGE_SIZE);
  const page = pageRequest(first, after, limit);
  if (page.cappedFrom !== null) {
    notices.push({
      message: `${field}: first=${page.cappedFrom} is over the cap of ${limit}; ${limit} returned`,
      extensions: { code: 'PAGE_SIZE_CAPPED', field: 'first', rule: `first ≤ ${limit}` },
    });
  }
  return page;
}
