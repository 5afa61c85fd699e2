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
  /** Forwards again what arrives after it (what came while frozen is lost). */
  thaw(): void;
  close(): Promise<void>;
}

/** Forwards 127.0.0.1:<port> to `target`; the port is chosen free. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let frozen = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      if (!frozen) upstream.write(chunk);
    });
    upstream.pipe(client);
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
    thaw: () => (frozen = false),
  };
}
