import type { Logger } from '../logger';

/** A dependency named by a setting stayed unreachable for the whole start-up retry window. */
export class StartupError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'StartupError';
  }
}

export interface ConnectWithRetryOptions {
  /** The setting that names the dependency, e.g. `DATABASE_URL`: every log line and the final error name it. */
  variable: string;
  /** What is being reached, for messages, e.g. `PostgreSQL at db:5432`. Never holds a password. */
  target: string;
  /** How long to keep trying, in ms, from the first attempt. */
  timeoutMs: number;
  logger: Logger;
  /** First wait between attempts; it doubles up to `maxDelayMs`. Default 250 ms. */
  initialDelayMs?: number;
  /** Default 5000 ms. */
  maxDelayMs?: number;
}

/**
 * Calls `connect` until it succeeds, waiting longer after each failure (250 ms
 * doubling to 5 s), and logs each failed attempt. When `timeoutMs` has passed
 * it throws a `StartupError` naming the variable and the last error, so a
 * database or broker that starts a little after the process is waited for,
 * and one that never comes ends the process with a clear message.
 */
export async function connectWithRetry<T>(connect: () => Promise<T>, options: ConnectWithRetryOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let delay = options.initialDelayMs ?? 250;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await connect();
    } catch (error) {
      const reason = error instanceof Error ? error.message || error.name : String(error);
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new StartupError(
          options.variable,
          `${options.variable}: ${options.target} is unreachable after ${attempt} attempts over ${Math.round(options.timeoutMs / 1000)} s (last error: ${reason}). Check the value of ${options.variable} and that the service is running; CONNECT_RETRY_SECONDS sets how long to wait.`,
        );
      }
      const wait = Math.min(delay, remaining);
      options.logger.warn(
        { variable: options.variable, target: options.target, attempt, retryInMs: wait, reason },
        `${options.target} is unreachable; retrying`,
      );
      await new Promise((resolve) => setTimeout(resolve, wait));
      delay = Math.min(delay * 2, options.maxDelayMs ?? 5000);
    }
  }
}
