import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../schema/runtime/logger';
import type { QueueRegistry } from '../workers/queues';
import type { Loaders } from './loaders';

/** What every resolver receives: a request-scoped EntityManager, batched loaders and the queue registry. */
export interface GatewayContext {
  requestId: string;
  em: EntityManager;
  loaders: Loaders;
  queues: QueueRegistry;
  logger: Logger;
}
