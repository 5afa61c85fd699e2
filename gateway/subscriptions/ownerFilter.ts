import { Kind, getOperationAST, parse, print, type DocumentNode, type FieldNode, type FormattedExecutionResult } from 'graphql';
import type { Identity } from '../../platform/auth/identity';
import { rootField, type ResumableOperation } from './resumableOperation';
import type { PlannedSubscription } from './subscriptionPlanner';

/**
 * A `Subscription` field whose visibility rule is "the owner of the event, or
 * an ADMIN": the gateway can then open ONE upstream subscription for every
 * viewer, as its own ADMIN principal, and deliver each event only to the
 * subscribers it belongs to (and to ADMINs), instead of one upstream
 * subscription per viewer. Declared per field; `docs/architecture.md` ("Owner-filtered topics") lists them.
 */
export interface OwnerFilteredField {
  /** The `Subscription` field, e.g. `orderStatusChanged`. */
  field: string;
  /** The path from the field's payload to the owner's user id, selected upstream under a key of the gateway's own (the client never sees it). */
  ownerPath: readonly string[];
  /**
   * Arguments that narrow the field in ways the subgraph checks when the
   * subscription starts (an `orderId` it must find and the caller may see):
   * given a non-null value, the subscription keeps an upstream of its own, so
   * the subgraph's NOT_FOUND and FORBIDDEN still reach the caller.
   */
  perViewerWhen: readonly string[];
  /**
   * The viewer-dependent types and `Type.field`s (of `DEFAULT_VIEWER_DEPENDENT`)
   * an owner sees of their own event exactly as an ADMIN does. A selection
   * that reaches any other one (`User.email` of a product's reviewer, say)
   * keeps an upstream per viewer.
   */
  ownerSees: readonly string[];
}

/** Our supergraph's owner-filtered fields. */
export const DEFAULT_OWNER_FILTERED: readonly OwnerFilteredField[] = [
  {
    field: 'orderStatusChanged',
    ownerPath: ['order', 'customer', 'id'],
    perViewerWhen: ['orderId'],
    ownerSees: ['Subscription.orderStatusChanged', 'OrderStatusChange', 'Order', 'OrderLine'],
  },
];

/**
 * The identity an owner-filtered topic subscribes upstream as: an ADMIN that
 * is no user. Only the owning subgraph's answer for that one field is read
 * with it; the topic's entity fetches to other subgraphs run as an anonymous
 * caller, so nothing else is resolved with the privilege.
 */
export const GATEWAY_PRINCIPAL: Identity = { userId: '00000000-0000-4000-8000-000000000000', role: 'ADMIN' };

/** The key the owner is selected under upstream. */
const OWNER_KEY = 'gatewayOwner';

/** How a subscription runs on an owner-filtered topic. */
export interface OwnerFilteredForm {
  readonly rule: OwnerFilteredField;
  /** The primary operation sent upstream: the plan's (or its resumable form's) with the owner selected. */
  readonly query: string;
  /** The resumable form with `query` as its query, when the field is resumable. */
  readonly resumable?: ResumableOperation;
  /** The owner's user id in one upstream result, lower case; undefined when it has none (no data). */
  ownerOf(result: FormattedExecutionResult): string | undefined;
}

/**
 * The owner-filtered form of a subscription, or undefined when it must keep
 * an upstream per viewer: its root field has no rule in `rules`, it gives one
 * of the rule's `perViewerWhen` arguments a value, or `dependentFound` (the
 * viewer-dependent entries its selection reaches) holds one the owner does
 * not see as an ADMIN does.
 */
export function ownerFilteredForm(
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>>,
  plan: PlannedSubscription,
  resumable: ResumableOperation | undefined,
  dependentFound: ReadonlySet<string>,
  rules: readonly OwnerFilteredField[],
): OwnerFilteredForm | undefined {
  const root = rootField(getOperationAST(document, operationName)?.selectionSet);
  if (!root) return undefined;
  const rule = rules.find((candidate) => candidate.field === root.name.value);
  if (!rule) return undefined;
  for (const found of dependentFound) if (!rule.ownerSees.includes(found)) return undefined;
  for (const argument of root.arguments ?? []) {
    if (!rule.perViewerWhen.includes(argument.name.value)) continue;
    const { value } = argument;
    if (value.kind === Kind.NULL) continue;
    if (value.kind === Kind.VARIABLE && (variables[value.name.value] ?? null) === null && !variableDefault(document, operationName, value.name.value)) continue;
    return undefined;
  }
  return formOf(plan, resumable, rule);
}

/** Per plan: its owner-selecting upstream operation (plans are cached, so it is rewritten once). */
const forms = new WeakMap<PlannedSubscription, OwnerFilteredForm | null>();

function formOf(plan: PlannedSubscription, resumable: ResumableOperation | undefined, rule: OwnerFilteredField): OwnerFilteredForm | undefined {
  let form = forms.get(plan);
  if (form === undefined) forms.set(plan, (form = rewrite(plan, resumable, rule) ?? null));
  return form ?? undefined;
}

function rewrite(plan: PlannedSubscription, resumable: ResumableOperation | undefined, rule: OwnerFilteredField): OwnerFilteredForm | undefined {
  const document = parse(resumable?.query ?? plan.primaryOperation);
  const operation = getOperationAST(document, plan.primaryOperationName);
  const root = rootField(operation?.selectionSet);
  if (!operation || !root?.selectionSet || rule.ownerPath.length === 0) return undefined;
  const taken = new Set(root.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [(s.alias ?? s.name).value] : [])));
  let ownerKey = OWNER_KEY;
  for (let n = 2; taken.has(ownerKey); n++) ownerKey = `${OWNER_KEY}${n}`;
  // `order { customer { id } }` from ['order', 'customer', 'id'], the first under the gateway's key.
  const selection = rule.ownerPath.reduceRight<FieldNode | undefined>(
    (inner, name) => ({
      kind: Kind.FIELD,
      name: { kind: Kind.NAME, value: name },
      ...(inner ? { selectionSet: { kind: Kind.SELECTION_SET, selections: [inner] } } : {}),
    }),
    undefined,
  )!;
  const owned: FieldNode = { ...selection, alias: { kind: Kind.NAME, value: ownerKey } };
  const rewrittenRoot: FieldNode = { ...root, selectionSet: { ...root.selectionSet, selections: [...root.selectionSet.selections, owned] } };
  const query = print({
    ...document,
    definitions: document.definitions.map((definition) =>
      definition === operation
        ? {
            ...operation,
            selectionSet: { ...operation.selectionSet, selections: operation.selectionSet.selections.map((s) => (s === root ? rewrittenRoot : s)) },
          }
        : definition,
    ),
  });
  const responseKey = (root.alias ?? root.name).value;
  return {
    rule,
    query,
    resumable: resumable && { ...resumable, query },
    ownerOf: (result) => {
      let value: unknown = (result.data?.[responseKey] as Record<string, unknown> | null | undefined)?.[ownerKey];
      for (const name of rule.ownerPath.slice(1)) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
      return typeof value === 'string' ? value.toLowerCase() : undefined;
    },
  };
}

/** Whether the operation's variable `$name` has a non-null default. */
function variableDefault(document: DocumentNode, operationName: string | null | undefined, name: string): boolean {
  const definition = getOperationAST(document, operationName)?.variableDefinitions?.find((d) => d.variable.name.value === name);
  return definition?.defaultValue !== undefined && definition.defaultValue.kind !== Kind.NULL;
}
