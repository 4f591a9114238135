import { GraphQLError, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_FIELDS } from '../../../gateway/resolvers/access.resolver';
import { buildGatewaySchema } from '../../../gateway/schema';
import { DEFAULT_POLICIES } from '../../../schema/access/default-policies';
import { GOVERNED_TYPES } from '../../../schema/access/policy';

/**
 * Every root field goes through the one enforcement point: called by a caller whose roles do not list it, each
 * fails with FORBIDDEN before its resolver runs; and every root field is given to some role on purpose (an
 * administrator-only field, or one a default role lists), so a new field cannot ship without a policy.
 */

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildGatewaySchema();
});

function rootFields(): Array<{ type: GraphQLObjectType; name: string }> {
  return [schema.getQueryType(), schema.getMutationType()]
    .filter((t): t is GraphQLObjectType => Boolean(t))
    .flatMap((type) => Object.keys(type.getFields()).map((name) => ({ type, name })));
}

const refusing = { access: { mayCall: () => false, mayRead: () => false, role: 'nobody' } };

describe('the access guard', () => {
  it('refuses every root field to a caller whose roles do not list it', async () => {
    const fields = rootFields();
    expect(fields.length).toBeGreaterThan(30);
    for (const { type, name } of fields) {
      const field = type.getFields()[name]!;
      let thrown: unknown;
      try {
        await field.resolve!({}, {}, refusing, {} as never);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, name).toBeInstanceOf(GraphQLError);
      expect((thrown as GraphQLError).extensions, name).toMatchObject({
        code: 'FORBIDDEN',
        permission: `root:${name}`,
      });
    }
  });

  it('has a policy for every root field: administrators only, or listed by a default role', () => {
    const listed = new Set(
      Object.values(DEFAULT_POLICIES).flatMap((p) => (Array.isArray(p.rootFields) ? p.rootFields : [])),
    );
    const orphans = rootFields()
      .map((f) => f.name)
      .filter((name) => !ADMIN_FIELDS.has(name) && !listed.has(name));
    expect(orphans).toEqual([]);
  });

  it('guards every field of the governed types, which answer null with an error when forbidden', () => {
    for (const typeName of GOVERNED_TYPES) {
      const type = schema.getType(typeName) as GraphQLObjectType;
      for (const [name, field] of Object.entries(type.getFields())) {
        expect(
          () => field.resolve!({ [name]: 'x' }, {}, refusing, {} as never),
          `${typeName}.${name}`,
        ).toThrow(
          expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN_FIELD' }) }),
        );
        if (name !== 'id') expect(String(field.type).endsWith('!'), `${typeName}.${name}`).toBe(false);
      }
    }
  });
});
