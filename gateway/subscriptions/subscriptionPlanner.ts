import { GraphQLError, getOperationAST, print, validate, type DocumentNode, type GraphQLSchema, type VariableDefinitionNode } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { Supergraph, operationFromDocument, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type PlanNode, type QueryPlan } from '@apollo/query-planner';
import { buildOperationContext } from '@apollo/gateway';
import { ErrorCode, withCode } from '../../platform/errors';
import type { OperationContext } from '@apollo/gateway/dist/operationContext';

/**
 * The schemas of one supergraph in the two forms `executeQueryPlan` takes
 * them. A plan carries the ones it was made from, so a plan made before a
 * supergraph update is still resolved against the schema it was planned on.
 */
export interface SupergraphSchemas {
  /** The full supergraph (join directives, `@inaccessible` elements) as a graphql-js schema: how entity representations are read. */
  readonly supergraphSchema: GraphQLSchema;
  /** The client-facing schema in federation-internals' form: how the response is shaped. */
  readonly apiSchema: Schema;
  /** The client-facing schema as a graphql-js schema: what client documents are validated against. */
  readonly apiGraphQLSchema: GraphQLSchema;
}

/**
 * A client's subscription, planned: what to subscribe to upstream, and what
 * to run for each event the upstream subscription yields.
 */
export interface PlannedSubscription {
  /** The subgraph that owns the subscription's root field; `primaryOperation` goes to it over graphql-ws. */
  readonly serviceName: string;
  /** The document text to subscribe to on `serviceName`, as the query planner wrote it. */
  readonly primaryOperation: string;
  /** The operation name inside `primaryOperation` (derived from the client's), if any. */
  readonly primaryOperationName: string | undefined;
  /** The client variables `primaryOperation` uses; send only these upstream (see `primaryVariables`). */
  readonly primaryVariableNames: readonly string[];
  /** True when fields come from other subgraphs than `serviceName`, so each event needs entity fetches. */
  readonly hasRest: boolean;
  /** The client's operation name as given, or null. */
  readonly operationName: string | null;
  /** The client's document. */
  readonly document: DocumentNode;
  /** The client's operation, as `executeQueryPlan` reads it. */
  readonly operationContext: OperationContext;
  /** The plan as the query planner made it: `{ kind: 'Subscription', primary, rest }`. */
  readonly queryPlan: QueryPlan;
  /**
   * The plan run once per event: `Sequence[primary, rest]`, where the primary
   * fetch is answered from the event instead of being sent anywhere.
   */
  readonly eventPlan: QueryPlan;
  /** The primary fetch node of `queryPlan`. */
  readonly primary: FetchNode;
  /** The schemas this plan was made from. */
  readonly schemas: SupergraphSchemas;
}

/** Distinct documents whose plans `SubscriptionPlanner` keeps, by default. */
export const DEFAULT_PLAN_CACHE_SIZE = 1000;

export interface SubscriptionPlannerOptions {
  /** Distinct documents whose plans (per operation name) are kept, least recently used dropped first. Default `DEFAULT_PLAN_CACHE_SIZE`. */
  planCacheSize?: number;
}

/**
 * Plans client subscriptions over one composed supergraph the way the Apollo
 * Router does: the planner's primary fetch is subscribed to on the owning
 * subgraph, and the rest of the plan (entity fetches to other subgraphs) runs
 * for each event.
 *
 * Plans are cached per document and operation name. The document is the key
 * as an object, not as text: the pipeline hands out one document per text
 * (its parse cache), and authorization one filtered document per document,
 * operation and visibility, so a document filtered for one viewer is a
 * different key from the original or another visibility's, and never served
 * in their place. Nothing is printed or compared to find a plan.
 *
 * Build a new planner when the supergraph changes (`onSchemaLoadOrUpdate`);
 * plans made by the old one keep working against the schema they came from.
 */
export class SubscriptionPlanner {
  /** The schemas of the supergraph this planner was built from. */
  readonly schemas: SupergraphSchemas;
  private readonly planner: QueryPlanner;
  // Documents that passed graphql-js validation, so `validate` then `plan` validates once.
  private readonly validDocuments = new WeakSet<DocumentNode>();
  /** Per document (least recently used first), per operation name: its plan, or the error planning it threw. */
  private readonly plans = new Map<DocumentNode, Map<string | null, PlannedSubscription | GraphQLError>>();
  private readonly planCacheSize: number;

  /**
   * @param composed A composed supergraph: its SDL, as `schema/supergraph.graphql` holds it (throws when it is not one), or the one already built from it.
   */
  constructor(composed: string | Supergraph, options: SubscriptionPlannerOptions = {}) {
    this.planCacheSize = options.planCacheSize ?? DEFAULT_PLAN_CACHE_SIZE;
    const supergraph = typeof composed === 'string' ? Supergraph.build(composed) : composed;
    const apiSchema = supergraph.apiSchema();
    this.schemas = {
      supergraphSchema: supergraph.schema.toGraphQLJSSchema(),
      apiSchema,
      apiGraphQLSchema: apiSchema.toGraphQLJSSchema(),
    };
    this.planner = new QueryPlanner(supergraph, { exposeDocumentNodeInFetchNode: true });
  }

  /**
   * Every reason `plan` would refuse `document`: graphql-js validation
   * against the API schema (code `GRAPHQL_VALIDATION_FAILED`), no operation
   * to run (`OPERATION_RESOLUTION_FAILURE`), or an operation that is not a
   * subscription (`BAD_REQUEST`). Empty when the document can be planned.
   */
  validate(document: DocumentNode, operationName?: string | null): readonly GraphQLError[] {
    if (!this.validDocuments.has(document)) {
      const errors = validate(this.schemas.apiGraphQLSchema, document);
      if (errors.length > 0) return errors.map((error) => withCode(error, ErrorCode.GRAPHQL_VALIDATION_FAILED));
      this.validDocuments.add(document);
    }
    const operation = getOperationAST(document, operationName);
    if (!operation) {
      const message = operationName ? `Unknown operation named "${operationName}".` : 'Must provide operation name if query contains multiple operations.';
      return [new GraphQLError(message, { extensions: { code: ErrorCode.OPERATION_RESOLUTION_FAILURE } })];
    }
    if (operation.operation !== 'subscription') {
      const named = operation.name ? ` "${operation.name.value}"` : '';
      return [
        new GraphQLError(
          `Only subscriptions are executed here, but the operation${named} is a ${operation.operation}; send queries and mutations as HTTP requests to /graphql.`,
          { nodes: operation, extensions: { code: ErrorCode.BAD_REQUEST } },
        ),
      ];
    }
    return [];
  }

  /**
   * Plans a client subscription. Throws the first of `validate`'s errors (a
   * `GraphQLError` with a code) when the document is invalid or not a
   * subscription; call `validate` first to report them all. The same
   * document and operation name get the same plan (the same object) while it
   * is cached.
   */
  plan(document: DocumentNode, operationName?: string | null): PlannedSubscription {
    const [refusal] = this.validate(document, operationName);
    if (refusal) throw refusal;
    let perDocument = this.plans.get(document);
    if (perDocument) {
      // Most recently used goes last.
      this.plans.delete(document);
    } else {
      perDocument = new Map();
      if (this.plans.size >= this.planCacheSize) this.plans.delete(this.plans.keys().next().value!);
    }
    this.plans.set(document, perDocument);
    const name = operationName ?? null;
    let planned = perDocument.get(name);
    if (!planned) {
      try {
        planned = this.planUncached(document, operationName);
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        planned = error;
      }
      perDocument.set(name, planned);
    }
    if (planned instanceof GraphQLError) throw planned;
    return planned;
  }

  private planUncached(document: DocumentNode, operationName: string | null | undefined): PlannedSubscription {
    const operationContext = buildOperationContext({
      schema: this.schemas.apiGraphQLSchema,
      operationDocument: document,
      operationName: operationName ?? undefined,
    });
    // As `ApolloGateway` does: the operation is read against the API schema, the planner maps it onto subgraphs.
    const operation = operationFromDocument(this.schemas.apiSchema, document, { operationName: operationName ?? undefined });
    const queryPlan = this.planner.buildQueryPlan(operation);
    const node = queryPlan.node;
    if (node?.kind !== 'Subscription') {
      // The planner plans every subscription as a `Subscription` node; anything else is a planner change we do not know.
      throw new GraphQLError(`Expected a subscription plan for a subscription operation, got ${node ? `a ${node.kind} node` : 'an empty plan'}.`);
    }

    const { primary, rest } = node;
    const nodes: PlanNode[] = rest ? [primary, rest] : [primary];
    return {
      serviceName: primary.serviceName,
      primaryOperation: primary.operation,
      primaryOperationName: primary.operationName,
      primaryVariableNames: primary.variableUsages ?? [],
      hasRest: rest !== undefined,
      operationName: operationName ?? null,
      document,
      operationContext,
      queryPlan,
      eventPlan: { kind: 'QueryPlan', node: { kind: 'Sequence', nodes } },
      primary,
      schemas: this.schemas,
    };
  }
}

const printed = new WeakMap<DocumentNode, string>();

/** `print(document)`, printed once per document. */
export function documentText(document: DocumentNode): string {
  let text = printed.get(document);
  if (text === undefined) printed.set(document, (text = print(document)));
  return text;
}

/**
 * The variables to send with `plan.primaryOperation`: those it uses, as the
 * client gave them (the subgraph coerces them and applies defaults).
 */
export function primaryVariables(plan: PlannedSubscription, variables: Readonly<Record<string, unknown>> | null | undefined): Record<string, unknown> {
  const selected: Record<string, unknown> = {};
  if (!variables) return selected;
  for (const name of plan.primaryVariableNames) {
    if (Object.prototype.hasOwnProperty.call(variables, name) && variables[name] !== undefined) selected[name] = variables[name];
  }
  return selected;
}

/**
 * Checks the client's variables against the operation's definitions, as
 * `ApolloGateway` does before it runs a plan: empty when they are acceptable,
 * otherwise one `BAD_USER_INPUT` error per problem.
 */
export function validateVariables(plan: PlannedSubscription, variables: Readonly<Record<string, unknown>> | null | undefined): readonly GraphQLError[] {
  const definitions: readonly VariableDefinitionNode[] = plan.operationContext.operation.variableDefinitions ?? [];
  if (definitions.length === 0) return [];
  const { errors } = getVariableValues(plan.schemas.apiGraphQLSchema, definitions, { ...variables });
  return (errors ?? []).map((error) => withCode(error, ErrorCode.BAD_USER_INPUT));
}
