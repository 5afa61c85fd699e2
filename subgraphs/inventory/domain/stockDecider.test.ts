import { ErrorCode } from '../../../platform/errors';
import { deciderSpec } from '../../../tests/support/deciderSpec';
import { evolve, MAX_STOCK, type NewStockEvent, type StockState } from './stock';
import { decide, type StockCommand } from './stockDecider';

const productId = '4b1c1f8e-0a7e-4c9b-9d55-0c5d2f0b9f10';
const restock = (quantity: number): StockCommand => ({ type: 'Restock', productId, quantity });
/** Given a stock of `quantity` after `version` restocks (the stock row as the handler reads it). */
const stocked = (quantity: number, version: number) => deciderSpec<StockCommand, NewStockEvent, StockState>(decide, evolve, { quantity, version });

describe('stock decide', () => {
  it('given a product never stocked, when 5 units arrive, then StockRestocked has 5 on hand at version 1', () => {
    stocked(0, 0)
      .given()
      .when(restock(5))
      .then([{ type: 'StockRestocked', aggregateId: productId, aggregateVersion: 1, data: { productId, quantity: 5, stock: 5 } }]);
  });

  it('given 7 on hand after 2 restocks, when 3 arrive, then 10 are on hand at version 3', () => {
    const [event] = stocked(7, 2).given().when(restock(3)).events();
    expect(event).toMatchObject({ aggregateVersion: 3, data: { quantity: 3, stock: 10 } });
    expect(stocked(7, 2).given(event!).state).toEqual({ quantity: 10, version: 3 });
  });

  it('given stock at the ceiling less one, when 1 arrives it fits, when 2 arrive it is a CONFLICT', () => {
    expect(
      stocked(MAX_STOCK - 1, 4)
        .given()
        .when(restock(1))
        .events()[0]!.data.stock,
    ).toBe(MAX_STOCK);
    expect(
      stocked(MAX_STOCK - 1, 4)
        .given()
        .when(restock(2))
        .then(ErrorCode.CONFLICT).message,
    ).toBe(`Stock of product "${productId}" may not exceed ${MAX_STOCK} units; adding 2 would pass it.`);
  });
});
