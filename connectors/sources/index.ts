import type { Source } from '../protocol';
import { csvSource } from './csv';
import { graphqlSource, restSource, sqlSource } from './network';
import { xlsxSource } from './xlsx';

/** Every source type the hub can read, by its `type`. */
export const SOURCES: ReadonlyMap<string, Source<never>> = new Map(
  [csvSource, xlsxSource, restSource, sqlSource, graphqlSource].map((s) => [
    s.type,
    s as unknown as Source<never>,
  ]),
);
