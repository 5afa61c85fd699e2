import type { Server, ServerResponse } from 'node:http';

export interface GracefulClose {
  /**
   * Stops accepting connections, lets requests in flight finish, then closes
   * their connections instead of keeping them alive; idle keep-alive
   * connections close at once. After `graceMs` whatever is left is cut.
   * Resolves when every connection is closed.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Tracks a server's requests in flight so that shutdown is prompt: a busy
 * keep-alive connection is answered with `Connection: close` and ends with its
 * response, rather than holding `server.close()` open for the keep-alive
 * timeout. Attach it before the server handles requests.
 */
export function gracefulClose(server: Server): GracefulClose {
  const inFlight = new Set<ServerResponse>();
  let closing: Promise<void> | undefined;
  // Before the route handler, so a request arriving while closing is marked before anything is written.
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (closing) {
      res.setHeader('connection', 'close');
      return;
    }
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    // A response already under way when closing began keeps its connection alive: close it once idle.
    res.once('finish', () => {
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
  });
  return {
    close: (graceMs = 10_000) =>
      (closing ??= new Promise<void>((resolve) => {
        for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      })),
  };
}
