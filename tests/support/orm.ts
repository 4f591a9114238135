import { initORM, type MikroORM } from '../../schema/db/orm';
import { HUB_ENTITIES } from '../../workers/entities';
import { TEST_DATABASE_URL } from './services';

export function testOrm(url = TEST_DATABASE_URL, poolMax = 4): Promise<MikroORM> {
  return initORM({ url, poolMax, statementTimeoutMs: 30_000, entities: HUB_ENTITIES });
}
