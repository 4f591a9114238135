import { Field, ObjectType } from 'type-graphql';

/**
 * Where a record came from. Kept on every governed record as JSON so that a merge can apply per-field
 * source precedence and keep conflicts: `sources` lists each connector and source record that supplied
 * the record, `fields` who last set each field and when.
 */
export interface ProvenanceData {
  sources: Array<{ connector: string; sourceKey: string; firstSeen: string; lastSeen: string }>;
  fields: Record<string, { connector: string; at: string }>;
}

export function emptyProvenance(): ProvenanceData {
  return { sources: [], fields: {} };
}

/** Records that `connector` (record `sourceKey`) supplied `fields` at `at` (ISO). Returns a new object. */
export function recordSupply(
  provenance: ProvenanceData | null | undefined,
  connector: string,
  sourceKey: string,
  fields: string[],
  at: string,
): ProvenanceData {
  const base = provenance ?? emptyProvenance();
  const existing = base.sources.find((s) => s.connector === connector && s.sourceKey === sourceKey);
  const sources = existing
    ? base.sources.map((s) => (s === existing ? { ...s, lastSeen: at } : s))
    : [...base.sources, { connector, sourceKey, firstSeen: at, lastSeen: at }];
  const touched = Object.fromEntries(fields.map((f) => [f, { connector, at }]));
  return { sources, fields: { ...base.fields, ...touched } };
}

@ObjectType({ simpleResolvers: true, description: 'One source record that supplied this record' })
export class SourceRecord {
  @Field(() => String, { description: 'The connector (a department system) that supplied it' })
  connector!: string;
  @Field(() => String, { description: "The record's key in that source" }) sourceKey!: string;
  @Field(() => Date) firstSeen!: Date;
  @Field(() => Date) lastSeen!: Date;
}

@ObjectType({ simpleResolvers: true, description: 'Who last set one field, and when' })
export class FieldSource {
  @Field(() => String) field!: string;
  @Field(() => String) connector!: string;
  @Field(() => Date) at!: Date;
}

@ObjectType({ simpleResolvers: true, description: 'Where a record and each of its field values came from' })
export class Provenance {
  @Field(() => [SourceRecord]) sources!: SourceRecord[];
  @Field(() => [FieldSource]) fields!: FieldSource[];

  static from(data: ProvenanceData | null | undefined): Provenance {
    const p = data ?? emptyProvenance();
    return {
      sources: p.sources.map((s) => ({
        ...s,
        firstSeen: new Date(s.firstSeen),
        lastSeen: new Date(s.lastSeen),
      })),
      fields: Object.entries(p.fields).map(([field, v]) => ({
        field,
        connector: v.connector,
        at: new Date(v.at),
      })),
    };
  }
}
