/**
 * Bounded concurrency and lock-conflict retry, kept apart from the driver so each is tested on
 * its own and neither knows about Pulumi.
 */

/**
 * Runs `task` over `items` with at most `limit` in flight, results in input order. Bounded
 * because every stack holds a CLI process, a plugin set and cloud API quota.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  };
  const workers = Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

export type Sleep = (ms: number) => Promise<void>;

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** First delay; doubled for every further retry. */
  baseMs: number;
  sleep: Sleep;
  /** Which errors are worth waiting for; anything else fails at once. */
  retryable(e: unknown): boolean;
  /** Told before each wait, so CI logs show why the job is idle. */
  onRetry(retry: number, delayMs: number): void;
}

/** Thrown when every retry hit a retryable error; `lastError` is the last one. */
export class RetriesExhausted extends Error {
  constructor(readonly retries: number, readonly lastError: unknown) {
    super(`gave up after ${retries} ${retries === 1 ? "retry" : "retries"}`);
    this.name = "RetriesExhausted";
  }
}

/** Runs `attempt`, retrying retryable failures with exponential backoff (base, 2×base, 4×base…). */
export async function withRetry<R>(policy: RetryPolicy, attempt: () => Promise<R>): Promise<R> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (e) {
      if (!policy.retryable(e)) throw e;
      if (retry >= policy.retries) throw new RetriesExhausted(policy.retries, e);
      const delayMs = policy.baseMs * 2 ** retry;
      policy.onRetry(retry + 1, delayMs);
      await policy.sleep(delayMs);
    }
  }
}
