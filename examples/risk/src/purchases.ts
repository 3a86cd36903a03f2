/*
 * Risk's velocity check reads a user's recent purchases from the orders database's read
 * replica (contracts/data.yaml: it needs them less than 10 s old; orders says the replica lags
 * 15-30 s). `contracts discover examples/risk` finds the replica read.
 */
import { Pool } from 'pg';

const ordersReplica = new Pool({
  connectionString: process.env.ORDERS_REPLICA_URL,
  max: 10,
});

export interface Purchase {
  orderId: string;
  amountCents: number;
  createdAt: Date;
}

/** The user's purchases of the last ten minutes, newest first. */
export async function recentPurchases(userId: string): Promise<Purchase[]> {
  const { rows } = await ordersReplica.query<Purchase>(
    `SELECT order_id AS "orderId", amount_cents AS "amountCents", created_at AS "createdAt"
       FROM purchases
      WHERE user_id = $1 AND created_at > now() - interval '10 minutes'
      ORDER BY created_at DESC`,
    [userId],
  );
  return rows;
}
