/**
 * Thrown from the `default` of an exhaustive `switch`: the value has type
 * `never` there, so a member added to the union without a case of its own
 * fails to compile, and a value that slips past the types at run time (a
 * stored row, an event from another version) fails loudly, naming what it is.
 *
 *     default:
 *       throw new UnreachableCaseError(status, 'order status'); // "Unknown order status "SHIPPED"."
 *
 * An object is named by its `type` (events and commands), anything else by itself.
 */
export class UnreachableCaseError extends Error {
  constructor(
    readonly value: never,
    /** What the switch distinguishes, e.g. `order status`, `inventory event`. */
    what: string,
  ) {
    super(`Unknown ${what} ${JSON.stringify(labelOf(value))}.`);
    this.name = 'UnreachableCaseError';
  }
}

function labelOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null && 'type' in value ? value.type : value;
}
