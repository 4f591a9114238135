import { spawn } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'csv-stringify/sync';
import iconv from 'iconv-lite';
import { Client } from 'pg';
import { createConnector } from '../../connectors/connector.service';
import { loadSecretKey } from '../../connectors/secrets';
import { dataSet } from '../../schema/datasets';
import { initORM, migrate } from '../../schema/db/orm';
import { copyIn, copyText } from '../../schema/demo/copy';
import { generateDemoCounty } from '../../schema/demo/generate';
import { citizenIdCheckChar } from '../../schema/identifiers';
import { PersonRecordKind } from '../../schema/people/person-record.entity';
import { demoCountyRegions } from '../../schema/regions/demo-county';
import { loadRegionTree } from '../../schema/regions/region.service';
import { HUB_ENTITIES } from '../../workers/entities';
import { dropDatabase, recreateDatabase } from '../support/services';
import type { SyncChildResult } from './connectors-sync';
import { type CpuProfile, groupOf, type ProfileSummary, summariseProfile } from './cpu-profile';
import { fmt, type Machine, machine, median, table } from './harness';
import { processCpuMs } from './servers';

/**
 * Benchmark "connectors" (issue 4): the household register of a county as its public-security bureau exports
 * it — 200,000 rows of GBK CSV, the person block, the record's fields and 所属网格编码 — synced end to end by
 * the sync engine (read, decode, parse, validate, map, merge, commit in chunks with source links and the
 * run's counters) into a fresh migrated database with the demo county's region tree. The ceiling, measured in
 * the same run on the same tables and indexes: the same rows `COPY`-ed into a staging table and written into
 * person and person_record by one `INSERT … SELECT … ON CONFLICT` statement. Then a second run over the
 * unchanged file, and the peak RSS of a 1,000,000-row sync in a process of its own.
 */

export const CONNECTORS_DATABASE = 'gridhub_bench_connectors';
const ROWS = Number(process.env.BENCH_CONNECTORS_ROWS ?? 200_000);
const MEMORY_ROWS = Number(process.env.BENCH_CONNECTORS_MEMORY_ROWS ?? 1_000_000);
const REPS = Number(process.env.BENCH_CONNECTORS_REPS ?? 2);
const PROFILE = process.env.BENCH_CONNECTORS_PROFILE !== '0';
const GOAL_RATIO = 0.7;
const GOAL_RESYNC = 2;
const GOAL_RSS_MB = 400;

const KEY_HEX = '33'.repeat(32);
const CONNECTOR = 'gongan-huji';
const MEMORY_CONNECTOR = 'gongan-huji-1m';
const GRID_COLUMN = '所属网格编码';
const STAGING = 'registered_copy_ref';

interface Register {
  header: string[];
  rows: string[][];
  /** Header positions of the person's and the household head's ID numbers. */
  idColumns: number[];
  scale: number;
}

const personFields = () => dataSet('person')!.fields.filter((f) => f.in === 'column');
const recordFields = () => dataSet('person_record', PersonRecordKind.REGISTERED)!.fields;

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(';');
  if (typeof value === 'boolean') return value ? '是' : '否';
  return String(value);
}

/** The first `count` registered residents of the demo county, as rows of the bureau's export. */
function register(count: number): Register {
  const header = [...personFields().map((f) => f.label), GRID_COLUMN, ...recordFields().map((f) => f.label)];
  // Scale 1.3 of the demo county holds about 201,000 registered residents.
  for (let scale = Math.max(0.01, Math.round(((1.3 * count) / 200_000) * 100) / 100); ; scale *= 1.1) {
    if (scale > 10) throw new Error(`the demo county cannot hold ${count} registered residents`);
    const county = generateDemoCounty({ seed: 1, scale });
    const persons = new Map(county.persons.filter((p) => p.idNumber).map((p) => [p.idNumber!, p]));
    const records = county.personRecords.filter((r) => r.kind === PersonRecordKind.REGISTERED);
    if (records.length < count) continue;
    const rows = records.slice(0, count).map((r) => {
      const person = persons.get(r.personIdNumber!)! as unknown as Record<string, unknown>;
      return [
        ...personFields().map((f) => cell(person[f.name])),
        r.regionCode,
        ...recordFields().map((f) => cell(r.attributes[f.name])),
      ];
    });
    const idColumns = [header.indexOf('公民身份号码'), header.indexOf('户主公民身份号码')];
    return { header, rows, idColumns, scale };
  }
}

/**
 * Writes a GBK CSV of the register repeated `copies` times (up to `limit` rows): copy k > 0 moves every ID
 * number to another province (its first two digits, with a new check character), so each copy is a new set
 * of people with valid identifiers. Rows whose moved number exists already are left out. Returns the rows.
 */
function writeRegister(file: string, reg: Register, limit: number): number {
  const provinces = ['', '11', '12', '13', '14', '15', '21', '22', '23', '31', '32'];
  const fd = openSync(file, 'w');
  const seen = new Set<string>();
  let written = 0;
  try {
    writeSync(fd, iconv.encode(stringify([reg.header], { record_delimiter: '\r\n' }), 'gbk'));
    for (let copy = 0; written < limit; copy++) {
      const province = provinces[copy];
      if (province === undefined) throw new Error(`cannot make ${limit} rows out of ${reg.rows.length}`);
      const move = (id: string) => {
        if (!province || id.length !== 18) return id;
        const first17 = `${province}${id.slice(2, 17)}`;
        return first17 + citizenIdCheckChar(first17);
      };
      for (let i = 0; i < reg.rows.length && written < limit; i += 10_000) {
        const batch: string[][] = [];
        for (const row of reg.rows.slice(i, Math.min(i + 10_000, i + limit - written))) {
          const out = [...row];
          for (const c of reg.idColumns) out[c] = move(out[c]!);
          const id = out[reg.idColumns[0]!]!;
          if (seen.has(id)) continue;
          seen.add(id);
          batch.push(out);
        }
        writeSync(fd, iconv.encode(stringify(batch, { record_delimiter: '\r\n' }), 'gbk'));
        written += batch.length;
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

// ---- The ceiling ---------------------------------------------------------------------------------------

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** COPY text of the rows: the row number, then every cell (empty = NULL, as the connector reads it). */
function copyPayload(reg: Register): Buffer {
  const lines = reg.rows.map(
    (row, i) => `${i + 1}\t${row.map((c) => (c === '' ? '\\N' : copyText(c))).join('\t')}`,
  );
  return Buffer.from(`${lines.join('\n')}\n`);
}

/**
 * The one statement of the ceiling: the staged rows into person (upsert on the ID number), and their
 * records into person_record (upsert on person + kind), with region paths and provenance of the same shape
 * and size as the sync writes.
 */
function ceilingSql(stream: string): { sql: string; params: unknown[] } {
  const people = personFields();
  const own = recordFields();
  const grid = `s.c${people.length}`;
  const at = new Date().toISOString();
  const fields = (names: string[]) =>
    JSON.stringify({ fields: Object.fromEntries(names.map((n) => [n, { at, connector: CONNECTOR }])) });
  const sources = `jsonb_build_object('sources', jsonb_build_array(jsonb_build_object('connector', '${CONNECTOR}',
      'sourceKey', '${stream}:' || s.n, 'firstSeen', '${at}', 'lastSeen', '${at}')))`;
  const columns = people.map((f) => snake(f.name));
  const values = people.map((f, i) => (f.name === 'birthDate' ? `s.c${i}::date` : `s.c${i}`));
  const attributes = own.map((f, j) => `'${f.name}', s.c${people.length + 1 + j}`).join(', ');
  const sql = `
    with p as (
      insert into person (${columns.join(', ')}, region_code, region_path, provenance)
      select ${values.join(', ')}, ${grid}, g.path, $1::jsonb || ${sources}
        from ${STAGING} s join region g on g.code = ${grid}
      on conflict (id_number) do update set
        ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}, region_code = excluded.region_code,
        region_path = excluded.region_path, provenance = excluded.provenance, updated_at = now()
      returning id, id_number
    )
    insert into person_record (person_id, kind, attributes, region_code, region_path, provenance)
    select p.id, 'registered', jsonb_strip_nulls(jsonb_build_object(${attributes})), ${grid}, g.path,
           $2::jsonb || ${sources}
      from p join ${STAGING} s on s.c0 = p.id_number join region g on g.code = ${grid}
    on conflict (person_id, kind) do update set
      attributes = excluded.attributes, region_code = excluded.region_code, region_path = excluded.region_path,
      provenance = excluded.provenance, updated_at = now()`;
  return {
    sql,
    params: [fields(people.map((f) => f.name)), fields(own.map((f) => `attributes.${f.name}`))],
  };
}

// ---- Runs ------------------------------------------------------------------------------------------------

async function syncInChild(
  url: string,
  pg: Client,
  connector: string,
  execArgv: string[] = [],
): Promise<SyncChildResult> {
  const [{ pid }] = (await pg.query<{ pid: number }>('select pg_backend_pid() as pid')).rows as [
    { pid: number },
  ];
  const child = spawn(
    process.execPath,
    [...execArgv, path.join(__dirname, 'connectors-sync.js'), url, connector, KEY_HEX, String(pid)],
    { stdio: ['ignore', 'pipe', 'inherit'], env: process.env },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const line = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`the sync child exited with ${code}: ${out}`);
  return JSON.parse(line) as SyncChildResult;
}

/** Empties the governed tables and the connector's links: the next sync or ceiling starts from nothing. */
async function reset(pg: Client) {
  await pg.query(
    `truncate person, household, source_link, quarantined_record, merge_conflict, connector_state,
              ${STAGING} cascade`,
  );
  await pg.query('checkpoint');
}

/** Self time by layer, connectors' own code split into its stages (cpu-profile.ts groups the rest). */
function layers(profile: CpuProfile, fromUs: number, toUs: number): ProfileSummary['groups'] {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map<string, number>();
  let busy = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < fromUs || t > toUs) continue;
    const frame = nodes.get(profile.samples[i]!)!.callFrame;
    let group = groupOf(frame);
    if (group === '(idle)') continue;
    const url = frame.url;
    if (/\/dist\/connectors\/sources\/|\/node_modules\/(csv-parse|iconv-lite)\//.test(url))
      group = 'read: file, GBK decode, CSV parse';
    else if (/\/dist\/connectors\/mapping|\/dist\/schema\/(datasets|identifiers)\//.test(url))
      group = 'map + validate';
    else if (/\/dist\/connectors\/merge/.test(url)) group = 'merge (JS side)';
    else if (/\/dist\/connectors\/(sync|db)/.test(url)) group = 'sync engine (chunks, hashes, statements)';
    else if (/node:internal\/crypto/.test(url)) group = 'SHA-1 of records';
    busy++;
    counts.set(group, (counts.get(group) ?? 0) + 1);
  }
  return [...counts]
    .map(([name, n]) => ({ name, share: n / busy }))
    .filter((g) => g.share >= 0.005)
    .sort((a, b) => b.share - a.share)
    .slice(0, 10);
}

export interface ConnectorsResults {
  started: Date;
  seconds: number;
  load: [number, number];
  machine: Machine;
  pgVersion: string;
  rows: number;
  scale: number;
  fileMB: number;
  chunkSize: number;
  ceiling: number[];
  /** CPU of the ceiling's PostgreSQL backend, ms per rep. */
  ceilingPgCpu: number[];
  first: SyncChildResult[];
  second: SyncChildResult[];
  memory: { rows: number; fileMB: number; run: SyncChildResult } | null;
  profile: { summary: ProfileSummary; layers: ProfileSummary['groups']; run: SyncChildResult } | null;
  profileError?: string;
}

export async function runConnectorsBench(): Promise<ConnectorsResults> {
  const started = new Date();
  const loadAtStart = os.loadavg()[0]!;
  const t0 = performance.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-bench-connectors-'));
  const url = await recreateDatabase(CONNECTORS_DATABASE);
  const pg = new Client({ connectionString: url });
  try {
    console.log(`  generating ${fmt(ROWS)} registered residents…`);
    const reg = register(ROWS);
    const file = path.join(dir, '公安_户籍人口.csv');
    writeRegister(file, reg, ROWS);
    const stream = path.basename(file, '.csv');

    const orm = await initORM({ url, poolMax: 2, statementTimeoutMs: 600_000, entities: HUB_ENTITIES });
    let chunkSize: number;
    try {
      await migrate(orm);
      await loadRegionTree(orm.em.fork(), demoCountyRegions());
      const key = loadSecretKey(KEY_HEX, dir);
      const connector = await createConnector(orm.em.fork(), key, {
        name: CONNECTOR,
        title: '公安 户籍人口',
        sourceType: 'csv',
        config: { path: file, encoding: 'gbk' },
        streams: [{ stream, mapping: { dataSet: 'registered_population', region: { code: GRID_COLUMN } } }],
      });
      chunkSize = connector.streams[0]!.chunkSize;
    } finally {
      await orm.close();
    }

    await pg.connect();
    const pgVersion = (await pg.query<{ server_version: string }>('show server_version')).rows[0]!
      .server_version;
    await pg.query(
      `create table ${STAGING} (n integer not null, ${reg.header.map((_, i) => `c${i} text`).join(', ')})`,
    );
    const payload = copyPayload(reg);
    const ceiling = ceilingSql(stream);

    const out = {
      ceiling: [] as number[],
      ceilingPgCpu: [] as number[],
      first: [] as SyncChildResult[],
      second: [] as SyncChildResult[],
    };
    for (let rep = 0; rep < REPS; rep++) {
      console.log(`  rep ${rep + 1}/${REPS}: ceiling…`);
      await reset(pg);
      const backend = (await pg.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      const cpu0 = processCpuMs(backend);
      const c0 = performance.now();
      await pg.query('begin');
      const copied = await copyIn(pg, `copy ${STAGING} from stdin`, payload);
      const written = await pg.query(ceiling.sql, ceiling.params);
      await pg.query('commit');
      out.ceiling.push(performance.now() - c0);
      out.ceilingPgCpu.push(processCpuMs(backend) - cpu0);
      if (copied !== ROWS || written.rowCount !== ROWS) {
        throw new Error(`the ceiling copied ${copied} and wrote ${written.rowCount} of ${ROWS} rows`);
      }

      console.log(`  rep ${rep + 1}/${REPS}: sync, first run…`);
      await reset(pg);
      const first = await syncInChild(url, pg, CONNECTOR);
      if (first.counters.inserted !== ROWS || first.counters.read !== ROWS) {
        throw new Error(`the first run did not insert every row: ${JSON.stringify(first.counters)}`);
      }
      out.first.push(first);
      // The next run meets settled tables, as a nightly re-sync does (autovacuum has been by).
      await pg.query('vacuum analyze person, person_record, source_link');
      await pg.query('checkpoint');
      console.log(`  rep ${rep + 1}/${REPS}: sync, second run over the unchanged file…`);
      const second = await syncInChild(url, pg, CONNECTOR);
      if (second.counters.unchanged !== ROWS) {
        throw new Error(`the second run changed rows: ${JSON.stringify(second.counters)}`);
      }
      out.second.push(second);
    }

    let profile: ConnectorsResults['profile'] = null;
    let profileError: string | undefined;
    if (PROFILE) {
      console.log('  sync under --cpu-prof…');
      const profDir = mkdtempSync(path.join(os.tmpdir(), 'gridhub-connectors-prof-'));
      try {
        await reset(pg);
        const run = await syncInChild(url, pg, CONNECTOR, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
        const name = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
        if (!name) throw new Error('the profiled sync wrote no .cpuprofile');
        const cpu = JSON.parse(readFileSync(path.join(profDir, name), 'utf8')) as CpuProfile;
        const [from, to] = run.windowUs;
        profile = { summary: summariseProfile(cpu, from, to, 10), layers: layers(cpu, from, to), run };
      } catch (error) {
        profileError = error instanceof Error ? error.message : String(error);
      } finally {
        rmSync(profDir, { recursive: true, force: true });
      }
    }

    let memory: ConnectorsResults['memory'] = null;
    if (MEMORY_ROWS > 0) {
      console.log(`  writing a ${fmt(MEMORY_ROWS)}-row file…`);
      const big = path.join(dir, `big/${stream}.csv`);
      rmSync(path.dirname(big), { recursive: true, force: true });
      mkdirSync(path.dirname(big));
      const rows = writeRegister(big, reg, MEMORY_ROWS);
      const orm2 = await initORM({ url, poolMax: 1, statementTimeoutMs: 60_000, entities: HUB_ENTITIES });
      try {
        await createConnector(orm2.em.fork(), loadSecretKey(KEY_HEX, dir), {
          name: MEMORY_CONNECTOR,
          title: '公安 户籍人口 (1,000,000)',
          sourceType: 'csv',
          config: { path: big, encoding: 'gbk' },
          streams: [{ stream, mapping: { dataSet: 'registered_population', region: { code: GRID_COLUMN } } }],
        });
      } finally {
        await orm2.close();
      }
      await reset(pg);
      console.log(`  sync of ${fmt(rows)} rows in a child process…`);
      const run = await syncInChild(url, pg, MEMORY_CONNECTOR);
      if (run.counters.read !== rows) throw new Error(`the 1M run read ${run.counters.read} of ${rows}`);
      memory = { rows, fileMB: statSync(big).size / 1e6, run };
    }

    return {
      started,
      seconds: (performance.now() - t0) / 1000,
      load: [loadAtStart, os.loadavg()[0]!],
      machine: machine(),
      pgVersion,
      rows: ROWS,
      scale: reg.scale,
      fileMB: statSync(file).size / 1e6,
      chunkSize,
      ...out,
      memory,
      profile,
      profileError,
    };
  } finally {
    await pg.end().catch(() => undefined);
    await dropDatabase(CONNECTORS_DATABASE);
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- Report ----------------------------------------------------------------------------------------------

const pct = (v: number) => `${fmt(v * 100, 0)} %`;
const mb = (run: SyncChildResult) => (run.maxRssMiB * 1024 * 1024) / 1e6;

function figures(r: ConnectorsResults) {
  const rate = (ms: number) => r.rows / (ms / 1000);
  const ceilingMs = median(r.ceiling);
  const firstMs = median(r.first.map((f) => f.ms));
  const secondMs = median(r.second.map((f) => f.ms));
  const ratio = rate(firstMs) / rate(ceilingMs);
  const speedup = firstMs / secondMs;
  const rss = r.memory ? mb(r.memory.run) : Number.NaN;
  // CPU per row, µs: steadier than wall time on a shared machine.
  const perRow = (ms: number) => (ms * 1000) / r.rows;
  const cpu = {
    ceilingPg: perRow(median(r.ceilingPgCpu)),
    firstNode: perRow(median(r.first.map((f) => f.nodeCpuMs))),
    firstPg: perRow(median(r.first.map((f) => f.pgCpuMs))),
    secondNode: perRow(median(r.second.map((f) => f.nodeCpuMs))),
    secondPg: perRow(median(r.second.map((f) => f.pgCpuMs))),
  };
  return {
    cpu,
    ceilingMs,
    firstMs,
    secondMs,
    ceiling: rate(ceilingMs),
    first: rate(firstMs),
    second: rate(secondMs),
    ratio,
    speedup,
    rss,
    met: {
      ratio: ratio >= GOAL_RATIO,
      speedup: speedup >= GOAL_RESYNC,
      rss: r.memory ? rss < GOAL_RSS_MB : false,
    },
  };
}

const verdict = (met: boolean) => (met ? '**met**' : '**not met**');

/** One paragraph reading this run's figures (generated, so that it always matches the tables). */
export function connectorsReading(r: ConnectorsResults): string {
  const f = figures(r);
  const lines = [
    `The sync engine loads the ${fmt(r.rows)}-row GBK household register (${fmt(r.fileMB, 0)} MB) end to end at ` +
      `${fmt(f.first)} rows/s (${fmt(f.firstMs / 1000, 1)} s), ${pct(f.ratio)} of the ${fmt(f.ceiling)} rows/s of the ceiling ` +
      `(COPY into a staging table and one INSERT … SELECT … ON CONFLICT into person and person_record, ` +
      `${fmt(f.ceilingMs / 1000, 1)} s): goal ≥ ${pct(GOAL_RATIO)} ${verdict(f.met.ratio)}.`,
    `Per row, the sync costs ${fmt(f.cpu.firstNode)} µs of CPU in its Node process and ${fmt(f.cpu.firstPg)} µs in ` +
      `PostgreSQL, the ceiling ${fmt(f.cpu.ceilingPg)} µs in PostgreSQL alone: with one core for each, the sync cannot ` +
      `beat ${fmt(1e6 / Math.max(f.cpu.firstNode, f.cpu.firstPg))} rows/s, and with both sharing the ` +
      `${r.machine.nproc} cores ${fmt((1e6 * Number(r.machine.nproc)) / (f.cpu.firstNode + f.cpu.firstPg))} rows/s ` +
      `(the ceiling: ${fmt(1e6 / f.cpu.ceilingPg)} rows/s on one core).`,
    `A second run over the unchanged file takes ${fmt(f.secondMs / 1000, 1)} s (${fmt(f.second)} rows/s), ` +
      `${fmt(f.speedup, 2)}× faster than the first: goal ≥ ${GOAL_RESYNC}× ${verdict(f.met.speedup)}.`,
    r.memory
      ? `A ${fmt(r.memory.rows)}-row file (${fmt(r.memory.fileMB, 0)} MB) synced in a process of its own peaks at ` +
        `${fmt(f.rss, 0)} MB RSS (${fmt(r.memory.rows / (r.memory.run.ms / 1000))} rows/s): goal < ${GOAL_RSS_MB} MB ` +
        `${verdict(f.met.rss)}; the ${fmt(r.rows)}-row runs peak at ${fmt(median(r.first.map(mb)), 0)} MB.`
      : 'The 1,000,000-row memory run was not made (BENCH_CONNECTORS_MEMORY_ROWS=0): goal **not measured**.',
  ];
  if (r.profile) {
    const p = r.profile;
    lines.push(
      `Under the profiler (${fmt(r.rows / (p.run.ms / 1000))} rows/s) the sync's Node process is busy ${pct(p.summary.busy)} ` +
        'of the run (the next chunk is read, hashed and mapped while one commits; the rest of the time it waits for ' +
        `PostgreSQL, or for a core). Its CPU goes to ` +
        p.layers
          .slice(0, 6)
          .map((l) => `${l.name} ${pct(l.share)}`)
          .join(', ') +
        '.',
    );
  } else if (r.profileError) {
    lines.push(`The CPU profile could not be taken: ${r.profileError}.`);
  }
  lines.push(
    'The ceiling writes the rows alone; the sync also reads and validates every record, records provenance per ' +
      'field, writes a source link per record and commits its counters and read position with every chunk of ' +
      `${fmt(r.chunkSize)} records. Everything shares the machine's ${r.machine.nproc} cores with PostgreSQL (and ` +
      'with whatever else runs: see the load average); compare ratios across machines rather than absolute rates.',
  );
  return lines.join('\n');
}

export function renderConnectors(r: ConnectorsResults): string {
  const m = r.machine;
  const f = figures(r);
  const runs = (list: SyncChildResult[]) => list.map((x) => fmt(x.ms / 1000, 1)).join(', ');
  const results = table(
    [
      'measurement',
      'seconds (median; each rep)',
      'rows/s',
      'vs ceiling',
      'Node CPU µs/row',
      'PostgreSQL CPU µs/row',
      'peak RSS MB',
    ],
    [
      [
        'ceiling: COPY + one INSERT … SELECT … ON CONFLICT',
        `${fmt(f.ceilingMs / 1000, 1)} (${r.ceiling.map((x) => fmt(x / 1000, 1)).join(', ')})`,
        fmt(f.ceiling),
        '1.00×',
        '—',
        fmt(f.cpu.ceilingPg),
        '—',
      ],
      [
        'sync, first run (every row new)',
        `${fmt(f.firstMs / 1000, 1)} (${runs(r.first)})`,
        fmt(f.first),
        `${fmt(f.ratio, 2)}×`,
        fmt(f.cpu.firstNode),
        fmt(f.cpu.firstPg),
        fmt(median(r.first.map(mb)), 0),
      ],
      [
        'sync, second run (unchanged file)',
        `${fmt(f.secondMs / 1000, 1)} (${runs(r.second)})`,
        fmt(f.second),
        `${fmt(f.second / f.ceiling, 2)}×`,
        fmt(f.cpu.secondNode),
        fmt(f.cpu.secondPg),
        fmt(median(r.second.map(mb)), 0),
      ],
      ...(r.memory
        ? [
            [
              `sync of ${fmt(r.memory.rows)} rows (memory run)`,
              fmt(r.memory.run.ms / 1000, 1),
              fmt(r.memory.rows / (r.memory.run.ms / 1000)),
              `${fmt(r.memory.rows / (r.memory.run.ms / 1000) / f.ceiling, 2)}×`,
              fmt((r.memory.run.nodeCpuMs * 1000) / r.memory.rows),
              fmt((r.memory.run.pgCpuMs * 1000) / r.memory.rows),
              fmt(f.rss, 0),
            ],
          ]
        : []),
    ],
  );
  const goals = table(
    ['goal', 'measured', ''],
    [
      [`sync ≥ ${pct(GOAL_RATIO)} of the ceiling`, pct(f.ratio), verdict(f.met.ratio)],
      [`second run ≥ ${GOAL_RESYNC}× as fast as the first`, `${fmt(f.speedup, 2)}×`, verdict(f.met.speedup)],
      [
        `peak RSS < ${GOAL_RSS_MB} MB for ${fmt(MEMORY_ROWS)} rows`,
        r.memory ? `${fmt(f.rss, 0)} MB` : '—',
        r.memory ? verdict(f.met.rss) : 'not measured',
      ],
    ],
  );
  const profile = r.profile
    ? [
        '### Where the sync spends its CPU',
        '',
        `One more first run, under \`node --cpu-prof\` (${fmt(r.profile.run.ms / 1000, 1)} s, ` +
          `${fmt(r.rows / (r.profile.run.ms / 1000))} rows/s), summarised over the run's window: the process was busy ` +
          `${pct(r.profile.summary.busy)} of it. Self time of the busy samples, by layer:`,
        '',
        table(
          ['layer', 'share of busy samples'],
          r.profile.layers.map((l) => [l.name, pct(l.share)]),
        ),
        '',
        'Functions most often on the stack (synchronous work under each):',
        '',
        table(
          ['function (file:line)', 'on the stack'],
          r.profile.summary.inclusive.map((s) => [`\`${s.name.replace(/`/g, "'")}\``, pct(s.share)]),
        ),
      ]
    : ['### Where the sync spends its CPU', '', `No profile: ${r.profileError ?? 'not taken'}.`];
  return [
    '## Connectors (issue 4)',
    '',
    `**Goals (issue 4): the sync ≥ ${pct(GOAL_RATIO)} of a COPY-based ceiling; a second run over unchanged data ` +
      `≥ ${GOAL_RESYNC}× as fast; a ${fmt(MEMORY_ROWS)}-row file under ${GOAL_RSS_MB} MB RSS.**`,
    '',
    '| | |',
    '| --- | --- |',
    `| date | ${r.started.toISOString()} |`,
    `| machine | ${m.nproc} CPUs (nproc), ${m.cpu}, ${m.memoryGiB} GiB, ${m.os} |`,
    `| Node | ${m.node} |`,
    `| PostgreSQL | ${r.pgVersion} (database \`${CONNECTORS_DATABASE}\`, recreated by the run and dropped after it) |`,
    `| commit | ${m.commit} |`,
    `| data | the first ${fmt(r.rows)} registered residents of the demo county at scale ${fmt(r.scale, 2)} (seed 1): ${describeData(r)} |`,
    `| whole benchmark | ${fmt(r.seconds, 0)} s |`,
    `| load average (1 min) | ${fmt(r.load[0], 2)} at the start, ${fmt(r.load[1], 2)} at the end |`,
    '',
    '### Reading',
    '',
    connectorsReading(r),
    '',
    '### Results',
    '',
    goals,
    '',
    results,
    '',
    '### Method',
    '',
    `- Setup: \`recreateDatabase('${CONNECTORS_DATABASE}')\`, \`migrate\`, \`loadRegionTree(em, demoCountyRegions())\`; ` +
      `a CSV connector on the file (GBK, the export's Chinese headers mapped by label, region by ${GRID_COLUMN}, ` +
      `the default chunk of ${fmt(r.chunkSize)} records, full refresh).`,
    `- ${r.ceiling.length} reps, each: empty the tables (\`truncate person, household, source_link, … cascade\`, ` +
      '`checkpoint`), time the ceiling; empty them again, time a first sync run; `vacuum analyze` the three tables ' +
      '(a nightly re-sync meets settled tables), time a second run over the same file. Figures are medians.',
    '- Ceiling: `begin`, `COPY` of the rows (prepared as COPY text before timing) into a staging table of text ' +
      'columns, then one statement: `with p as (insert into person … select … from staging join region … on conflict ' +
      '(id_number) do update … returning id, id_number) insert into person_record … select … from p join staging … ' +
      'on conflict (person_id, kind) do update …`, `commit`; the same tables, indexes and foreign keys the sync ' +
      'writes, with region paths and provenance of the same shape (each field and the source record).',
    '- Sync: `node dist/tests/bench/connectors-sync.js` in a process of its own per run: `queueRun` then ' +
      '`executeRun` (the same call the `sync` queue makes), timed inside the child around `executeRun` (the ' +
      "ORM's start-up is not counted); peak RSS is the child's `process.resourceUsage().maxRSS`. CPU: the " +
      "child's `process.cpuUsage()` over the run, and user + system time from `/proc` of the PostgreSQL backends " +
      "it opened (the ceiling: of the benchmark's own backend over the timed part).",
    `- Memory: the register repeated to ${fmt(MEMORY_ROWS)} rows (each copy's ID numbers moved to another ` +
      'province, with new check characters), synced by a fresh child on emptied tables; its peak RSS covers the ' +
      'whole process.',
    '',
    ...profile,
  ].join('\n');
}

function describeData(r: ConnectorsResults): string {
  return `${fmt(r.fileMB, 0)} MB of GBK CSV, ${personFields().length} person columns, ${GRID_COLUMN} and ${recordFields().length} record columns`;
}
