import mysql from 'mysql2/promise';
import pg from 'pg';
import { z } from 'zod';
import { isConnectionError } from '../../schema/runtime/errors';
import {
  type Catalog,
  ConnectorError,
  type FieldSpec,
  type FieldType,
  type ReadRequest,
  type Source,
  type SourceRecord,
  type StreamState,
} from '../protocol';
import { checkStream, cursorCandidates, incrementalCursor } from './rest';
import { retryConfig, withRetry } from './retry';

/**
 * A SELECT on PostgreSQL or MySQL/MariaDB, read in batches by keyset pagination: each batch is the query
 * (wrapped as a subquery) ordered by the primary key, or by (cursor, primary key) for incremental reads, and
 * limited to `batchSize` rows after the last row read. So the source never holds the whole result, and the
 * state after a row — its key values — is all a resume needs; no offset that shifts when rows are inserted.
 *
 * State: full `{ after: [pk values] }`; incremental `{ cursor, after }`. Rows whose cursor is NULL are read
 * first on a fresh incremental read (state `{ cursor: null, after }`), since NULL sorts before every value.
 *
 * Values keep their precision: timestamps are read as text and rewritten to ISO 8601 (through a JS Date they
 * would lose microseconds, and a truncated cursor would not move the keyset past its own row), bigint and
 * numeric stay strings, binary becomes base64.
 */

const IDENTIFIER = z.string().trim().min(1).max(128);

const sqlConfig = z
  .object({
    dialect: z.enum(['postgres', 'mysql']),
    /** postgres://user:password@host:port/db or mysql://…; instead of host/port/user/password/database. */
    url: z.string().trim().min(1).optional(),
    host: z.string().trim().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    user: z.string().min(1).optional(),
    password: z.string().optional(),
    database: z.string().min(1).optional(),
    query: z
      .string()
      .trim()
      .transform((q) => q.replace(/;\s*$/, ''))
      .refine((q) => /^(select|with)\b/i.test(q), { message: 'must be a SELECT (or WITH … SELECT) query' }),
    primaryKey: z.array(IDENTIFIER).min(1),
    cursorField: IDENTIFIER.optional(),
    batchSize: z.number().int().min(1).max(100_000).default(1000),
    streamName: z.string().min(1).default('query'),
    retry: retryConfig({ attempts: 3, baseMs: 200 }),
    connectTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
  })
  .superRefine((config, ctx) => {
    if (config.url) {
      const protocols = config.dialect === 'postgres' ? ['postgres:', 'postgresql:'] : ['mysql:', 'mariadb:'];
      let protocol = '';
      try {
        protocol = new URL(config.url).protocol;
      } catch {}
      if (!protocols.includes(protocol)) {
        ctx.addIssue({
          code: 'custom',
          path: ['url'],
          message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
        });
      }
    } else if (!config.host) {
      ctx.addIssue({
        code: 'custom',
        path: ['host'],
        message: 'give either url or host (with user and database)',
      });
    }
  });

export type SqlConfig = z.infer<typeof sqlConfig>;

// ---------------------------------------------------------------------------------------------------------
// Values

/** '2024-05-01 10:00:00.123456+00' (PostgreSQL and MySQL text) → '2024-05-01T10:00:00.123456Z'. */
export function isoTimestamp(text: string): string {
  const m =
    /^(\d{4,}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?:([+-]\d{2})(?::?(\d{2}))?(?::?\d{2})?)?$/.exec(
      text,
    );
  if (!m) return text; // 'infinity', BC dates: kept as the server wrote them
  const [, date, time, hours, minutes] = m;
  if (hours === undefined) return `${date}T${time}`;
  const offset = `${hours}:${minutes ?? '00'}`;
  return `${date}T${time}${offset === '+00:00' || offset === '-00:00' ? 'Z' : offset}`;
}

function plainValue(value: unknown): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(plainValue);
  return value;
}

// ---------------------------------------------------------------------------------------------------------
// Dialects

interface Column {
  name: string;
  type: FieldType;
}

interface Session {
  query(sql: string, params: unknown[]): Promise<{ rows: Record<string, unknown>[]; columns: Column[] }>;
  close(): Promise<void>;
}

interface Dialect {
  quote(name: string): string;
  placeholder(index: number): string;
  connect(config: SqlConfig): Promise<Session>;
  /** A keyset parameter as the server compares it with a column of this type. */
  param(value: unknown, type: FieldType): unknown;
}

// Shown in pg_stat_activity, so a DBA can tell who is reading.
const APPLICATION_NAME = 'gridhub-connector';

function failure(error: unknown, stage: 'connect' | 'query', lost: boolean): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const e = (error ?? {}) as {
    code?: unknown;
    errno?: unknown;
    sqlState?: unknown;
    message?: unknown;
    fatal?: unknown;
  };
  const message = typeof e.message === 'string' && e.message ? e.message : String(error);
  const state = typeof e.sqlState === 'string' ? e.sqlState : typeof e.code === 'string' ? e.code : '';
  const errno = typeof e.errno === 'number' ? e.errno : undefined;
  const make = (kind: ConnectorError['kind'], code: string, text = message) =>
    new ConnectorError(kind, code, text, { cause: error });
  // MySQL: access denied (1044, 1045, 1698); PostgreSQL: class 28.
  if (/^28/.test(state) || errno === 1044 || errno === 1045 || errno === 1698)
    return make('config', 'AUTH_FAILED');
  // Unknown database, table or column, syntax (class 42 and 3D000; MySQL 1049/1146/1054/1064), or a write
  // refused by the read-only session (25006; MySQL 1792).
  if (/^(42|3D|3F)/.test(state) || state === '25006' || [1049, 1146, 1054, 1064, 1792].includes(errno ?? 0)) {
    return make('config', 'BAD_QUERY');
  }
  const connection =
    lost ||
    /^(08|53|57)/.test(state) ||
    ['40001', '40P01'].includes(state) ||
    [1040, 1053, 1205, 1213, 1927, 2006, 2013].includes(errno ?? 0) ||
    e.code === 'PROTOCOL_CONNECTION_LOST' ||
    (typeof e.code === 'string' && /^(ECONN|EHOST|ENET|EAI_AGAIN|ETIMEDOUT|EPIPE)/.test(e.code)) ||
    e.fatal === true ||
    isConnectionError(error) ||
    /timeout|Client was closed|closed state|Connection lost/i.test(message);
  if (connection) {
    return stage === 'connect'
      ? make('transient', 'UNREACHABLE', `cannot connect to the database: ${message}`)
      : make('transient', 'CONNECTION_LOST', `the database connection failed during the read: ${message}`);
  }
  return stage === 'connect' ? make('config', 'CONNECT_FAILED') : make('data', 'QUERY_FAILED');
}

/** Runs a driver call; a failure becomes a ConnectorError, a transient one once the connection is gone. */
async function guarded<T>(stage: 'connect' | 'query', lost: () => Error | undefined, run: () => Promise<T>) {
  const gone = lost();
  if (gone) throw failure(gone, stage, true);
  try {
    return await run();
  } catch (error) {
    throw failure(error, stage, lost() !== undefined);
  }
}

async function closeQuietly(close: () => Promise<unknown>): Promise<void> {
  // A connection the server has dropped may never answer a goodbye: don't wait for it long.
  let timer: NodeJS.Timeout | undefined;
  const wait = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 1000);
    timer.unref();
  });
  await Promise.race([close().catch(() => undefined), wait]);
  clearTimeout(timer);
}

const PG_TYPES: Record<number, FieldType> = {
  16: 'boolean',
  20: 'integer', // int8, read as a string
  21: 'integer',
  23: 'integer',
  26: 'integer',
  700: 'number',
  701: 'number',
  1700: 'number', // numeric, read as a string
  1082: 'date',
  1114: 'datetime',
  1184: 'datetime',
  18: 'string',
  19: 'string',
  25: 'string',
  1042: 'string',
  1043: 'string',
  1083: 'string',
  1266: 'string',
  1186: 'string',
  2950: 'string',
  17: 'string', // bytea, as base64
};

const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === 1082) return (text: string) => text;
    if (oid === 1114 || oid === 1184) return isoTimestamp;
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

const postgres: Dialect = {
  quote: (name) => `"${name.replace(/"/g, '""')}"`,
  placeholder: (index) => `$${index}`,
  param: (value) => value,
  async connect(config) {
    const client = new pg.Client({
      ...(config.url
        ? { connectionString: config.url }
        : {
            host: config.host,
            port: config.port,
            user: config.user,
            password: config.password,
            database: config.database,
          }),
      connectionTimeoutMillis: config.connectTimeoutMs,
      application_name: APPLICATION_NAME,
      // UTC so timestamptz text is comparable; read-only so a "SELECT" calling a writing function fails.
      options: '-c TimeZone=UTC -c DateStyle=ISO -c default_transaction_read_only=on',
      types: pgTypes,
    });
    let lost: Error | undefined;
    // Without a listener, a connection dropped between batches would crash the process.
    client.on('error', (error) => {
      lost = error;
    });
    client.on('end', () => {
      lost ??= new Error('Connection terminated');
    });
    try {
      await guarded(
        'connect',
        () => undefined,
        () => client.connect(),
      );
    } catch (error) {
      await closeQuietly(() => client.end());
      throw error;
    }
    return {
      query: (sql, params) =>
        guarded(
          'query',
          () => lost,
          async () => {
            const result = await client.query({ text: sql, values: params });
            return {
              rows: result.rows,
              columns: result.fields.map((f) => ({
                name: f.name,
                type: PG_TYPES[f.dataTypeID] ?? 'unknown',
              })),
            };
          },
        ),
      close: () => closeQuietly(() => client.end()),
    };
  },
};

// mysql2 field type codes (mysql2's `Types`).
const MYSQL_TYPES: Record<number, FieldType> = {
  0: 'number', // DECIMAL, read as a string
  246: 'number', // NEWDECIMAL
  1: 'integer', // TINY
  2: 'integer', // SHORT
  3: 'integer', // LONG
  8: 'integer', // LONGLONG, read as a string
  9: 'integer', // INT24
  13: 'integer', // YEAR
  4: 'number', // FLOAT
  5: 'number', // DOUBLE
  10: 'date', // DATE
  14: 'date', // NEWDATE
  7: 'datetime', // TIMESTAMP
  12: 'datetime', // DATETIME
  11: 'string', // TIME
  15: 'string', // VARCHAR
  247: 'string', // ENUM
  248: 'string', // SET
  249: 'string', // TINY_BLOB (and TINYTEXT)
  250: 'string', // MEDIUM_BLOB
  251: 'string', // LONG_BLOB
  252: 'string', // BLOB (and TEXT)
  253: 'string', // VAR_STRING
  254: 'string', // STRING
};

const mysqlTypeCast: mysql.TypeCast = (field, next) => {
  if (field.type === 'DATE' || field.type === 'NEWDATE') return field.string();
  if (['DATETIME', 'DATETIME2', 'TIMESTAMP', 'TIMESTAMP2'].includes(field.type)) {
    const text = field.string();
    if (text === null) return null;
    // The session's time zone is UTC, so TIMESTAMP (an instant) gets its Z; DATETIME is a wall-clock time.
    return `${isoTimestamp(text)}${field.type.startsWith('TIMESTAMP') ? 'Z' : ''}`;
  }
  return next();
};

const mysqlDialect: Dialect = {
  quote: (name) => `\`${name.replace(/`/g, '``')}\``,
  placeholder: () => '?',
  // Back from ISO to the server's own literal form, which every MySQL and MariaDB version reads.
  param: (value, type) =>
    typeof value === 'string' && (type === 'datetime' || type === 'date')
      ? value.replace('T', ' ').replace(/Z$/, '')
      : value,
  async connect(config) {
    let lost: Error | undefined;
    const connection = await guarded(
      'connect',
      () => undefined,
      () =>
        mysql.createConnection({
          ...(config.url
            ? { uri: config.url.replace(/^mariadb:/, 'mysql:') }
            : {
                host: config.host,
                port: config.port,
                user: config.user,
                password: config.password,
                database: config.database,
              }),
          connectTimeout: config.connectTimeoutMs,
          supportBigNumbers: true,
          bigNumberStrings: true,
          typeCast: mysqlTypeCast,
        }),
    );
    // Without a listener, a connection dropped between batches would crash the process.
    connection.on('error', (error: Error) => {
      lost = error;
    });
    try {
      await guarded(
        'connect',
        () => lost,
        async () => {
          await connection.query("SET time_zone = '+00:00'");
          await connection.query('SET SESSION TRANSACTION READ ONLY');
        },
      );
    } catch (error) {
      connection.destroy();
      throw error;
    }
    return {
      query: (sql, params) =>
        guarded(
          'query',
          () => lost,
          async () => {
            const [rows, fields] = await connection.query<mysql.RowDataPacket[]>(sql, params);
            return {
              rows: rows as Record<string, unknown>[],
              columns: fields.map((f) => ({
                name: f.name,
                type: MYSQL_TYPES[f.columnType ?? -1] ?? 'unknown',
              })),
            };
          },
        ),
      close: async () => {
        if (lost) connection.destroy();
        else await closeQuietly(() => connection.end());
      },
    };
  },
};

const DIALECTS: Record<SqlConfig['dialect'], Dialect> = { postgres, mysql: mysqlDialect };

// ---------------------------------------------------------------------------------------------------------
// Reading

async function open(config: SqlConfig, signal?: AbortSignal): Promise<Session> {
  return withRetry(() => DIALECTS[config.dialect].connect(config), { ...config.retry, signal });
}

/** The user's query as a derived table; the newline ends a trailing `-- comment` before the parenthesis. */
function subquery(config: SqlConfig): string {
  return `(${config.query}\n) ${DIALECTS[config.dialect].quote('src')}`;
}

/** The query's columns (LIMIT 0), after checking the key and cursor columns are among them. */
async function probe(config: SqlConfig, session: Session, cursorField?: string): Promise<Column[]> {
  const { columns } = await session.query(`SELECT * FROM ${subquery(config)} LIMIT 0`, []);
  const names = columns.map((c) => c.name);
  const missing = [...config.primaryKey, ...(cursorField ? [cursorField] : [])].filter(
    (n) => !names.includes(n),
  );
  if (missing.length > 0) {
    throw new ConnectorError(
      'config',
      'UNKNOWN_COLUMN',
      `the query has no column ${missing.join(', ')} (it has ${names.join(', ')})`,
    );
  }
  return columns;
}

/** Which rows a batch reads: `nulls` and `values` are the two phases of an incremental read. */
type Phase =
  | { kind: 'full'; after?: unknown[] }
  | { kind: 'nulls'; after?: unknown[] }
  | { kind: 'values'; cursor?: unknown; after?: unknown[] };

function startPhase(config: SqlConfig, request: ReadRequest): Phase {
  const state = request.state;
  const after = Array.isArray(state?.after) ? (state.after as unknown[]) : undefined;
  if (after && after.length !== config.primaryKey.length) {
    throw new ConnectorError(
      'config',
      'STATE_MISMATCH',
      `the saved state has ${after.length} key values but the primary key is (${config.primaryKey.join(', ')}); start a fresh read`,
    );
  }
  if (request.mode === 'full') return { kind: 'full', after };
  if (!state || !('cursor' in state)) return { kind: 'nulls' };
  if (state.cursor === null || state.cursor === undefined) return { kind: 'nulls', after };
  return { kind: 'values', cursor: state.cursor, after };
}

function batchSql(config: SqlConfig, columns: Column[], phase: Phase, cursorField: string | undefined) {
  const d = DIALECTS[config.dialect];
  const typeOf = (name: string) => columns.find((c) => c.name === name)?.type ?? 'unknown';
  const params: unknown[] = [];
  const param = (value: unknown, column: string) => {
    params.push(d.param(value, typeOf(column)));
    return d.placeholder(params.length);
  };
  const pk = config.primaryKey;
  const keyset = (cols: string[], values: unknown[]) =>
    `(${cols.map(d.quote).join(', ')}) > (${values.map((v, i) => param(v, cols[i])).join(', ')})`;
  const where: string[] = [];
  let order = pk;
  if (phase.kind !== 'full') {
    const cursor = d.quote(cursorField!);
    if (phase.kind === 'nulls') where.push(`${cursor} IS NULL`);
    else {
      where.push(`${cursor} IS NOT NULL`);
      order = [cursorField!, ...pk];
      if (phase.after) where.push(keyset(order, [phase.cursor, ...phase.after]));
      else if (phase.cursor !== undefined) where.push(`${cursor} >= ${param(phase.cursor, cursorField!)}`);
    }
  }
  if (phase.kind !== 'values' && phase.after) where.push(keyset(pk, phase.after));
  const sql =
    `SELECT * FROM ${subquery(config)}` +
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY ${order.map(d.quote).join(', ')} LIMIT ${config.batchSize}`;
  return { sql, params };
}

async function* readSql(config: SqlConfig, request: ReadRequest): AsyncGenerator<SourceRecord> {
  checkStream(request, config.streamName);
  const cursorField = incrementalCursor(request, config.cursorField);
  const session = await open(config, request.signal);
  try {
    const columns = await probe(config, session, cursorField);
    let phase: Phase | undefined = startPhase(config, request);
    while (phase) {
      request.signal?.throwIfAborted();
      const { sql, params } = batchSql(config, columns, phase, cursorField);
      const { rows } = await session.query(sql, params);
      let previous = '';
      if (phase.after)
        previous = JSON.stringify(phase.kind === 'values' ? [phase.cursor, ...phase.after] : phase.after);
      for (const row of rows) {
        const data: Record<string, unknown> = {};
        for (const [name, value] of Object.entries(row)) data[name] = plainValue(value);
        const after = config.primaryKey.map((name) => data[name]);
        if (after.some((v) => v === null || v === undefined)) {
          throw new ConnectorError(
            'data',
            'NULL_PRIMARY_KEY',
            `a row has no value for ${config.primaryKey.join(', ')}`,
          );
        }
        const position = phase.kind === 'values' ? [data[cursorField!], ...after] : after;
        // Equal positions mean the key is not unique (or not comparable): the keyset would skip or repeat rows.
        const current = JSON.stringify(position);
        if (current === previous) {
          throw new ConnectorError(
            'data',
            'DUPLICATE_KEY',
            `two rows share the position ${current} on (${phase.kind === 'values' ? `${cursorField}, ` : ''}${config.primaryKey.join(', ')}); the primary key must be unique`,
          );
        }
        previous = current;
        let state: StreamState = { after };
        if (phase.kind === 'nulls') state = { cursor: null, after };
        if (phase.kind === 'values') state = { cursor: data[cursorField!], after };
        yield { key: after.map(String).join('|'), data, state };
        phase.after = after;
        if (phase.kind === 'values') phase.cursor = data[cursorField!];
      }
      if (rows.length === config.batchSize) continue;
      // The phase is exhausted: the NULL-cursor rows of an incremental read are followed by the others.
      phase = phase.kind === 'nulls' ? { kind: 'values' } : undefined;
    }
  } finally {
    await session.close();
  }
}

export const sqlSource: Source<SqlConfig> = {
  type: 'sql',
  title: 'SQL database (PostgreSQL, MySQL, MariaDB)',
  config: sqlConfig,
  secrets: ['url', 'password'],

  async check(config) {
    const session = await open(config);
    try {
      await probe(config, session, config.cursorField);
      return { ok: true };
    } finally {
      await session.close();
    }
  },

  async discover(config): Promise<Catalog> {
    const session = await open(config);
    let columns: Column[];
    try {
      columns = await probe(config, session, config.cursorField);
    } finally {
      await session.close();
    }
    const fields: FieldSpec[] = columns.map((c) => ({ name: c.name, type: c.type }));
    return {
      streams: [
        {
          name: config.streamName,
          fields,
          cursorCandidates: cursorCandidates(fields, config.cursorField),
          primaryKey: [...config.primaryKey],
          supportsIncremental: true,
        },
      ],
    };
  },

  read: readSql,
};
