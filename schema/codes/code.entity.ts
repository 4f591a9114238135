import { Entity, ManyToOne, type Opt, PrimaryKey, PrimaryKeyProp, Property } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';

/** A code table (GB/T 31000 and the standards of its person block), seeded by a migration: data, not code. */
@ObjectType({
  simpleResolvers: true,
  description: 'A code table: GB/T 31000 and the national standards it refers to',
})
@Entity({ tableName: 'code_table' })
export class CodeTable {
  @Field(() => String, { description: 'Stable machine id, e.g. inflow_reason' })
  @PrimaryKey({ type: 'string', length: 60 })
  id!: string;

  @Field(() => String, { description: 'Chinese name, e.g. 流入原因' })
  @Property({ type: 'string', length: 60 })
  label!: string;

  @Field(() => String, {
    description: 'The standard it comes from, or "local" where the county configures it',
  })
  @Property({ type: 'string', length: 60 })
  standard!: string;

  @Field(() => Boolean, { description: 'A field may hold several of its codes' })
  @Property({ type: 'boolean', default: false })
  multiple: Opt<boolean> = false;

  @Field(() => String, { nullable: true, description: 'Where the values are uncertain or partial' })
  @Property({ type: 'text', nullable: true })
  note?: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'One code of a code table' })
@Entity({ tableName: 'code_value' })
export class CodeValue {
  [PrimaryKeyProp]?: ['table', 'code'];

  @ManyToOne(() => CodeTable, { primary: true, fieldName: 'table_id', deleteRule: 'cascade' })
  table!: CodeTable;

  @Field(() => String)
  @PrimaryKey({ type: 'string', length: 10 })
  code!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 100 })
  label!: string;

  @Field(() => String, { nullable: true, description: 'The first-level code of a two-level table' })
  @Property({ type: 'string', length: 10, nullable: true })
  parentCode?: string | null;

  @Field(() => Int)
  @Property({ type: 'integer' })
  position!: number;
}
