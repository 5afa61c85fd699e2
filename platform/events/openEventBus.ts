import type { EventBus } from './eventBus';
import { InMemoryEventBus } from './inMemoryEventBus';
import { NatsEventBus } from './natsEventBus';

/** NATS JetStream when `natsUrl` is set, else the in-process bus. */
export async function openEventBus(options: { natsUrl?: string; prefix?: string; name?: string }): Promise<EventBus> {
  if (options.natsUrl) return NatsEventBus.connect({ servers: options.natsUrl.split(','), prefix: options.prefix, name: options.name });
  return new InMemoryEventBus();
}
