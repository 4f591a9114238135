import { Client } from 'pg';

/**
 * Where the suite finds its servers: the environment, or the local defaults of the project's machines.
 * Each run owns one database (see vitest.config.mts), which it creates, migrates and drops.
 */
export const ADMIN_DATABASE_URL =
  process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/gridhub_test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

export function databaseUrlFor(name: string): string {
  const u = new URL(TEST_DATABASE_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Drops and creates a database on the test server (names are ours: letters, digits and underscores). */
export async function recreateDatabase(name: string): Promise<string> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bad test database name ${name}`);
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return databaseUrlFor(name);
}

export async function dropDatabase(name: string): Promise<void> {
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
}

export function testDatabaseName(): string {
  return new URL(TEST_DATABASE_URL).pathname.slice(1);
}

/** A scratch database for tests that must alter or rebuild a schema, named after this run's database. */
export function scratchDatabaseName(suffix: string): string {
  return `${testDatabaseName()}_${suffix}`;
}
