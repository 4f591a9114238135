import { execSync } from 'node:child_process';
import os from 'node:os';
import { performance } from 'node:perf_hooks';

export function median(values: readonly number[]): number {
  if (!values.length) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0–100). */
export function percentile(values: ArrayLike<number>, p: number): number {
  const s = Float64Array.from(values).sort();
  if (!s.length) return Number.NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** Calls `fn(i)` back to back for `ms` milliseconds; returns operations per second. */
export async function opsPerSecond(ms: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  const end = start + ms;
  let n = 0;
  while (performance.now() < end) await fn(n++);
  return n / ((performance.now() - start) / 1000);
}

export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "0.42×", the ratio of a measurement to its reference. */
export function ratio(value: number, reference: number): string {
  return `${fmt(value / reference, 2)}×`;
}

export function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function sh(cmd: string): string {
  try {
    return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export interface Machine {
  nproc: string;
  cpu: string;
  memoryGiB: string;
  os: string;
  node: string;
  commit: string;
}

export function machine(): Machine {
  const commit = sh('git rev-parse --short HEAD');
  const dirty = sh('git status --porcelain') ? ' (with uncommitted changes)' : '';
  return {
    nproc: sh('nproc') || String(os.availableParallelism()),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: fmt(os.totalmem() / 2 ** 30, 1),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    commit: commit ? `${commit}${dirty}` : 'unknown',
  };
}
