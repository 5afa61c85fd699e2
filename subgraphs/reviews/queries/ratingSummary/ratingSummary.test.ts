import { toRatingSummary } from './ratingSummary';

describe('toRatingSummary', () => {
  it('given no row, then no average, no reviews and every rating from 1 to 5 counted 0, ascending', () => {
    expect(toRatingSummary(undefined)).toEqual({
      average: null,
      count: 0,
      distribution: [1, 2, 3, 4, 5].map((rating) => ({ rating, count: 0 })),
    });
  });

  it('given a row, then the average is total / count and the distribution lists each rating’s count', () => {
    const row = { product_id: 'p', count: 3, total: 10, ones: 0, twos: 0, threes: 1, fours: 0, fives: 2 };
    expect(toRatingSummary(row)).toEqual({
      average: 10 / 3,
      count: 3,
      distribution: [
        { rating: 1, count: 0 },
        { rating: 2, count: 0 },
        { rating: 3, count: 1 },
        { rating: 4, count: 0 },
        { rating: 5, count: 2 },
      ],
    });
  });
});
