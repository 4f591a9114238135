import type { GraphQLFormattedError } from 'graphql';
import type { SecretKey } from '../connectors/secrets';
import type { MikroORM } from '../schema/db/orm';
import type { Logger } from '../schema/runtime/logger';
import type { NoticePublisher } from '../workers/notices';
import type { QueueRegistry } from '../workers/queues';
import { type Access, ReadLog } from './access';
import type { GatewayContext, LiveNotices } from './context';
import { createLoaders, type Loaders } from './loaders';

/**
 * The context of one HTTP operation. Its EntityManager (a fork), loaders and child logger are made when a
 * resolver first asks for them: on a request answered from one statement they were a visible share of the
 * gateway's CPU. They are getters on the prototype because Apollo copies the context with Object.assign,
 * which would call own getters at once.
 */
export class RequestContext implements GatewayContext {
  readonly readLog = new ReadLog();
  readonly notices: GraphQLFormattedError[] = [];
  private forked: GatewayContext['em'] | undefined = undefined;
  private batched: Loaders | undefined = undefined;
  private child: Logger | undefined = undefined;

  constructor(
    private readonly orm: MikroORM,
    private readonly rootLogger: Logger,
    readonly requestId: string,
    readonly clientAddress: string | null,
    readonly access: Access,
    readonly purpose: string | null,
    readonly queues: QueueRegistry,
    readonly secretKey: SecretKey,
    readonly noticePublisher: NoticePublisher | undefined,
    readonly liveNotices: LiveNotices | undefined,
  ) {}

  get em(): GatewayContext['em'] {
    this.forked ??= this.orm.em.fork() as GatewayContext['em'];
    return this.forked;
  }

  get loaders(): Loaders {
    this.batched ??= createLoaders(this.em, this.access);
    return this.batched;
  }

  get logger(): Logger {
    this.child ??= this.rootLogger.child({ requestId: this.requestId });
    return this.child;
  }
}
