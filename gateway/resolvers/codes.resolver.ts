import { Arg, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { CodeTable, CodeValue } from '../../schema/codes/code.entity';
import { NotFoundError } from '../../schema/runtime/errors';
import type { GatewayContext } from '../context';

@Resolver(() => CodeTable)
export class CodeTableResolver {
  @Query(() => [CodeTable], {
    description: 'Every code table (GB/T 31000 and the standards of its person block)',
  })
  codeTables(@Ctx() { em }: GatewayContext): Promise<CodeTable[]> {
    return em.find(CodeTable, {}, { orderBy: { id: 'asc' } });
  }

  @Query(() => CodeTable, { description: 'One code table by its id, e.g. dispute_type' })
  async codeTable(@Arg('id', () => String) id: string, @Ctx() { em }: GatewayContext): Promise<CodeTable> {
    const table = await em.findOne(CodeTable, { id });
    if (!table) throw new NotFoundError('CodeTable', id, 'CODE_TABLE_NOT_FOUND');
    return table;
  }

  @FieldResolver(() => [CodeValue], { description: 'Its codes in the standard’s order' })
  values(@Root() table: CodeTable, @Ctx() { em }: GatewayContext): Promise<CodeValue[]> {
    return em.find(CodeValue, { table: table.id }, { orderBy: { position: 'asc' } });
  }
}
