import type { ConsumerDefinition } from '../../../../platform/events/consumer';
import type { DeliveredEvent } from '../../../../platform/events/event';
import type { ProductCreated } from '../../domain/productEvents';

/** The consumer's durable name. */
export const KNOWN_PRODUCTS_CONSUMER = 'inventory.catalog';

/**
 * Keeps `inventory.known_products` from products' `ProductCreated`: one row
 * per product the catalog has, so `restock` can refuse an id of none
 * without asking products. A product is created once, so an event delivered
 * again changes nothing.
 */
export const knownProductsConsumer: ConsumerDefinition = {
  name: KNOWN_PRODUCTS_CONSUMER,
  domain: 'products',
  types: ['ProductCreated'],
  async handle(delivered, tx) {
    const event = delivered as DeliveredEvent<ProductCreated>;
    await tx.query('insert into inventory.known_products (product_id, created_at) values ($1, $2) on conflict do nothing', [
      event.aggregateId,
      event.occurredAt,
    ]);
  },
};
