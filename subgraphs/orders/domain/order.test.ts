import { ErrorCode } from '../../../platform/errors';
import { domainErrorOf } from '../../../tests/support/domainErrors';
import { lineTotal, nextStatusOnCancel, rejectionReason, type OrderStatus } from './order';

describe('nextStatusOnCancel', () => {
  it.each<OrderStatus>(['PENDING', 'CONFIRMED'])('given a %s order, when it is cancelled, then it becomes CANCELLED', (status) => {
    expect(nextStatusOnCancel(status)).toBe('CANCELLED');
  });

  it.each<OrderStatus>(['REJECTED', 'CANCELLED'])('given a %s order, when it is cancelled, then it is a CONFLICT stating the status', (status) => {
    expect(domainErrorOf(() => nextStatusOnCancel(status), ErrorCode.CONFLICT).message).toBe(
      `Only a PENDING or CONFIRMED order can be cancelled; this order is ${status}.`,
    );
  });

  it('given a status it does not know (bad data), then it fails loudly', () => {
    expect(() => nextStatusOnCancel('SHIPPED' as OrderStatus)).toThrow('Unknown order status "SHIPPED".');
  });
});

describe('lineTotal', () => {
  it('given a unit price and a quantity, then the total is their product in the same currency', () => {
    expect(lineTotal({ quantity: 3, unitPrice: { amount: 1999, currency: 'EUR' } })).toEqual({ amount: 5997, currency: 'EUR' });
  });
});

describe('rejectionReason', () => {
  it('given one short product, then it names it with the units requested and available', () => {
    expect(rejectionReason([{ productId: 'p1', requested: 3, available: 1 }])).toBe('Not enough stock for 1 product: p1 (requested 3, available 1).');
  });

  it('given several, then it counts and lists them all', () => {
    expect(
      rejectionReason([
        { productId: 'p1', requested: 3, available: 1 },
        { productId: 'p2', requested: 2, available: 0 },
      ]),
    ).toBe('Not enough stock for 2 products: p1 (requested 3, available 1), p2 (requested 2, available 0).');
  });
});
