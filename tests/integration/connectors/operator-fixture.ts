import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { citizenId, FIXTURE } from '../../support/fixture';

/**
 * A department's small 户籍人口 export for the operators' API and CLI tests: five good rows and two bad ones
 * (an ID number with a wrong check digit, a grid code the county does not have), UTF-8 with the standard's
 * Chinese headers.
 */

export const SECRET_KEY = '5a'.repeat(32);

const HEADERS = [
  '公民身份号码',
  '姓名',
  '性别',
  '出生日期',
  '民族',
  '户籍地',
  '户籍门(楼)详址',
  '现住门(楼)详址',
  '人户一致标识',
  '户号',
  '与户主关系',
  '所属网格编码',
];

export interface RegisterExport {
  file: string;
  stream: string;
  good: string[];
  /** The valid number the bad row's ID should have been. */
  badIdFixed: string;
  badId: string;
}

/** Writes `<dir>/<name>.csv`; `seed` keeps the ID numbers of two exports apart. */
export function writeRegisterExport(dir: string, name: string, seed = 0): RegisterExport {
  const person = (i: number) =>
    citizenId('620725', `198${seed}01${String(i + 1).padStart(2, '0')}`, 101 + 2 * i);
  const row = (id: string, i: number, grid = FIXTURE.grid) =>
    [
      id,
      `测试${'甲乙丙丁戊己庚'[i]}`,
      '1',
      `198${seed}-01-${String(i + 1).padStart(2, '0')}`,
      '01',
      '620725',
      `清泉镇长城社区幸福路${i + 1}号`,
      `清泉镇长城社区幸福路${i + 1}号`,
      '01',
      `62072510${seed}${String(i).padStart(5, '0')}`,
      '02',
      grid,
    ].join(',');
  const good = [0, 1, 2, 3, 4].map(person);
  const badIdFixed = person(5);
  const badId = `${badIdFixed.slice(0, 17)}${badIdFixed.endsWith('0') ? '1' : '0'}`;
  const lines = [
    HEADERS.join(','),
    ...good.map((id, i) => row(id, i)),
    row(badId, 5),
    row(person(6), 6, '620725999999-G99'),
  ];
  const file = path.join(dir, `${name}.csv`);
  writeFileSync(file, `${lines.join('\n')}\n`, 'utf8');
  return { file, stream: name, good, badIdFixed, badId };
}

/** A connector definition over the export, as an operator writes it. */
export function csvConnector(name: string, exp: RegisterExport, extra: Record<string, unknown> = {}) {
  return {
    name,
    title: '公安 户籍人口 (test)',
    sourceType: 'csv',
    config: { path: exp.file },
    streams: [
      {
        stream: exp.stream,
        mapping: { dataSet: 'registered_population', region: { code: '所属网格编码' } },
      },
    ],
    ...extra,
  };
}
