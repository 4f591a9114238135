import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Plain statements with `$n` parameters on one pooled connection of the ORM's pool, optionally in one
 * transaction: a sync chunk's data, links, quarantine, counters and read position; an inventory import; an
 * enrollment (token used + certificate issued). What a crash leaves behind is always consistent.
 */
export interface Tx {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

interface PgConnection {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

interface KnexPool {
  client: {
    acquireConnection(): Promise<PgConnection>;
    releaseConnection(c: PgConnection): Promise<unknown>;
  };
}

function txOf(connection: PgConnection): Tx {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []) {
      return (await connection.query(sql, [...params])).rows as R[];
    },
  };
}

export async function withConnection<T>(em: EntityManager, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const { client } = em.getKnex() as unknown as KnexPool;
  const connection = await client.acquireConnection();
  try {
    return await fn(txOf(connection));
  } finally {
    await client.releaseConnection(connection);
  }
}

export function inTransaction<T>(em: EntityManager, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return withConnection(em, async (tx) => {
    await tx.query('begin');
    try {
      const result = await fn(tx);
      await tx.query('commit');
      return result;
    } catch (error) {
      await tx.query('rollback').catch(() => undefined);
      throw error;
    }
  });
}
