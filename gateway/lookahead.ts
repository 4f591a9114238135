import { type FieldNode, type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';

/**
 * What a root field's caller selected below it, so the root resolver can read only the columns asked for and
 * the nested lists in its own statement (PostGraphile's one statement per operation), attaching them to
 * their parent rows (loaders.ts `attach`); nested resolvers then answer from there, and shapes this does not
 * foresee fall back to the loaders' batches. Fragments and inline fragments are expanded and aliases count under their field's name.
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

/**
 * The entity properties each computed field of a type reads (its field resolver's inputs); every other field
 * reads the property of its own name. The id is always read.
 */
export type FieldProps = Readonly<Record<string, readonly string[]>>;

/**
 * The properties a selection of `type`'s fields reads, for narrowing the columns of the statement. A field
 * that is neither in `computed` nor a property makes the statement read every column (rows.ts), so a field
 * added without an entry here costs columns, never values.
 */
export function propsOf(selection: Selection, computed: FieldProps): Set<string> {
  const props = new Set<string>(['id']);
  for (const field of selection.keys()) {
    if (field === '__typename') continue;
    const inputs = computed[field];
    if (inputs) for (const p of inputs) props.add(p);
    else props.add(field);
  }
  return props;
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
