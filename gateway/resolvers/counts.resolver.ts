import { Arg, Ctx, Field, Int, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import type { GovernedType } from '../../schema/access/policy';
import { type Countable, countByRegionLevel } from '../../schema/common/counts';
import { Region, RegionLevel } from '../../schema/regions/region.entity';
import { DomainError } from '../../schema/runtime/errors';
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

const COUNTED_TYPE: Record<CountCategory, GovernedType> = {
  [CountCategory.PEOPLE]: 'Person',
  [CountCategory.HOUSEHOLDS]: 'Household',
  [CountCategory.PERSON_RECORDS]: 'PersonRecord',
  [CountCategory.PLACES]: 'Place',
  [CountCategory.ORGANIZATIONS]: 'Organization',
  [CountCategory.EVENTS]: 'Event',
  [CountCategory.THINGS]: 'Thing',
  [CountCategory.SITUATIONS]: 'Situation',
};

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
    @Ctx() { em, loaders, access }: GatewayContext,
  ): Promise<RegionCount[]> {
    if (!access.policy.aggregates) {
      throw new DomainError(
        'FORBIDDEN',
        `Not permitted: your role(s) (${access.role ?? 'anonymous'}) may not read aggregates`,
        {
          permission: 'aggregates',
        },
      );
    }
    // Counted under the reader's row scope: a hidden row is not counted either.
    const scope = access.where(COUNTED_TYPE[category], 't');
    const rows = await countByRegionLevel(em, category as Countable, groupBy, regionCode, scope);
    const regions = await Promise.all(rows.map((r) => loaders.regionByCode.load(r.regionCode)));
    return rows.flatMap((r, i) => (regions[i] ? [{ region: regions[i]!, count: r.count }] : []));
  }
}
