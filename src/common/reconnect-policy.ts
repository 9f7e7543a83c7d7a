/** Decides how long to wait before the next reconnection attempt (null: give up). */
export interface ReconnectPolicy {
  nextRetryDelayMs(attempt: number): number | null;
}

/** Longest wait between two attempts. */
export const MAX_RETRY_DELAY_MS = 10_000;

/** Exponential back-off from 250 ms, capped at 10 s, with ±20 % jitter; never gives up. */
export const defaultReconnectPolicy: ReconnectPolicy = {
  nextRetryDelayMs(attempt) {
    const base = Math.min(MAX_RETRY_DELAY_MS, 250 * 2 ** attempt);
    return Math.min(MAX_RETRY_DELAY_MS, Math.round(base * (0.8 + Math.random() * 0.4)));
  },
};
