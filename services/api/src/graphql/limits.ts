import {
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLNamedType,
  type GraphQLOutputType,
  getNamedType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

/** Arguments that size a list field; a list without one is assumed to hold this many. */
const SIZE_ARGS = new Set(['first', 'limit', 'maxPoints']);
const DEFAULT_LIST = 20;

function isList(t: GraphQLOutputType): boolean {
  return isListType(isNonNullType(t) ? t.ofType : t);
}

/**
 * Refuses queries whose estimated cost is above `max`: each field costs 1 times the sizes of
 * the lists it sits in (a list's size is its first/limit argument, or 20; a variable counts as
 * the most the server would return, 1000).
 */
export function costLimitRule(max: number): ValidationRule {
  return (context: ValidationContext) => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of context.getDocument().definitions) {
      if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    }
    // `inherited`: the `first` of a connection above, which sizes the first list below it (edges).
    const cost = (
      set: SelectionSetNode,
      parent: GraphQLNamedType,
      mult: number,
      seen: Set<string>,
      inherited?: number,
    ): number => {
      let total = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          if (sel.name.value.startsWith('__') || !isObjectType(parent)) continue;
          const def = parent.getFields()[sel.name.value];
          if (!def) continue;
          let sized: number | undefined;
          for (const a of sel.arguments ?? []) {
            if (SIZE_ARGS.has(a.name.value))
              sized = a.value.kind === Kind.INT ? Math.max(1, Number(a.value.value)) : 1000;
          }
          const list = isList(def.type);
          const size = list ? (sized ?? inherited ?? DEFAULT_LIST) : 1;
          total += mult;
          if (sel.selectionSet) {
            const pass = list ? undefined : (sized ?? inherited);
            total += cost(sel.selectionSet, getNamedType(def.type), mult * size, seen, pass);
          }
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          const t = sel.typeCondition ? context.getSchema().getType(sel.typeCondition.name.value) : parent;
          if (t) total += cost(sel.selectionSet, t, mult, seen, inherited);
        } else {
          const f = fragments.get(sel.name.value);
          if (!f || seen.has(f.name.value)) continue;
          const t = context.getSchema().getType(f.typeCondition.name.value);
          if (t) total += cost(f.selectionSet, t, mult, new Set([...seen, f.name.value]), inherited);
        }
      }
      return total;
    };
    return {
      OperationDefinition(op) {
        const root =
          op.operation === 'query'
            ? context.getSchema().getQueryType()
            : op.operation === 'mutation'
              ? context.getSchema().getMutationType()
              : context.getSchema().getSubscriptionType();
        if (!root) return;
        const c = cost(op.selectionSet, root, 1, new Set());
        if (c > max) {
          context.reportError(
            new GraphQLError(
              `query too complex: estimated cost ${c} is above ${max}; ask for fewer fields or smaller pages`,
              { nodes: [op], extensions: { code: 'QUERY_TOO_COMPLEX' } },
            ),
          );
        }
      },
    };
  };
}
