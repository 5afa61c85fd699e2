import { ConfigError } from '../config';
import { createLogger } from '../logger';
import { StartupError } from './connectWithRetry';

/**
 * Runs a process's composition root. A bad setting (`ConfigError`) or a
 * dependency still unreachable when its retries ran out (`StartupError`)
 * ends the process with exit code 1 and ONE log line naming the variable —
 * no stack trace, since the cause is the environment, not the code. Anything
 * else is a bug and is logged with its stack.
 */
export function runMain(name: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    // LOG_LEVEL itself may be the bad setting, so this logger does not read it.
    const logger = createLogger(name, 'info');
    if (error instanceof ConfigError) {
      logger.fatal({ variable: error.variable, value: error.value, expected: error.expected }, error.message);
    } else if (error instanceof StartupError) {
      logger.fatal({ variable: error.variable }, error.message);
    } else {
      logger.fatal({ err: error }, 'start-up failed');
    }
    process.exit(1);
  });
}
