import type { EntityManager } from '@mikro-orm/postgresql';
import type { GraphQLFormattedError } from 'graphql';
import type { SecretKey } from '../connectors/secrets';
import type { Notice } from '../schema/events/workflow.service';
import type { Logger } from '../schema/runtime/logger';
import type { NoticePublisher } from '../workers/notices';
import type { QueueRegistry } from '../workers/queues';
import type { Access, ReadLog } from './access';
import type { Loaders } from './loaders';

/** What every resolver receives: a request-scoped EntityManager, batched loaders and the queue registry. */
export interface GatewayContext {
  requestId: string;
  clientAddress: string | null;
  em: EntityManager;
  loaders: Loaders;
  queues: QueueRegistry;
  /** Encrypts and decrypts connectors' secrets. */
  secretKey: SecretKey;
  logger: Logger;
  /** What the caller may see; the one place resolvers ask. */
  access: Access;
  /** Personal records returned by this request, written to the read audit before the response leaves. */
  readLog: ReadLog;
  /** The declared purpose of the request (X-Purpose header), recorded in the read audit. */
  purpose: string | null;
  /** Non-fatal notices (a capped page size…) added to the response's errors. */
  notices: GraphQLFormattedError[];
  /**
   * Publishes the events workflow's notices after an operation commits (named apart from `notices` above,
   * which are the response's own). Absent when the gateway runs without Redis pub/sub.
   */
  noticePublisher?: NoticePublisher;
  /** The gateway's live notices, for subscriptions. */
  liveNotices?: LiveNotices;
}

/** One Redis subscription per gateway, fanned out in process to each subscriber. */
export interface LiveNotices {
  /** The notices `wanted` accepts, from now until the iterator is returned (the client unsubscribes). */
  subscribe(wanted: (notice: Notice) => boolean): AsyncIterableIterator<Notice>;
}
