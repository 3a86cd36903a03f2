/*
 * Checkout's call to Payment to authorize an order once Risk has scored it. Checkout's contract
 * (../contracts) declares its call to risk only: the 3 s this call waits is a contract nobody
 * wrote down. `contracts discover` finds it, and the committed report
 * (../contracts/discovered.json) makes the portal show it as drift (an undeclared call).
 */
import type { Order } from './riskClient';

const PAYMENT_URL = process.env.PAYMENT_URL ?? 'http://payment:8080';

/** How long checkout waits for the card network's answer before it gives up on the order. */
const PAYMENT_TIMEOUT_MS = 3_000;

export interface Authorization {
  authorizationId: string;
  approved: boolean;
}

/** Authorizes the order's amount, with the risk score for the payment's fraud metadata. */
export async function authorizePayment(
  order: Order,
  riskScore: number | undefined,
): Promise<Authorization> {
  const response = await fetch(`${PAYMENT_URL}/v1/authorizations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      order_id: order.orderId,
      amount_cents: order.amountCents,
      risk_score: riskScore,
    }),
    signal: AbortSignal.timeout(PAYMENT_TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`payment answered ${response.status}`);
  return (await response.json()) as Authorization;
}
