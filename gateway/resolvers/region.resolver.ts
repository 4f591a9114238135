import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { Region, RegionLevel } from '../../schema/regions/region.entity';
import { ancestorCodes, countInSubtree, getRegion, listRegions } from '../../schema/regions/region.service';
import type { GatewayContext } from '../context';

@Resolver(() => Region)
export class RegionResolver {
  @Query(() => Region, {
    description: 'One unit of the tree by its code; an unknown code is a REGION_NOT_FOUND error',
  })
  region(@Arg('code', () => String) code: string, @Ctx() { em }: GatewayContext): Promise<Region> {
    return getRegion(em, code.trim());
  }

  @Query(() => [Region], {
    description:
      'Units under parentCode (its direct children, or every descendant at `level`), or every unit at `level`, ' +
      'or the top of the tree when neither is given. Ordered by path.',
  })
  regions(
    @Arg('parentCode', () => String, { nullable: true }) parentCode: string | null,
    @Arg('level', () => RegionLevel, { nullable: true }) level: RegionLevel | null,
    @Ctx() { em }: GatewayContext,
  ): Promise<Region[]> {
    return listRegions(em, { parentCode: parentCode?.trim(), level });
  }

  @FieldResolver(() => String, { nullable: true })
  parentCode(@Root() region: Region): string | null {
    return region.parentCode;
  }

  @FieldResolver(() => Region, { nullable: true })
  async parent(@Root() region: Region, @Ctx() { loaders }: GatewayContext): Promise<Region | null> {
    return region.parentCode ? loaders.regionByCode.load(region.parentCode) : null;
  }

  @FieldResolver(() => [Region], { description: 'Direct children, in code order' })
  children(@Root() region: Region, @Ctx() { loaders }: GatewayContext): Promise<Region[]> {
    return loaders.regionChildren.load(region.code);
  }

  @FieldResolver(() => [Region], { description: 'The units above this one, county first' })
  async ancestors(@Root() region: Region, @Ctx() { loaders }: GatewayContext): Promise<Region[]> {
    const found = await Promise.all(ancestorCodes(region.path).map((c) => loaders.regionByCode.load(c)));
    return found.filter((r): r is Region => r !== null);
  }

  @FieldResolver(() => Int, { description: 'How many units at `level` lie in this subtree' })
  descendantCount(
    @Root() region: Region,
    @Arg('level', () => RegionLevel) level: RegionLevel,
    @Ctx() { em }: GatewayContext,
  ): Promise<number> {
    return countInSubtree(em, region, level);
  }
}
