import type { Logger } from '../../platform/logger';
import type { GatewayPlugin } from './gatewayPlugin';
import { estimatedCostOf } from './demandControl';

export interface AccessLogOptions {
  logger: Logger;
  /** Log operations slower than this at `warn` instead of `info`. Default 1000 ms. Subscriptions are long by nature and never count as slow. */
  slowMs?: number;
}

/**
 * The access log: at `info`, one line per operation whatever its transport
 * — request id, transport, operation name and type, duration, HTTP status
 * (when the transport has one), error codes, the estimated cost (when demand
 * control estimated one) and the caller's user id. Never
 * variables, tokens or passwords. Requests refused before any operation ran
 * (a bad token, a disallowed origin, an oversized body) get their line too.
 */
export function accessLogPlugin(options: AccessLogOptions): GatewayPlugin {
  const { logger } = options;
  const slowMs = options.slowMs ?? 1000;
  return {
    name: 'accessLog',
    onEnd(operation) {
      const durationMs = Math.round(performance.now() - operation.startedAt);
      const type = operation.operation?.operation ?? null;
      const cost = estimatedCostOf(operation);
      const entry = {
        requestId: operation.id,
        transport: operation.request.transport,
        operationName: operation.operationName,
        operation: type,
        durationMs,
        ...(operation.status !== undefined ? { status: operation.status } : {}),
        errorCodes: operation.errorCodes,
        ...(cost !== undefined ? { cost } : {}),
        userId: operation.request.viewer?.userId ?? null,
      };
      if (durationMs >= slowMs && type !== 'subscription') logger.warn(entry, 'slow operation');
      else logger.info(entry, 'operation');
    },
  };
}
