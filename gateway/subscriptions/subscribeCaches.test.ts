import path from 'node:path';
import { getOperationAST } from 'graphql';
import { loadSupergraph } from '../supergraph';
import { authorizationPlugin } from '../plugins/authorization';
import { GatewayPipeline, type GatewayOperation } from '../plugins/gatewayPlugin';
import type { AuthenticatedViewer } from '../auth/authenticate';
import { SubscriptionPlanner, type PlannedSubscription } from './subscriptionPlanner';
import { resumableOperation } from './resumableOperation';
import { selectsViewerDependent } from './viewerDependence';

const supergraph = loadSupergraph(path.resolve(__dirname, '../../schema/supergraph.graphql'));
// `User.orders` is @authenticated: an anonymous subscriber's document is filtered, a signed-in one's is not.
const WITH_ORDERS = 'subscription Reviews($p: ID!) { reviewAdded(productId: $p) { review { body author { name orders(first: 1) { totalCount } } } } }';
const alice: AuthenticatedViewer = { userId: 'alice', role: 'CUSTOMER', expiresAt: Number.MAX_SAFE_INTEGER, scopes: [] };

/** A subscribe as the service runs it up to planning: parse through the pipeline, its `onOperation` hooks, then the plan. */
async function planAs(
  pipeline: GatewayPipeline,
  planner: SubscriptionPlanner,
  viewer: AuthenticatedViewer,
): Promise<{ operation: GatewayOperation; plan: PlannedSubscription }> {
  const request = GatewayPipeline.newRequest('graphql-ws', {}, undefined);
  request.viewer = viewer;
  const operation = GatewayPipeline.newOperation(request, 'Reviews', 'test');
  const document = pipeline.parse(operation, WITH_ORDERS);
  operation.variables = { p: 'p1' };
  operation.operation = getOperationAST(document, 'Reviews') ?? undefined;
  await pipeline.operation(operation);
  return { operation, plan: planner.plan(operation.document ?? document, 'Reviews') };
}

const fetchesTo = (plan: PlannedSubscription, subgraph: string) => JSON.stringify(plan.eventPlan).includes(`"serviceName":"${subgraph}"`);

describe('subscribe caches', () => {
  it('given an anonymous subscriber whose document authorization filtered, when a signed-in one subscribes with the same text, then it gets the plan of the unfiltered document, and each visibility keeps its own', async () => {
    const pipeline = new GatewayPipeline([authorizationPlugin({ supergraph })]);
    const planner = new SubscriptionPlanner(supergraph.supergraph);

    const anonymous = await planAs(pipeline, planner, null);
    const signedIn = await planAs(pipeline, planner, alice);

    // The same text is parsed once; authorization planned a filtered copy for the anonymous caller only.
    expect(anonymous.operation.source).toBe(signedIn.operation.source);
    expect(anonymous.plan.document).not.toBe(signedIn.plan.document);
    expect(fetchesTo(anonymous.plan, 'orders')).toBe(false);
    expect(fetchesTo(signedIn.plan, 'orders')).toBe(true);
    // Each visibility again: the same plan as before, not the other's.
    expect((await planAs(pipeline, planner, alice)).plan).toBe(signedIn.plan);
    expect((await planAs(pipeline, planner, null)).plan).toBe(anonymous.plan);
  });

  it('given a plan, then its resumable form and its viewer dependence are worked out once', async () => {
    const pipeline = new GatewayPipeline([]);
    const planner = new SubscriptionPlanner(supergraph.supergraph);
    const { plan } = await planAs(pipeline, planner, null);
    expect(resumableOperation(plan)).toBe(resumableOperation(plan));
    const dependent = new Set(['User.orders']);
    expect(selectsViewerDependent(plan.document, plan.schemas.apiGraphQLSchema, dependent)).toBe(true);
    expect(selectsViewerDependent(plan.document, plan.schemas.apiGraphQLSchema, new Set(['User.email']))).toBe(false);
    expect(selectsViewerDependent(plan.document, plan.schemas.apiGraphQLSchema, dependent)).toBe(true);
  });
});
