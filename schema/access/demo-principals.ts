import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from '../common/rows';
import type { Logger } from '../runtime/logger';
import { createPrincipal, issueKey } from './credentials.service';
import { PrincipalKind } from './principal.entity';

/**
 * The demo county's callers: an administrator and the three example partners of the access issue, each with a
 * key, written once to `<dataDir>/demo-keys.json` (readable by its owner only) so that a person trying the
 * demo can call the API as each of them. Never run outside the demo.
 */
const DEMO_PRINCIPALS = [
  {
    name: 'demo-admin',
    title: '县综治中心 系统管理员',
    roles: ['admin'],
    unitCode: null,
    kind: PrincipalKind.USER,
  },
  {
    name: 'demo-it',
    title: '县综治中心 信息技术科',
    roles: ['it_office'],
    unitCode: null,
    kind: PrincipalKind.USER,
  },
  {
    name: 'demo-finance',
    title: '县综治中心 财务室',
    roles: ['finance'],
    unitCode: null,
    kind: PrincipalKind.USER,
  },
  {
    name: 'demo-gongan',
    title: '县公安局',
    roles: ['public_security'],
    unitCode: null,
    kind: PrincipalKind.CLIENT,
  },
  {
    name: 'demo-minzheng',
    title: '县民政局',
    roles: ['civil_affairs'],
    unitCode: null,
    kind: PrincipalKind.CLIENT,
  },
  {
    name: 'demo-qingquan',
    title: '清泉镇综治办',
    roles: ['township_office'],
    unitCode: '620725101',
    kind: PrincipalKind.CLIENT,
  },
];

export const DEMO_KEYS_FILE = 'demo-keys.json';

export async function ensureDemoPrincipals(
  em: EntityManager,
  dataDir: string,
  logger: Logger,
): Promise<string | null> {
  // A demo principal added in a later version is created on the next start; the keys written before stay.
  const existing = new Set(
    (await runSql<{ name: string }>(em, "select name from principal where name like 'demo-%'")).map(
      (r) => r.name,
    ),
  );
  const missing = DEMO_PRINCIPALS.filter((p) => !existing.has(p.name));
  if (!missing.length) return null;
  const file = path.join(dataDir, DEMO_KEYS_FILE);
  const keys: Record<string, { roles: string[]; key: string }> = existsSync(file)
    ? JSON.parse(readFileSync(file, 'utf8'))
    : {};
  for (const p of missing) {
    await createPrincipal(em, 'demo', p);
    keys[p.name] = { roles: p.roles, key: (await issueKey(em, 'demo', p.name)).secret };
  }
  writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  logger.info(
    { file, principals: Object.keys(keys) },
    'demo API keys written (send one as "Authorization: Bearer <key>")',
  );
  return file;
}
