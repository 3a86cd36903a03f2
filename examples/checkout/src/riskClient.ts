/*
 * Checkout's call to Risk before payment authorization (the essay's example): a 500 ms
 * timeout, and on a timeout one more attempt, each with a new transaction id "so each attempt
 * is separate in the logs". The contract in ../contracts says the same, as `contracts discover`
 * finds it.
 */
import { randomUUID } from 'node:crypto';

const RISK_URL = process.env.RISK_URL ?? 'http://risk:8080';

/** How long checkout waits for a risk score before it lets the payment through. */
export const RISK_TIMEOUT_MS = 500;
const MAX_ATTEMPTS = 2;

export interface Order {
  orderId: string;
  userId: string;
  amountCents: number;
}

export interface RiskScore {
  score: number;
  decision: 'allow' | 'review' | 'block';
}

/** Scores an order; undefined when risk did not answer in time (fallback: allow with monitoring). */
export async function scoreTransaction(
  order: Order,
): Promise<RiskScore | undefined> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const transactionId = randomUUID();
    try {
      const response = await fetch(`${RISK_URL}/v1/score`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ transaction_id: transactionId, ...order }),
        signal: AbortSignal.timeout(RISK_TIMEOUT_MS),
      });
      if (response.ok) return (await response.json()) as RiskScore;
    } catch (error) {
      if (!(error instanceof Error && error.name === 'TimeoutError'))
        throw error;
    }
  }
  return undefined;
}
