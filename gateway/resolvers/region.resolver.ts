import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { Person } from '../../schema/people/person.entity';
import { listPeople } from '../../schema/people/person.service';
import { Place } from '../../schema/places/place.entity';
import { listPlaces } from '../../schema/places/place.service';
import { Region, RegionLevel } from '../../schema/regions/region.entity';
import { ancestorCodes, countInSubtree, getRegion, listRegions } from '../../schema/regions/region.service';
import { type Connection, requestPage, toConnection } from '../connection';
import type { GatewayContext } from '../context';
import { PersonConnection, PersonFilterInput } from './people.resolver';
import { PlaceConnection, PlaceFilterInput } from './places.resolver';

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

  @FieldResolver(() => PersonConnection, { description: 'People of this unit and everything below it' })
  async people(
    @Root() region: Region,
    @Arg('filter', () => PersonFilterInput, { nullable: true }) filter: PersonFilterInput | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<Connection<Person>> {
    const page = await listPeople(
      ctx.em,
      ctx.access,
      { ...filter, regionCode: region.code },
      requestPage(ctx.notices, 'people', first, after, ctx.access.policy.rowCap),
    );
    ctx.readLog.saw(
      'Person',
      page.nodes.map((p) => p.id),
    );
    return toConnection(page);
  }

  @FieldResolver(() => PlaceConnection, { description: 'Places in this unit and everything below it' })
  async places(
    @Root() region: Region,
    @Arg('filter', () => PlaceFilterInput, { nullable: true }) filter: PlaceFilterInput | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<Connection<Place>> {
    return toConnection(
      await listPlaces(
        ctx.em,
        ctx.access,
        { ...filter, regionCode: region.code },
        requestPage(ctx.notices, 'places', first, after, ctx.access.policy.rowCap),
      ),
    );
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
