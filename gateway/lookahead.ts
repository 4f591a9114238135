import { type FieldNode, type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';

/**
 * What a root field's caller selected below it, so the root resolver can read the nested lists in its own
 * statement (PostGraphile's one statement per operation) and prime the request's loaders with them; nested
 * resolvers then find their rows in the loaders' caches, and shapes this does not foresee fall back to the
 * loaders' batches. Fragments and inline fragments are expanded and aliases count under their field's name.
 * @include/@skip are not evaluated: a field they drop counts as selected, which costs at most a nested read
 * that is not sent (and not audited: only resolved fields are).
 */

export type Selection = Map<string, FieldNode[]>;

function collect(info: GraphQLResolveInfo, set: SelectionSetNode, into: Selection, seen: Set<string>): void {
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      const list = into.get(sel.name.value);
      if (list) list.push(sel);
      else into.set(sel.name.value, [sel]);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      collect(info, sel.selectionSet, into, seen);
    } else if (!seen.has(sel.name.value)) {
      seen.add(sel.name.value);
      const fragment = info.fragments[sel.name.value];
      if (fragment) collect(info, fragment.selectionSet, into, seen);
    }
  }
}

/** The fields selected under `nodes` (by default the resolving field's), by name. */
export function selectionOf(
  info: GraphQLResolveInfo,
  nodes: readonly FieldNode[] = info.fieldNodes,
): Selection {
  const out: Selection = new Map();
  for (const node of nodes) if (node.selectionSet) collect(info, node.selectionSet, out, new Set());
  return out;
}

export interface ConnectionSelection {
  /** The fields selected on the nodes, through `nodes { … }` and `edges { node { … } }`. */
  node: Selection;
  totalCount: boolean;
  /** `pageInfo` is selected (its hasNextPage needs one row more than the page). */
  pageInfo: boolean;
}

/** What a connection field's caller selected. */
export function connectionSelection(info: GraphQLResolveInfo): ConnectionSelection {
  const top = selectionOf(info);
  const nodeFields = [...(top.get('nodes') ?? [])];
  const edges = top.get('edges');
  if (edges) nodeFields.push(...(selectionOf(info, edges).get('node') ?? []));
  return {
    node: selectionOf(info, nodeFields),
    totalCount: top.has('totalCount'),
    pageInfo: top.has('pageInfo'),
  };
}
