import { TypeInfo, getNamedType, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from 'graphql';

/**
 * The parts of this supergraph whose value depends on who asks: types whose
 * every field does (`Order`: only its customer or an ADMIN may see it) and
 * single fields (`User.email`). Another supergraph passes its own list to the
 * gateway. A missing entry can only make a subscriber see less (shared
 * subscriptions are resolved as an anonymous caller), never another viewer's data.
 */
export const DEFAULT_VIEWER_DEPENDENT = [
  'Order',
  'OrderLine',
  'OrderConnection',
  'OrderStatusChange',
  'User.email',
  'User.orders',
  'Query.me',
  'Query.user',
  'Query.order',
  'Subscription.orderStatusChanged',
] as const;

/** The last verdict per document, with the schema and list it was judged against. */
const verdicts = new WeakMap<DocumentNode, { schema: GraphQLSchema; dependent: ReadonlySet<string>; found: ReadonlySet<string> }>();

/**
 * True when the operation selects anything in `dependent` (type names, or
 * `Type.field` coordinates), judged field by field against `schema`. Such a
 * subscription is resolved for its viewer alone; any other is the same for
 * everyone, so identical ones share one upstream subscription and one
 * resolution, made as an anonymous caller. The verdict is kept per document
 * (for the same `schema` and `dependent` objects), so a document sent again
 * is not walked again.
 */
export function selectsViewerDependent(document: DocumentNode, schema: GraphQLSchema, dependent: ReadonlySet<string>): boolean {
  return viewerDependentFound(document, schema, dependent).size > 0;
}

/** The entries of `dependent` the operation's selection reaches (empty when none), kept per document like `selectsViewerDependent`'s verdict. */
export function viewerDependentFound(document: DocumentNode, schema: GraphQLSchema, dependent: ReadonlySet<string>): ReadonlySet<string> {
  const known = verdicts.get(document);
  if (known && known.schema === schema && known.dependent === dependent) return known.found;
  const found = walk(document, schema, dependent);
  verdicts.set(document, { schema, dependent, found });
  return found;
}

function walk(document: DocumentNode, schema: GraphQLSchema, dependent: ReadonlySet<string>): Set<string> {
  const typeInfo = new TypeInfo(schema);
  const found = new Set<string>();
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (!parent) return;
        const returned = field ? getNamedType(field.type).name : undefined;
        const coordinate = `${parent.name}.${node.name.value}`;
        for (const entry of [parent.name, coordinate, returned]) if (entry !== undefined && dependent.has(entry)) found.add(entry);
      },
    }),
  );
  return found;
}
