import { EVERYTHING, type GovernedType, type SqlFragment } from './policy';

/**
 * What rows a reader may see, as SQL: every service that reads governed records takes a Scope and adds its
 * predicate to the statement — lists, counts, lookups by key and nested batches alike — so a hidden row is
 * neither returned, nor counted, nor found by its key. The gateway builds one per request from the caller's
 * policy (gateway/access.ts); the hub's own work (connectors, reports, CLI) reads UNSCOPED.
 */
export interface Scope {
  where(type: GovernedType, alias: string): SqlFragment;
}

export const UNSCOPED: Scope = { where: () => EVERYTHING };

export type { GovernedType, SqlFragment };
