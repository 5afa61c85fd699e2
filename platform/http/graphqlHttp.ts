import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLResponse } from '@apollo/server';

/** Largest request body accepted, in bytes, unless the caller says otherwise: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Thrown by `readBody` when a body exceeds its limit. */
export class BodyTooLarge extends Error {}

/** Reads a request body into a string, refusing more than `maxBytes`. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BodyTooLarge(`Request body exceeds ${maxBytes} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes a JSON body with the given status; the shape of every non-GraphQL answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Answers with a GraphQL-shaped error outside execution (bad JSON, oversized body). */
export function sendRequestError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}

/**
 * Hands one HTTP request to Apollo Server: reads and parses the body, runs it
 * through `executeHTTPGraphQLRequest` with the context `createContext` builds,
 * and streams the answer back, incremental (multipart) answers included.
 */
export async function handleGraphQLHttp<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  req: IncomingMessage,
  res: ServerResponse,
  createContext: () => Promise<TContext>,
  maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
): Promise<void> {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  let body: unknown = undefined;
  if (req.method === 'POST') {
    let text: string;
    try {
      text = await readBody(req, maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge) return sendRequestError(res, 413, 'PAYLOAD_TOO_LARGE', error.message);
      throw error;
    }
    const contentType = headers.get('content-type') ?? '';
    if (contentType.startsWith('application/json') || contentType.startsWith('application/graphql-response+json')) {
      try {
        body = text.length ? JSON.parse(text) : undefined;
      } catch {
        return sendRequestError(res, 400, 'BAD_REQUEST', 'The request body is not valid JSON.');
      }
    } else {
      body = text;
    }
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const response = await server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: url.search, body },
    context: createContext,
  });
  await writeGraphQLResponse(res, response);
}

async function writeGraphQLResponse(res: ServerResponse, response: HTTPGraphQLResponse): Promise<void> {
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) {
    res.write(chunk);
  }
  res.end();
}
