import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLResponse } from '@apollo/server';
import { DomainError, ErrorCode, type PublicCode } from '../errors';

/** Largest request body accepted, in bytes, unless the caller says otherwise: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Thrown by `readBody` when a body exceeds its limit: PAYLOAD_TOO_LARGE. */
export class BodyTooLarge extends DomainError {
  constructor(message: string) {
    super(ErrorCode.PAYLOAD_TOO_LARGE, message);
    this.name = 'BodyTooLarge';
  }
}

/**
 * Reads a request body into a string, refusing more than `maxBytes`. An
 * oversized body is read to its end and discarded (up to 16 times the limit)
 * so the client, still sending, gets the 413 rather than a reset connection;
 * beyond that the connection is cut.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else if (size > maxBytes * 16) req.destroy();
    });
    req.on('end', () => {
      if (size > maxBytes) reject(new BodyTooLarge(`The request body exceeds the limit of ${maxBytes} bytes.`));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new BodyTooLarge(`The request body exceeds the limit of ${maxBytes} bytes.`));
    });
  });
}

/** Writes a JSON body with the given status; the shape of every non-GraphQL answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Answers with a GraphQL-shaped error outside execution (bad JSON, oversized body). */
export function sendRequestError(res: ServerResponse, status: number, code: PublicCode, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}

/**
 * Reads and parses a GraphQL request body: JSON for JSON content types, text
 * otherwise. Answers oversized or malformed bodies itself (413, 400) and then
 * returns `undefined`; otherwise `{ body }`.
 */
export async function readGraphQLBody(
  req: IncomingMessage,
  res: ServerResponse,
  maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
): Promise<{ body: unknown } | undefined> {
  if (req.method !== 'POST') return { body: undefined };
  const text = await readRequestText(req, res, maxBodyBytes);
  if (text === undefined) return undefined;
  return parseGraphQLText(res, req.headers['content-type'], text);
}

/**
 * Reads a request body as text ('' for none), answering an oversized one
 * itself (413) and then returning `undefined`. For a caller that must see
 * the exact body before parsing it (a subgraph checks its digest).
 */
export async function readRequestText(req: IncomingMessage, res: ServerResponse, maxBodyBytes = DEFAULT_MAX_BODY_BYTES): Promise<string | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBodyBytes * 16) {
    // Too large to be worth reading: answer at once and close.
    res.setHeader('connection', 'close');
    sendRequestError(res, 413, ErrorCode.PAYLOAD_TOO_LARGE, `The request body exceeds the limit of ${maxBodyBytes} bytes.`);
    return undefined;
  }
  try {
    return await readBody(req, maxBodyBytes);
  } catch (error) {
    if (error instanceof BodyTooLarge) {
      if (!res.destroyed) sendRequestError(res, 413, error.code, error.message);
      return undefined;
    }
    throw error;
  }
}

/** Parses a POST body read as text: JSON for JSON content types, the text otherwise; answers malformed JSON itself (400) and returns `undefined`. */
export function parseGraphQLText(res: ServerResponse, contentType: string | undefined, text: string): { body: unknown } | undefined {
  const type = contentType ?? '';
  if (!type.startsWith('application/json') && !type.startsWith('application/graphql-response+json')) return { body: text };
  try {
    return { body: text.length ? JSON.parse(text) : undefined };
  } catch {
    sendRequestError(res, 400, ErrorCode.BAD_REQUEST, 'The request body is not valid JSON.');
    return undefined;
  }
}

/**
 * Hands one HTTP request to Apollo Server: reads and parses the body (unless
 * the caller already did: `preread`), runs it through
 * `executeHTTPGraphQLRequest` with the context `createContext` builds, and
 * streams the answer back, incremental (multipart) answers included.
 */
export async function handleGraphQLHttp<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  req: IncomingMessage,
  res: ServerResponse,
  createContext: () => Promise<TContext>,
  maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
  preread?: { body: unknown },
  /** The query string to hand Apollo Server instead of the request's own (e.g. `?query=` rewritten). */
  search?: string,
): Promise<void> {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const read = preread ?? (await readGraphQLBody(req, res, maxBodyBytes));
  if (!read) return;
  const { body } = read;
  const url = new URL(req.url ?? '/', 'http://localhost');
  const response = await server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: search ?? url.search, body },
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
