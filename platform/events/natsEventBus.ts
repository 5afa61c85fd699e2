import {
  AckPolicy,
  DeliverPolicy,
  StorageType,
  connect,
  nanos,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
} from 'nats';
import type { DeliveredEvent, DomainEvent } from './event';
import type { EventBus, EventHandler, EventSubscription, SubscribeOptions, WatchOptions } from './eventBus';

export interface NatsEventBusOptions {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /**
   * Prepended to stream names and subjects, so several deployments (or test
   * runs) share one server without colliding. Default '' (streams `ORDERS`…,
   * subjects `orders.OrderPlaced`…). Letters, digits, `_` and `-` only.
   */
  prefix?: string;
  /** Wait before an event whose handler threw is delivered again. Default 500 ms. */
  retryDelayMs?: number;
  /** How long a publish waits for the stream's acknowledgement. Default 3000 ms. */
  publishTimeoutMs?: number;
  /** How long an unacknowledged delivery waits before JetStream sends it again. Default 30 s. */
  ackWaitMs?: number;
  /** Connection name shown by the server. */
  name?: string;
}

/**
 * The event bus on NATS JetStream: one stream per domain (`ORDERS`, with
 * subjects `orders.<EventType>`), durable pull consumers with explicit
 * acknowledgement, at most one unacknowledged event each (so stream order is
 * handling order), and the event id as the message id, so a relay that
 * publishes twice within the stream's duplicate window stores one message.
 */
export class NatsEventBus implements EventBus {
  readonly durable = true;
  private readonly streams = new Map<string, Promise<string>>();
  private readonly subscriptions = new Set<EventSubscription>();

  private constructor(
    private readonly connection: NatsConnection,
    private readonly manager: JetStreamManager,
    private readonly client: JetStreamClient,
    private readonly options: Required<Omit<NatsEventBusOptions, 'servers' | 'name'>>,
  ) {}

  /** Connects; it keeps reconnecting for as long as the bus is open, so a broker outage delays events but loses none. */
  static async connect(options: NatsEventBusOptions): Promise<NatsEventBus> {
    const prefix = options.prefix ?? '';
    if (!/^[A-Za-z0-9_-]*$/.test(prefix)) throw new Error(`A NATS prefix may hold only letters, digits, _ and -, got "${prefix}".`);
    const connection = await connect({
      servers: options.servers,
      name: options.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    });
    let manager: JetStreamManager;
    try {
      manager = await connection.jetstreamManager();
    } catch (error) {
      // Reached a server without JetStream: do not leave the connection reconnecting forever.
      await connection.close().catch(() => undefined);
      throw error;
    }
    return new NatsEventBus(connection, manager, connection.jetstream(), {
      prefix,
      retryDelayMs: options.retryDelayMs ?? 500,
      publishTimeoutMs: options.publishTimeoutMs ?? 3000,
      ackWaitMs: options.ackWaitMs ?? 30_000,
    });
  }

  async publish(event: DomainEvent): Promise<void> {
    await this.streamFor(event.domain);
    await this.client.publish(this.subject(event.domain, event.type), JSON.stringify(event), {
      msgID: event.eventId,
      timeout: this.options.publishTimeoutMs,
    });
  }

  async subscribe(options: SubscribeOptions, handler: EventHandler): Promise<EventSubscription> {
    const stream = await this.streamFor(options.domain);
    const durable = options.consumer.replace(/[^A-Za-z0-9_-]/g, '_');
    const config: Partial<ConsumerConfig> = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(this.options.ackWaitMs),
      // One event in flight per consumer: the next is sent only after this one is acknowledged.
      max_ack_pending: 1,
      // One type filters on the server; several are filtered here, as `filter_subjects` needs NATS 2.10.
      filter_subject: this.subject(options.domain, options.types?.length === 1 ? options.types[0]! : '>'),
      ...(options.from ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: options.from.sequence } : { deliver_policy: DeliverPolicy.All }),
    };
    const existing = await this.manager.consumers.info(stream, durable).catch(() => null);
    // A requested start position replaces the consumer; otherwise an existing one resumes where it was.
    if (existing && options.from) await this.manager.consumers.delete(stream, durable);
    if (!existing || options.from) await this.manager.consumers.add(stream, config);

    const types = options.types?.length ? new Set(options.types) : null;
    const consumer = await this.client.consumers.get(stream, durable);
    const messages: ConsumerMessages = await consumer.consume({ max_messages: 1 });
    return this.follow(messages, types, {
      deliver: async (event, message) => {
        try {
          await handler(event);
        } catch {
          message.nak(this.options.retryDelayMs);
          return;
        }
        // A lost acknowledgement means one more delivery, which the consumer's inbox absorbs.
        message.ack();
      },
      // Not an event of ours: ended, so it cannot block the consumer forever.
      unreadable: (message) => message.term(),
      filtered: (message) => message.ack(),
    });
  }

  async head(domain: string): Promise<number> {
    const info = await this.manager.streams.info(await this.streamFor(domain));
    return info.state.last_seq;
  }

  async watch(options: WatchOptions, handler: (event: DeliveredEvent) => void | Promise<void>): Promise<EventSubscription> {
    const stream = await this.streamFor(options.domain);
    const types = options.types?.length ? new Set(options.types) : null;
    // An ordered consumer: ephemeral, flow-controlled, recreated by the client after a gap or a reconnect.
    const consumer = await this.client.consumers.get(stream, {
      // A single subject (not an array): `filter_subjects` needs NATS 2.10.
      filterSubjects: this.subject(options.domain, '>'),
      ...(options.after !== undefined
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: options.after + 1 }
        : { deliver_policy: DeliverPolicy.New }),
    });
    const messages: ConsumerMessages = await consumer.consume();
    return this.follow(messages, types, {
      deliver: async (event) => {
        try {
          await handler(event);
        } catch {
          // A watcher's failure is its own: the stream goes on.
        }
      },
    });
  }

  /**
   * Reads `messages` in order, parsing each into an event with its stream
   * sequence and skipping types not in `types`; durable consumers and
   * watchers differ only in what they do with the message in each case.
   */
  private follow(
    messages: ConsumerMessages,
    types: ReadonlySet<string> | null,
    on: { deliver(event: DeliveredEvent, message: JsMsg): Promise<void>; unreadable?(message: JsMsg): void; filtered?(message: JsMsg): void },
  ): EventSubscription {
    const loop = (async () => {
      for await (const message of messages) {
        let event: DomainEvent;
        try {
          event = JSON.parse(message.string()) as DomainEvent;
        } catch {
          on.unreadable?.(message);
          continue;
        }
        if (types && !types.has(event.type)) on.filtered?.(message);
        else await on.deliver({ ...event, sequence: message.seq }, message);
      }
    })();
    const subscription: EventSubscription = {
      stop: async () => {
        messages.stop();
        await loop.catch(() => undefined);
        this.subscriptions.delete(subscription);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.connection.drain().catch(() => this.connection.close());
  }

  /** Deletes this bus's streams (those under its prefix). For tests and teardown; irreversible. */
  async deleteStreams(): Promise<void> {
    for (const stream of await this.manager.streams.names().next()) {
      if (this.options.prefix && stream.startsWith(this.streamName(''))) await this.manager.streams.delete(stream);
    }
  }

  private subject(domain: string, type: string): string {
    return `${this.options.prefix ? `${this.options.prefix}.` : ''}${domain}.${type}`;
  }

  private streamName(domain: string): string {
    return `${this.options.prefix ? `${this.options.prefix}_` : ''}${domain.toUpperCase()}`;
  }

  /** Creates the domain's stream on first use; concurrent callers share one attempt. */
  private streamFor(domain: string): Promise<string> {
    let ready = this.streams.get(domain);
    if (!ready) {
      const name = this.streamName(domain);
      ready = this.manager.streams.add({ name, subjects: [this.subject(domain, '>')], storage: StorageType.File, duplicate_window: nanos(2 * 60_000) }).then(
        () => name,
        async (error: unknown) => {
          // Another instance created it first: fine when it is ours.
          const info = await this.manager.streams.info(name).catch(() => null);
          if (info) return name;
          throw error;
        },
      );
      ready.catch(() => this.streams.delete(domain));
      this.streams.set(domain, ready);
    }
    return ready;
  }
}
