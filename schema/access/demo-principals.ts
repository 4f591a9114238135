import { writeFileSync } from 'node:fs';
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
  const [exists] = await runSql(em, "select 1 from principal where name = 'demo-admin'");
  if (exists) return null;
  const keys: Record<string, { roles: string[]; key: string }> = {};
  for (const p of DEMO_PRINCIPALS) {
    await createPrincipal(em, 'demo', p);
    keys[p.name] = { roles: p.roles, key: (await issueKey(em, 'demo', p.name)).secret };
  }
  const file = path.join(dataDir, DEMO_KEYS_FILE);
  writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  logger.info(
    { file, principals: Object.keys(keys) },
    'demo API keys written (send one as "Authorization: Bearer <key>")',
  );
  return file;
}
