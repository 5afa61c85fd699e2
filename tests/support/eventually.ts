/** Polls `check` until it holds; rejects with `what` after `timeoutMs` (default 15 s). For eventually consistent results, never for timing. */
export async function eventually(check: () => Promise<boolean> | boolean, what = 'condition', timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
