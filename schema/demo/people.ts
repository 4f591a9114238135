import { PersonRecordKind } from '../people/person-record.entity';
import { PlaceKind } from '../places/place.entity';
import { type GenerationContext, type GridInfo, pad, type Source } from './context';
import { mobileNumber, passportNumber } from './identity';
import type { Random, WeightedPicker } from './random';
import type { DemoHousehold, DemoPerson, DemoPersonRecord, DemoPlace } from './types';
import {
  COMPOUNDS,
  FLOATING_ORIGINS,
  FOREIGNERS,
  GIVEN_CHARS,
  HUI_SURNAMES,
  MARRIED_IN_ORIGINS,
  type OccupationOption,
  OUT_OF_COUNTY_WORKPLACES,
  PRISONS,
  PUBLIC_EMPLOYERS,
  RURAL_OCCUPATIONS,
  SURNAMES,
  TIBETAN_FEMALE,
  TIBETAN_MALE,
  URBAN_OCCUPATIONS,
  YUGUR_SURNAMES,
} from './vocabulary';

/**
 * 人: households, persons and their person records (population types, special groups, roles), and the
 * buildings and houses of the county seat that urban households and floating residents live in.
 *
 * Calibration (domain.md §1 and common national rates): ~62,000 households of ~2.5 people, floating
 * residents ~3 % of all people, a handful of foreigners, left-behind people ~4 % (rural only), and per
 * thousand people: released prisoners 1.5, community corrections 0.5, drug users 1, severe mental disorder
 * 4, HIV risk 0.1, key youth 2, petitioners 0.3. Group sizes are computed, then members drawn at random, so
 * the proportions hold at every scale; grid workers are 225 full-time + 120 auxiliary at full scale.
 */

export const HOUSEHOLDS_FULL_SCALE = 62_000;
export const FLOATING_SHARE = 0.03;
export const FOREIGNERS_FULL_SCALE = 20;
export const GRID_WORKERS_FULL_TIME = 225;
export const GRID_WORKERS_AUXILIARY = 120;
export const BUILDING_HEADS_FULL_SCALE = 360;

/** Per-person rates of the special groups and other key persons. */
export const GROUP_RATES = {
  [PersonRecordKind.RELEASED_PRISONER]: 0.0015,
  [PersonRecordKind.COMMUNITY_CORRECTION]: 0.0005,
  [PersonRecordKind.DRUG_USER]: 0.001,
  [PersonRecordKind.SEVERE_MENTAL_DISORDER]: 0.004,
  [PersonRecordKind.HIV_RISK]: 0.0001,
  [PersonRecordKind.KEY_YOUTH]: 0.002,
  [PersonRecordKind.PETITIONER]: 0.0003,
} as const;

/** Left-behind people per person of the county, by 留守人员类型 (rural people only). */
export const LEFT_BEHIND_RATES = { '01': 0.02, '02': 0.0075, '03': 0.015 } as const;

const POLICE: Source = { department: '山丹县公安局', dataset: '户籍人口' };
const POLICE_FLOATING: Source = { department: '山丹县公安局', dataset: '流动人口' };
const POLICE_FOREIGN: Source = { department: '山丹县公安局', dataset: '境外人员' };
const HOUSING: Source = { department: '山丹县住房和城乡建设局', dataset: '实有房屋' };
const POLICE_RENTAL: Source = { department: '山丹县公安局', dataset: '出租房屋' };
const CIVIL_AFFAIRS_LEFT_BEHIND: Source = { department: '山丹县民政局', dataset: '留守人员' };
const JUSTICE_RELEASED: Source = { department: '山丹县司法局', dataset: '刑满释放人员' };
const JUSTICE_CORRECTION: Source = { department: '山丹县司法局', dataset: '社区矫正人员' };
const POLICE_DRUGS: Source = { department: '山丹县公安局', dataset: '吸毒人员' };
const HEALTH_MENTAL: Source = { department: '山丹县卫生健康局', dataset: '严重精神障碍患者' };
const HEALTH_HIV: Source = { department: '山丹县卫生健康局', dataset: '艾滋病危险人员' };
const YOUTH_LEAGUE: Source = { department: '共青团山丹县委', dataset: '重点青少年' };
const PETITIONS: Source = { department: '山丹县信访局', dataset: '重点上访人员' };
const CENTRE_GRID_WORKERS: Source = { department: '山丹县综治中心', dataset: '网格员' };
const CENTRE_BUILDING_HEADS: Source = { department: '山丹县综治中心', dataset: '楼栋长' };

export interface HouseholdMeta {
  row: DemoHousehold;
  grid: GridInfo;
  members: PersonMeta[];
  building: BuildingMeta | null;
  houseCode: string | null;
}

export interface PersonMeta {
  row: DemoPerson;
  age: number;
  grid: GridInfo;
  household: HouseholdMeta | null;
  /** 与户主关系 (GB/T 4761) for registered people. */
  relation: string | null;
  floating: boolean;
  foreign: boolean;
  building: BuildingMeta | null;
  houseCode: string | null;
}

/** The 出租房屋 fields of a house that is let. */
interface Rental {
  rentalUse: string;
  hazardType: string;
  tenantIdNumber: string;
  tenantName: string;
  tenantPhone: string;
}

interface Slot {
  unit: number;
  floor: number;
  room: number;
}

export interface BuildingMeta {
  place: DemoPlace;
  grid: GridInfo;
  compound: string;
  number: number;
  floors: number;
  units: number;
  slots: Slot[];
  next: number;
  vacant: Slot[];
  residents: PersonMeta[];
  households: number;
}

export interface People {
  households: HouseholdMeta[];
  persons: PersonMeta[];
  records: DemoPersonRecord[];
  places: DemoPlace[];
  buildings: BuildingMeta[];
  /** Residents (registered and floating) per grid code. */
  byGrid: Map<string, PersonMeta[]>;
  /** Full-time and auxiliary grid workers per grid code. */
  gridWorkers: Map<string, PersonMeta[]>;
  /** Houses rented out, for events about rentals. */
  rentedHouseCodes: string[];
}

interface MemberSpec {
  relation: string;
  sex: '1' | '2';
  age: number;
  line: 'head' | 'spouse' | 'child' | 'parent' | 'childSpouse' | 'grandchild';
  marital: string | null;
}

const ETHNICITIES: ReadonlyArray<readonly [string, number]> = [
  ['01', 97.8],
  ['03', 1.0], // 回族
  ['04', 0.4], // 藏族
  ['48', 0.3], // 裕固族
  ['02', 0.2], // 蒙古族
  ['30', 0.15], // 土族
  ['26', 0.15], // 东乡族
];

const HOUSEHOLD_SIZES: ReadonlyArray<readonly [number, number]> = [
  [1, 23],
  [2, 34],
  [3, 23],
  [4, 12],
  [5, 6],
  [6, 2],
];

export function generatePeople(ctx: GenerationContext): People {
  return new PeopleGenerator(ctx).run();
}

class PeopleGenerator {
  private readonly rng: Random;
  private readonly households: HouseholdMeta[] = [];
  private readonly persons: PersonMeta[] = [];
  private readonly records: DemoPersonRecord[] = [];
  private readonly places: DemoPlace[] = [];
  private readonly buildings: BuildingMeta[] = [];
  private readonly byGrid = new Map<string, PersonMeta[]>();
  private readonly buildingsByGrid = new Map<string, BuildingMeta[]>();
  private readonly compoundsByGrid = new Map<string, string[]>();
  private readonly compoundCounters = new Map<string, number>();
  private readonly compoundCodes = new Map<string, string>();
  private readonly householdSeq = new Map<string, number>();
  private readonly rentedHouseCodes: string[] = [];
  private readonly gridWorkers = new Map<string, PersonMeta[]>();
  private readonly surname: WeightedPicker<string>;
  private readonly huiSurname: WeightedPicker<string>;
  private readonly yugurSurname: WeightedPicker<string>;
  private readonly ethnicity: WeightedPicker<string>;
  private readonly householdSize: WeightedPicker<number>;
  private readonly grid: WeightedPicker<GridInfo>;
  private readonly urbanGrid: WeightedPicker<GridInfo>;
  private readonly otherGrid: WeightedPicker<GridInfo>;
  private readonly ruralJob: WeightedPicker<OccupationOption>;
  private readonly urbanJob: WeightedPicker<OccupationOption>;
  private readonly origin: WeightedPicker<readonly [string, string, number]>;
  private floatingSeq = 0;
  private recordSeq = 0;

  constructor(private readonly ctx: GenerationContext) {
    this.rng = ctx.rng.fork('people');
    const r = this.rng;
    this.surname = r.picker(SURNAMES);
    this.huiSurname = r.picker(HUI_SURNAMES);
    this.yugurSurname = r.picker(YUGUR_SURNAMES);
    this.ethnicity = r.picker(ETHNICITIES);
    this.householdSize = r.picker(HOUSEHOLD_SIZES);
    this.grid = r.picker(ctx.grids.map((g) => [g, g.weight] as const));
    this.urbanGrid = r.picker(ctx.grids.filter((g) => g.urban).map((g) => [g, g.weight] as const));
    // Floating residents outside the seat's communities: industrial parks and stations weigh more.
    this.otherGrid = r.picker(
      ctx.grids.filter((g) => !g.urban).map((g) => [g, g.special ? g.weight * 20 : g.weight] as const),
    );
    this.ruralJob = r.picker(RURAL_OCCUPATIONS);
    this.urbanJob = r.picker(URBAN_OCCUPATIONS);
    this.origin = r.picker(FLOATING_ORIGINS.map((o) => [o, o[2]] as const));
  }

  run(): People {
    const householdCount = this.ctx.count(HOUSEHOLDS_FULL_SCALE);
    for (let i = 0; i < householdCount; i++) this.household();
    const registered = this.persons.length;
    const floatingTarget = Math.max(1, Math.round((registered * FLOATING_SHARE) / (1 - FLOATING_SHARE)));
    while (this.persons.length - registered < floatingTarget) {
      this.floatingUnit(floatingTarget - (this.persons.length - registered));
    }
    const foreigners = this.ctx.count(FOREIGNERS_FULL_SCALE);
    for (let i = 0; i < foreigners; i++) this.foreigner(i + 1);

    this.tags();
    this.leftBehind();
    this.specialGroups();
    this.gridWorkerRecords();
    this.buildingHeads();
    this.finishBuildings();
    return {
      households: this.households,
      persons: this.persons,
      records: this.records,
      places: this.places,
      buildings: this.buildings,
      byGrid: this.byGrid,
      gridWorkers: this.gridWorkers,
      rentedHouseCodes: this.rentedHouseCodes,
    };
  }

  // ---------------------------------------------------------------- households and registered people

  private household() {
    const r = this.rng;
    const ctx = this.ctx;
    const grid = this.grid();
    const seq = (this.householdSeq.get(grid.townshipCode) ?? 0) + 1;
    this.householdSeq.set(grid.townshipCode, seq);
    const householdNumber = `${grid.townshipCode.slice(6)}${pad(seq, 6)}`;

    let building: BuildingMeta | null = null;
    let slot: Slot | null = null;
    let address: string;
    if (grid.urban) {
      building = this.buildingWithRoom(grid);
      slot = building.slots[building.next++]!;
      address = this.houseAddress(building, slot);
    } else if (grid.special) {
      address = `甘肃省张掖市山丹县${grid.townshipName}${grid.name.replace(/专属网格$/, '')}家属院${r.int(1, 12)}号`;
    } else {
      address = `甘肃省张掖市山丹县${grid.townshipName}${grid.unitName}${r.int(1, 9)}社${r.int(1, 120)}号`;
    }
    const residenceMatch = r.chance(0.06) ? '02' : '01';
    const row: DemoHousehold = {
      regionCode: grid.code,
      regionPath: grid.path,
      provenance: ctx.provenance(POLICE, `户:${householdNumber}`),
      householdNumber,
      headIdNumber: null,
      headName: null,
      address,
      residenceMatch,
    };
    const meta: HouseholdMeta = { row, grid, members: [], building, houseCode: null };
    if (building && slot) meta.houseCode = this.houseCode(building, slot);
    this.households.push(meta);

    const ethnicity = this.ethnicity();
    const specs = this.compose(this.householdSize());
    const headSpec = specs[0]!;
    const familySurname = this.surnameFor(ethnicity);
    const headSurname = headSpec.sex === '1' ? familySurname : this.surnameFor(ethnicity);
    specs.forEach((spec, i) => {
      const memberEthnicity =
        spec.line === 'spouse' || spec.line === 'childSpouse' ? this.spouseEthnicity(ethnicity) : ethnicity;
      let surname: string;
      if (spec.line === 'head') surname = headSurname;
      else if (spec.line === 'parent' && spec.sex === '1') surname = headSurname;
      else if (spec.line === 'spouse')
        surname = spec.sex === '1' ? familySurname : this.surnameFor(memberEthnicity);
      else if (spec.line === 'child' || spec.line === 'grandchild')
        surname = r.chance(0.95) ? familySurname : this.surnameFor(ethnicity);
      else surname = this.surnameFor(memberEthnicity);
      const person = this.localPerson(spec, memberEthnicity, surname, meta, i + 1);
      meta.members.push(person);
    });
    const head = meta.members[0]!;
    row.headIdNumber = head.row.idNumber;
    row.headName = head.row.name;
    if (building && slot) {
      this.house(
        building,
        slot,
        this.withPhone(meta.members.find((m) => m.row.phone && m.age >= 18) ?? head),
        null,
      );
      building.households++;
    }
    for (const m of meta.members) {
      this.record(
        m,
        PersonRecordKind.REGISTERED,
        POLICE,
        `${householdNumber}-${pad(meta.members.indexOf(m) + 1, 2)}`,
        {
          householdMatch: residenceMatch,
          householdNumber,
          relationToHead: m.relation,
          headIdNumber: head.row.idNumber,
          headName: head.row.name,
          headPhone: head.row.phone,
        },
        this.registeredSince(m),
        null,
      );
    }
  }

  /** When a local person entered the register here: at birth, or at marriage for those who married in. */
  private registeredSince(m: PersonMeta): string {
    const id = m.row.idNumber!;
    if (id.startsWith('620725') || id.startsWith('622226')) return m.row.birthDate;
    return this.ctx.addDays(m.row.birthDate, 365 * this.rng.int(21, 28));
  }

  /** Household members by size: ages, sexes and relationships that fit together. */
  private compose(size: number): MemberSpec[] {
    const r = this.rng;
    const out: MemberSpec[] = [];
    const couple = (minAge: number, maxAge: number) => {
      const headMale = r.chance(0.88);
      const headAge = r.int(minAge, maxAge);
      const gap = r.normalInt(2.5, 2.5, -3, 10);
      const spouseAge = Math.max(20, Math.min(99, headMale ? headAge - gap : headAge + gap));
      const married = r.chance(0.93) ? '21' : '22';
      out.push(
        { relation: '02', sex: headMale ? '1' : '2', age: headAge, line: 'head', marital: married },
        {
          relation: headMale ? '12' : '11',
          sex: headMale ? '2' : '1',
          age: spouseAge,
          line: 'spouse',
          marital: married,
        },
      );
      return { father: headMale ? headAge : spouseAge, mother: headMale ? spouseAge : headAge };
    };
    const child = (motherAge: number, relationBase: 'child' | 'grandchild') => {
      const age = Math.max(0, Math.min(motherAge - 20, motherAge - r.int(22, 33)));
      const sex = r.chance(0.52) ? '1' : '2';
      const relation = relationBase === 'child' ? (sex === '1' ? '20' : '30') : sex === '1' ? '41' : '42';
      out.push({ relation, sex, age, line: relationBase, marital: age >= 22 && r.chance(0.3) ? '40' : '10' });
    };
    const parentOf = (headAge: number) => {
      const sex = r.chance(0.4) ? '1' : '2';
      const age = Math.min(99, headAge + r.int(22, 32));
      out.push({
        relation: sex === '1' ? '51' : '52',
        sex,
        age,
        line: 'parent',
        marital: r.chance(0.8) ? '30' : '21',
      });
    };
    const threeGenerations = (grandchildren: number) => {
      const { mother } = couple(52, 76);
      const sonAge = Math.max(21, mother - r.int(22, 30));
      const dilAge = Math.max(20, sonAge - r.normalInt(2, 2, -3, 8));
      out.push(
        { relation: '20', sex: '1', age: sonAge, line: 'child', marital: '21' },
        { relation: '38', sex: '2', age: dilAge, line: 'childSpouse', marital: '21' },
      );
      for (let i = 0; i < grandchildren; i++) child(dilAge, 'grandchild');
    };
    switch (size) {
      case 1: {
        if (r.chance(0.55)) {
          const sex = r.chance(0.4) ? '1' : '2';
          out.push({
            relation: '02',
            sex,
            age: r.int(60, 92),
            line: 'head',
            marital: r.weighted([
              ['30', 70],
              ['40', 10],
              ['20', 20],
            ]),
          });
        } else {
          const sex = r.chance(0.6) ? '1' : '2';
          out.push({
            relation: '02',
            sex,
            age: r.int(20, 59),
            line: 'head',
            marital: r.weighted([
              ['10', 60],
              ['40', 20],
              ['20', 20],
            ]),
          });
        }
        break;
      }
      case 2: {
        const x = r.float();
        if (x < 0.5) couple(58, 88);
        else if (x < 0.8) couple(22, 57);
        else {
          const sex = r.chance(0.35) ? '1' : '2';
          const age = r.int(35, 75);
          out.push({
            relation: '02',
            sex,
            age,
            line: 'head',
            marital: r.weighted([
              ['40', 50],
              ['30', 50],
            ]),
          });
          child(sex === '2' ? age : age - 2, 'child');
        }
        break;
      }
      case 3: {
        if (r.chance(0.8)) {
          const { mother } = couple(26, 58);
          child(mother, 'child');
        } else {
          const head = r.int(30, 58);
          couple(head, head);
          parentOf(head);
        }
        break;
      }
      case 4: {
        if (r.chance(0.7)) {
          const { mother } = couple(28, 55);
          child(mother, 'child');
          child(mother, 'child');
        } else {
          const head = r.int(30, 55);
          const { mother } = couple(head, head);
          child(mother, 'child');
          parentOf(head);
        }
        break;
      }
      case 5: {
        if (r.chance(0.5)) {
          const head = r.int(32, 52);
          const { mother } = couple(head, head);
          child(mother, 'child');
          child(mother, 'child');
          parentOf(head);
        } else threeGenerations(1);
        break;
      }
      default:
        threeGenerations(2);
    }
    return out;
  }

  private surnameFor(ethnicity: string): string {
    if (ethnicity === '03' || ethnicity === '26') return this.huiSurname();
    if (ethnicity === '48') return this.yugurSurname();
    return this.surname();
  }

  private spouseEthnicity(householdEthnicity: string): string {
    return this.rng.chance(0.9) ? householdEthnicity : this.ethnicity();
  }

  private givenName(sex: '1' | '2', birthYear: number, ethnicity: string, surname: string): string {
    const r = this.rng;
    if (ethnicity === '04' && r.chance(0.7)) {
      // Tibetan names: two two-character names, no surname.
      const pool = sex === '1' ? TIBETAN_MALE : TIBETAN_FEMALE;
      return `${r.pick(pool)}${r.pick(sex === '1' ? TIBETAN_MALE : TIBETAN_FEMALE)}`;
    }
    const cohort =
      birthYear < 1965 ? GIVEN_CHARS.old : birthYear < 1995 ? GIVEN_CHARS.middle : GIVEN_CHARS.young;
    const chars = sex === '1' ? cohort.male : cohort.female;
    const single = r.chance(birthYear < 1995 ? 0.35 : 0.2);
    return `${surname}${r.pick(chars)}${single ? '' : r.pick(chars)}`;
  }

  private addressCodeForLocal(birthYear: number): string {
    const r = this.rng;
    if (birthYear >= 2002) return '620725';
    if (birthYear >= 1960 && r.chance(0.07)) return r.pick(MARRIED_IN_ORIGINS);
    // Numbers first issued before the county code changed in 2002 keep the old code 622226.
    return r.chance(birthYear < 1980 ? 0.7 : 0.3) ? '622226' : '620725';
  }

  private localPerson(
    spec: MemberSpec,
    ethnicity: string,
    surname: string,
    household: HouseholdMeta,
    memberNo: number,
  ): PersonMeta {
    const r = this.rng;
    const ctx = this.ctx;
    const birthDate = ctx.birthDateForAge(r, spec.age);
    const birthYear = Number(birthDate.slice(0, 4));
    const addressCode = this.addressCodeForLocal(birthYear);
    const idNumber = ctx.citizenIds.issue(addressCode, birthDate, spec.sex);
    const urban = household.grid.urban;
    const name = this.givenName(spec.sex, birthYear, ethnicity, surname);
    const job = this.job(spec.age, spec.sex, urban, household.grid);
    const origin = FLOATING_ORIGINS.find((o) => o[0] === addressCode);
    const awayForWork =
      household.row.residenceMatch === '02' && spec.age >= 20 && spec.age <= 55 && memberNo <= 2;
    const row: DemoPerson = {
      regionCode: household.grid.code,
      regionPath: household.grid.path,
      provenance: ctx.provenance(POLICE, `${household.row.householdNumber}-${pad(memberNo, 2)}`),
      idNumber,
      documentType: null,
      documentNumber: null,
      name,
      formerName:
        spec.age > 30 && r.chance(0.01) ? this.givenName(spec.sex, birthYear, ethnicity, surname) : null,
      sex: spec.sex,
      birthDate,
      ethnicity,
      nativePlace: origin ? origin[1] : '甘肃省张掖市山丹县',
      maritalStatus: spec.age < 20 ? '10' : spec.marital,
      politicalStatus: this.political(spec.age),
      education: this.education(spec.age, birthYear, urban),
      religion: this.religion(ethnicity),
      occupationCategory: job?.category ?? null,
      occupation: job?.occupation ?? this.nonWorking(spec.age, urban),
      employer: job ? this.employer(job, household.grid) : null,
      phone: this.phone(spec.age),
      registeredRegionCode: household.grid.unitCode,
      registeredAddress: household.row.address,
      currentAddress: awayForWork ? r.pick(OUT_OF_COUNTY_WORKPLACES) : household.row.address,
      householdNumber: household.row.householdNumber,
      tags: [],
    };
    const meta: PersonMeta = {
      row,
      age: spec.age,
      grid: household.grid,
      household,
      relation: spec.relation,
      floating: false,
      foreign: false,
      building: household.building,
      houseCode: household.houseCode,
    };
    this.add(meta);
    return meta;
  }

  private add(meta: PersonMeta) {
    this.persons.push(meta);
    const list = this.byGrid.get(meta.grid.code);
    if (list) list.push(meta);
    else this.byGrid.set(meta.grid.code, [meta]);
    meta.building?.residents.push(meta);
  }

  private political(age: number): string {
    const r = this.rng;
    if (age >= 18 && r.chance(0.075)) return '01';
    if (age >= 18 && age < 40 && r.chance(0.006)) return '02';
    if (age >= 14 && age <= 28 && r.chance(0.3)) return '03';
    return '13';
  }

  /** 学历 (GB/T 4658 top level) by age, cohort and setting; null for children not yet at school. */
  private education(age: number, birthYear: number, urban: boolean): string | null {
    const r = this.rng;
    if (age < 7) return null;
    if (age <= 12) return '80';
    if (age <= 15) return '70';
    if (age <= 18) return r.chance(0.3) ? '40' : '60';
    const u = urban ? 1 : 0;
    if (birthYear < 1960)
      return r.weighted([
        ['90', 25 - 10 * u],
        ['80', 40],
        ['70', 22],
        ['60', 8 + 6 * u],
        ['40', 3 + 2 * u],
        ['30', 2 + 2 * u],
      ]);
    if (birthYear < 1980)
      return r.weighted([
        ['90', 3],
        ['80', 22 - 10 * u],
        ['70', 40],
        ['60', 15 + 5 * u],
        ['40', 8],
        ['30', 7 + 6 * u],
        ['20', 5 + 8 * u],
      ]);
    return r.weighted([
      ['80', 3],
      ['70', 25 - 12 * u],
      ['60', 18],
      ['40', 17],
      ['30', 20 + 4 * u],
      ['20', 16 + 10 * u],
      ['10', 1 + 2 * u],
    ]);
  }

  /** 宗教信仰 (local dictionary: 00 无, 10 佛教, 20 道教, 30 伊斯兰教, 40 天主教, 50 基督教). */
  private religion(ethnicity: string): string {
    const r = this.rng;
    if (ethnicity === '03' || ethnicity === '26') return r.chance(0.95) ? '30' : '00';
    if (ethnicity === '04' || ethnicity === '48' || ethnicity === '30' || ethnicity === '02') {
      return r.chance(0.7) ? '10' : '00';
    }
    return r.weighted([
      ['00', 95],
      ['10', 3],
      ['20', 0.6],
      ['50', 1],
      ['40', 0.4],
    ]);
  }

  private job(age: number, sex: '1' | '2', urban: boolean, grid: GridInfo): OccupationOption | null {
    if (age < 18) return null;
    if (urban || grid.special) {
      const retirement = sex === '1' ? 60 : 55;
      if (age >= retirement) return null;
      if (age < 22 && this.rng.chance(0.6)) return null;
      return this.rng.chance(0.9) ? this.urbanJob() : null;
    }
    if (age > 72) return null;
    if (age < 22 && this.rng.chance(0.5)) return null;
    return this.ruralJob();
  }

  private nonWorking(age: number, urban: boolean): string | null {
    if (age < 3) return null;
    if (age < 6) return '学龄前儿童';
    if (age < 23) return '学生';
    if (age >= 55) return urban ? '离退休人员' : '无业';
    return '无业';
  }

  private employer(job: OccupationOption, grid: GridInfo): string | null {
    const list = PUBLIC_EMPLOYERS[job.occupation];
    if (!list) return null;
    const e = this.rng.pick(list);
    if (e === '乡镇中心小学') return `山丹县${grid.townshipName}中心小学`;
    if (e === '乡镇初级中学') return `山丹县${grid.townshipName}初级中学`;
    if (e === '村卫生室') return `${grid.unitName}卫生室`;
    if (e === '村民委员会') return `${grid.unitName}民委员会`;
    return e;
  }

  private phone(age: number): string | null {
    const p = age < 12 ? 0 : age < 16 ? 0.4 : age < 70 ? 0.95 : 0.65;
    return this.rng.chance(p) ? mobileNumber(this.rng) : null;
  }

  // ---------------------------------------------------------------- buildings and houses of the county seat

  private buildingWithRoom(grid: GridInfo): BuildingMeta {
    const list = this.buildingsByGrid.get(grid.code) ?? [];
    this.buildingsByGrid.set(grid.code, list);
    let current = list[list.length - 1];
    // About one flat in ten stays empty (for sale, or let later to floating residents).
    while (current && current.next < current.slots.length && this.rng.chance(0.1)) {
      current.vacant.push(current.slots[current.next++]!);
    }
    if (!current || current.next >= current.slots.length) {
      current = this.newBuilding(grid);
      list.push(current);
    }
    return current;
  }

  private newBuilding(grid: GridInfo): BuildingMeta {
    const r = this.rng;
    let compounds = this.compoundsByGrid.get(grid.code);
    if (!compounds) {
      compounds = r.sample(COMPOUNDS, r.int(2, 3));
      this.compoundsByGrid.set(grid.code, compounds);
    }
    const compound = r.pick(compounds);
    const counterKey = `${grid.unitCode}/${compound}`;
    const number = (this.compoundCounters.get(counterKey) ?? 0) + 1;
    this.compoundCounters.set(counterKey, number);
    const highRise = r.chance(0.35);
    const floors = highRise ? r.int(11, 18) : r.int(5, 7);
    const units = highRise ? 2 : r.int(2, 4);
    const slots: Slot[] = [];
    for (let unit = 1; unit <= units; unit++) {
      for (let floor = 1; floor <= floors; floor++) {
        for (let room = 1; room <= 2; room++) slots.push({ unit, floor, room });
      }
    }
    const seq = this.buildings.filter((b) => b.grid === grid).length + 1;
    const code = `${grid.code}-B${pad(seq, 3)}`;
    const place: DemoPlace = {
      regionCode: grid.code,
      regionPath: grid.path,
      provenance: this.ctx.provenance(HOUSING, code),
      code,
      kind: PlaceKind.BUILDING,
      name: `${compound}${number}号楼`,
      address: `甘肃省张掖市山丹县清泉镇${grid.unitName}${compound}${number}号楼`,
      parentCode: null,
      longitude: this.ctx.longitudeNear(r, grid),
      latitude: this.ctx.latitudeNear(r, grid),
      attributes: {
        buildingUse: r.chance(0.85) ? '01' : '06',
        communityName: compound,
        floorArea: Math.round(floors * units * 2 * r.int(70, 120)),
        floors,
        unitCount: units,
        householdCount: 0,
      },
    };
    const meta: BuildingMeta = {
      place,
      grid,
      compound,
      number,
      floors,
      units,
      slots,
      next: 0,
      vacant: [],
      residents: [],
      households: 0,
    };
    this.places.push(place);
    this.buildings.push(meta);
    return meta;
  }

  private houseCode(building: BuildingMeta, slot: Slot): string {
    return `${building.place.code}-${slot.unit}-${pad(slot.floor, 2)}${pad(slot.room, 2)}`;
  }

  private houseAddress(building: BuildingMeta, slot: Slot): string {
    return `${building.place.address}${slot.unit}单元${slot.floor}${pad(slot.room, 2)}室`;
  }

  /** A person reachable by phone: contact fields of the data sets are mandatory. */
  private withPhone(p: PersonMeta): PersonMeta {
    if (!p.row.phone) p.row.phone = mobileNumber(this.rng);
    return p;
  }

  /** A house (实有房屋), with its owner and, when let, the 出租房屋 fields. */
  private house(building: BuildingMeta, slot: Slot, owner: PersonMeta, rental: Rental | null): DemoPlace {
    const code = this.houseCode(building, slot);
    const place: DemoPlace = {
      regionCode: building.grid.code,
      regionPath: building.grid.path,
      provenance: this.ctx.provenance(rental ? POLICE_RENTAL : HOUSING, code),
      code,
      kind: PlaceKind.HOUSE,
      name: `${building.place.name}${slot.unit}单元${slot.floor}${pad(slot.room, 2)}室`,
      address: this.houseAddress(building, slot),
      parentCode: building.place.code,
      longitude: building.place.longitude,
      latitude: building.place.latitude,
      attributes: {
        buildingUse: '01',
        floorArea: this.rng.int(55, 140),
        ownerDocumentType: '111',
        ownerDocumentNumber: owner.row.idNumber,
        ownerName: owner.row.name,
        ownerPhone: owner.row.phone,
        ownerAddress: owner.row.currentAddress,
        isRented: rental !== null,
        ...rental,
      },
    };
    this.places.push(place);
    return place;
  }

  private finishBuildings() {
    for (const b of this.buildings) {
      b.place.attributes.householdCount = b.households;
    }
  }

  // ---------------------------------------------------------------- floating residents and foreigners

  /** A floating "unit": a worker alone, a couple, or a couple with a child, sharing one residence. */
  private floatingUnit(remaining: number) {
    const r = this.rng;
    const ctx = this.ctx;
    const size = Math.min(
      remaining,
      r.weighted([
        [1, 60],
        [2, 25],
        [3, 15],
      ]),
    );
    const urban = r.chance(0.65);
    const grid = urban ? this.urbanGrid() : this.otherGrid();
    const origin = this.origin();
    const reason = r.weighted([
      ['01', 55],
      ['03', 15],
      ['04', 5],
      ['05', 5],
      ['08', 6],
      ['09', 6],
      ['02', 4],
      ['99', 4],
    ]);
    let residenceType: string;
    let building: BuildingMeta | null = null;
    let slot: Slot | null = null;
    let houseCode: string | null = null;
    let address: string;
    if (urban) {
      residenceType = r.weighted([
        ['02', 75],
        ['05', 8],
        ['01', 8],
        ['04', 9],
      ]);
      building = this.buildingWithRoom(grid);
      slot = building.vacant.pop() ?? building.slots[building.next++]!;
      address = this.houseAddress(building, slot);
      houseCode = this.houseCode(building, slot);
    } else {
      residenceType = r.weighted([
        ['05', 40],
        ['02', 30],
        ['04', 20],
        ['06', 10],
      ]);
      address = grid.special
        ? `甘肃省张掖市山丹县${grid.townshipName}${grid.name.replace(/专属网格$/, '')}职工宿舍`
        : `甘肃省张掖市山丹县${grid.townshipName}${grid.unitName}${r.int(1, 9)}社${r.int(1, 120)}号`;
    }
    const workerSex: '1' | '2' = r.chance(0.68) ? '1' : '2';
    const workerAge = r.normalInt(35, 9, 18, 60);
    const ethnicity = (origin[0] === '630121' || origin[0] === '640104') && r.chance(0.4) ? '03' : '01';
    const familySurname = this.surnameFor(ethnicity);
    const members: Array<{ sex: '1' | '2'; age: number; reason: string; marital: string }> = [
      { sex: workerSex, age: workerAge, reason, marital: size > 1 || r.chance(0.5) ? '21' : '10' },
    ];
    if (size >= 2) {
      members.push({
        sex: workerSex === '1' ? '2' : '1',
        age: Math.max(18, workerAge + (workerSex === '1' ? -2 : 2) + r.int(-2, 2)),
        reason: '06',
        marital: '21',
      });
    }
    if (size >= 3) {
      const mother = members.find((m) => m.sex === '2')!.age;
      members.push({
        sex: r.chance(0.5) ? '1' : '2',
        age: Math.max(0, Math.min(15, mother - r.int(22, 30))),
        reason: '06',
        marital: '10',
      });
    }
    const unit: PersonMeta[] = [];
    for (const [i, m] of members.entries()) {
      const seq = ++this.floatingSeq;
      const birthDate = ctx.birthDateForAge(r, m.age);
      const idNumber = ctx.citizenIds.issue(origin[0], birthDate, m.sex);
      const birthYear = Number(birthDate.slice(0, 4));
      const surname = i === 0 || m.sex === '1' || m.age < 18 ? familySurname : this.surnameFor(ethnicity);
      const job = m.age >= 18 ? (i === 0 ? this.urbanJob() : r.chance(0.6) ? this.urbanJob() : null) : null;
      const key = `LD${ctx.year}${pad(seq, 6)}`;
      const row: DemoPerson = {
        regionCode: grid.code,
        regionPath: grid.path,
        provenance: ctx.provenance(POLICE_FLOATING, key),
        idNumber,
        documentType: null,
        documentNumber: null,
        name: this.givenName(m.sex, birthYear, ethnicity, surname),
        formerName: null,
        sex: m.sex,
        birthDate,
        ethnicity,
        nativePlace: origin[1],
        maritalStatus: m.age < 20 ? '10' : m.marital,
        politicalStatus: this.political(m.age),
        education: this.education(m.age, birthYear, true),
        religion: this.religion(ethnicity),
        occupationCategory: job?.category ?? null,
        occupation: job?.occupation ?? this.nonWorking(m.age, true),
        employer: null,
        phone: this.phone(m.age),
        registeredRegionCode: origin[0],
        registeredAddress: origin[1],
        currentAddress: address,
        householdNumber: null,
        tags: [],
      };
      const meta: PersonMeta = {
        row,
        age: m.age,
        grid,
        household: null,
        relation: null,
        floating: true,
        foreign: false,
        building,
        houseCode,
      };
      this.add(meta);
      unit.push(meta);
      const registeredOn = ctx.dayBetween(r, ctx.addDays(ctx.asOf, -3 * 365), ctx.addDays(ctx.asOf, -7));
      const permit = r.weighted([
        ['01', 70],
        ['02', 10],
        ['99', 20],
      ]);
      this.record(
        meta,
        PersonRecordKind.FLOATING,
        POLICE_FLOATING,
        key,
        {
          inflowReason: m.reason,
          permitType: permit,
          permitNumber:
            permit === '99' ? null : `${permit === '01' ? 'JZZ' : 'ZZZ'}620725${ctx.year}${pad(seq, 6)}`,
          registeredOn,
          permitExpiresOn:
            permit === '99' ? null : ctx.addDays(registeredOn, 365 * (permit === '01' ? 3 : 1)),
          residenceType,
          isKeyConcern: r.chance(0.01),
        },
        registeredOn,
        null,
      );
    }
    if (building && slot) {
      const worker = this.withPhone(unit[0]!);
      // Bought (01): the worker owns it; otherwise a resident of the grid does.
      const owner = residenceType === '01' ? worker : this.withPhone(this.pickLocalAdult(grid) ?? worker);
      if (residenceType === '02') {
        this.house(building, slot, owner, {
          rentalUse: r.weighted([
            ['02', 85],
            ['01', 10],
            ['03', 5],
          ]),
          hazardType: r.weighted([
            ['00', 82],
            ['01', 8],
            ['02', 5],
            ['03', 2],
            ['05', 1],
            ['99', 2],
          ]),
          tenantIdNumber: worker.row.idNumber!,
          tenantName: worker.row.name,
          tenantPhone: worker.row.phone!,
        });
        this.rentedHouseCodes.push(houseCode!);
      } else {
        this.house(building, slot, owner, null);
      }
      building.households++;
    }
  }

  private pickLocalAdult(grid: GridInfo, minAge = 30, maxAge = 75): PersonMeta | null {
    const list = this.byGrid.get(grid.code) ?? [];
    for (let attempt = 0; attempt < 40 && list.length; attempt++) {
      const p = this.rng.pick(list);
      if (!p.floating && !p.foreign && p.age >= minAge && p.age <= maxAge) return p;
    }
    return null;
  }

  private foreigner(seq: number) {
    const r = this.rng;
    const ctx = this.ctx;
    const nat = r.weighted(FOREIGNERS.map((f) => [f, f.weight] as const));
    const sex: '1' | '2' = r.chance(0.6) ? '1' : '2';
    const [surname, surnameZh] = r.pick(nat.surnames);
    const [given, givenZh] = r.pick(sex === '1' ? nat.male : nat.female);
    const age = r.int(22, 65);
    const birthDate = ctx.birthDateForAge(r, age);
    const purpose = r.weighted([
      ['02', 45],
      ['01', 20],
      ['03', 10],
      ['05', 15],
      ['04', 5],
      ['99', 5],
    ]);
    const grid = this.urbanGrid();
    const arrival = ctx.dayBetween(r, ctx.addDays(ctx.asOf, -3 * 365), ctx.addDays(ctx.asOf, -10));
    const documentNumber = passportNumber(r, nat.passportPattern);
    const key = `JW${ctx.year}${pad(seq, 4)}`;
    const address = `甘肃省张掖市山丹县清泉镇${grid.unitName}${r.pick(COMPOUNDS)}${r.int(1, 12)}号楼`;
    const row: DemoPerson = {
      regionCode: grid.code,
      regionPath: grid.path,
      provenance: ctx.provenance(POLICE_FOREIGN, key),
      idNumber: null,
      documentType: '414',
      documentNumber,
      name: `${givenZh}·${surnameZh}`,
      formerName: null,
      sex,
      birthDate,
      ethnicity: null,
      nativePlace: null,
      maritalStatus: r.chance(0.6) ? '20' : '10',
      politicalStatus: null,
      education: r.weighted([
        ['20', 60],
        ['10', 30],
        ['30', 10],
      ]),
      religion: r.weighted([
        ['00', 50],
        ['50', 25],
        ['40', 10],
        ['30', 10],
        ['10', 5],
      ]),
      occupationCategory: purpose === '02' ? '2' : null,
      occupation: purpose === '02' ? '外籍教师' : purpose === '03' ? '留学生' : null,
      employer: purpose === '02' ? '山丹培黎学校' : null,
      phone: r.chance(0.8) ? mobileNumber(r) : null,
      registeredRegionCode: null,
      registeredAddress: null,
      currentAddress: address,
      householdNumber: null,
      tags: [],
    };
    const meta: PersonMeta = {
      row,
      age,
      grid,
      household: null,
      relation: null,
      floating: false,
      foreign: true,
      building: null,
      houseCode: null,
    };
    this.add(meta);
    this.record(
      meta,
      PersonRecordKind.FOREIGN,
      POLICE_FOREIGN,
      key,
      {
        foreignSurname: surname,
        foreignGivenName: given,
        nationality: nat.nationality,
        documentValidUntil: ctx.addDays(arrival, 365 * r.int(3, 9)),
        visitPurpose: purpose,
        arrivalDate: arrival,
        expectedDepartureDate: ctx.addDays(ctx.asOf, r.int(30, 900)),
        isKeyConcern: false,
      },
      arrival,
      null,
    );
  }

  // ---------------------------------------------------------------- tags, groups and roles

  private tags() {
    const r = this.rng;
    for (const h of this.households) {
      const rural = !h.grid.urban;
      const lowIncome = r.chance(rural ? 0.045 : 0.02);
      const liftedOutOfPoverty = rural && r.chance(0.06);
      for (const m of h.members) {
        if (lowIncome) m.row.tags.push('低保');
        if (liftedOutOfPoverty) m.row.tags.push('脱贫户');
        if (h.members.length === 1 && m.age >= 60) m.row.tags.push('独居老人');
        if (r.chance(0.025)) m.row.tags.push('残疾人');
        if (m.row.sex === '1' && m.age >= 25 && m.age <= 75 && r.chance(0.03)) m.row.tags.push('退役军人');
      }
    }
  }

  private record(
    person: PersonMeta,
    kind: PersonRecordKind,
    source: Source,
    key: string,
    attributes: Record<string, unknown>,
    since: string | null,
    until: string | null,
    grid: GridInfo = person.grid,
  ): DemoPersonRecord {
    const rec: DemoPersonRecord = {
      regionCode: grid.code,
      regionPath: grid.path,
      provenance: this.ctx.provenance(source, key),
      personIdNumber: person.row.idNumber,
      personDocumentType: person.row.idNumber ? null : person.row.documentType,
      personDocumentNumber: person.row.idNumber ? null : person.row.documentNumber,
      kind,
      attributes,
      since,
      until,
    };
    this.records.push(rec);
    return rec;
  }

  /** `count` distinct people matching `eligible`, with `maleShare` of them men where possible. */
  private choose(count: number, eligible: (p: PersonMeta) => boolean, maleShare?: number): PersonMeta[] {
    const candidates = this.persons.filter(eligible);
    if (maleShare === undefined) return this.rng.sample(candidates, count);
    const men = candidates.filter((p) => p.row.sex === '1');
    const women = candidates.filter((p) => p.row.sex === '2');
    const wantMen = Math.round(count * maleShare);
    const chosen = [...this.rng.sample(men, wantMen), ...this.rng.sample(women, count - wantMen)];
    if (chosen.length < count) {
      const taken = new Set(chosen);
      chosen.push(
        ...this.rng.sample(
          candidates.filter((p) => !taken.has(p)),
          count - chosen.length,
        ),
      );
    }
    return chosen;
  }

  private nextKey(prefix: string): string {
    return `${prefix}${this.ctx.year}${pad(++this.recordSeq, 6)}`;
  }

  private householdAdult(p: PersonMeta, minAge = 20): PersonMeta | null {
    return p.household?.members.find((m) => m !== p && m.age >= minAge) ?? null;
  }

  private leftBehind() {
    const r = this.rng;
    const ctx = this.ctx;
    const total = this.persons.length;
    const rural = (p: PersonMeta) => !p.grid.urban && !p.grid.special && !p.floating && !p.foreign;
    const kinds: Array<[keyof typeof LEFT_BEHIND_RATES, (p: PersonMeta) => boolean]> = [
      ['01', (p) => rural(p) && p.age >= 60],
      [
        '02',
        (p) =>
          rural(p) &&
          p.row.sex === '2' &&
          p.age >= 20 &&
          p.age <= 55 &&
          p.row.maritalStatus?.startsWith('2') === true,
      ],
      ['03', (p) => rural(p) && p.age < 16],
    ];
    for (const [type, eligible] of kinds) {
      const count = Math.max(1, Math.round(total * LEFT_BEHIND_RATES[type]));
      for (const p of this.choose(count, eligible)) {
        // The family member away at work: one of the household, or someone registered elsewhere.
        const relative = p.household?.members.find((m) => m !== p && m.age >= 20 && m.age <= 55);
        const member = relative ? this.withPhone(relative) : null;
        const absent = this.absentRelative(p, type);
        const workplace = r.pick(OUT_OF_COUNTY_WORKPLACES);
        this.record(
          p,
          PersonRecordKind.LEFT_BEHIND,
          CIVIL_AFFAIRS_LEFT_BEHIND,
          this.nextKey('LS'),
          {
            leftBehindType: type,
            healthStatus:
              type === '01'
                ? r.weighted([
                    ['02', 25],
                    ['03', 45],
                    ['04', 25],
                    ['05', 5],
                  ])
                : r.weighted([
                    ['01', 40],
                    ['02', 45],
                    ['03', 15],
                  ]),
            annualIncome: type === '03' ? 0 : r.int(3, 24) * 1000,
            householdMatch: '01',
            familyMemberIdNumber: member?.row.idNumber ?? null,
            familyMemberName: member?.row.name ?? absent.name,
            familyMemberHealthStatus: '01',
            familyMemberRelation: member ? this.relationLabel(p, member) : absent.relation,
            familyMemberPhone: member?.row.phone ?? mobileNumber(r),
            familyMemberWorkAddress: workplace,
            familyAnnualIncome: r.int(20, 90) * 1000,
            difficultiesAndRequests: r.pick([
              '无',
              '缺乏日常照料',
              '就医不便',
              '子女教育辅导困难',
              '农忙缺少劳力',
              '冬季取暖困难',
            ]),
            assistance: r.pick([
              '村干部定期走访',
              '网格员每周探访',
              '纳入关爱服务名单',
              '志愿者结对帮扶',
              '学校开展关爱活动',
            ]),
          },
          ctx.dayBetween(r, ctx.addDays(ctx.asOf, -5 * 365), ctx.addDays(ctx.asOf, -30)),
          null,
        );
        if (relative && relative.row.currentAddress === relative.row.registeredAddress) {
          relative.row.currentAddress = workplace;
        }
      }
    }
  }

  /** How `other` is related to `p`, as the data sets' free-text relation fields spell it (父亲, 女儿, 妻子 …). */
  private relationLabel(p: PersonMeta, other: PersonMeta): string {
    const male = other.row.sex === '1';
    const gap = other.age - p.age;
    if (gap >= 40) return male ? '祖父' : '祖母';
    if (gap >= 16) return male ? '父亲' : '母亲';
    if (gap <= -40) return male ? '孙子' : '孙女';
    if (gap <= -16) return male ? '儿子' : '女儿';
    return male ? '丈夫' : '妻子';
  }

  /** A relative registered elsewhere (not in the hub): a child of an old person, a husband, a parent. */
  private absentRelative(p: PersonMeta, leftBehindType: string): { name: string; relation: string } {
    const r = this.rng;
    const surname = p.row.name[0]!;
    if (leftBehindType === '02') {
      return { name: this.givenName('1', this.ctx.year - p.age - 2, '01', surname), relation: '丈夫' };
    }
    const sex: '1' | '2' = r.chance(0.6) ? '1' : '2';
    if (leftBehindType === '01') {
      return {
        name: this.givenName(sex, this.ctx.year - p.age + 28, '01', surname),
        relation: sex === '1' ? '儿子' : '女儿',
      };
    }
    return {
      name: this.givenName(sex, this.ctx.year - p.age - 28, '01', sex === '1' ? surname : this.surname()),
      relation: sex === '1' ? '父亲' : '母亲',
    };
  }

  /** A guardian for the data sets that need one: an adult of the household, or a parent registered elsewhere. */
  private guardianOf(p: PersonMeta): {
    person: PersonMeta | null;
    name: string;
    relation: string;
    phone: string;
  } {
    const adult = this.householdAdult(p);
    if (adult) {
      this.withPhone(adult);
      return {
        person: adult,
        name: adult.row.name,
        relation: this.relationLabel(p, adult),
        phone: adult.row.phone!,
      };
    }
    const sex: '1' | '2' = this.rng.chance(0.5) ? '1' : '2';
    return {
      person: null,
      name: this.givenName(sex, this.ctx.year - p.age - 28, '01', p.row.name[0]!),
      relation: sex === '1' ? '父亲' : '母亲',
      phone: mobileNumber(this.rng),
    };
  }

  private specialGroups() {
    const r = this.rng;
    const ctx = this.ctx;
    const total = this.persons.length;
    const resident = (p: PersonMeta) => !p.foreign;
    const n = (kind: keyof typeof GROUP_RATES) => Math.max(1, Math.round(total * GROUP_RATES[kind]));
    const pastDay = (minDaysAgo: number, maxDaysAgo: number) =>
      ctx.dayBetween(r, ctx.addDays(ctx.asOf, -maxDaysAgo), ctx.addDays(ctx.asOf, -minDaysAgo));
    const official = () => this.officialName();
    const crime = () =>
      r.weighted([
        ['05', 40],
        ['04', 20],
        ['06', 25],
        ['02', 10],
        ['03', 5],
      ]);

    for (const p of this.choose(
      n(PersonRecordKind.RELEASED_PRISONER),
      (p) => resident(p) && p.age >= 22 && p.age <= 65,
      0.9,
    )) {
      const releasedOn = pastDay(30, 5 * 365);
      const resettled = r.chance(0.85);
      this.record(
        p,
        PersonRecordKind.RELEASED_PRISONER,
        JUSTICE_RELEASED,
        this.nextKey('XS'),
        {
          isRecidivist: r.chance(0.15),
          originalCharge: crime(),
          originalSentence: `有期徒刑${r.int(1, 10)}年`,
          prisonName: r.pick(PRISONS),
          releasedOn,
          riskAssessmentType: r.chance(0.2) ? '01' : '02',
          handoverOn: ctx.addDays(releasedOn, r.int(0, 3)),
          handoverStatus: r.weighted([
            ['03', 40],
            ['05', 20],
            ['01', 15],
            ['06', 20],
            ['02', 5],
          ]),
          resettledOn: resettled ? ctx.notAfterAsOf(ctx.addDays(releasedOn, r.int(10, 120))) : null,
          resettlementStatus: resettled
            ? r.weighted([
                ['01', 30],
                ['06', 30],
                ['05', 20],
                ['07', 10],
                ['02', 10],
              ])
            : null,
          notResettledReason: resettled ? null : r.pick(['外出务工', '身体原因', '正在联系用人单位']),
          assistance: '司法所与村(社区)落实帮教小组，定期走访',
          hasReoffended: false,
        },
        releasedOn,
        null,
      );
    }

    const CHARGES: ReadonlyArray<readonly [string, string]> = [
      ['危险驾驶罪', '妨害社会管理秩序罪'],
      ['盗窃罪', '侵犯财产罪'],
      ['诈骗罪', '侵犯财产罪'],
      ['故意伤害罪', '侵犯公民人身权利、民主权利罪'],
      ['交通肇事罪', '危害公共安全罪'],
      ['开设赌场罪', '妨害社会管理秩序罪'],
    ];
    for (const p of this.choose(
      n(PersonRecordKind.COMMUNITY_CORRECTION),
      (p) => resident(p) && p.age >= 18 && p.age <= 70,
      0.85,
    )) {
      const start = pastDay(10, 3 * 365);
      const category = r.weighted([
        ['02', 85],
        ['03', 6],
        ['04', 6],
        ['01', 3],
      ]);
      const months = r.int(6, 48);
      const end = ctx.addDays(start, Math.round(months * 30.44));
      const [charge, caseCategory] = r.pick(CHARGES);
      this.record(
        p,
        PersonRecordKind.COMMUNITY_CORRECTION,
        JUSTICE_CORRECTION,
        this.nextKey('JZ'),
        {
          correctionNumber: `JZ620725${start.slice(0, 4)}${pad(r.int(1, 999), 4)}`,
          correctionCategory: category,
          caseCategory,
          specificCharge: charge,
          originalSentence: `${months}个月`,
          sentenceStartOn: start,
          sentenceEndOn: end,
          correctionStartOn: start,
          correctionEndOn: end,
          receptionMethod: r.weighted([
            ['01', 80],
            ['03', 15],
            ['02', 5],
          ]),
          fourHistories: r.chance(0.1) ? ['01'] : [],
          isHabitualOffender: r.chance(0.05),
          threeInvolvements: [],
          hasCorrectionTeam: true,
          correctionTeamMembers: ['01', '04', '07'],
          isOutOfControl: false,
          isMissedManagement: false,
          hasReoffended: false,
        },
        start,
        end > ctx.asOf ? null : end,
      );
    }

    for (const p of this.choose(
      n(PersonRecordKind.DRUG_USER),
      (p) => resident(p) && p.age >= 18 && p.age <= 60,
      0.85,
    )) {
      const found = pastDay(60, 12 * 365);
      const criminal = r.chance(0.3);
      this.record(
        p,
        PersonRecordKind.DRUG_USER,
        POLICE_DRUGS,
        this.nextKey('XD'),
        {
          firstDiscoveredOn: found,
          controlStatus: r.weighted([
            ['01', 55],
            ['05', 25],
            ['06', 15],
            ['02', 3],
            ['04', 2],
          ]),
          controllerName: official(),
          controllerPhone: mobileNumber(r),
          assistance: '社区戒毒康复，定期尿检',
          helperName: official(),
          helperPhone: mobileNumber(r),
          hasCriminalRecord: criminal,
          criminalRecord: criminal ? r.pick(['曾因盗窃被判处拘役', '曾因容留他人吸毒被行政拘留']) : null,
          drugUseReason: r.weighted([
            ['01', 25],
            ['05', 30],
            ['03', 20],
            ['02', 15],
            ['99', 10],
          ]),
          drugUseConsequence: r.weighted([
            ['01', 40],
            ['04', 30],
            ['03', 20],
            ['99', 10],
          ]),
        },
        found,
        null,
      );
    }

    for (const p of this.choose(
      n(PersonRecordKind.SEVERE_MENTAL_DISORDER),
      (p) => resident(p) && p.age >= 15 && p.age <= 85,
    )) {
      const guardian = this.guardianOf(p);
      const onset = ctx.addDays(p.row.birthDate, 365 * r.int(15, Math.max(16, Math.min(p.age, 45))));
      const incidents = r.chance(0.12) ? r.int(1, 3) : 0;
      const risk = r.weighted([
        ['01', 60],
        ['02', 25],
        ['03', 9],
        ['04', 4],
        ['05', 1.5],
        ['06', 0.5],
      ]);
      const treatment = r.weighted([
        ['02', 70],
        ['01', 10],
        ['03', 10],
        ['04', 10],
      ]);
      this.record(
        p,
        PersonRecordKind.SEVERE_MENTAL_DISORDER,
        HEALTH_MENTAL,
        this.nextKey('JS'),
        {
          familyEconomy: r.weighted([
            ['01', 25],
            ['02', 35],
            ['03', 25],
            ['04', 15],
          ]),
          isOnSubsistenceAllowance: p.row.tags.includes('低保') || r.chance(0.3),
          guardianIdNumber: guardian.person?.row.idNumber ?? null,
          guardianName: guardian.name,
          guardianPhone: guardian.phone,
          firstOnsetOn: onset < ctx.asOf ? onset : ctx.addDays(ctx.asOf, -400),
          diagnosisType: r.weighted([
            ['01', 60],
            ['04', 12],
            ['05', 8],
            ['06', 8],
            ['02', 5],
            ['03', 4],
            ['07', 3],
          ]),
          hasIncidentHistory: incidents > 0,
          incidentCount: incidents,
          lastIncidentOn: incidents > 0 ? pastDay(90, 6 * 365) : null,
          riskLevel: risk,
          treatmentStatus: treatment,
          hospitalName:
            treatment === '04' ? null : treatment === '01' ? '张掖市第二人民医院' : '山丹县人民医院',
          hospitalizationReasons: treatment === '01' ? [risk >= '04' ? '02' : '99'] : [],
          rehabilitationInstitution: r.chance(0.2) ? '山丹县残疾人康复中心' : null,
          managementParticipants: ['01', '02', '05'],
          assistanceAgencies: r.sample(['01', '02', '03', '04', '05'], r.int(1, 3)).sort(),
        },
        ctx.dayBetween(r, ctx.addDays(ctx.asOf, -8 * 365), ctx.addDays(ctx.asOf, -20)),
        null,
      );
    }

    for (const p of this.choose(
      n(PersonRecordKind.HIV_RISK),
      (p) => resident(p) && p.age >= 20 && p.age <= 60,
      0.75,
    )) {
      const criminal = r.chance(0.1);
      this.record(
        p,
        PersonRecordKind.HIV_RISK,
        HEALTH_HIV,
        this.nextKey('AZ'),
        {
          infectionRoute: r.weighted([
            ['01', 60],
            ['02', 25],
            ['03', 10],
            ['99', 5],
          ]),
          hasCriminalRecord: criminal,
          criminalRecord: criminal ? '曾因吸毒被行政拘留' : null,
          caseCategory: criminal ? '02' : null,
          attentionType: r.chance(0.9) ? '00' : '02',
          assistance: '定期随访，落实抗病毒治疗',
          helperName: official(),
          helperPhone: mobileNumber(r),
          admissionStatus: '02',
          admittingInstitution: '山丹县疾病预防控制中心',
        },
        pastDay(90, 10 * 365),
        null,
      );
    }

    // Key youth: the type decides the age band; rural left-behind children come from the left-behind list.
    const leftBehindChildren = new Set(
      this.records
        .filter((x) => x.kind === PersonRecordKind.LEFT_BEHIND && x.attributes.leftBehindType === '03')
        .map((x) => x.personIdNumber),
    );
    const youthTotal = n(PersonRecordKind.KEY_YOUTH);
    const youthTypes: Array<[string, number, (p: PersonMeta) => boolean]> = [
      ['01', 0.35, (p) => p.age >= 16 && p.age <= 24 && p.row.occupation === '无业'],
      ['02', 0.25, (p) => p.age >= 12 && p.age <= 18],
      ['05', 0.25, (p) => p.age >= 6 && leftBehindChildren.has(p.row.idNumber)],
      ['04', 0.1, (p) => p.age >= 6 && p.age < 18],
      ['03', 0.02, (p) => p.age >= 10 && p.age < 18],
    ];
    let youthLeft = youthTotal;
    const youthChosen = new Set<PersonMeta>();
    youthTypes.forEach(([type, share, eligible], i) => {
      const count =
        i === youthTypes.length - 1 ? youthLeft : Math.min(youthLeft, Math.round(youthTotal * share));
      const fallback = (p: PersonMeta) => p.age >= 6 && p.age <= 24;
      let chosen = this.choose(count, (p) => resident(p) && !youthChosen.has(p) && eligible(p));
      if (chosen.length < count) {
        const more = this.choose(
          count - chosen.length,
          (p) => resident(p) && !youthChosen.has(p) && !chosen.includes(p) && fallback(p),
        );
        chosen = [...chosen, ...more];
      }
      youthLeft -= chosen.length;
      for (const p of chosen) {
        youthChosen.add(p);
        const guardian = this.guardianOf(p);
        const offended = type === '02' && r.chance(0.2);
        this.record(
          p,
          PersonRecordKind.KEY_YOUTH,
          YOUTH_LEAGUE,
          this.nextKey('QS'),
          {
            youthType: type,
            familySituation:
              type === '05'
                ? '99'
                : r.weighted([
                    ['01', 30],
                    ['02', 25],
                    ['05', 15],
                    ['06', 10],
                    ['04', 10],
                    ['99', 10],
                  ]),
            guardianIdNumber: guardian.person?.row.idNumber ?? null,
            guardianName: guardian.name,
            guardianRelation: guardian.relation,
            guardianPhone: guardian.phone,
            guardianAddress: guardian.person?.row.currentAddress ?? null,
            hasOffended: offended,
            offenceDetails: offended ? '曾因寻衅滋事被训诫' : null,
            helperName: official(),
            helperPhone: mobileNumber(r),
            assistanceMeans: r.weighted([
              ['01', 25],
              ['02', 30],
              ['03', 20],
              ['04', 25],
            ]),
            assistance: r.pick(['团委结对帮扶', '学校心理辅导', '社工定期走访', '职业技能培训']),
            attentionLevel: r.weighted([
              ['03', 70],
              ['02', 25],
              ['01', 5],
            ]),
          },
          pastDay(30, 3 * 365),
          null,
        );
      }
    });

    const MATTERS: ReadonlyArray<readonly [string, string]> = [
      ['土地承包经营权纠纷', '0901'],
      ['征地补偿标准', '1102'],
      ['拖欠工程款', '0703'],
      ['宅基地纠纷', '0902'],
      ['不服法院判决', '1403'],
      ['社会保障待遇', '0702'],
      ['企业改制遗留问题', '1002'],
    ];
    for (const p of this.choose(
      n(PersonRecordKind.PETITIONER),
      (p) => resident(p) && p.age >= 30 && p.age <= 80,
      0.7,
    )) {
      const [matter, type] = r.pick(MATTERS);
      const first = pastDay(400, 8 * 365);
      this.record(
        p,
        PersonRecordKind.PETITIONER,
        PETITIONS,
        this.nextKey('XF'),
        {
          petitionMatter: matter,
          petitionType: type,
          isCollective: r.chance(0.15),
          // 层级: 01 中央 (进京) … 04 县.
          highestLevel: r.weighted([
            ['04', 50],
            ['03', 30],
            ['02', 15],
            ['01', 5],
          ]),
          firstPetitionOn: first,
          lastPetitionOn: pastDay(5, 365),
          petitionCount: r.int(2, 30),
          hasAbnormalPetition: r.chance(0.1),
          attentionLevel: r.weighted([
            ['01', 15],
            ['02', 35],
            ['03', 50],
          ]),
          stabilisationMeasures: `${p.grid.townshipName}人民政府落实包保责任，定期走访`,
          responsibleName: official(),
          responsiblePhone: mobileNumber(r),
          handlingStatus: r.pick(['正在化解', '已答复，当事人仍有异议', '已达成初步协议']),
          hasStoppedPetitioning: false,
        },
        first,
        null,
      );
    }
  }

  /** Names of officials (帮教人, 管控人 …): not people of the register, so not linked to any row. */
  private officialName(): string {
    const r = this.rng;
    const sex: '1' | '2' = r.chance(0.6) ? '1' : '2';
    return this.givenName(sex, r.int(1970, 1998), '01', this.surname());
  }

  private gridWorkerRecords() {
    const r = this.rng;
    const ctx = this.ctx;
    const full = ctx.count(GRID_WORKERS_FULL_TIME);
    const auxiliary = ctx.count(GRID_WORKERS_AUXILIARY);
    // Full-time: one per grid (in random order), the remainder to the most populous grids; auxiliary
    // workers to the most populous grids. Workers are residents of the grid they serve.
    const byPopulation = [...ctx.grids].sort(
      (a, b) =>
        (this.byGrid.get(b.code)?.length ?? 0) - (this.byGrid.get(a.code)?.length ?? 0) ||
        a.code.localeCompare(b.code),
    );
    const fullOrder = [...r.shuffle([...ctx.grids]), ...byPopulation];
    const taken = new Set<PersonMeta>();
    const assign = (order: GridInfo[], count: number, type: 'full_time' | 'auxiliary') => {
      let made = 0;
      for (const grid of order) {
        if (made >= count) break;
        const candidates = (this.byGrid.get(grid.code) ?? []).filter(
          (p) => !p.floating && !p.foreign && p.age >= 23 && p.age <= 55 && !taken.has(p),
        );
        if (!candidates.length) continue;
        const p = r.pick(candidates);
        taken.add(p);
        made++;
        const list = this.gridWorkers.get(grid.code) ?? [];
        list.push(p);
        this.gridWorkers.set(grid.code, list);
        const since = ctx.dayBetween(r, '2016-03-01', ctx.addDays(ctx.asOf, -60));
        this.record(
          p,
          PersonRecordKind.GRID_WORKER,
          CENTRE_GRID_WORKERS,
          this.nextKey('WGY'),
          {
            gridCode: grid.code,
            gridName: grid.name,
            fullTime: type === 'full_time',
            post: type === 'full_time' ? '专职网格员' : '辅助网格员',
            appointedOn: since,
            workPhone: this.withPhone(p).row.phone,
            specialties: r.chance(0.3) ? [r.pick(['14', '15', '17', '21'])] : [],
          },
          since,
          null,
          grid,
        );
      }
    };
    assign(fullOrder, full, 'full_time');
    assign([...byPopulation, ...byPopulation], auxiliary, 'auxiliary');
  }

  /** 小区编码: the community's code + XQ + the compound's number in it (synthetic, like the village codes). */
  private compoundCode(b: BuildingMeta): string {
    const key = `${b.grid.unitCode}/${b.compound}`;
    let code = this.compoundCodes.get(key);
    if (!code) {
      const n = [...this.compoundCodes.keys()].filter((k) => k.startsWith(`${b.grid.unitCode}/`)).length + 1;
      code = `${b.grid.unitCode}XQ${pad(n, 2)}`;
      this.compoundCodes.set(key, code);
    }
    return code;
  }

  private buildingHeads() {
    const r = this.rng;
    const ctx = this.ctx;
    const count = ctx.count(BUILDING_HEADS_FULL_SCALE);
    const withResidents = this.buildings.filter((b) =>
      b.residents.some((p) => !p.floating && p.age >= 30 && p.age <= 72),
    );
    for (const b of r.sample(withResidents, count)) {
      const p = r.pick(b.residents.filter((x) => !x.floating && x.age >= 30 && x.age <= 72));
      const since = ctx.dayBetween(r, '2018-01-01', ctx.addDays(ctx.asOf, -30));
      this.record(
        p,
        PersonRecordKind.BUILDING_HEAD,
        CENTRE_BUILDING_HEADS,
        this.nextKey('LDZ'),
        {
          communityCode: this.compoundCode(b),
          communityName: b.compound,
          buildingName: b.place.name,
          floorArea: b.place.attributes.floorArea,
          floors: b.floors,
          unitCount: b.units,
          householdCount: b.households,
          residentCount: b.residents.length,
          buildingRegionCode: b.grid.unitCode,
          buildingAddress: b.place.address,
          longitude: b.place.longitude,
          latitude: b.place.latitude,
        },
        since,
        null,
      );
    }
  }
}
