import path from 'node:path';
import { parse } from 'graphql';
import { encodeEventCursor } from '../../platform/events/eventCursor';
import { loadSupergraph } from '../supergraph';
import { SubscriptionPlanner } from './subscriptionPlanner';
import { sharedTopicForm } from './sharedTopic';

const planner = new SubscriptionPlanner(loadSupergraph(path.resolve(__dirname, '../../schema/supergraph.graphql')).supergraph);
const formOf = (query: string, variables: Record<string, unknown> = {}) => {
  const document = parse(query);
  return sharedTopicForm(document, undefined, planner.plan(document), variables);
};
const STOCK = 'subscription ($p: ID!, $after: String) { stockChanged(productId: $p, after: $after) { stock } }';

describe('which topic a subscription joins', () => {
  it('given the same subscription with different cursors or none, then the topic is one, starts from now, and each cursor is a resume point', () => {
    const c5 = encodeEventCursor('inventory', 5);
    const fresh = formOf(STOCK, { p: 'x' });
    const resumed = formOf(STOCK, { p: 'x', after: c5 });
    const literal = formOf(`subscription ($p: ID!) { stockChanged(productId: $p, after: "${c5}") { stock } }`, { p: 'x' });
    const literalNone = formOf('subscription ($p: ID!) { stockChanged(productId: $p) { stock } }', { p: 'x' });

    expect([resumed.text, resumed.variables, resumed.topicAfter]).toEqual([fresh.text, fresh.variables, null]);
    expect(resumed.variables).toEqual({ p: 'x' });
    expect(resumed.resume).toEqual({ cursor: c5, domain: 'inventory', sequence: 5 });
    expect(fresh.resume).toBeUndefined();
    expect([literal.text, literal.variables, literal.topicAfter]).toEqual([literalNone.text, literalNone.variables, null]);
    expect(literal.resume?.sequence).toBe(5);
  });

  it('given a cursor the gateway cannot read, then the subscription keeps a topic of its own that starts after it', () => {
    const form = formOf(STOCK, { p: 'x', after: 'not-a-cursor!' });
    expect(form.topicAfter).toBe('not-a-cursor!');
    expect(form.variables).toEqual({ p: 'x', after: 'not-a-cursor!' });
    expect(form.resume).toBeUndefined();
  });

  it('given an `after` variable used elsewhere too, then the variable stays part of the topic', () => {
    const c1 = encodeEventCursor('reviews', 1);
    const form = formOf('subscription ($a: String) { stockChanged(productId: "p", after: $a) { product { reviews(after: $a) { totalCount } } } }', { a: c1 });
    expect(form.variables).toEqual({ a: c1 });
    expect(form.topicAfter).toBe(c1);
    expect(form.resume).toBeUndefined();
  });
});
