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
import { Event } from '../../schema/events/event.entity';
import { Household } from '../../schema/people/household.entity';
import { Person } from '../../schema/people/person.entity';
import { getPersonByIdNumber, listPeople } from '../../schema/people/person.service';
import { PersonRecord, PersonRecordKind } from '../../schema/people/person-record.entity';
import { Region } from '../../schema/regions/region.entity';
import { visibleAttributes } from '../access';
import { type Connection, ConnectionType, requestPage, toConnection } from '../connection';
import type { GatewayContext } from '../context';
import { afterLoad, attach, attachedOr, provenanceOf } from '../loaders';
import { connectionSelection, type FieldProps, propsOf, selectionOf } from '../lookahead';

export const PersonConnection = ConnectionType(Person, 'Person');

@InputType({ description: 'Which people: all conditions must hold' })
export class PersonFilterInput {
  @Field(() => String, {
    nullable: true,
    description: 'A unit code: people of that unit and everything below it',
  })
  regionCode?: string | null;
  @Field(() => [PersonRecordKind], {
    nullable: true,
    description: 'Holding at least one of these types or groups',
  })
  kinds?: PersonRecordKind[] | null;
  @Field(() => Int, { nullable: true }) ageMin?: number | null;
  @Field(() => Int, { nullable: true }) ageMax?: number | null;
  @Field(() => [String], { nullable: true, description: 'Carrying every one of these tags' }) tags?:
    | string[]
    | null;
  @Field(() => String, { nullable: true, description: 'Names starting with this text' }) nameStartsWith?:
    | string
    | null;
  @Field(() => String, { nullable: true, description: '性别 code' }) sex?: string | null;
}

function age(birthDate: string, on = new Date()): number {
  const [y, m, d] = birthDate.split('-').map(Number);
  let years = on.getUTCFullYear() - y;
  if (on.getUTCMonth() + 1 < m || (on.getUTCMonth() + 1 === m && on.getUTCDate() < d)) years--;
  return years;
}

/** The Person properties its computed fields read (see lookahead.ts `propsOf`). */
const PERSON_FIELD_PROPS: FieldProps = {
  age: ['birthDate'],
  grid: ['region'],
  records: [],
  events: [],
  provenance: ['provenance'],
};
const HOUSEHOLD_FIELD_PROPS: FieldProps = { members: [], provenance: ['provenance'] };
const PERSON_RECORD_FIELD_PROPS: FieldProps = {
  personId: ['person'],
  attributes: ['kind', 'attributes'],
  provenance: ['provenance'],
};

@Resolver(() => Person)
export class PersonResolver {
  @Query(() => Person, {
    description: 'One person by citizen ID number (the full number; it is answered masked)',
  })
  async person(@Arg('idNumber', () => String) idNumber: string, @Ctx() ctx: GatewayContext): Promise<Person> {
    const person = await getPersonByIdNumber(ctx.em, ctx.access, idNumber);
    ctx.readLog.saw('Person', [person.id]);
    return person;
  }

  @Query(() => PersonConnection)
  async people(
    @Arg('filter', () => PersonFilterInput, { nullable: true }) filter: PersonFilterInput | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<Person>> {
    const selected = connectionSelection(info);
    const household = selected.node.get('household');
    const records = selected.node.get('records');
    const page = await listPeople(
      ctx.em,
      ctx.access,
      filter ?? {},
      requestPage(ctx.notices, 'people', first, after, ctx.access.policy.rowCap),
      {
        props: propsOf(selected.node, PERSON_FIELD_PROPS),
        household: household && propsOf(selectionOf(info, household), HOUSEHOLD_FIELD_PROPS),
        records: records && propsOf(selectionOf(info, records), PERSON_RECORD_FIELD_PROPS),
        count: selected.totalCount,
        nextPage: selected.pageInfo,
      },
    );
    for (const person of page.nodes) {
      if (page.households && person.household)
        attach(person, 'household', page.households.get(String(person.household.id)) ?? null);
      if (page.records) attach(person, 'records', page.records.get(person.id) ?? []);
    }
    ctx.readLog.saw(
      'Person',
      page.nodes.map((p) => p.id),
    );
    return toConnection(page);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: '公民身份号码 (masked 6 + 4 unless permitted)',
  })
  idNumber(@Root() p: Person, @Ctx() { access }: GatewayContext) {
    return access.show('idNumber', p.idNumber);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Foreigners: 证件代码 (GA/T 517)' })
  documentType(@Root() p: Person) {
    return p.documentType ?? null;
  }

  @FieldResolver(() => String, { nullable: true, description: 'Foreigners: 证件号码 (masked)' })
  documentNumber(@Root() p: Person, @Ctx() { access }: GatewayContext) {
    return access.show('documentNumber', p.documentNumber);
  }

  @FieldResolver(() => String, { description: '姓名 (masked to the surname unless permitted)' })
  name(@Root() p: Person, @Ctx() { access }: GatewayContext) {
    return access.show('name', p.name);
  }

  @FieldResolver(() => String, { nullable: true, description: '曾用名 (masked)' })
  formerName(@Root() p: Person, @Ctx() { access }: GatewayContext) {
    return access.show('name', p.formerName);
  }

  @FieldResolver(() => String, { description: '出生日期 (the year only unless permitted)' })
  birthDate(@Root() p: Person, @Ctx() { access }: GatewayContext) {
    return access.show('birthDate', p.birthDate);
  }

  @FieldResolver(() => Int, { description: 'Age in whole years today' })
  age(@Root() p: Person) {
    return age(p.birthDate);
  }

  @FieldResolver(() => String, { nullable: true, description: '联系方式 (masked 3 + 4)' })
  phone(@Root() p: Person, @Ctx() { access }: GatewayContext) {
    return access.show('phone', p.phone);
  }

  @FieldResolver(() => String, { nullable: true, description: '户籍门(楼)详址 (masked)' })
  registeredAddress(@Root() p: Person, @Ctx() { access }: GatewayContext) {
    return access.show('address', p.registeredAddress);
  }

  @FieldResolver(() => String, { nullable: true, description: '现住门(楼)详址 (masked)' })
  currentAddress(@Root() p: Person, @Ctx() { access }: GatewayContext) {
    return access.show('address', p.currentAddress);
  }

  @FieldResolver(() => Region, { description: 'The grid the person lives in' })
  async grid(@Root() p: Person, @Ctx() { loaders }: GatewayContext) {
    return loaders.regionByCode.load(p.region.code);
  }

  @FieldResolver(() => Household, { nullable: true })
  household(@Root() p: Person, @Ctx() ctx: GatewayContext) {
    if (!p.household) return null;
    const { id } = p.household;
    return afterLoad(
      attachedOr(p, 'household', () => ctx.loaders.householdById.load(String(id))),
      (h) => {
        if (h) ctx.readLog.saw('Household', [h.id]);
        return h;
      },
    );
  }

  @FieldResolver(() => [PersonRecord], { description: 'Population types, special groups and roles held' })
  records(
    @Root() p: Person,
    @Arg('kinds', () => [PersonRecordKind], { nullable: true }) kinds: PersonRecordKind[] | null,
    @Ctx() ctx: GatewayContext,
  ) {
    return afterLoad(
      attachedOr(p, 'records', () => ctx.loaders.personRecords.load(p.id)),
      (all) => {
        const records = kinds?.length ? all.filter((r) => kinds.includes(r.kind)) : all;
        ctx.readLog.saw(
          'PersonRecord',
          records.map((r) => r.id),
        );
        return records;
      },
    );
  }

  @FieldResolver(() => [Event], { description: 'Events the person is a party to, newest first' })
  events(@Root() p: Person, @Ctx() { loaders }: GatewayContext) {
    return loaders.personEvents.load(p.id);
  }

  @FieldResolver(() => Provenance)
  provenance(@Root() p: Person, @Ctx() { loaders }: GatewayContext) {
    return provenanceOf(loaders, 'person', p);
  }
}

@Resolver(() => Household)
export class HouseholdResolver {
  @FieldResolver(() => String, { nullable: true, description: '户主姓名 (masked)' })
  headName(@Root() h: Household, @Ctx() { access }: GatewayContext) {
    return access.show('name', h.headName);
  }

  @FieldResolver(() => String, { nullable: true, description: '户主公民身份号码 (masked)' })
  headIdNumber(@Root() h: Household, @Ctx() { access }: GatewayContext) {
    return access.show('idNumber', h.headIdNumber);
  }

  @FieldResolver(() => String, { nullable: true, description: '住址 (masked)' })
  address(@Root() h: Household, @Ctx() { access }: GatewayContext) {
    return access.show('address', h.address);
  }

  @FieldResolver(() => [Person])
  async members(@Root() h: Household, @Ctx() ctx: GatewayContext) {
    const members = await ctx.loaders.householdMembers.load(h.id);
    ctx.readLog.saw(
      'Person',
      members.map((m) => m.id),
    );
    return members;
  }

  @FieldResolver(() => Region)
  region(@Root() h: Household, @Ctx() { loaders }: GatewayContext) {
    return loaders.regionByCode.load(h.region.code);
  }

  @FieldResolver(() => Provenance)
  provenance(@Root() h: Household, @Ctx() { loaders }: GatewayContext) {
    return provenanceOf(loaders, 'household', h);
  }
}

@Resolver(() => PersonRecord)
export class PersonRecordResolver {
  @FieldResolver(() => ID)
  personId(@Root() r: PersonRecord) {
    return String(r.person.id);
  }

  @FieldResolver(() => Region)
  region(@Root() r: PersonRecord, @Ctx() { loaders }: GatewayContext) {
    return loaders.regionByCode.load(r.region.code);
  }

  @FieldResolver(() => GraphQLJSONObject, {
    description: "The data set's own fields; personal values masked",
  })
  attributes(@Root() r: PersonRecord, @Ctx() { access }: GatewayContext) {
    return visibleAttributes(access, 'person_record', r.kind, r.attributes);
  }

  @FieldResolver(() => Provenance)
  provenance(@Root() r: PersonRecord, @Ctx() { loaders }: GatewayContext) {
    return provenanceOf(loaders, 'person_record', r);
  }
}
