import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import type { Region } from '../schema/regions/region.entity';
import { childrenByParent, findRegionsByCodes } from '../schema/regions/region.service';

/**
 * Per-request batching: every `parent`, `children` and `ancestors` field of one query level costs one
 * SQL statement, however many regions the query returns.
 */
export function createLoaders(em: EntityManager) {
  const regionByCode = new DataLoader<string, Region | null>(async (codes) => {
    const found = new Map((await findRegionsByCodes(em, codes)).map((r) => [r.code, r]));
    return codes.map((c) => found.get(c) ?? null);
  });
  const regionChildren = new DataLoader<string, Region[]>(async (codes) => {
    const byParent = await childrenByParent(em, codes);
    return codes.map((c) => byParent.get(c) ?? []);
  });
  return { regionByCode, regionChildren };
}

export type Loaders = ReturnType<typeof createLoaders>;
