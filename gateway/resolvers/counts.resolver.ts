import { Arg, Ctx, Field, Int, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import { type Countable, countByRegionLevel } from '../../schema/common/counts';
import { Region, RegionLevel } from '../../schema/regions/region.entity';
import type { GatewayContext } from '../context';

export enum CountCategory {
  PEOPLE = 'person',
  HOUSEHOLDS = 'household',
  PERSON_RECORDS = 'person_record',
  PLACES = 'place',
  ORGANIZATIONS = 'organization',
  EVENTS = 'event',
  THINGS = 'thing',
  SITUATIONS = 'situation',
}

registerEnumType(CountCategory, { name: 'CountCategory', description: 'What to count' });

@ObjectType({
  simpleResolvers: true,
  description: 'How many records one unit holds (itself and everything below it)',
})
class RegionCount {
  @Field(() => Region) region!: Region;
  @Field(() => Int) count!: number;
}

@Resolver()
export class CountsResolver {
  @Query(() => [RegionCount], {
    description:
      'Records per unit at `groupBy` level within `regionCode` (default: the county); units with none are left out',
  })
  async counts(
    @Arg('category', () => CountCategory) category: CountCategory,
    @Arg('groupBy', () => RegionLevel) groupBy: RegionLevel,
    @Arg('regionCode', () => String, { nullable: true }) regionCode: string | null,
    @Ctx() { em, loaders }: GatewayContext,
  ): Promise<RegionCount[]> {
    const rows = await countByRegionLevel(em, category as Countable, groupBy, regionCode);
    const regions = await Promise.all(rows.map((r) => loaders.regionByCode.load(r.regionCode)));
    return rows.flatMap((r, i) => (regions[i] ? [{ region: regions[i]!, count: r.count }] : []));
  }
}
