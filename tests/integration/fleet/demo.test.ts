import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureDeviceCa } from '../../../fleet/ca';
import { seedDemoFleet } from '../../../fleet/demo';
import { runSql } from '../../../schema/common/rows';
import { initORM, type MikroORM, migrate } from '../../../schema/db/orm';
import { seedDemoCounty } from '../../../schema/demo/seed';
import { validateIccid } from '../../../schema/identifiers/iccid';
import { validateImei } from '../../../schema/identifiers/imei';
import { createLogger } from '../../../schema/runtime/logger';
import { HUB_ENTITIES } from '../../../workers/entities';
import { dropDatabase, recreateDatabase, scratchDatabaseName } from '../../support/services';

/**
 * The demo fleet on a small demo county: loaded through the inventory import (every sheet clean), each worker
 * holding one handset and SIM, identifiers passing their check digits, the planted irregularities present,
 * and a second start loading nothing.
 */

const DB = scratchDatabaseName('fleetdemo');
const SCALE = 0.05;

describe('the demo fleet', () => {
  let orm: MikroORM;
  const em = () => orm.em.fork() as EntityManager;
  const count = async (sql: string) => Number((await runSql<{ n: string }>(em(), sql))[0]!.n);

  beforeAll(async () => {
    const url = await recreateDatabase(DB);
    orm = await initORM({ url, poolMax: 2, statementTimeoutMs: 60_000, entities: HUB_ENTITIES });
    await migrate(orm);
    configureDeviceCa({
      passphrase: 'demo fleet test passphrase',
      publicUrl: 'http://127.0.0.1:4000',
      certDays: 365,
    });
    await seedDemoCounty(em(), { scale: SCALE, embedded: false }, createLogger('silent'));
  }, 120_000);
  afterAll(async () => {
    await orm?.close();
    await dropDatabase(DB);
  });

  it('loads workers, handsets and SIMs through the import, with the planted irregularities', async () => {
    const now = new Date();
    const summary = await seedDemoFleet(em(), { scale: SCALE, now });
    const workers = Math.round(1_490 * SCALE);
    expect(summary).toMatchObject({ workers });
    for (const report of Object.values(summary!.reports)) expect(report.errors).toEqual([]);

    // Every worker holds exactly one handset with a SIM; grid workers of the population data come first.
    expect(
      await count('select count(*) as n from assignment where until is null and sim_id is not null'),
    ).toBe(workers);
    expect(
      await count(`select count(*) as n from fleet_worker where kind in ('full_time', 'auxiliary')`),
    ).toBe(await count(`select count(*) as n from person_record where kind = 'grid_worker'`));
    expect(await count('select count(*) as n from fleet_worker where person_id is null')).toBe(0);

    for (const { imei1, imei2 } of await runSql<{ imei1: string; imei2: string | null }>(
      em(),
      'select imei1, imei2 from handset',
    )) {
      expect(validateImei(imei1).ok).toBe(true);
      if (imei2) expect(validateImei(imei2).ok).toBe(true);
    }
    const carriers = await runSql<{ iccid: string; carrier: string }>(
      em(),
      'select iccid, carrier from sim_card',
    );
    for (const { iccid, carrier } of carriers) {
      const result = validateIccid(iccid);
      expect(result.ok && result.carrier?.code).toBe(carrier);
    }
    expect(new Set(carriers.map((c) => c.carrier))).toEqual(new Set(['cmcc', 'ctcc']));

    // Lost handsets, some checking in after the loss was reported; SIMs in the wrong handset; a new board.
    expect(await count(`select count(*) as n from handset where status = 'lost'`)).toBeGreaterThanOrEqual(2);
    expect(
      await count(`select count(*) as n from handset h join assignment a on a.handset_id = h.id and a.until is null
        join sim_card s on s.id = a.sim_id where h.iccid_seen <> s.iccid`),
    ).toBeGreaterThanOrEqual(4);
    expect(await count('select count(*) as n from handset where imei_changed_at is not null')).toBe(2);
    expect(
      await count(`select count(*) as n from handset where last_seen_at > now() - interval '1 hour'`),
    ).toBeGreaterThan(workers / 2);
    expect(await count('select count(*) as n from app_release')).toBe(3);

    // Every handset that checked in enrolled through a token; lost ones not seen since were revoked.
    expect(summary!.certificates).toBeGreaterThan(workers / 2);
    expect(await count(`select count(*) as n from enrollment_token where used_at is not null`)).toBe(
      summary!.certificates,
    );
    const lostRevoked = await count(`select count(distinct h.id) as n from handset h
      join device_certificate c on c.handset_id = h.id and c.status = 'revoked' and c.revocation_reason = 'keyCompromise'
      where h.status = 'lost'`);
    expect(lostRevoked).toBeGreaterThan(0);
    expect(await count(`select count(*) as n from device_ca where crl_pem like '%BEGIN X509 CRL%'`)).toBe(1);

    expect(await seedDemoFleet(em(), { scale: SCALE, now })).toBeNull();
  }, 60_000);
});
