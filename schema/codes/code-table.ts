/**
 * Code tables (代码表): the closed value lists that coded fields of the GB/T 31000-2015 data sets (and the
 * national standards its common person block refers to) draw from. They are plain data so that a migration
 * can seed them into the database and records can reject unknown codes (see `./index.ts`).
 */

/** One value of a code table. */
export interface CodeValueDef {
  /** The code exactly as the standard prints it: always a string, leading zeros matter ('01', '0101'). */
  code: string;
  /** The Chinese name of the value. */
  label: string;
  /** In a hierarchical table: the code of the parent value in the same table. */
  parent?: string;
  /**
   * Other exact spellings that departments' exports carry for this value and that are accepted in place of
   * the code: the standard's full name where `label` is its short name (中国共产党党员 for 中共党员), ISO
   * alpha-3 or numeric country codes. Never shown; `label` is the display name.
   */
  aliases?: string[];
}

/** One code table. */
export interface CodeTableDef {
  /** Stable snake_case machine id, e.g. 'inflow_reason'. Never reuse or rename: records refer to it. */
  id: string;
  /** The Chinese name of the table, e.g. '流入原因'. */
  label: string;
  /** Where the values come from, e.g. 'GB/T 31000-2015', 'GB/T 2261.1-2003', or 'local' (configurable). */
  standard: string;
  /** A multi-select field (e.g. "四史"情况): a record holds a list of codes from this table. */
  multiple?: boolean;
  /** Values have parents (`CodeValueDef.parent`); every level is a valid code. */
  hierarchical?: boolean;
  /** A note where values are uncertain, reconstructed, partial or locally suggested. */
  uncertain?: string;
  values: CodeValueDef[];
}
