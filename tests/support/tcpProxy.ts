import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** A TCP forwarder on 127.0.0.1 whose link can be cut and restored, to make a real broker unreachable. */
export interface TcpProxy {
  /** The local port clients connect to. */
  port: number;
  /** Drops every connection and refuses new ones until `restore`. */
  cut(): Promise<void>;
  /** Accepts connections again on the same port. */
  restore(): Promise<void>;
  /** Keeps every connection (and new ones) open but forwards nothing more to the target, as a frozen process would (SIGSTOP): requests get no answer. */
  freeze(): void;
  /** Forwards again what arrives after it (what came while frozen is lost); also ends `resetResponses` and `delay`. */
  thaw(): void;
  /** From now on, each connection's answer is cut after its first bytes with a TCP reset, as a process crashing mid-response. */
  resetResponses(): void;
  /** From now on, what the client sends reaches the target `ms` later: a slow replica. */
  delay(ms: number): void;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Everything forwarded to the target so far, as text, one entry per connection: what the target received. */
  forwarded(): string[];
  close(): Promise<void>;
}

/** Forwards 127.0.0.1:<port> to `target`; the port is chosen free. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let frozen = false;
  let resetting = false;
  let delayMs = 0;
  let accepted = 0;
  const forwarded: string[] = [];
  const server = net.createServer((client) => {
    accepted += 1;
    const connection = forwarded.push('') - 1;
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const forward = (chunk: Buffer) => {
      if (!upstream.writable) return;
      forwarded[connection] += chunk.toString('utf8');
      upstream.write(chunk);
    };
    client.on('data', (chunk: Buffer) => {
      if (frozen) return;
      if (delayMs > 0) setTimeout(() => forward(chunk), delayMs);
      else forward(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!resetting) return void client.write(chunk);
      // Part of the status line, then a reset: the client sees the connection die mid-response.
      client.write(chunk.subarray(0, Math.min(12, chunk.length)));
      client.resetAndDestroy();
      upstream.destroy();
    });
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const { port } = server.address() as AddressInfo;
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
  return {
    port,
    cut: stop,
    restore: () => listen(port),
    close: stop,
    freeze: () => (frozen = true),
    thaw: () => {
      frozen = false;
      resetting = false;
      delayMs = 0;
    },
    resetResponses: () => (resetting = true),
    delay: (ms) => (delayMs = ms),
    get accepted() {
      return accepted;
    },
    forwarded: () => [...forwarded],
  };
}
