import {
  buildASTSchema,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  getOperationAST,
  GraphQLError,
  isCompositeType,
  isInputObjectType,
  isListType,
  Kind,
  parse,
  valueFromASTUntyped,
  type ArgumentNode,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import type { GatewayOperation, GatewayPlugin } from './gatewayPlugin';

/** `enforce` refuses an operation over the maximum; `measure` only logs it. */
export type CostMode = 'enforce' | 'measure';

/**
 * The default maximum estimated cost. The README's example operations cost
 * at most 122; one full page of 100 rich nodes (`orders(first: 100)` with
 * lines and products, `products(first: 100)` as `Everything` asks) about
 * 1,200; two nested pages of 100 (`products(first: 100) { … reviews(first: 100) … }`)
 * about 20,000.
 */
export const DEFAULT_MAX_COST = 5000;

/** The size assumed for a list field that has no `@listSize`. */
export const DEFAULT_LIST_SIZE = 10;

/** Extra cost of each root field of a mutation (Apollo's demand control charges a mutation 10). */
const MUTATION_FIELD_COST = 10;

/** `@listSize` as declared on a field. */
export interface ListSize {
  assumedSize?: number;
  slicingArguments?: readonly string[];
  sizedFields?: readonly string[];
  requireOneSlicingArgument: boolean;
}

/** A schema with its cost directives read out, by schema coordinate. Built once per supergraph. */
export interface CostSchema {
  schema: GraphQLSchema;
  /** `@cost(weight:)` by coordinate: `Type`, `Type.field`, `Type.field(argument:)`, `InputType.field`. */
  weights: ReadonlyMap<string, number>;
  /** `@listSize` by field coordinate, `Type.field`. */
  listSizes: ReadonlyMap<string, ListSize>;
  /** Input object types with a weighed input field somewhere inside them: only their values are walked. */
  weighedInputs: ReadonlySet<string>;
}

const COST_SPEC = 'https://specs.apollo.dev/cost/';

/**
 * Reads a composed supergraph's `@cost` and `@listSize` applications (the
 * cost spec linked by the supergraph, under whatever names its `@link`
 * gives them) into a `CostSchema`. A supergraph without the cost spec gets
 * the default weights only.
 */
export function costSchemaFromSupergraph(sdl: string): CostSchema {
  const schema = buildASTSchema(parse(sdl), { assumeValidSDL: true });
  const names = costDirectiveNames(schema);
  const costDirective = names && schema.getDirective(names.cost);
  const listSizeDirective = names && schema.getDirective(names.listSize);
  const weights = new Map<string, number>();
  const listSizes = new Map<string, ListSize>();
  const readWeight = (coordinate: string, node: { readonly directives?: readonly DirectiveNode[] } | null | undefined) => {
    if (!costDirective || !node) return;
    const values = getDirectiveValues(costDirective, node);
    if (values && typeof values.weight === 'number') weights.set(coordinate, values.weight);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    readWeight(type.name, type.astNode);
    for (const extension of type.extensionASTNodes) readWeight(type.name, extension);
    if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) readWeight(`${type.name}.${field.name}`, field.astNode);
    } else if ('getFields' in type) {
      for (const field of Object.values(type.getFields())) {
        const coordinate = `${type.name}.${field.name}`;
        readWeight(coordinate, field.astNode);
        for (const argument of field.args) readWeight(`${coordinate}(${argument.name}:)`, argument.astNode);
        const values = listSizeDirective && field.astNode ? getDirectiveValues(listSizeDirective, field.astNode) : undefined;
        if (values) {
          listSizes.set(coordinate, {
            assumedSize: typeof values.assumedSize === 'number' ? values.assumedSize : undefined,
            slicingArguments: values.slicingArguments as string[] | undefined,
            sizedFields: values.sizedFields as string[] | undefined,
            requireOneSlicingArgument: values.requireOneSlicingArgument !== false,
          });
        }
      }
    }
  }
  return { schema, weights, listSizes, weighedInputs: weighedInputTypes(schema, weights) };
}

/** The names the supergraph's `@link` to the cost spec gives `@cost` and `@listSize`, or undefined when it links none. */
function costDirectiveNames(schema: GraphQLSchema): { cost: string; listSize: string } | undefined {
  const link = schema.astNode?.directives?.find(
    (directive) =>
      directive.name.value === 'link' &&
      directive.arguments?.some(
        (argument) => argument.name.value === 'url' && argument.value.kind === Kind.STRING && argument.value.value.startsWith(COST_SPEC),
      ),
  );
  if (!link) return undefined;
  const args = Object.fromEntries((link.arguments ?? []).map((argument) => [argument.name.value, valueFromASTUntyped(argument.value)])) as {
    as?: string;
    import?: Array<string | { name: string; as?: string }>;
  };
  // Link spec: unimported directives are `@<prefix>__<name>`, and the one named like the feature is `@<prefix>`.
  const prefix = args.as ?? 'cost';
  const nameOf = (name: string) => {
    for (const entry of args.import ?? []) {
      if (entry === `@${name}`) return name;
      if (typeof entry === 'object' && entry.name === `@${name}`) return (entry.as ?? entry.name).replace(/^@/, '');
    }
    return name === 'cost' ? prefix : `${prefix}__${name}`;
  };
  return { cost: nameOf('cost'), listSize: nameOf('listSize') };
}

/** The input object types from which a weighed input field can be reached. */
function weighedInputTypes(schema: GraphQLSchema, weights: ReadonlyMap<string, number>): Set<string> {
  const weighed = new Set<string>();
  const visiting = new Set<string>();
  const visit = (name: string): boolean => {
    if (weighed.has(name)) return true;
    const type = schema.getType(name);
    if (!isInputObjectType(type) || visiting.has(name)) return false;
    visiting.add(name);
    const found = Object.values(type.getFields()).some((field) => weights.has(`${name}.${field.name}`) || visit(getNamedType(field.type).name));
    if (found) weighed.add(name);
    return found;
  };
  for (const type of Object.values(schema.getTypeMap())) if (isInputObjectType(type)) visit(type.name);
  return weighed;
}

/** What `estimateCost` needs: the operation as sent and the schema with its cost directives. */
export interface CostEstimateRequest {
  document: DocumentNode;
  /** Chooses the operation, as GraphQL's `operationName` does. */
  operationName?: string | null;
  /** The variables as sent: slicing arguments and weighed inputs are read from them. */
  variables?: Readonly<Record<string, unknown>>;
  schema: CostSchema;
  /** The size of a list field without `@listSize`. Default `DEFAULT_LIST_SIZE` (10). */
  defaultListSize?: number;
}

/**
 * A selection set's cost, and for each list field in it (by field name) the
 * cost of one item and of the list at its own size, so that a parent's
 * `@listSize(sizedFields:)` can resize it without walking it again.
 */
interface Summary {
  total: number;
  lists?: Map<string, { item: number; atOwnSize: number }>;
}

/**
 * The static estimated cost of one operation, in the manner of Apollo's
 * demand control (see docs/demandControl.md): an object field weighs 1, a
 * scalar or enum 0, a list multiplies its item's cost by its size, each
 * root field of a mutation 10 more; `@cost(weight:)` on a field, on its
 * type, on an argument or on an input field replaces or adds a weight;
 * `@listSize` gives list sizes, from slicing arguments (literal or
 * variable) or an assumed size. `@skip` and `@include` are honoured.
 *
 * Linear in the document: each fragment's selection set is summarised once
 * and reused wherever it is spread, so a fragment explosion costs the
 * estimator no more than the text it takes to write it (the estimate itself
 * grows as fast as the response would). Throws a `GraphQLError`
 * (`GRAPHQL_VALIDATION_FAILED`) when a field that requires exactly one
 * slicing argument gets none or several.
 */
export function estimateCost(request: CostEstimateRequest): number {
  const { document, schema: costSchema } = request;
  const { schema, weights, listSizes, weighedInputs } = costSchema;
  const defaultListSize = request.defaultListSize ?? DEFAULT_LIST_SIZE;
  const operation = getOperationAST(document, request.operationName ?? undefined);
  if (!operation) throw new Error('estimateCost: the document and operationName select no operation.');
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return 0;
  const mutationType = schema.getMutationType();

  // The variables as sent, with the operation's defaults for those not sent.
  const variables: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (request.variables && name in request.variables) variables[name] = request.variables[name];
    else if (definition.defaultValue) variables[name] = valueFromASTUntyped(definition.defaultValue);
  }
  const valueOf = (node: ArgumentNode['value']): unknown => valueFromASTUntyped(node, variables);

  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const fragmentSummaries = new Map<string, Summary>();
  const summarising = new Set<string>();

  const included = (directives: readonly DirectiveNode[] | undefined): boolean => {
    for (const directive of directives ?? []) {
      const name = directive.name.value;
      if (name !== 'skip' && name !== 'include') continue;
      const condition = directive.arguments?.find((argument) => argument.name.value === 'if');
      const value = condition && valueOf(condition.value);
      // A condition that is not a boolean is counted as included: the estimate stays an upper bound.
      if (typeof value === 'boolean' && value === (name === 'skip')) return false;
    }
    return true;
  };

  const add = (into: Summary, from: Summary) => {
    into.total += from.total;
    for (const [name, list] of from.lists ?? []) addList(into, name, list.item, list.atOwnSize);
  };
  const addList = (into: Summary, name: string, item: number, atOwnSize: number) => {
    into.lists ??= new Map();
    const list = into.lists.get(name);
    if (list) {
      list.item += item;
      list.atOwnSize += atOwnSize;
    } else into.lists.set(name, { item, atOwnSize });
  };
  /** A summary's cost once its parent has given some of its lists a size (`sizedFields`). */
  const resized = (summary: Summary, sizes: ReadonlyMap<string, number> | undefined): number => {
    let total = summary.total;
    for (const [name, size] of sizes ?? []) {
      const list = summary.lists?.get(name);
      if (list) total += size * list.item - list.atOwnSize;
    }
    return total;
  };

  const summarise = (selectionSet: SelectionSetNode, type: GraphQLCompositeType, into: Summary = { total: 0 }): Summary => {
    for (const selection of selectionSet.selections) {
      if (!included(selection.directives)) continue;
      switch (selection.kind) {
        case Kind.FIELD:
          fieldCost(selection, type, into);
          break;
        case Kind.INLINE_FRAGMENT: {
          const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
          if (isCompositeType(condition)) summarise(selection.selectionSet, condition, into);
          break;
        }
        case Kind.FRAGMENT_SPREAD:
          add(into, fragmentSummary(selection.name.value));
          break;
      }
    }
    return into;
  };

  const fragmentSummary = (name: string): Summary => {
    const known = fragmentSummaries.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    const condition = fragment && schema.getType(fragment.typeCondition.name.value);
    // Validation refuses unknown fragments and cycles before this runs; they count nothing here.
    if (!fragment || !isCompositeType(condition) || summarising.has(name)) return { total: 0 };
    summarising.add(name);
    const summary = summarise(fragment.selectionSet, condition);
    summarising.delete(name);
    fragmentSummaries.set(name, summary);
    return summary;
  };

  const fieldCost = (node: FieldNode, parent: GraphQLCompositeType, into: Summary) => {
    const name = node.name.value;
    // `__typename` is free; introspection is the introspection policy's concern.
    if (name.startsWith('__') || !('getFields' in parent)) return;
    const field = parent.getFields()[name];
    if (!field) return;
    const coordinate = `${parent.name}.${name}`;
    const type = getNamedType(field.type);
    const weight = weights.get(coordinate) ?? weights.get(type.name) ?? (isCompositeType(type) ? 1 : 0);
    const { size, sizes } = listSizeOf(node, field, coordinate);
    const selections = node.selectionSet && isCompositeType(type) ? resized(summarise(node.selectionSet, type), sizes) : 0;
    const item = weight + selections;
    const fixed = argumentsCost(node, field, coordinate) + (parent === mutationType ? MUTATION_FIELD_COST : 0);
    if (isListType(getNullableType(field.type))) {
      into.total += size * item + fixed;
      addList(into, name, item, size * item);
    } else {
      into.total += item + fixed;
    }
  };

  /** The field's own list size, and the sizes it gives its `sizedFields`. */
  const listSizeOf = (node: FieldNode, field: GraphQLField<unknown, unknown>, coordinate: string) => {
    const listSize = listSizes.get(coordinate);
    if (!listSize) return { size: defaultListSize, sizes: undefined };
    let size: number | undefined;
    if (listSize.slicingArguments?.length) {
      const given = listSize.slicingArguments.flatMap((name) => {
        const argument = node.arguments?.find((candidate) => candidate.name.value === name);
        const value = argument ? valueOf(argument.value) : field.args.find((definition) => definition.name === name)?.defaultValue;
        return typeof value === 'number' && Number.isFinite(value) ? [Math.max(0, value)] : [];
      });
      if (listSize.requireOneSlicingArgument && given.length !== 1) {
        throw new GraphQLError(
          `${coordinate} needs exactly one of its slicing arguments (${listSize.slicingArguments.join(', ')}) to estimate its cost, and got ${given.length}.`,
          { nodes: [node], extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED, http: { status: 400 } } },
        );
      }
      if (given.length) size = Math.max(...given);
    }
    size ??= listSize.assumedSize ?? defaultListSize;
    if (!listSize.sizedFields?.length) return { size, sizes: undefined };
    return { size: listSize.assumedSize ?? defaultListSize, sizes: new Map(listSize.sizedFields.map((name) => [name, size])) };
  };

  const argumentsCost = (node: FieldNode, field: GraphQLField<unknown, unknown>, coordinate: string): number => {
    let cost = 0;
    for (const argument of node.arguments ?? []) {
      const definition = field.args.find((candidate) => candidate.name === argument.name.value);
      if (!definition) continue;
      const weight = weights.get(`${coordinate}(${definition.name}:)`);
      const walk = weighedInputs.has(getNamedType(definition.type).name);
      if (weight === undefined && !walk) continue;
      const value = valueOf(argument.value);
      if (value === null || value === undefined) continue;
      cost += (weight ?? 0) + (walk ? inputCost(value, definition.type) : 0);
    }
    return cost;
  };

  /** The weights of the input fields a value sets, at any depth. */
  const inputCost = (value: unknown, type: GraphQLInputType): number => {
    const nullable = getNullableType(type);
    if (isListType(nullable)) {
      const items = Array.isArray(value) ? value : [value];
      return items.reduce((sum: number, item) => sum + inputCost(item, nullable.ofType), 0);
    }
    if (!isInputObjectType(nullable) || typeof value !== 'object' || value === null || !weighedInputs.has(nullable.name)) return 0;
    let cost = 0;
    for (const field of Object.values(nullable.getFields())) {
      const fieldValue = (value as Record<string, unknown>)[field.name];
      if (fieldValue === null || fieldValue === undefined) continue;
      cost += (weights.get(`${nullable.name}.${field.name}`) ?? 0) + inputCost(fieldValue, field.type);
    }
    return cost;
  };

  return summarise(operation.selectionSet, rootType).total;
}

/** The options of `demandControlPlugin`. */
export interface DemandControlOptions {
  /** The supergraph's types and cost directives (`costSchemaFromSupergraph`). */
  schema: CostSchema;
  /** The largest estimated cost an operation may have (`MAX_COST`). Default `DEFAULT_MAX_COST` (5000). */
  maxCost?: number;
  /** `enforce` refuses an operation over `maxCost`; `measure` lets it run and logs a warning (`COST_MODE`). Default `enforce`. */
  mode?: CostMode;
  /** The size of a list field without `@listSize`. Default `DEFAULT_LIST_SIZE` (10). */
  defaultListSize?: number;
  /** Where operations over `maxCost` in `measure` mode are reported. Default: nowhere (the access log still prints each `cost`). */
  logger?: Logger;
}

const COST = Symbol('demandControl.cost');

/** The estimated cost `demandControlPlugin` recorded for an operation, if it ran. */
export function estimatedCostOf(operation: GatewayOperation): number | undefined {
  return operation.state.get(COST) as number | undefined;
}

/**
 * Demand control for every transport: before planning, each operation's
 * static cost is estimated (`estimateCost`) and recorded on it (the access
 * log prints it as `cost`). In `enforce` mode an operation whose estimate
 * exceeds `maxCost` is refused with 400 and `COST_ESTIMATED_TOO_EXPENSIVE`,
 * and no subgraph is contacted; in `measure` mode it runs and is logged.
 */
export function demandControlPlugin(options: DemandControlOptions): GatewayPlugin {
  const maxCost = options.maxCost ?? DEFAULT_MAX_COST;
  const mode = options.mode ?? 'enforce';
  return {
    name: 'demandControl',
    onOperation(operation) {
      const { document, operationName, variables } = operation;
      if (!document || !operation.operation) return;
      let cost: number;
      try {
        cost = estimateCost({ document, operationName, variables, schema: options.schema, defaultListSize: options.defaultListSize });
      } catch (error) {
        if (mode === 'enforce' || !(error instanceof GraphQLError)) throw error;
        options.logger?.warn({ requestId: operation.id, operationName, reason: error.message }, 'operation cost not estimated (COST_MODE=measure)');
        return;
      }
      operation.state.set(COST, cost);
      if (cost <= maxCost) return;
      if (mode === 'measure') {
        options.logger?.warn({ requestId: operation.id, operationName, cost, maxCost }, 'operation over the cost maximum (COST_MODE=measure)');
        return;
      }
      throw new GraphQLError(
        `The operation's estimated cost is ${cost}, above the maximum of ${maxCost}: ask for fewer items (a smaller \`first\`) or fewer nested lists.`,
        { extensions: { code: ErrorCode.COST_ESTIMATED_TOO_EXPENSIVE, http: { status: 400 } } },
      );
    },
  };
}
