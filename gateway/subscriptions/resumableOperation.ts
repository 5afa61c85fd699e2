import {
  Kind,
  getNamedType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  parse,
  print,
  visit,
  type ArgumentNode,
  type FieldNode,
  type FormattedExecutionResult,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { PlannedSubscription } from './subscriptionPlanner';

/**
 * The convention that makes a `Subscription` field resumable, held by every
 * one of our subgraphs: an `after: String` argument, and a `cursor: String`
 * (or `String!`) field on its payload (an object or interface, not a list),
 * so that `after: <a payload's cursor>` delivers exactly the events after it.
 */
export const RESUME_ARGUMENT = 'after';
export const CURSOR_FIELD = 'cursor';

/** The names the gateway gives what it adds, made unique within the operation. */
const AFTER_VARIABLE = 'gatewayAfter';
const CURSOR_KEY = 'gatewayCursor';

/**
 * A plan's primary operation as the gateway sends it upstream when its root
 * field is resumable: `after` is a variable the gateway owns (set to the last
 * cursor delivered when it subscribes again), and each payload's `cursor` is
 * selected under a key of the gateway's own, which the client never sees
 * (results are shaped by the client's operation, which does not select it).
 */
export interface ResumableOperation {
  /** The rewritten primary operation. */
  readonly query: string;
  /** The variable that holds `after`. */
  readonly afterVariable: string;
  /** The variables to send with `query` for a client's: those it uses, and `afterVariable` as the client's own `after` (a literal, a variable or its default), or null. */
  variables(clientVariables: Readonly<Record<string, unknown>> | null | undefined): Record<string, unknown>;
  /** The cursor of one upstream result, or undefined when it has none (`data` null, say). */
  cursorOf(result: FormattedExecutionResult): string | undefined;
}

/**
 * The resumable form of `plan.primaryOperation`, or undefined when its root
 * field does not follow the convention (`RESUME_ARGUMENT`, `CURSOR_FIELD`):
 * such a subscription cannot be resumed, so a lost connection ends it with a
 * retryable error instead of leaving a silent gap.
 */
export function resumableOperation(plan: PlannedSubscription): ResumableOperation | undefined {
  // Plans are cached (`SubscriptionPlanner`), so a plan's form is rewritten once, not once per topic.
  let form = resumableForms.get(plan);
  if (form === undefined) resumableForms.set(plan, (form = rewrite(plan) ?? null));
  return form ?? undefined;
}

/** Per plan: its resumable form, or null when it has none. */
const resumableForms = new WeakMap<PlannedSubscription, ResumableOperation | null>();

function rewrite(plan: PlannedSubscription): ResumableOperation | undefined {
  const document = parse(plan.primaryOperation);
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1) return undefined;
  const operation = operations[0]!;
  // A subscription has one root field; the planner writes it inline, maybe beside a `__typename`.
  const root = rootField(operation.selectionSet);
  if (!root || !followsConvention(plan, root.name.value) || !root.selectionSet) return undefined;

  const afterVariable = unique(AFTER_VARIABLE, new Set((operation.variableDefinitions ?? []).map((definition) => definition.variable.name.value)));
  const cursorKey = unique(CURSOR_KEY, new Set(root.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [(s.alias ?? s.name).value] : []))));
  const clientAfter = root.arguments?.find((argument) => argument.name.value === RESUME_ARGUMENT)?.value;

  const afterArgument: ArgumentNode = {
    kind: Kind.ARGUMENT,
    name: { kind: Kind.NAME, value: RESUME_ARGUMENT },
    value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: afterVariable } },
  };
  const rewrittenRoot: FieldNode = {
    ...root,
    arguments: [...(root.arguments ?? []).filter((argument) => argument.name.value !== RESUME_ARGUMENT), afterArgument],
    selectionSet: {
      ...root.selectionSet,
      selections: [
        ...root.selectionSet.selections,
        { kind: Kind.FIELD, alias: { kind: Kind.NAME, value: cursorKey }, name: { kind: Kind.NAME, value: CURSOR_FIELD } },
      ],
    },
  };
  const afterDefinition: VariableDefinitionNode = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: afterVariable } },
    type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'String' } },
  };
  const rewritten: OperationDefinitionNode = {
    ...operation,
    variableDefinitions: [...(operation.variableDefinitions ?? []), afterDefinition],
    selectionSet: {
      ...operation.selectionSet,
      selections: operation.selectionSet.selections.map((selection) => (selection === root ? rewrittenRoot : selection)),
    },
  };
  // The client's `after` variable may be used nowhere else now: an unused definition would fail validation upstream.
  const used = usedVariables({ ...document, definitions: document.definitions.map((definition) => (definition === operation ? rewritten : definition)) });
  const definitions = (rewritten.variableDefinitions ?? []).filter((definition) => used.has(definition.variable.name.value));
  const final = {
    ...document,
    definitions: document.definitions.map((definition) => (definition === operation ? { ...rewritten, variableDefinitions: definitions } : definition)),
  };
  const clientVariableNames = definitions.map((definition) => definition.variable.name.value).filter((name) => name !== afterVariable);
  const defaults = new Map((operation.variableDefinitions ?? []).map((definition) => [definition.variable.name.value, definition.defaultValue]));
  const responseKey = (root.alias ?? root.name).value;

  return {
    query: print(final),
    afterVariable,
    variables: (clientVariables) => {
      const variables: Record<string, unknown> = {};
      for (const name of clientVariableNames) {
        if (clientVariables && Object.prototype.hasOwnProperty.call(clientVariables, name) && clientVariables[name] !== undefined)
          variables[name] = clientVariables[name];
      }
      variables[afterVariable] = stringValue(clientAfter, clientVariables, defaults);
      return variables;
    },
    cursorOf: (result) => {
      const payload = result.data?.[responseKey];
      if (typeof payload !== 'object' || payload === null) return undefined;
      const cursor = (payload as Record<string, unknown>)[cursorKey];
      return typeof cursor === 'string' ? cursor : undefined;
    },
  };
}

/** A subscription operation's one root field (maybe beside a `__typename`), or undefined when it is not one plain field. */
export function rootField(selectionSet: SelectionSetNode | undefined): FieldNode | undefined {
  if (!selectionSet || selectionSet.selections.some((selection) => selection.kind !== Kind.FIELD)) return undefined;
  const roots = (selectionSet.selections as readonly FieldNode[]).filter((field) => field.name.value !== '__typename');
  return roots.length === 1 ? roots[0] : undefined;
}

/** Whether the API schema's `Subscription.<fieldName>` takes `after: String` and returns a payload with a `cursor` string. */
function followsConvention(plan: PlannedSubscription, fieldName: string): boolean {
  const field = plan.schemas.apiGraphQLSchema.getSubscriptionType()?.getFields()[fieldName];
  if (!field) return false;
  const after = field.args.find((argument) => argument.name === RESUME_ARGUMENT);
  if (!after || !isScalarType(after.type) || after.type.name !== 'String') return false;
  const payload = isNonNullType(field.type) ? field.type.ofType : field.type;
  if (!isObjectType(payload) && !isInterfaceType(payload)) return false;
  const cursor = payload.getFields()[CURSOR_FIELD];
  if (!cursor) return false;
  const cursorType = isNonNullType(cursor.type) ? cursor.type.ofType : cursor.type;
  return !isListType(cursorType) && getNamedType(cursorType).name === 'String';
}

/** `base`, or `base2`, `base3`… whichever `taken` does not hold. */
function unique(base: string, taken: ReadonlySet<string>): string {
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}${n}`;
  return name;
}

/** The variables a document uses anywhere but in its variable definitions. */
function usedVariables(document: Parameters<typeof visit>[0]): Set<string> {
  const used = new Set<string>();
  visit(document, {
    VariableDefinition: () => false,
    Variable: (node) => void used.add(node.name.value),
  });
  return used;
}

/** The string an argument's value comes to (a literal, or a variable's value or default), else null. */
function stringValue(
  value: ValueNode | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  defaults: ReadonlyMap<string, ValueNode | undefined>,
): string | null {
  if (!value) return null;
  if (value.kind === Kind.STRING) return value.value;
  if (value.kind !== Kind.VARIABLE) return null;
  const given = variables?.[value.name.value];
  if (given !== undefined) return typeof given === 'string' ? given : null;
  const fallback = defaults.get(value.name.value);
  return fallback?.kind === Kind.STRING ? fallback.value : null;
}
