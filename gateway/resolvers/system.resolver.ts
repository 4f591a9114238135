import { Ctx, Field, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../context';
import { HUB_VERSION } from '../version';

@ObjectType({ simpleResolvers: true, description: 'Jobs of one queue by state' })
class QueueStatus {
  @Field(() => String) name!: string;
  @Field(() => Int) waiting!: number;
  @Field(() => Int) active!: number;
  @Field(() => Int) delayed!: number;
  @Field(() => Int) completed!: number;
  @Field(() => Int) failed!: number;
}

@ObjectType({ simpleResolvers: true, description: 'The hub itself: version and background work' })
class HubStatus {
  @Field(() => String) version!: string;
  @Field(() => [QueueStatus], { description: 'Needs Redis: a REDIS_UNAVAILABLE error while it is down' })
  queues!: QueueStatus[];
}

@Resolver()
export class SystemResolver {
  @Query(() => HubStatus)
  async hub(@Ctx() { queues }: GatewayContext): Promise<HubStatus> {
    const counts = await queues.counts();
    return {
      version: HUB_VERSION,
      queues: counts.map(({ queue, counts: c }) => ({
        name: queue,
        waiting: c.waiting ?? 0,
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        completed: c.completed ?? 0,
        failed: c.failed ?? 0,
      })),
    };
  }
}
