import { DomainError, ErrorCode } from '../../platform/errors';

/**
 * Runs `run`, expects it to throw a `DomainError` with `code`, and returns
 * that error so the test can go on to its field and message. Fails the test
 * when `run` returns instead.
 */
export function domainErrorOf(run: () => unknown, code: ErrorCode): DomainError {
  try {
    run();
  } catch (error) {
    return expectDomainError(error, code);
  }
  throw new Error(`Expected a DomainError with code ${code}, but nothing was thrown.`);
}

/** Runs `run`, expects it to reject its input (a BAD_USER_INPUT `DomainError`), and returns that error. */
export function badInputOf(run: () => unknown): DomainError {
  return domainErrorOf(run, ErrorCode.BAD_USER_INPUT);
}

/** Like `domainErrorOf`, for a promise: expects it to reject with a `DomainError` with `code`, and returns that error. */
export async function domainRejectionOf(promise: Promise<unknown>, code: ErrorCode): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    return expectDomainError(error, code);
  }
  throw new Error(`Expected a rejection with a DomainError with code ${code}, but the promise resolved.`);
}

function expectDomainError(error: unknown, code: ErrorCode): DomainError {
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe(code);
  return error as DomainError;
}
