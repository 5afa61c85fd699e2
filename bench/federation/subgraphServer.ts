import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { execute, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';

/** A benchmark subgraph listening, with the count of GraphQL requests it answered. */
export interface BenchSubgraphServer {
  url: string;
  port: number;
  requests(): number;
  close(): Promise<void>;
}

/**
 * Serves a schema at `POST /graphql` on `node:http` with graphql-js and
 * nothing else: each distinct query text is parsed and validated once, so a
 * request costs its execution and JSON. Headers are ignored (our gateway's
 * request signatures included): the benchmark measures gateways, not
 * subgraphs. `GET /stats` answers `{"requests": n}`, the GraphQL requests
 * answered so far.
 */
export async function serveBenchSubgraph(schema: GraphQLSchema, port: number, host = '127.0.0.1'): Promise<BenchSubgraphServer> {
  const documents = new Map<string, DocumentNode>();
  let requests = 0;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ requests }));
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { 'content-type': 'text/plain' }).end('POST a GraphQL request to /graphql.');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests += 1;
      const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      let request: { query?: string; variables?: Record<string, unknown>; operationName?: string };
      try {
        request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof request;
      } catch {
        send(400, { errors: [{ message: 'The body is not JSON.' }] });
        return;
      }
      const query = request.query ?? '';
      let document = documents.get(query);
      if (!document) {
        try {
          document = parse(query);
        } catch (error) {
          send(400, { errors: [{ message: (error as Error).message }] });
          return;
        }
        const errors = validate(schema, document);
        if (errors.length) {
          send(400, { errors });
          return;
        }
        documents.set(query, document);
      }
      Promise.resolve(execute({ schema, document, variableValues: request.variables, operationName: request.operationName })).then(
        (result) => send(200, result),
        (error: unknown) => send(500, { errors: [{ message: (error as Error).message }] }),
      );
    });
  });
  // Longer than any gateway's idle keep-alive, so no gateway reuses a socket the subgraph is closing while others are measured.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 121_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${actual}/graphql`,
    port: actual,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
