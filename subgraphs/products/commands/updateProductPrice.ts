import type { Database } from '../../../platform/storage/database';
import type { Clock } from '../../../platform/clock';
import type { Outbox } from '../../../platform/events/outbox';
import type { CommandRequest } from '../../../platform/command';
import { requireAdmin } from '../../../platform/auth/authorize';
import { badInput, conflict } from '../../../platform/errors';
import { isUuid } from '../../../platform/ids';
import type { Product } from '../domain/product';
import type { Money } from '../../../schema/events/money';
import { evolve } from '../domain/product';
import { decide } from '../domain/productDecider';
import { toProduct, toProductState } from '../productRow';
import { lockProduct, updatePrice } from '../productStore';

/**
 * Sets a product's unit price. ADMIN only. The new price, the product's next
 * version and its `ProductPriceChanged` commit in one transaction; the price
 * it already has changes nothing and records nothing.
 *
 * The row is locked while the change is decided, so concurrent changes apply
 * one after the other, each to the price the one before it set; the update
 * is also guarded by the version read, so no writer can ever turn one
 * version into two different ones.
 */
export async function updateProductPrice(
  deps: { db: Database; outbox: Outbox; clock: Clock },
  { viewer, input, cause }: CommandRequest<{ productId: string; price: Money }>,
): Promise<Product> {
  requireAdmin(viewer, 'change prices');
  if (!isUuid(input.productId)) throw badInput('input.productId', `productId must be a product id (UUID), got "${input.productId}".`);
  return deps.db.transaction(async (tx) => {
    const row = await lockProduct(tx, input.productId);
    const state = row ? toProductState(row) : null;
    const events = decide({ type: 'ChangeProductPrice', productId: input.productId, price: input.price }, state);
    // Decided only when there is a product, and unchanged: the row is the state as it stands.
    if (!events.length) return toProduct(row!);
    const next = events.reduce(evolve, state)!;
    const written = await updatePrice(tx, next, state!.version, deps.clock.now());
    if (!written) throw conflict(`Product "${input.productId}" changed while its price was being set; try again.`);
    await deps.outbox.append(tx, cause, events);
    return toProduct(written);
  });
}
