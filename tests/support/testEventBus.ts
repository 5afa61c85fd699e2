import { randomBytes } from 'node:crypto';
import type { EventBus } from '../../platform/events/eventBus';
import { InMemoryEventBus } from '../../platform/events/inMemoryEventBus';
import { NatsEventBus } from '../../platform/events/natsEventBus';

/** Which bus the suites run on: `nats` when the test runner set TEST_EVENT_BUS=nats (NATS_URL required), else in-memory. */
export function testEventBusKind(): 'in-memory' | 'nats' {
  return process.env.TEST_EVENT_BUS === 'nats' ? 'nats' : 'in-memory';
}

/**
 * A bus of this suite's own. On NATS its streams and subjects carry a prefix
 * unique to the suite, and `dispose` deletes them, so runs never collide.
 */
export async function openTestEventBus(): Promise<{ bus: EventBus; dispose(): Promise<void> }> {
  if (testEventBusKind() === 'nats') {
    const servers = process.env.NATS_URL;
    if (!servers) throw new Error('TEST_EVENT_BUS=nats needs NATS_URL.');
    const bus = await NatsEventBus.connect({ servers, prefix: `t${randomBytes(5).toString('hex')}`, retryDelayMs: 100 });
    return {
      bus,
      dispose: async () => {
        await bus.deleteStreams();
        await bus.close();
      },
    };
  }
  const bus = new InMemoryEventBus({ retryDelayMs: 50 });
  return { bus, dispose: () => bus.close() };
}
