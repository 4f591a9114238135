import type { GraphQLResolveInfo } from 'graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import {
  Arg,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Info,
  InputType,
  Int,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { Provenance } from '../../schema/common/provenance';
import { Event, EventKind } from '../../schema/events/event.entity';
import { getEvent, listEvents } from '../../schema/events/event.service';
import { EventParty, EventStep, EventSupervision } from '../../schema/events/event-detail.entity';
import { Organization } from '../../schema/organizations/organization.entity';
import { Person } from '../../schema/people/person.entity';
import { Place } from '../../schema/places/place.entity';
import { Region } from '../../schema/regions/region.entity';
import { visibleAttributes } from '../access';
import { type Connection, ConnectionType, requestPage, toConnection } from '../connection';
import type { GatewayContext } from '../context';
import { afterLoad, attach, attachedOr, provenanceOf } from '../loaders';
import { connectionSelection, type FieldProps, propsOf, selectionOf } from '../lookahead';

export const EventConnection = ConnectionType(Event, 'Event');

@InputType({ description: 'Which events: all conditions must hold' })
export class EventFilterInput {
  @Field(() => String, { nullable: true, description: 'Events in that unit and everything below it' })
  regionCode?: string | null;
  @Field(() => [EventKind], { nullable: true }) kinds?: EventKind[] | null;
  @Field(() => Date, { nullable: true, description: 'Occurred at or after' }) occurredFrom?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Occurred before' }) occurredBefore?: Date | null;
  @Field(() => String, {
    nullable: true,
    description: 'Type code: 2 digits for a whole class (01), 4 for one type (0101)',
  })
  typeCode?: string | null;
  @Field(() => String, { nullable: true, description: '事件规模 code' }) scale?: string | null;
  @Field(() => Boolean, { nullable: true }) resolvedSuccessfully?: boolean | null;
}

/** The Event properties its computed fields read (see lookahead.ts `propsOf`). */
export const EVENT_FIELD_PROPS: FieldProps = {
  parties: [],
  steps: [],
  supervisions: [],
  attributes: ['kind', 'attributes'],
  provenance: ['provenance'],
};

@Resolver(() => Event)
export class EventResolver {
  @Query(() => Event)
  event(@Arg('id', () => ID) id: string, @Ctx() { em, access }: GatewayContext): Promise<Event> {
    return getEvent(em, access, id);
  }

  @Query(() => EventConnection)
  async events(
    @Arg('filter', () => EventFilterInput, { nullable: true }) filter: EventFilterInput | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<Event>> {
    const selected = connectionSelection(info);
    const parties = selected.node.get('parties');
    const page = await listEvents(
      ctx.em,
      ctx.access,
      filter ?? {},
      requestPage(ctx.notices, 'events', first, after, ctx.access.policy.rowCap),
      {
        props: propsOf(selected.node, EVENT_FIELD_PROPS),
        parties: parties && propsOf(selectionOf(info, parties), {}),
        count: selected.totalCount,
        nextPage: selected.pageInfo,
      },
    );
    if (page.parties)
      for (const event of page.nodes) attach(event, 'parties', page.parties.get(event.id) ?? []);
    return toConnection(page);
  }

  @FieldResolver(() => Region)
  region(@Root() e: Event, @Ctx() { loaders }: GatewayContext) {
    return loaders.regionByCode.load(e.region.code);
  }

  @FieldResolver(() => Place, { nullable: true })
  place(@Root() e: Event, @Ctx() { loaders }: GatewayContext) {
    return e.place ? loaders.placeById.load(String(e.place.id)) : null;
  }

  @FieldResolver(() => [EventParty], { description: '主要当事人' })
  parties(@Root() e: Event, @Ctx() ctx: GatewayContext) {
    return afterLoad(
      attachedOr(e, 'parties', () => ctx.loaders.eventParties.load(e.id)),
      (parties) => {
        ctx.readLog.saw(
          'EventParty',
          parties.map((p) => p.id),
        );
        return parties;
      },
    );
  }

  @FieldResolver(() => [EventStep], { description: '流程监控: the handling log, oldest first' })
  steps(@Root() e: Event, @Ctx() { loaders }: GatewayContext) {
    return loaders.eventSteps.load(e.id);
  }

  @FieldResolver(() => [EventSupervision], { description: '督办 entries, oldest first' })
  supervisions(@Root() e: Event, @Ctx() { loaders }: GatewayContext) {
    return loaders.eventSupervisions.load(e.id);
  }

  @FieldResolver(() => GraphQLJSONObject, {
    description: "The data set's own fields; personal values masked",
  })
  attributes(@Root() e: Event, @Ctx() { access }: GatewayContext) {
    return visibleAttributes(access, 'event', e.kind, e.attributes);
  }

  @FieldResolver(() => Provenance)
  provenance(@Root() e: Event, @Ctx() { loaders }: GatewayContext) {
    return provenanceOf(loaders, 'event', e);
  }
}

@Resolver(() => EventParty)
export class EventPartyResolver {
  @FieldResolver(() => String, { description: '姓名 (masked)' })
  name(@Root() p: EventParty, @Ctx() { access }: GatewayContext) {
    return access.show('name', p.name);
  }

  @FieldResolver(() => String, { nullable: true, description: '证件号码 (masked)' })
  idNumber(@Root() p: EventParty, @Ctx() { access }: GatewayContext) {
    return access.show('idNumber', p.idNumber);
  }

  @FieldResolver(() => Organization, {
    nullable: true,
    description: 'The organisation, when the party is one the hub knows',
  })
  organization(@Root() p: EventParty, @Ctx() { loaders }: GatewayContext) {
    return p.organization ? loaders.organizationById.load(String(p.organization.id)) : null;
  }

  @FieldResolver(() => Person, { nullable: true, description: 'The person, when the hub knows them' })
  async person(@Root() p: EventParty, @Ctx() ctx: GatewayContext) {
    if (!p.person) return null;
    const person = await ctx.loaders.personById.load(String(p.person.id));
    if (person) ctx.readLog.saw('Person', [person.id]);
    return person;
  }
}
