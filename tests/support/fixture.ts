import type { EntityManager } from '@mikro-orm/postgresql';
import { recordSupply } from '../../schema/common/provenance';
import { Event, EventKind, EventStatus } from '../../schema/events/event.entity';
import { EventParty, EventStep } from '../../schema/events/event-detail.entity';
import { citizenIdCheckChar, creditCodeCheckChar } from '../../schema/identifiers';
import { Organization, OrganizationKind } from '../../schema/organizations/organization.entity';
import { Household } from '../../schema/people/household.entity';
import { Person } from '../../schema/people/person.entity';
import { PersonRecord, PersonRecordKind } from '../../schema/people/person-record.entity';
import { Place, PlaceKind } from '../../schema/places/place.entity';
import { Region } from '../../schema/regions/region.entity';
import { Situation, SituationKind } from '../../schema/situations/situation.entity';
import { Thing, ThingKind } from '../../schema/things/thing.entity';

/** A valid citizen ID number for a synthetic person (address code, birth date, sequence). */
export function citizenId(address: string, birth: string, sequence: number): string {
  const first17 = `${address}${birth}${String(sequence).padStart(3, '0')}`;
  return first17 + citizenIdCheckChar(first17);
}

export function creditCode(body17: string): string {
  return body17 + creditCodeCheckChar(body17);
}

export const FIXTURE = {
  grid: '620725101001-G01', // 清泉镇 长城社区 第1网格
  otherGrid: '620725204201-G01', // 李桥乡 杨坝村
  people: 60,
  /** The person every lookup test uses: 张伟, male, born 1990-01-01. */
  zhangWei: citizenId('620725', '19900101', 1),
  orgCode: creditCode('91620725MA7100001'),
};

const SURNAMES = ['张', '王', '李', '赵', '刘', '陈', '杨', '黄', '周', '吴'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '强', '磊', '军', '洋', '勇'];

/**
 * A small, fully known data set: 60 people in one grid (20 households of 3), every tenth in a special
 * group, tags on some, 5 people in another township, 6 disputes with parties and steps, an enterprise and
 * a building. Written through the entities, as a connector's merge would.
 */
export async function loadFixture(em: EntityManager): Promise<void> {
  const grid = await em.findOneOrFail(Region, { code: FIXTURE.grid });
  const other = await em.findOneOrFail(Region, { code: FIXTURE.otherGrid });
  const at = '2026-11-01T00:00:00.000Z';
  const governed = (region: Region, key: string, fields: string[]) => ({
    region,
    regionPath: region.path,
    provenance: recordSupply(null, 'fixture', key, fields, at),
  });

  const households: Household[] = [];
  for (let h = 0; h < 20; h++) {
    households.push(
      em.create(Household, {
        ...governed(grid, `hh-${h}`, ['householdNumber', 'address']),
        householdNumber: `6207251010${String(h).padStart(4, '0')}`,
        address: `清泉镇长城社区幸福路${h + 1}号`,
        residenceMatch: '01',
      }),
    );
  }
  const people: Person[] = [];
  for (let i = 0; i < FIXTURE.people; i++) {
    const year = 1950 + ((i * 7) % 60); // ages spread 16…76
    const sex = i % 2 === 0 ? 1 : 2;
    const sequence = i * 2 + sex; // odd = male, even = female
    const idNumber = i === 0 ? FIXTURE.zhangWei : citizenId('620725', `${year}0101`, sequence);
    const person = em.create(Person, {
      ...governed(grid, `p-${i}`, ['idNumber', 'name', 'phone']),
      idNumber,
      name: i === 0 ? '张伟' : `${SURNAMES[i % 10]}${GIVEN[(i * 3) % 10]}`,
      sex: i === 0 ? '1' : String(sex),
      birthDate: i === 0 ? '1990-01-01' : `${year}-01-01`,
      ethnicity: '01',
      phone: `1390936${String(i).padStart(4, '0')}`,
      currentAddress: `清泉镇长城社区幸福路${Math.floor(i / 3) + 1}号`,
      household: households[Math.floor(i / 3)],
      tags: i % 4 === 0 ? ['低保'] : i % 4 === 1 ? ['低保', '独居老人'] : [],
    });
    people.push(person);
    em.create(PersonRecord, {
      ...governed(grid, `reg-${i}`, ['kind']),
      person,
      kind: PersonRecordKind.REGISTERED,
      attributes:
        i === 0
          ? {
              householdMatch: '01',
              headIdNumber: FIXTURE.zhangWei,
              headName: '张伟',
              headPhone: '13909360000',
            }
          : { householdMatch: '01' },
    });
    if (i % 10 === 0) {
      em.create(PersonRecord, {
        ...governed(grid, `smd-${i}`, ['kind', 'attributes']),
        person,
        kind: PersonRecordKind.SEVERE_MENTAL_DISORDER,
        attributes: { diagnosisType: '01', riskLevel: '02' },
      });
    }
  }
  for (let i = 0; i < 5; i++) {
    em.create(Person, {
      ...governed(other, `o-${i}`, ['idNumber', 'name']),
      idNumber: citizenId('620725', `1985020${i + 1}`, 11 + i * 2),
      name: `孙${GIVEN[i]}`,
      sex: '1',
      birthDate: `1985-02-0${i + 1}`,
    });
  }
  for (let e = 0; e < 6; e++) {
    const event = em.create(Event, {
      ...governed(grid, `ev-${e}`, ['title']),
      code: `SD-2026-${String(e + 1).padStart(4, '0')}`,
      kind: EventKind.DISPUTE,
      title: `邻里纠纷 ${e + 1}`,
      occurredAt: new Date(Date.UTC(2026, 9 + (e % 2), 1 + e)),
      scale: '01',
      typeCode: e % 2 === 0 ? '0201' : '0101',
      involvedCount: 2,
      status: EventStatus.VERIFIED,
      resolvedSuccessfully: e !== 5,
    });
    for (const p of [people[e * 2], people[e * 2 + 1]]) {
      em.create(EventParty, { event, person: p, idNumber: p.idNumber, name: p.name, role: '当事人' });
    }
    em.create(EventStep, {
      event,
      step: '受理',
      unit: '长城社区综治中心',
      at: event.occurredAt,
      handler: '网格员',
    });
  }
  const company = em.create(Organization, {
    ...governed(grid, 'org-1', ['creditCode', 'name']),
    creditCode: FIXTURE.orgCode,
    kind: OrganizationKind.ENTERPRISE,
    name: '山丹县长城商贸有限公司',
    category: '01',
    legalRepresentative: '王强',
    legalRepresentativeIdNumber: citizenId('620725', '19750505', 13),
    hasPartyOrganization: true,
    partyMembers: 3,
  });
  em.create(Place, {
    ...governed(grid, 'pl-1', ['code']),
    code: 'B-620725101001-001',
    kind: PlaceKind.BUILDING,
    name: '幸福路1号楼',
    attributes: { buildingUse: '01' },
  });
  const [firstDispute] = await em.find(Event, { code: 'SD-2026-0001' });
  em.create(EventParty, { event: firstDispute, organization: company, name: company.name, role: '涉及单位' });
  em.create(Thing, {
    ...governed(grid, 'cam-1', ['code']),
    code: 'CAM-0001',
    kind: ThingKind.CAMERA,
    name: '幸福路口球机',
    type: '球机',
    ownerOrganization: company,
  });
  em.create(Situation, {
    ...governed(grid, 'survey-1', ['rating']),
    code: 'SV-2026-0001',
    kind: SituationKind.SAFETY_SURVEY,
    title: '2026年群众安全感调查',
    recordedAt: new Date('2026-10-15T02:00:00Z'),
    rating: '02',
    attributes: { respondentAge: 45 },
  });
  await em.flush();
}
