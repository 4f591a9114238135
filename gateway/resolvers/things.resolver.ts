import { GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Ctx, Field, FieldResolver, InputType, Int, Query, Resolver, Root } from 'type-graphql';
import { Provenance } from '../../schema/common/provenance';
import { Organization } from '../../schema/organizations/organization.entity';
import { Place } from '../../schema/places/place.entity';
import { Region } from '../../schema/regions/region.entity';
import { Situation, SituationKind } from '../../schema/situations/situation.entity';
import { getSituationByCode, listSituations } from '../../schema/situations/situation.service';
import { Thing, ThingKind } from '../../schema/things/thing.entity';
import { getThingByCode, listThings } from '../../schema/things/thing.service';
import { visibleAttributes } from '../access';
import { type Connection, ConnectionType, requestPage, toConnection } from '../connection';
import type { GatewayContext } from '../context';
import { provenanceOf } from '../loaders';

export const ThingConnection = ConnectionType(Thing, 'Thing');
export const SituationConnection = ConnectionType(Situation, 'Situation');

@InputType({ description: 'Which things: all conditions must hold' })
export class ThingFilterInput {
  @Field(() => String, { nullable: true }) regionCode?: string | null;
  @Field(() => [ThingKind], { nullable: true }) kinds?: ThingKind[] | null;
}

@InputType({ description: 'Which situation records: all conditions must hold' })
export class SituationFilterInput {
  @Field(() => String, { nullable: true }) regionCode?: string | null;
  @Field(() => [SituationKind], { nullable: true }) kinds?: SituationKind[] | null;
  @Field(() => Date, { nullable: true }) recordedFrom?: Date | null;
  @Field(() => Date, { nullable: true }) recordedBefore?: Date | null;
}

@Resolver(() => Thing)
export class ThingResolver {
  @Query(() => Thing, { description: '物: one thing by its code' })
  thing(@Arg('code', () => String) code: string, @Ctx() { em, access }: GatewayContext) {
    return getThingByCode(em, access, code);
  }

  @Query(() => ThingConnection)
  async things(
    @Arg('filter', () => ThingFilterInput, { nullable: true }) filter: ThingFilterInput | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<Connection<Thing>> {
    return toConnection(
      await listThings(
        ctx.em,
        ctx.access,
        filter ?? {},
        requestPage(ctx.notices, 'things', first, after, ctx.access.policy.rowCap),
      ),
    );
  }

  @FieldResolver(() => Region)
  region(@Root() t: Thing, @Ctx() { loaders }: GatewayContext) {
    return loaders.regionByCode.load(t.region.code);
  }

  @FieldResolver(() => Organization, { nullable: true, description: 'The owning organisation' })
  ownerOrganization(@Root() t: Thing, @Ctx() { loaders }: GatewayContext) {
    return t.ownerOrganization ? loaders.organizationById.load(String(t.ownerOrganization.id)) : null;
  }

  @FieldResolver(() => Place, { nullable: true })
  place(@Root() t: Thing, @Ctx() { loaders }: GatewayContext) {
    return t.place ? loaders.placeById.load(String(t.place.id)) : null;
  }

  @FieldResolver(() => GraphQLJSONObject, {
    description: "The data set's own fields; personal values masked",
  })
  attributes(@Root() t: Thing, @Ctx() { access }: GatewayContext) {
    return visibleAttributes(access, 'thing', t.kind, t.attributes);
  }

  @FieldResolver(() => Provenance)
  provenance(@Root() t: Thing, @Ctx() { loaders }: GatewayContext) {
    return provenanceOf(loaders, 'thing', t);
  }
}

@Resolver(() => Situation)
export class SituationResolver {
  @Query(() => Situation, { description: '情: one report, survey response or assessment by its code' })
  situation(@Arg('code', () => String) code: string, @Ctx() { em, access }: GatewayContext) {
    return getSituationByCode(em, access, code);
  }

  @Query(() => SituationConnection)
  async situations(
    @Arg('filter', () => SituationFilterInput, { nullable: true }) filter: SituationFilterInput | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<Connection<Situation>> {
    return toConnection(
      await listSituations(
        ctx.em,
        ctx.access,
        filter ?? {},
        requestPage(ctx.notices, 'situations', first, after, ctx.access.policy.rowCap),
      ),
    );
  }

  @FieldResolver(() => Region)
  region(@Root() s: Situation, @Ctx() { loaders }: GatewayContext) {
    return loaders.regionByCode.load(s.region.code);
  }

  @FieldResolver(() => GraphQLJSONObject, {
    description: "The data set's own fields; personal values masked",
  })
  attributes(@Root() s: Situation, @Ctx() { access }: GatewayContext) {
    return visibleAttributes(access, 'situation', s.kind, s.attributes);
  }

  @FieldResolver(() => Provenance)
  provenance(@Root() s: Situation, @Ctx() { loaders }: GatewayContext) {
    return provenanceOf(loaders, 'situation', s);
  }
}
