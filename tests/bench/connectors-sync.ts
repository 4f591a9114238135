import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { queueRun } from '../../connectors/connector.service';
import { loadSecretKey } from '../../connectors/secrets';
import { executeRun, type RunCounters } from '../../connectors/sync';
import { initORM } from '../../schema/db/orm';
import { HUB_ENTITIES } from '../../workers/entities';
import { processCpuMs } from './servers';

/**
 * One sync run in a process of its own, for tests/bench/connectors.bench.ts: queues a run of the named
 * connector, executes it end to end (read, decode, parse, validate, map, merge, commit) and prints one JSON
 * line with its counters, its duration, the process's peak RSS and the monotonic window of the run (for a
 * CPU profile taken with `node --cpu-prof`). A process per run, so that the peak RSS is the sync's alone.
 *
 *   node dist/tests/bench/connectors-sync.js <database url> <connector name> <secret key hex> <parent's backend pid>
 */

export interface SyncChildResult {
  runId: string;
  counters: RunCounters;
  ms: number;
  /** Peak resident set size of the process, MiB (getrusage's ru_maxrss). */
  maxRssMiB: number;
  /** The same from /proc/self/status (VmHWM), MiB; NaN where there is no /proc. */
  vmHwmMiB: number;
  /** process.hrtime in µs at the start and end of the run: the window of the run in a CPU profile. */
  windowUs: [number, number];
  /** CPU time (user + system) of this process during the run, ms. */
  nodeCpuMs: number;
  /** CPU time of the PostgreSQL backends this process opened (all of their life: about the run), ms. */
  pgCpuMs: number;
}

function vmHwmMiB(): number {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kib ? Number(kib) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

async function main() {
  const [url, connector, keyHex, parentPid] = process.argv.slice(2);
  if (!url || !connector || !keyHex || !parentPid) {
    throw new Error("usage: connectors-sync <database url> <connector> <key> <parent's backend pid>");
  }
  const orm = await initORM({ url, poolMax: 2, statementTimeoutMs: 600_000, entities: HUB_ENTITIES });
  try {
    const { run } = await queueRun(orm.em.fork(), connector, 'bench');
    const from = Number(process.hrtime.bigint() / 1000n);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const counters = await executeRun(orm.em.fork(), loadSecretKey(keyHex, ''), run.id);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const to = Number(process.hrtime.bigint() / 1000n);
    // Every other backend of the database is this process's: the benchmark holds one idle connection.
    const backends = await orm.em
      .getConnection()
      .execute<Array<{ pid: number }>>(
        'select pid from pg_stat_activity where datname = current_database() and pid <> ?',
        [Number(parentPid)],
      );
    const result: SyncChildResult = {
      runId: run.id,
      counters,
      ms,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
      vmHwmMiB: vmHwmMiB(),
      windowUs: [from, to],
      nodeCpuMs: (cpu.user + cpu.system) / 1000,
      pgCpuMs: backends.reduce((sum, b) => sum + processCpuMs(b.pid), 0),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await orm.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
