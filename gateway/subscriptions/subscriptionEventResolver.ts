import type { ExecutionResult, FormattedExecutionResult } from 'graphql';
import { executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import type { Logger } from '../../platform/logger';
import type { GatewayContext } from '../context';
import type { PlannedSubscription } from './subscriptionPlanner';

/** The request context `executeQueryPlan` takes (`@apollo/server-gateway-interface`'s, reached through the gateway's own signature). */
type GatewayRequestContext = Parameters<typeof executeQueryPlan>[2];

export interface SubscriptionEventResolverOptions {
  /**
   * The gateway's data sources by subgraph name (a `SubgraphDataSource` each),
   * through which every entity fetch goes, so the pipeline's subgraph-request
   * hooks (signed identity, request id) apply as to a query's fetches.
   */
  dataSources: Readonly<Record<string, GraphQLDataSource<GatewayContext>>>;
  /** Receives `executeQueryPlan`'s own diagnostics. */
  logger: Logger;
}

/**
 * Turns each event of an upstream subscription into the client's result: the
 * event is the answer to the plan's primary fetch, and the rest of the plan
 * (entity fetches to other subgraphs, one `_entities` batch per subgraph per
 * step) runs through `@apollo/gateway`'s own `executeQueryPlan`, so merging,
 * `@skip`/`@include`, error paths and result shaping are exactly a query's.
 */
export class SubscriptionEventResolver {
  private readonly dataSources: Readonly<ServiceMap>;
  private readonly logger: Logger;
  constructor(options: SubscriptionEventResolverOptions) {
    this.dataSources = options.dataSources;
    this.logger = options.logger;
  }

  /**
   * Resolves one upstream event into the result the client receives: fields
   * from every subgraph, with the upstream event's errors and any entity
   * fetch's errors in `errors` as in a query's result (subgraph errors carry
   * `extensions.serviceName`). Rejects only on a fault, never because a
   * subgraph failed.
   *
   * @param plan From `SubscriptionPlanner.plan`.
   * @param upstreamResult One result yielded by the primary's subgraph for `plan.primaryOperation`; it is not modified.
   * @param variables The client's variables (all of them: conditions and entity fetches may use any).
   * @param context The subscriber's gateway context, handed to the data sources.
   */
  async resolve(
    plan: PlannedSubscription,
    upstreamResult: ExecutionResult | FormattedExecutionResult,
    variables: Readonly<Record<string, unknown>> | null | undefined,
    context: GatewayContext,
  ): Promise<ExecutionResult> {
    // `executeQueryPlan` merges fetched entities into the primary's data in place, so each resolution gets its own copy.
    const event = {
      data: upstreamResult.data == null ? upstreamResult.data : structuredClone(upstreamResult.data),
      errors: upstreamResult.errors?.map((error) => ('toJSON' in error ? error.toJSON() : error)),
    };

    // The primary's subgraph may also serve entity fetches later in the plan, so
    // only the primary fetch (the one subscription operation) is answered from the event.
    const serviceMap: ServiceMap = Object.create(null);
    Object.assign(serviceMap, this.dataSources);
    const owner = this.dataSources[plan.serviceName];
    serviceMap[plan.serviceName] = {
      process: (options) => {
        if (options.request.query === plan.primaryOperation) return Promise.resolve(event);
        if (!owner) return Promise.reject(new Error(`Couldn't find service with name "${plan.serviceName}"`));
        return owner.process(options);
      },
    };

    const requestVariables = { ...variables };
    // `executeQueryPlan` and `RemoteGraphQLDataSource` read only `request`, `context`, `logger` and
    // `metrics` (and `overallCachePolicy` when set); no cache, hash or source text exists for an event.
    const requestContext = {
      request: { operationName: plan.operationName ?? undefined, variables: requestVariables },
      context,
      logger: this.logger,
      schema: plan.schemas.apiGraphQLSchema,
      document: plan.document,
      operation: plan.operationContext.operation,
      operationName: plan.operationName,
      metrics: {},
      overallCachePolicy: undefined,
    } satisfies Partial<GatewayRequestContext> as unknown as GatewayRequestContext;

    return executeQueryPlan(plan.eventPlan, serviceMap, requestContext, plan.operationContext, plan.schemas.supergraphSchema, plan.schemas.apiSchema);
  }
}
