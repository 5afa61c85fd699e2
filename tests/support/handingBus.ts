import type { EventBus, EventHandler } from '../../platform/events/eventBus';

/**
 * A bus that publishes nowhere and hands the test the handler `startConsumer`
 * subscribes, so a test can deliver an event — or the same event twice — to
 * the real consumer code (inbox and effect in one transaction) exactly when
 * it wants to. Storage, inbox and effects stay real.
 */
export function handingBus(): { bus: EventBus; deliver: EventHandler } {
  let handler: EventHandler | undefined;
  const bus: EventBus = {
    durable: true,
    publish: async () => undefined,
    head: async () => 0,
    subscribe: async (_options, h) => {
      handler = h;
      return { stop: async () => undefined };
    },
    watch: async () => ({ stop: async () => undefined }),
    close: async () => undefined,
  };
  return {
    bus,
    deliver: (event) => {
      if (!handler) throw new Error('No consumer has subscribed to this bus yet.');
      return handler(event);
    },
  };
}
