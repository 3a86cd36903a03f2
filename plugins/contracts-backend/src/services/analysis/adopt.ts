import type { AnalysisHost } from './AnalysisHost';
import type { TransferHeader } from './protocol';

/**
 * A persisted snapshot as stored (compressed): all its bytes, or its pieces as they are read from
 * the database (SnapshotStore.latestPieces).
 */
export type StoredSnapshotBytes = Uint8Array | AsyncIterable<Uint8Array>;

/**
 * Hands a persisted snapshot to the analysis (adoptSnapshot) and resolves with the transfer it
 * announces, once the worker has read its head. Pieces read from the database are sent on one by
 * one as they come, the next read while the worker decompresses this one, and go on being sent
 * while the main thread pulls the transfer (whose pieces the worker answers as their bytes come
 * in): reading, decompressing and receiving overlap instead of following one another (at 100k,
 * 0.3 + 0.3 + 1.2 s one after the other in bench:snapshot at load 1.8; 1.6 + 1.4 + 4.3 s in the
 * lead's bench:scale).
 */
export async function adoptStored(
  host: AnalysisHost,
  stored: StoredSnapshotBytes,
  encoding: string,
): Promise<TransferHeader> {
  if (stored instanceof Uint8Array) {
    return host.call('adoptSnapshot', stored, encoding);
  }
  const announced = host.call('adoptSnapshot', undefined, encoding);
  let refused = false;
  announced.catch(() => {
    refused = true;
  });
  const sending = (async () => {
    try {
      for await (const piece of stored) {
        // (a snapshot the worker refused, by its head: the rest is not read)
        if (refused) break;
        await host.call('adoptChunk', piece);
      }
      await host.call('adoptChunk', null);
    } catch (error) {
      // the worker's pulls waiting for these bytes fail with this
      await host.call(
        'adoptChunk',
        null,
        `a persisted snapshot could not be read: ${String(error)}`,
      );
    }
  })();
  // (a worker that stopped meanwhile: the pulls fail with that)
  sending.catch(() => {});
  return announced;
}
