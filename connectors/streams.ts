import { z } from 'zod';

/**
 * How one stream of a source is synced: read mode, what to do with bad records, and the declarative mapping
 * (data, stored with the connector) from the stream's fields onto a data set of the six categories.
 */

export const TRANSFORMS = ['trim', 'halfWidth', 'upper', 'lower', 'collapseSpaces', 'digitsOnly'] as const;
export type Transform = (typeof TRANSFORMS)[number];

export const FieldMappingSchema = z
  .object({
    /** The source field to read; absent with `const`. */
    from: z.string().min(1).optional(),
    /** A constant value for every record (e.g. the kind of a list that holds one group). */
    const: z.union([z.string(), z.number(), z.boolean()]).optional(),
    /** Applied in order before validation; trim and full-width → half-width are always applied first. */
    transforms: z.array(z.enum(TRANSFORMS)).default([]),
    /** The department's own codes → GB/T 31000 codes; a value not listed passes through to validation. */
    codes: z.record(z.string(), z.string()).optional(),
    /** Used when the source value is empty. */
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  })
  .refine((m) => m.from !== undefined || m.const !== undefined, {
    message: 'a field mapping needs `from` (a source field) or `const`',
  });
export type FieldMapping = z.output<typeof FieldMappingSchema>;

export const RegionMappingSchema = z.union([
  /** A column holding the unit's code (grid, village or township). */
  z.object({ code: z.string().min(1) }),
  /** Columns holding the village or community name, and optionally the township name to tell twins apart. */
  z.object({ village: z.string().min(1), township: z.string().min(1).optional() }),
]);
export type RegionMapping = z.output<typeof RegionMappingSchema>;

export const MappingSchema = z.object({
  /** The data set records of this stream become (an id of DATA_SETS: `registered_population`, `enterprise`…). */
  dataSet: z.string().min(1),
  /**
   * Source fields whose name is the standard's Chinese field name (公民身份号码, 姓名 …) or the field's own name
   * map without being listed; `fields` adds to and overrides that.
   */
  byLabel: z.boolean().default(true),
  /** Data-set field name → how to fill it. */
  fields: z.record(z.string(), FieldMappingSchema).default({}),
  region: RegionMappingSchema,
});
export type Mapping = z.output<typeof MappingSchema>;

export const StreamConfigSchema = z
  .object({
    stream: z.string().min(1),
    mode: z.enum(['full', 'incremental']).default('full'),
    cursorField: z.string().min(1).optional(),
    /** quarantine (default): keep bad records for replay; skip: count and drop; fail: stop the run. */
    onInvalid: z.enum(['quarantine', 'skip', 'fail']).default('quarantine'),
    /** Records committed per transaction. */
    chunkSize: z.number().int().min(1).max(50_000).default(2_000),
    mapping: MappingSchema,
  })
  .refine((s) => s.mode === 'full' || s.cursorField, {
    message: 'an incremental stream needs a cursorField',
    path: ['cursorField'],
  });
export type StreamConfig = z.output<typeof StreamConfigSchema>;
export type StreamConfigInput = z.input<typeof StreamConfigSchema>;
