import { Redis } from 'ioredis';
import type { Notice } from '../schema/events/workflow.service';
import type { Logger } from '../schema/runtime/logger';
import { errorMessage } from '../schema/runtime/retry';
import { redisOptionsFromUrl, requestConnection } from './redis';

/**
 * Notices of the events workflow (a dispatch received, an overdue step below…) cross processes on a Redis
 * pub/sub channel: whoever applied the operation (a gateway, a worker firing a deadline) publishes after
 * commit; every gateway subscribes once and pushes them to its WebSocket subscribers. They are also rows in
 * event_notification, so a unit that was not connected reads them later; the channel is only the live path.
 */

/** One channel per queue prefix, so hubs (and test runs) sharing a Redis do not hear each other. */
export const noticeChannel = (prefix = 'gridhub') => `${prefix}:event-notices`;

export class NoticePublisher {
  private readonly redis: Redis;
  private readonly channel: string;

  constructor(
    redisUrl: string,
    private readonly logger?: Logger,
    prefix?: string,
  ) {
    this.channel = noticeChannel(prefix);
    this.redis = new Redis(requestConnection(redisUrl));
    this.redis.on('error', () => undefined);
  }

  /** Best effort: the notices are stored already; a Redis outage only delays them until the next read. */
  async publish(notices: Notice[]): Promise<void> {
    for (const n of notices) {
      try {
        await this.redis.publish(this.channel, JSON.stringify(n));
      } catch (error) {
        this.logger?.warn({ err: errorMessage(error), notice: n }, 'event notice not published live');
      }
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/** Subscribes to the notices; returns the function that unsubscribes and closes the connection. */
export async function subscribeNotices(
  redisUrl: string,
  onNotice: (notice: Notice) => void,
  logger?: Logger,
  prefix?: string,
): Promise<() => Promise<void>> {
  // A subscriber connection keeps reconnecting through an outage and resubscribes by itself.
  const redis = new Redis({ ...redisOptionsFromUrl(redisUrl), maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  redis.on('message', (_channel: string, message: string) => {
    try {
      onNotice(JSON.parse(message) as Notice);
    } catch (error) {
      logger?.warn({ err: errorMessage(error) }, 'malformed event notice ignored');
    }
  });
  await redis.subscribe(noticeChannel(prefix));
  return async () => {
    redis.disconnect();
  };
}
