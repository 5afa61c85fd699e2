import type { Logger } from '../logger';

/** A repeat of the first signal sooner than this is the same request delivered twice, not an operator insisting. */
const DUPLICATE_WINDOW_MS = 1000;

/**
 * Runs `stop` once on the first SIGTERM or SIGINT, then exits 0 (1 if `stop`
 * failed). A second signal while stopping exits at once with 1 — except the
 * same signal within a second of the first: under `npm start` one Ctrl-C
 * reaches the process twice (from the terminal to the process group, and
 * forwarded by npm), which must not cut the clean shutdown short.
 */
export function onShutdownSignal(logger: Logger, stop: () => Promise<void>): void {
  let first: { signal: NodeJS.Signals; at: number } | undefined;
  const handle = (signal: NodeJS.Signals) => {
    if (first) {
      if (signal === first.signal && Date.now() - first.at < DUPLICATE_WINDOW_MS) return;
      logger.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    first = { signal, at: Date.now() };
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // `on`, not `once`: with the handler gone, a second signal would kill the process by default (exit 143).
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}
