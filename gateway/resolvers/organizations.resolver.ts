import type { GraphQLResolveInfo } from 'graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Ctx, Field, FieldResolver, Info, InputType, Int, Query, Resolver, Root } from 'type-graphql';
import { Provenance } from '../../schema/common/provenance';
import { Event } from '../../schema/events/event.entity';
import { Organization, OrganizationKind } from '../../schema/organizations/organization.entity';
import {
  getOrganizationByCreditCode,
  listOrganizations,
} from '../../schema/organizations/organization.service';
import { Region } from '../../schema/regions/region.entity';
import { visibleAttributes } from '../access';
import { type Connection, ConnectionType, requestPage, toConnection } from '../connection';
import type { GatewayContext } from '../context';
import { attach, attachedOr, provenanceOf } from '../loaders';
import { type FieldProps, propsOf, selectionOf } from '../lookahead';
import { EVENT_FIELD_PROPS } from './events.resolver';

export const OrganizationConnection = ConnectionType(Organization, 'Organization');

@InputType({ description: 'Which organisations: all conditions must hold' })
export class OrganizationFilterInput {
  @Field(() => String, { nullable: true }) regionCode?: string | null;
  @Field(() => [OrganizationKind], { nullable: true }) kinds?: OrganizationKind[] | null;
  @Field(() => String, { nullable: true }) nameStartsWith?: string | null;
}

/** The Organization properties its computed fields read (see lookahead.ts `propsOf`). */
const ORGANIZATION_FIELD_PROPS: FieldProps = {
  events: [],
  attributes: ['kind', 'attributes'],
  provenance: ['provenance'],
};

@Resolver(() => Organization)
export class OrganizationResolver {
  @Query(() => Organization, { description: 'One organisation by its unified social credit code (GB 32100)' })
  async organization(
    @Arg('creditCode', () => String) creditCode: string,
    @Ctx() { em, access }: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Organization> {
    const selected = selectionOf(info);
    const events = selected.get('events');
    const found = await getOrganizationByCreditCode(em, access, creditCode, {
      props: propsOf(selected, ORGANIZATION_FIELD_PROPS),
      events: events && propsOf(selectionOf(info, events), EVENT_FIELD_PROPS),
    });
    const { organization } = found;
    if (found.events) attach(organization, 'events', found.events);
    return organization;
  }

  @Query(() => OrganizationConnection)
  async organizations(
    @Arg('filter', () => OrganizationFilterInput, { nullable: true }) filter: OrganizationFilterInput | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<Connection<Organization>> {
    return toConnection(
      await listOrganizations(
        ctx.em,
        ctx.access,
        filter ?? {},
        requestPage(ctx.notices, 'organizations', first, after, ctx.access.policy.rowCap),
      ),
    );
  }

  @FieldResolver(() => String, { nullable: true, description: '法定代表人公民身份号码 (masked)' })
  legalRepresentativeIdNumber(@Root() o: Organization, @Ctx() { access }: GatewayContext) {
    return access.show('idNumber', o.legalRepresentativeIdNumber);
  }

  @FieldResolver(() => String, { nullable: true, description: '联系方式 (masked)' })
  phone(@Root() o: Organization, @Ctx() { access }: GatewayContext) {
    return access.show('phone', o.phone);
  }

  @FieldResolver(() => Region)
  region(@Root() o: Organization, @Ctx() { loaders }: GatewayContext) {
    return loaders.regionByCode.load(o.region.code);
  }

  @FieldResolver(() => [Event], {
    description: 'Events the organisation is a party to (涉及单位), newest first',
  })
  events(@Root() o: Organization, @Ctx() { loaders }: GatewayContext) {
    return attachedOr(o, 'events', () => loaders.organizationEvents.load(o.id));
  }

  @FieldResolver(() => GraphQLJSONObject, {
    description: "The data set's own fields; personal values masked",
  })
  attributes(@Root() o: Organization, @Ctx() { access }: GatewayContext) {
    return visibleAttributes(access, 'organization', o.kind, o.attributes);
  }

  @FieldResolver(() => Provenance)
  provenance(@Root() o: Organization, @Ctx() { loaders }: GatewayContext) {
    return provenanceOf(loaders, 'organization', o);
  }
}
