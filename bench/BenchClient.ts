import WebSocket from 'ws';

/** What a subscription's messages go to: `next` gets each `next` message's payload. */
export interface BenchSinks {
  next(payload: unknown): void;
  error(error: unknown): void;
  complete(): void;
}

/**
 * The client side of graphql-ws (`graphql-transport-ws`) and nothing more:
 * `graphql-ws`'s own client spends about as much CPU per subscribe as the
 * gateway (ids, validation), which on a 2-core machine would be measured as
 * the gateway's latency.
 */
export class BenchClient {
  private nextId = 0;
  private readonly sinks = new Map<string, BenchSinks>();
  /** The close code once the socket closed (by either side), else undefined. */
  closeCode: number | undefined;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { id?: string; type: string; payload?: unknown };
      const sinks = message.id === undefined ? undefined : this.sinks.get(message.id);
      if (message.type === 'ping') socket.send('{"type":"pong"}');
      else if (message.type === 'next') sinks?.next(message.payload);
      else if (message.type === 'error') sinks?.error(message.payload);
      else if (message.type === 'complete') sinks?.complete();
    });
    socket.on('close', (code) => (this.closeCode = code));
  }

  /** Opens a connection and waits for `connection_ack`; `token` goes into `connection_init` as a bearer token. */
  static connect(url: string, token: string | undefined): Promise<BenchClient> {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    return new Promise((resolve, reject) => {
      socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} })));
      socket.once('message', (data: Buffer) =>
        (JSON.parse(data.toString()) as { type: string }).type === 'connection_ack' ? resolve(new BenchClient(socket)) : reject(new Error(String(data))),
      );
      socket.once('close', (code) => reject(new Error(`a client closed before connecting: ${code}`)));
      socket.once('error', reject);
    });
  }

  /** Sends the subscribe message now; the returned function completes it. */
  subscribe(payload: { query: string; variables: Record<string, unknown> }, sinks: BenchSinks): () => void {
    const id = String((this.nextId += 1));
    this.sinks.set(id, sinks);
    this.socket.send(JSON.stringify({ id, type: 'subscribe', payload }));
    return () => {
      this.sinks.delete(id);
      this.socket.send(JSON.stringify({ id, type: 'complete' }));
    };
  }

  /** Runs `send` with the socket corked, so the messages it sends leave in one write. */
  corked(send: () => void): void {
    const raw = (this.socket as unknown as { _socket: import('node:net').Socket })._socket;
    raw.cork();
    try {
      send();
    } finally {
      raw.uncork();
    }
  }

  dispose(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close(1000);
    });
  }
}
