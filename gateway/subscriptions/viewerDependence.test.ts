import { buildSchema, parse } from 'graphql';
import { selectsViewerDependent } from './viewerDependence';

const schema = buildSchema(`
  type Query { me: User }
  type User { id: ID! name: String! email: String }
  type Review { id: ID! body: String! author: User! }
  type Order { id: ID! status: String! }
  type OrderStatusChange { order: Order! status: String! }
  type Subscription { reviewAdded: Review! orderStatusChanged: OrderStatusChange! }
`);
const dependent = new Set(['Order', 'OrderStatusChange', 'User.email', 'Subscription.orderStatusChanged']);
const check = (query: string) => selectsViewerDependent(parse(query), schema, dependent);

describe('selectsViewerDependent', () => {
  it('finds nothing viewer-dependent in a public selection', () => {
    expect(check('subscription { reviewAdded { body author { name } } }')).toBe(false);
  });

  it('finds a viewer-dependent field anywhere in the selection, fragments included', () => {
    expect(check('subscription { reviewAdded { author { email } } }')).toBe(true);
    expect(check('subscription { reviewAdded { author { ...F } } } fragment F on User { email }')).toBe(true);
  });

  it('finds a viewer-dependent root field or returned type', () => {
    expect(check('subscription { orderStatusChanged { status } }')).toBe(true);
  });
});
