import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authenticate,
  createPrincipal,
  forgetCredentials,
  issueKey,
  listKeys,
  revokeKey,
  rotateKey,
} from '../../../schema/access/credentials.service';
import { effectivePolicy, setPolicy } from '../../../schema/access/policy.service';
import { PrincipalKind } from '../../../schema/access/principal.entity';
import { runSql } from '../../../schema/common/rows';
import type { MikroORM } from '../../../schema/db/orm';
import { testOrm } from '../../support/orm';

let orm: MikroORM;
const em = () => orm.em.fork();

beforeAll(async () => {
  orm = await testOrm();
  await createPrincipal(em(), 'test', {
    name: 'cred-minzheng',
    title: '民政局',
    kind: PrincipalKind.CLIENT,
    roles: ['civil_affairs'],
  });
});

afterAll(async () => {
  await orm.close();
});

describe('API keys', () => {
  it('are shown once, stored hashed, and identify their principal', async () => {
    const { key, secret } = await issueKey(em(), 'test', 'cred-minzheng');
    expect(secret).toMatch(/^ghk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const [stored] = await runSql<{ secret_hash: string }>(
      em(),
      'select secret_hash from api_key where id = ?',
      [key.id],
    );
    expect(stored!.secret_hash).not.toContain(secret.slice(18));
    const caller = await authenticate(em(), secret);
    expect(caller).toMatchObject({
      principal: 'cred-minzheng',
      roles: ['civil_affairs'],
      keyPrefix: key.prefix,
    });
    const [used] = await runSql<{ last_used_at: Date | null }>(
      em(),
      'select last_used_at from api_key where id = ?',
      [key.id],
    );
    expect(used!.last_used_at).not.toBeNull();
  });

  it('refuses a wrong, malformed, revoked or expired key with UNAUTHENTICATED', async () => {
    const { key, secret } = await issueKey(em(), 'test', 'cred-minzheng');
    await expect(
      authenticate(em(), `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(authenticate(em(), 'Bearer nonsense')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await authenticate(em(), secret);
    await revokeKey(em(), 'test', key.prefix, 'handset lost');
    await expect(authenticate(em(), secret)).rejects.toThrow(/was revoked/);
    const expired = await issueKey(em(), 'test', 'cred-minzheng');
    await runSql(em(), "update api_key set expires_at = now() - interval '1 minute' where id = ?", [
      expired.key.id,
    ]);
    forgetCredentials();
    await expect(authenticate(em(), expired.secret)).rejects.toThrow(/expired/);
  });

  it('rotation keeps the old key valid for the overlap only', async () => {
    const old = await issueKey(em(), 'test', 'cred-minzheng');
    const fresh = await rotateKey(em(), 'test', old.key.prefix, 2);
    expect((await authenticate(em(), fresh.secret)).principal).toBe('cred-minzheng');
    expect((await authenticate(em(), old.secret)).principal).toBe('cred-minzheng');
    const keys = await listKeys(em(), 'cred-minzheng');
    const oldRow = keys.find((k) => k.id === old.key.id)!;
    expect(oldRow.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(2 * 3600_000 + 5_000);
    expect(keys.find((k) => k.id === fresh.key.id)!.rotatedFromId).toBe(old.key.id);
  });

  it('records every change in an append-only log', async () => {
    const rows = await runSql<{ action: string }>(
      em(),
      "select action from access_change where subject in ('cred-minzheng') or action = 'key.revoke'",
    );
    expect(rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['principal.create', 'key.issue', 'key.revoke', 'key.rotate']),
    );
    await expect(runSql(em(), 'delete from access_change')).rejects.toThrow(/append-only/);
  });
});

describe('policies in the database', () => {
  it('take effect without a restart and are audited', async () => {
    const before = await effectivePolicy(em(), ['civil_affairs']);
    expect(before.types.Event).toBeUndefined();
    await setPolicy(em(), 'test', 'cred_events', {
      rootFields: ['events'],
      types: { Event: { rows: { kinds: ['dispute'] } } },
    });
    const after = await effectivePolicy(em(), ['civil_affairs', 'cred_events']);
    expect(after.types.Event!.rows).toEqual({ kinds: ['dispute'] });
    await expect(setPolicy(em(), 'test', 'cred_bad', { types: { Nope: {} } })).rejects.toMatchObject({
      code: 'INVALID_POLICY',
    });
  });
});
