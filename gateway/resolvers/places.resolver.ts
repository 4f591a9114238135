import { GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Ctx, Field, FieldResolver, InputType, Int, Query, Resolver, Root } from 'type-graphql';
import { Provenance } from '../../schema/common/provenance';
import { Place, PlaceKind } from '../../schema/places/place.entity';
import { getPlaceByCode, listPlaces } from '../../schema/places/place.service';
import { Region } from '../../schema/regions/region.entity';
import { visibleAttributes } from '../access';
import { type Connection, ConnectionType, requestPage, toConnection } from '../connection';
import type { GatewayContext } from '../context';
import { provenanceOf } from '../loaders';

export const PlaceConnection = ConnectionType(Place, 'Place');

@InputType({ description: 'Which places: all conditions must hold' })
export class PlaceFilterInput {
  @Field(() => String, { nullable: true }) regionCode?: string | null;
  @Field(() => [PlaceKind], { nullable: true }) kinds?: PlaceKind[] | null;
  @Field(() => String, { nullable: true }) nameStartsWith?: string | null;
}

@Resolver(() => Place)
export class PlaceResolver {
  @Query(() => Place, { description: 'One place by its code' })
  place(@Arg('code', () => String) code: string, @Ctx() { em, access }: GatewayContext) {
    return getPlaceByCode(em, access, code);
  }

  @Query(() => PlaceConnection)
  async places(
    @Arg('filter', () => PlaceFilterInput, { nullable: true }) filter: PlaceFilterInput | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<Connection<Place>> {
    return toConnection(
      await listPlaces(
        ctx.em,
        ctx.access,
        filter ?? {},
        requestPage(ctx.notices, 'places', first, after, ctx.access.policy.rowCap),
      ),
    );
  }

  @FieldResolver(() => Region)
  region(@Root() p: Place, @Ctx() { loaders }: GatewayContext) {
    return loaders.regionByCode.load(p.region.code);
  }

  @FieldResolver(() => Place, { nullable: true, description: 'The building a house is in, and the like' })
  parentPlace(@Root() p: Place, @Ctx() { loaders }: GatewayContext) {
    return p.parentPlace ? loaders.placeById.load(String(p.parentPlace.id)) : null;
  }

  @FieldResolver(() => GraphQLJSONObject, {
    description: "The data set's own fields; personal values masked",
  })
  attributes(@Root() p: Place, @Ctx() { access }: GatewayContext) {
    return visibleAttributes(access, 'place', p.kind, p.attributes);
  }

  @FieldResolver(() => Provenance)
  provenance(@Root() p: Place, @Ctx() { loaders }: GatewayContext) {
    return provenanceOf(loaders, 'place', p);
  }
}
