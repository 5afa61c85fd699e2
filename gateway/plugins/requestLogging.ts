import type { ServerResponse } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from '../../platform/logger';
import type { GatewayContext } from '../context';

/**
 * What one access-log line says about an operation. Never variables, tokens
 * or passwords: only what identifies the operation and its outcome.
 */
export interface AccessRecord {
  requestId: string;
  transport: 'http' | 'multipart' | 'graphql-ws';
  operationName: string | null;
  operation: string | null;
  userId: string | null;
  errorCodes: string[];
  /** The HTTP status; absent for a WebSocket subscription. */
  status?: number;
}

export interface RequestLoggingOptions {
  logger: Logger;
  /** Log operations slower than this at `warn` instead of `info`. Default 1000 ms. Subscriptions are long by nature and never count as slow. */
  slowMs?: number;
}

/** Writes access-log lines, one per operation, whatever its transport. */
export interface AccessLog {
  /** Starts the record of an HTTP request; its line is written when the response closes, with the status sent. */
  http(res: ServerResponse, record: Omit<AccessRecord, 'transport' | 'errorCodes' | 'operation' | 'operationName'>): AccessRecord;
  /** Starts the record of a WebSocket subscription; `end` writes its line. */
  subscription(record: Omit<AccessRecord, 'transport' | 'errorCodes'>): { record: AccessRecord; end(): void };
  /** The Apollo Server plugin that fills in each HTTP operation's name, type and error codes. */
  plugin: ApolloServerPlugin<GatewayContext>;
}

/**
 * The gateway's access log: at `info`, one line per operation — request id,
 * transport, operation name and type, duration, HTTP status, error codes and
 * the caller's user id. Requests refused before execution (bad token,
 * oversized body, disallowed origin) get their line too.
 */
export function accessLog(options: RequestLoggingOptions): AccessLog {
  const { logger } = options;
  const slowMs = options.slowMs ?? 1000;
  const write = (record: AccessRecord, started: number, preflight = false) => {
    const durationMs = Math.round(performance.now() - started);
    const entry = { ...record, durationMs };
    // A CORS preflight is no operation: visible when debugging, not in the access log.
    if (preflight) logger.debug(entry, 'preflight');
    else if (durationMs >= slowMs && record.operation !== 'subscription') logger.warn(entry, 'slow operation');
    else logger.info(entry, 'operation');
  };
  return {
    http(res, base) {
      const started = performance.now();
      const record: AccessRecord = { ...base, transport: 'http', operationName: null, operation: null, errorCodes: [] };
      res.once('close', () => write({ ...record, status: res.statusCode }, started, res.req.method === 'OPTIONS'));
      return record;
    },
    subscription(base) {
      const started = performance.now();
      const record: AccessRecord = { ...base, transport: 'graphql-ws', errorCodes: [] };
      let ended = false;
      return {
        record,
        end: () => {
          if (ended) return;
          ended = true;
          write(record, started);
        },
      };
    },
    plugin: {
      async requestDidStart({ contextValue }) {
        return {
          async willSendResponse({ operationName, operation, errors }) {
            const record = contextValue.access;
            if (!record) return;
            record.operationName = operationName ?? null;
            record.operation = operation?.operation ?? null;
            record.errorCodes = errors?.map((error) => String(error.extensions?.code ?? 'UNKNOWN')) ?? [];
          },
        };
      },
    },
  };
}
