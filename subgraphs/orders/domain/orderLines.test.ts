import { ErrorCode } from '../../../platform/errors';
import { badInputOf, domainErrorOf } from '../../../tests/support/domainErrors';
import { priceOrder, validateOrderLines, MAX_LINE_QUANTITY, MAX_ORDER_LINES, MAX_ORDER_TOTAL } from './orderLines';

const A = '4b1c1f8e-0a7e-4c9b-9d55-0c5d2f0b9f10';
const B = '9f0e2d6c-1b3a-4c5d-8e7f-0a1b2c3d4e5f';
const C = '00000000-0000-4000-8000-000000000003';
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('validateOrderLines', () => {
  it('given 1 to 50 distinct products with quantities in range, then it accepts them in canonical form', () => {
    expect(
      validateOrderLines([
        { productId: A.toUpperCase(), quantity: 1 },
        { productId: B, quantity: MAX_LINE_QUANTITY },
      ]),
    ).toEqual([
      { productId: A, quantity: 1 },
      { productId: B, quantity: MAX_LINE_QUANTITY },
    ]);
    const most = Array.from({ length: MAX_ORDER_LINES }, (_, i) => ({ productId: id(i), quantity: 1 }));
    expect(validateOrderLines(most)).toHaveLength(MAX_ORDER_LINES);
  });

  it.each([
    ['no lines', [], 'input.lines'],
    ['51 lines', Array.from({ length: MAX_ORDER_LINES + 1 }, (_, i) => ({ productId: id(i), quantity: 1 })), 'input.lines'],
    [
      'a malformed id on line 1',
      [
        { productId: A, quantity: 1 },
        { productId: 'not-a-uuid', quantity: 1 },
      ],
      'input.lines.1.productId',
    ],
    ['quantity 0 on line 0', [{ productId: A, quantity: 0 }], 'input.lines.0.quantity'],
    ['a negative quantity', [{ productId: A, quantity: -1 }], 'input.lines.0.quantity'],
    [
      'a fractional quantity on line 2',
      [
        { productId: A, quantity: 1 },
        { productId: B, quantity: 1 },
        { productId: C, quantity: 1.5 },
      ],
      'input.lines.2.quantity',
    ],
    ['1001 units', [{ productId: A, quantity: MAX_LINE_QUANTITY + 1 }], 'input.lines.0.quantity'],
    [
      'the same product twice',
      [
        { productId: A, quantity: 1 },
        { productId: B, quantity: 1 },
        { productId: A, quantity: 2 },
      ],
      'input.lines.2.productId',
    ],
    [
      'the same product twice in other letter case',
      [
        { productId: A, quantity: 1 },
        { productId: A.toUpperCase(), quantity: 1 },
      ],
      'input.lines.1.productId',
    ],
  ])('given %s, then it is rejected naming the field', (_, lines, field) => {
    expect(badInputOf(() => validateOrderLines(lines)).field).toBe(field);
  });

  it('given a repeated product, then the message says which earlier line has it', () => {
    expect(
      badInputOf(() =>
        validateOrderLines([
          { productId: A, quantity: 1 },
          { productId: A, quantity: 1 },
        ]),
      ).message,
    ).toBe(`Each product may appear on one line only; product "${A}" is already on line 0.`);
  });
});

describe('priceOrder', () => {
  const usd = (amount: number) => ({ amount, currency: 'USD' });

  it('given known products in one currency, then each line gets its unit price and the total sums them', () => {
    const prices = new Map([
      [A, usd(1999)],
      [B, usd(500)],
    ]);
    expect(
      priceOrder(
        [
          { productId: A, quantity: 2 },
          { productId: B, quantity: 3 },
        ],
        prices,
      ),
    ).toEqual({
      lines: [
        { productId: A, quantity: 2, unitPrice: usd(1999) },
        { productId: B, quantity: 3, unitPrice: usd(500) },
      ],
      total: usd(5498),
    });
  });

  it("given a product the catalog does not know, then it is NOT_FOUND naming that line's productId", () => {
    const failure = domainErrorOf(
      () =>
        priceOrder(
          [
            { productId: A, quantity: 1 },
            { productId: B, quantity: 1 },
          ],
          new Map([[A, usd(1)]]),
        ),
      ErrorCode.NOT_FOUND,
    );
    expect(failure.field).toBe('input.lines.1.productId');
    expect(failure.message).toBe(`No product has id "${B}".`);
  });

  it('given lines in different currencies, then it names input.lines', () => {
    const prices = new Map([
      [A, usd(100)],
      [B, usd(100)],
      [C, { amount: 100, currency: 'EUR' }],
    ]);
    const failure = badInputOf(() =>
      priceOrder(
        [A, B, C].map((productId) => ({ productId, quantity: 1 })),
        prices,
      ),
    );
    expect(failure.field).toBe('input.lines');
    expect(failure.message).toBe('All lines of an order must be priced in one currency; line 0 is in USD, line 2 in EUR.');
  });

  it('given a total past the largest GraphQL Int, then it names input.lines', () => {
    const prices = new Map([[A, usd(100_000_000)]]);
    expect(priceOrder([{ productId: A, quantity: 21 }], prices).total.amount).toBe(2_100_000_000);
    expect(badInputOf(() => priceOrder([{ productId: A, quantity: 22 }], prices)).field).toBe('input.lines');
    expect(MAX_ORDER_TOTAL).toBe(2 ** 31 - 1);
  });

  it('given no lines, then it refuses rather than inventing a currency', () => {
    expect(badInputOf(() => priceOrder([], new Map())).field).toBe('input.lines');
  });
});
