/**
 * Reads a V8 `.cpuprofile` (written by `node --cpu-prof`) and attributes the self time of its samples,
 * within a time window, to the package or layer whose code was on top of the stack: a bottom-up summary of
 * where a process spends its CPU.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  /** µs on the monotonic clock (the one `process.hrtime` reads on Linux). */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  name: string;
  /** Fraction of the busy (non-idle) samples. */
  share: number;
}

export interface ProfileSummary {
  /** Samples in the window, idle included. */
  samples: number;
  /** Fraction of the window's samples that were not idle. */
  busy: number;
  /** Self time by package or layer. */
  groups: Share[];
  /**
   * Functions of the application and its packages (not Node core or V8 builtins) by the share of busy samples
   * with them anywhere on the stack. Async continuations start a new stack, so a function's share counts the
   * synchronous work under it only.
   */
  inclusive: Share[];
  /** True when the window held no sample and the whole profile was summarised instead. */
  wholeProfile: boolean;
}

const GROUPS: Array<[RegExp, string]> = [
  [/^(@mikro-orm\/.*|knex)$/, 'MikroORM + knex'],
  [/^(@apollo\/.*|@as-integrations\/.*)$/, 'Apollo Server'],
  [
    /^(express|router|body-parser|raw-body|finalhandler|send|qs|type-is|content-type|iconv-lite|on-finished|mime-types|media-typer|negotiator|accepts|parseurl|cookie|vary|depd|etag|fresh|debug|http-errors|statuses|setprototypeof|encodeurl|escape-html|proxy-addr|forwarded|merge-descriptors|serve-static|path-to-regexp)$/,
    'Express + body parsing',
  ],
  [
    /^(pg|pg-protocol|pg-pool|pg-types|postgres-array|postgres-date|postgres-bytea|postgres-interval|pgpass)$/,
    'pg driver',
  ],
  [
    /^(pino|pino-http|pino-std-serializers|sonic-boom|thread-stream|fast-redact|quick-format-unescaped|on-exit-leak-free|atomic-sleep|safe-stable-stringify|process-warning|real-require)$/,
    'pino + pino-http',
  ],
  [/^graphql$/, 'graphql-js (parse, validate, execute)'],
  [/^(type-graphql|graphql-scalars|class-validator|graphql-query-complexity)$/, 'type-graphql'],
  [/^prom-client$/, 'prom-client (metrics)'],
  [/^dataloader$/, 'dataloader'],
];

function packageOf(url: string): string | null {
  const at = url.lastIndexOf('/node_modules/');
  if (at < 0) return null;
  const [first, second] = url.slice(at + '/node_modules/'.length).split('/');
  return first!.startsWith('@') ? `${first}/${second}` : first!;
}

export function groupOf({ functionName, url }: CallFrame): string {
  if (functionName === '(idle)') return '(idle)';
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (functionName === '(program)' || functionName === '(root)') return 'V8 / native, unattributed';
  if (!url) return 'V8 builtins (JSON, RegExp, …)';
  if (url.startsWith('node:')) return 'Node core (http, net, streams)';
  const pkg = packageOf(url);
  if (pkg) return GROUPS.find(([re]) => re.test(pkg))?.[1] ?? pkg;
  if (/\/dist\/gateway\//.test(url)) return 'gridhub gateway/';
  if (/\/dist\/schema\//.test(url)) return 'gridhub schema/';
  return 'other';
}

/** `name (file:line)`, the file relative to node_modules or to the build. */
function frameName({ functionName, url, lineNumber }: CallFrame): string {
  const file = url.replace(/^.*\/node_modules\//, '').replace(/^.*\/dist\//, '');
  return `${functionName || '(anonymous)'} (${file}:${lineNumber + 1})`;
}

function shares(counts: Map<string, number>, total: number, top: number): Share[] {
  return [...counts]
    .map(([name, n]) => ({ name, share: total ? n / total : 0 }))
    .sort((a, b) => b.share - a.share)
    .slice(0, top);
}

/** Summarises the samples taken in [fromUs, toUs] (monotonic µs); the whole profile if none fall there. */
export function summariseProfile(
  profile: CpuProfile,
  fromUs = Number.NEGATIVE_INFINITY,
  toUs = Number.POSITIVE_INFINITY,
  top = 12,
): ProfileSummary {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parents = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parents.set(c, n.id);
  const pick = (from: number, to: number) => {
    const picked: number[] = [];
    let t = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      t += profile.timeDeltas[i] ?? 0;
      if (t >= from && t <= to) picked.push(profile.samples[i]!);
    }
    return picked;
  };
  let picked = pick(fromUs, toUs);
  const wholeProfile = picked.length === 0;
  if (wholeProfile) picked = pick(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  const groups = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  for (const id of picked) {
    const group = groupOf(nodes.get(id)!.callFrame);
    if (group === '(idle)') continue;
    busy++;
    groups.set(group, (groups.get(group) ?? 0) + 1);
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      const frame = nodes.get(at)!.callFrame;
      if (frame.url && !frame.url.startsWith('node:')) onStack.add(frameName(frame));
    }
    for (const name of onStack) inclusive.set(name, (inclusive.get(name) ?? 0) + 1);
  }
  return {
    samples: picked.length,
    busy: picked.length ? busy / picked.length : 0,
    groups: shares(groups, busy, top),
    inclusive: shares(inclusive, busy, top),
    wholeProfile,
  };
}
