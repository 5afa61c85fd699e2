import path from 'node:path';
import { parse, validate } from 'graphql';
import { composeServices } from '@apollo/composition';
import { createLogger } from '../../platform/logger';
import { loadSupergraph } from '../supergraph';
import { GatewayPipeline } from '../plugins/gatewayPlugin';
import { SubscriptionPlanner } from './subscriptionPlanner';
import { SubscriptionEventResolver } from './subscriptionEventResolver';
import { resumableOperation } from './resumableOperation';

const planner = new SubscriptionPlanner(loadSupergraph(path.resolve(__dirname, '../../schema/supergraph.graphql')).supergraph);
const planOf = (query: string) => planner.plan(parse(query));

describe('resumable subscription operations', () => {
  it('given a client `after` variable, then the primary takes `after` from a variable of its own, selects the cursor, and drops the unused definition', () => {
    const plan = planOf('subscription ($o: ID, $a: String) { changes: orderStatusChanged(orderId: $o, after: $a) { status } }');
    const resumable = resumableOperation(plan)!;

    expect(resumable.afterVariable).toBe('gatewayAfter');
    expect(resumable.query).toContain('changes: orderStatusChanged(orderId: $o, after: $gatewayAfter)');
    expect(resumable.query).toContain('gatewayCursor: cursor');
    expect(resumable.query).not.toContain('$a');
    expect(validate(plan.schemas.apiGraphQLSchema, parse(resumable.query))).toEqual([]);
    expect(resumable.variables({ o: 'order-1', a: 'cursor-1', unrelated: true })).toEqual({ o: 'order-1', gatewayAfter: 'cursor-1' });
    expect(resumable.variables({})).toEqual({ gatewayAfter: null });
  });

  it('given a literal `after`, a default, or none, then the first subscribe starts where the client asked', () => {
    expect(resumableOperation(planOf('subscription { stockChanged(productId: "p", after: "c0") { stock } }'))!.variables({})).toEqual({ gatewayAfter: 'c0' });
    const withDefault = resumableOperation(planOf('subscription ($a: String = "zz") { reviewAdded(productId: "p", after: $a) { cursor } }'))!;
    expect(withDefault.variables({})).toEqual({ gatewayAfter: 'zz' });
    expect(withDefault.variables({ a: 'given' })).toEqual({ gatewayAfter: 'given' });
    expect(resumableOperation(planOf('subscription { reviewAdded(productId: "p") { occurredAt } }'))!.variables(null)).toEqual({ gatewayAfter: null });
  });

  it('given names the client already uses, then the gateway picks others', () => {
    const plan = planOf('subscription ($gatewayAfter: ID) { orderStatusChanged(orderId: $gatewayAfter) { gatewayCursor: status } }');
    const resumable = resumableOperation(plan)!;
    expect(resumable.afterVariable).toBe('gatewayAfter2');
    expect(resumable.query).toContain('gatewayCursor2: cursor');
    expect(validate(plan.schemas.apiGraphQLSchema, parse(resumable.query))).toEqual([]);
    expect(resumable.variables({ gatewayAfter: 'o1' })).toEqual({ gatewayAfter: 'o1', gatewayAfter2: null });
    expect(resumable.cursorOf({ data: { orderStatusChanged: { gatewayCursor: 'PENDING', gatewayCursor2: 'c7' } } })).toBe('c7');
  });

  it('reads the cursor of a result at the response key of the root field, and none from a result without data', () => {
    const resumable = resumableOperation(planOf('subscription { changes: orderStatusChanged { status } }'))!;
    expect(resumable.cursorOf({ data: { changes: { status: 'PENDING', gatewayCursor: 'c9' } } })).toBe('c9');
    expect(resumable.cursorOf({ data: null, errors: [{ message: 'boom' }] })).toBeUndefined();
    expect(resumable.cursorOf({ data: { changes: null } })).toBeUndefined();
  });

  it('given an event with the cursor the gateway added, then the client result does not carry it', async () => {
    const plan = planOf('subscription { orderStatusChanged { orderId status } }');
    const resumable = resumableOperation(plan)!;
    const resolver = new SubscriptionEventResolver({ dataSources: {}, logger: createLogger('test', 'silent') });
    const request = GatewayPipeline.newRequest('graphql-ws', {}, undefined);
    const event = { data: { orderStatusChanged: { orderId: 'o1', status: 'PENDING', gatewayCursor: 'c1' } } };
    expect(resumable.cursorOf(event)).toBe('c1');
    const result = await resolver.resolve(plan, event, {}, { operation: GatewayPipeline.newOperation(request, null) });
    expect(result).toEqual({ data: { orderStatusChanged: { orderId: 'o1', status: 'PENDING' } } });
  });

  it('given a field without `after: String` or without a `cursor` on its payload, then it is not resumable', () => {
    const typeDefs = parse(`
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
      type Query { tick: Int }
      type Tock { n: Int cursor: String }
      type Tick { n: Int }
      type Subscription { ticks(after: String): Tick! tocks(after: ID): Tock! counts(after: String): [Tock!]! plain: Tock! }
    `);
    const composed = composeServices([{ name: 'clock', url: 'http://127.0.0.1:1/graphql', typeDefs }]);
    if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
    const clockPlanner = new SubscriptionPlanner(composed.supergraphSdl);
    for (const query of ['subscription { ticks { n } }', 'subscription { tocks { n } }', 'subscription { counts { n } }', 'subscription { plain { n } }']) {
      expect(resumableOperation(clockPlanner.plan(parse(query)))).toBeUndefined();
    }
  });
});
