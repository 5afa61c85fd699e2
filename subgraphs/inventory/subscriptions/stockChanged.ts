import { badInput } from '../../../platform/errors';
import type { DeliveredEvent } from '../../../platform/events/event';
import { decodeEventCursor, encodeEventCursor } from '../../../platform/events/eventCursor';
import { watchEvents } from '../../../platform/events/watchEvents';
import { isUuid } from '../../../platform/ids';
import type { StockReleased, StockReserved, StockRestocked } from '../../../schema/events/inventory';
import type { InventoryContext } from '../subgraph';
import { UnreachableCaseError } from '../../../platform/unreachableCaseError';

/** The inventory stream, which `stockChanged` follows. */
const DOMAIN = 'inventory';

/** The inventory events that change units on hand. */
export type StockChangingEvent = StockRestocked | StockReserved | StockReleased;

export const STOCK_CHANGING_EVENT_TYPES: ReadonlyArray<StockChangingEvent['type']> = ['StockRestocked', 'StockReserved', 'StockReleased'];

/** Why units on hand changed. */
export type StockChangeReason = 'RESTOCKED' | 'RESERVED' | 'RELEASED';

/** One `StockChange` as resolvers receive it; `product` resolves from `productId`. */
export interface StockChange {
  /** The event's position in the inventory stream, opaque (`encodeEventCursor`). */
  cursor: string;
  productId: string;
  /** Units on hand after the change. */
  stock: number;
  /** Units added (positive) or taken (negative). */
  change: number;
  reason: StockChangeReason;
  occurredAt: string;
}

/**
 * The change `event` made to `productId`'s stock (lower case), or null when
 * it did not touch that product. An order lists a product at most once, but
 * should an event carry several lines of it, they make one change (their sum,
 * with the stock after the last), so one event is always one cursor.
 */
export function stockChangeOf(event: DeliveredEvent<StockChangingEvent>, productId: string): StockChange | null {
  const base = { cursor: encodeEventCursor(DOMAIN, event.sequence), productId, occurredAt: event.occurredAt };
  switch (event.type) {
    case 'StockRestocked':
      return sameProduct(event.data.productId, productId) ? { ...base, stock: event.data.stock, change: event.data.quantity, reason: 'RESTOCKED' } : null;
    case 'StockReserved':
    case 'StockReleased': {
      const lines = (event.data.lines ?? []).filter((line) => sameProduct(line.productId, productId));
      const last = lines[lines.length - 1];
      if (!last) return null;
      const units = lines.reduce((sum, line) => sum + line.quantity, 0);
      return event.type === 'StockReserved'
        ? { ...base, stock: last.stock, change: -units, reason: 'RESERVED' }
        : { ...base, stock: last.stock, change: units, reason: 'RELEASED' };
    }
    default:
      throw new UnreachableCaseError(event, 'inventory event');
  }
}

function sameProduct(candidate: unknown, productId: string): boolean {
  return typeof candidate === 'string' && candidate.toLowerCase() === productId;
}

/** The arguments of `Subscription.stockChanged`. */
export interface StockChangedArgs {
  productId: string;
  after?: string | null;
}

/**
 * The `subscribe` resolver of `stockChanged`: one product's stock changes
 * from now on, or exactly those after the cursor `after`. Public. A malformed
 * `productId` or `after` is BAD_USER_INPUT before anything is watched.
 */
export async function subscribeToStockChanges(ctx: InventoryContext, args: StockChangedArgs): Promise<AsyncIterableIterator<StockChange>> {
  if (!isUuid(args.productId))
    throw badInput('productId', `Expected \`productId\` to be a product id (a UUID), got ${JSON.stringify(String(args.productId).slice(0, 60))}.`);
  const after = args.after === undefined || args.after === null ? undefined : decodeEventCursor(args.after, DOMAIN, 'after');
  const productId = args.productId.toLowerCase();
  return watchEvents(ctx.bus, { domain: DOMAIN, types: STOCK_CHANGING_EVENT_TYPES, after }, (event) =>
    stockChangeOf(event as DeliveredEvent<StockChangingEvent>, productId),
  );
}
