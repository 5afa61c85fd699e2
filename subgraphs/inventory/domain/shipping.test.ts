import { shippingEstimate } from './shipping';

const usd = (amount: number) => ({ amount, currency: 'USD' });

describe('shippingEstimate', () => {
  it('given a unit price of 100.00 or more, then shipping is free whatever the weight', () => {
    expect(shippingEstimate(usd(10_000), 50_000)).toBe(0);
    expect(shippingEstimate(usd(24_999), 1)).toBe(0);
  });

  it.each([
    [1, 599],
    [499, 599],
    [500, 599],
    [501, 699],
    [1000, 699],
    [4049, 1399],
  ])('given a cheaper product weighing %i g, then shipping costs %i (499 + 100 per started 500 g)', (weightGrams, expected) => {
    expect(shippingEstimate(usd(9_999), weightGrams)).toBe(expected);
  });

  it('given no weight at all, then only the base cost remains', () => {
    expect(shippingEstimate(usd(100), 0)).toBe(499);
  });
});
