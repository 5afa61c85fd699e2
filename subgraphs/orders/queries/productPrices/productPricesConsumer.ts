import type { StreamReadModel } from '../../../../platform/events/streamReadModel';
import type { DeliveredEvent } from '../../../../platform/events/event';
import type { ProductCreated, ProductPriceChanged } from '../../../../schema/events/products';

/** The products events that move a price. */
type PriceEvent = ProductCreated | ProductPriceChanged;

/** The consumer's durable name. */
export const PRODUCT_PRICES_CONSUMER = 'orders.catalog';

/**
 * Keeps `orders.product_prices` from products' `ProductCreated` and
 * `ProductPriceChanged`. A price is written only over an older one (by the
 * product's aggregate version), so an event delivered again late, after a
 * newer price, changes nothing. It can be rebuilt from the products stream
 * (`rebuildOrdersReadModel(name: PRODUCT_PRICES)`).
 */
export const productPricesConsumer: StreamReadModel = {
  name: PRODUCT_PRICES_CONSUMER,
  domain: 'products',
  types: ['ProductCreated', 'ProductPriceChanged'],
  async handle(delivered, tx) {
    const event = delivered as DeliveredEvent<PriceEvent>;
    const { price } = event.data;
    await tx.query(
      `insert into orders.product_prices (product_id, amount, currency, version, updated_at)
       values ($1, $2, $3, $4, $5)
       on conflict (product_id) do update
         set amount = excluded.amount, currency = excluded.currency, version = excluded.version, updated_at = excluded.updated_at
         where orders.product_prices.version < excluded.version`,
      [event.aggregateId, price.amount, price.currency, event.aggregateVersion, event.occurredAt],
    );
  },
  async reset(tx) {
    await tx.query('delete from orders.product_prices');
  },
};
