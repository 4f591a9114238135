import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildGatewaySchema } from '../../gateway/schema';

describe('the published GraphQL contract', () => {
  it('gateway/schema.graphql is the schema the gateway serves (regenerate with `npm run hub -- schema --write`)', async () => {
    const committed = await readFile(path.resolve(__dirname, '../../gateway/schema.graphql'), 'utf8');
    expect(`${printSchema(await buildGatewaySchema())}\n`).toBe(committed);
  });
});
