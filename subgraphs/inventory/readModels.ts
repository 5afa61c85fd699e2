import type { StreamReadModel } from '../../platform/events/streamReadModel';
import { knownProducts } from './queries/knownProducts/knownProducts';

/** A value of the GraphQL enum `InventoryReadModel`. */
export type InventoryReadModel = 'KNOWN_PRODUCTS';

/** Each `InventoryReadModel` and the consumer that keeps it (`rebuildInventoryReadModel`). Inventory keeps no projection of its own log. */
export const inventoryReadModels: Readonly<Record<InventoryReadModel, StreamReadModel>> = {
  KNOWN_PRODUCTS: knownProducts.consumer,
};
