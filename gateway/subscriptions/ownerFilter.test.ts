import path from 'node:path';
import { parse } from 'graphql';
import { loadSupergraph } from '../supergraph';
import { SubscriptionPlanner } from './subscriptionPlanner';
import { resumableOperation } from './resumableOperation';
import { DEFAULT_VIEWER_DEPENDENT, viewerDependentFound } from './viewerDependence';
import { DEFAULT_OWNER_FILTERED, ownerFilteredForm } from './ownerFilter';

const planner = new SubscriptionPlanner(loadSupergraph(path.resolve(__dirname, '../../schema/supergraph.graphql')).supergraph);
const dependent = new Set<string>(DEFAULT_VIEWER_DEPENDENT);

/** The owner-filtered form of `query` with `variables`, or undefined when it keeps a topic per viewer. */
function formOf(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  const plan = planner.plan(document);
  const found = viewerDependentFound(document, plan.schemas.apiGraphQLSchema, dependent);
  return ownerFilteredForm(document, undefined, variables, plan, resumableOperation(plan), found, DEFAULT_OWNER_FILTERED);
}

describe('owner-filtered subscriptions', () => {
  it('given orderStatusChanged selecting its order, then the upstream selects the owner under a gateway key and reads it back, lower case', () => {
    const form = formOf('subscription($a: String) { changes: orderStatusChanged(after: $a) { status order { id total { amount } } } }');
    expect(form).toBeDefined();
    expect(form!.query).toContain('gatewayOwner: order {\n      customer {\n        id\n      }\n    }');
    // The resumable form keeps its cursor and takes the owner too: a catch-up reads the same.
    expect(form!.resumable?.query).toBe(form!.query);
    expect(form!.query).toContain('gatewayCursor: cursor');
    expect(form!.ownerOf({ data: { changes: { status: 'PENDING', gatewayOwner: { customer: { id: 'ABC-1' } } } } })).toBe('abc-1');
    expect(form!.ownerOf({ data: null })).toBeUndefined();
  });

  it('given a selection with a key of the same name, then the owner goes under another one', () => {
    const form = formOf('subscription { orderStatusChanged { gatewayOwner: status } }');
    expect(form!.query).toContain('gatewayOwner2: order');
    expect(form!.ownerOf({ data: { orderStatusChanged: { gatewayOwner: 'PENDING', gatewayOwner2: { customer: { id: 'u1' } } } } })).toBe('u1');
  });

  it('given an orderId (literal, variable or default), then the subscription keeps a topic per viewer; a null one does not', () => {
    const id = '00000000-0000-4000-8000-000000000001';
    expect(formOf(`subscription { orderStatusChanged(orderId: "${id}") { status } }`)).toBeUndefined();
    expect(formOf('subscription($o: ID) { orderStatusChanged(orderId: $o) { status } }', { o: id })).toBeUndefined();
    expect(formOf(`subscription($o: ID = "${id}") { orderStatusChanged(orderId: $o) { status } }`)).toBeUndefined();
    expect(formOf('subscription { orderStatusChanged(orderId: null) { status } }')).toBeDefined();
    expect(formOf('subscription($o: ID) { orderStatusChanged(orderId: $o) { status } }', { o: null })).toBeDefined();
  });

  it('given a selection reaching what an ADMIN sees beyond the owner (an email), or another field, then it keeps a topic per viewer', () => {
    expect(formOf('subscription { orderStatusChanged { order { customer { email } } } }')).toBeUndefined();
    expect(formOf('subscription($p: ID!) { reviewAdded(productId: $p) { review { author { email } } } }')).toBeUndefined();
  });
});
