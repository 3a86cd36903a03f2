/*
 * The analysis worker's entry (a worker thread): parses contracts and runs the engine for the
 * main thread, which only serves what it is sent. Started by AnalysisHost; built as an entry of
 * its own (package.json `exports`) so that it is in dist beside the plugin.
 */
import { defaultRules } from '@backstage-contracts/plugin-contracts-common';
import { parentPort, workerData } from 'node:worker_threads';
import { AnalysisCore, callCore } from './AnalysisCore';
import { pulledBuffers } from './graphItems';
import { sentRowsBuffers } from './sentRows';
import { useWorkerDatabase } from './workerDatabase';
import type {
  AnalysisRequest,
  AnalysisResponse,
  AnalysisSettings,
  PulledPart,
} from './protocol';

const port = parentPort;
if (port) {
  const settings = workerData as AnalysisSettings;
  // its own connection, made when it first persists (PostgreSQL; else the main thread saves)
  useWorkerDatabase(settings.database);
  const core = new AnalysisCore({
    engineConfig: settings.engineConfig,
    rules: defaultRules,
  });
  const answer = (id: number, value: unknown) => {
    const transfer: ArrayBuffer[] = [];
    const bytes = (value as { bytes?: unknown })?.bytes;
    if (bytes instanceof Uint8Array) transfer.push(bytes.buffer as ArrayBuffer);
    // a pulled piece's places and columns (and an adopted snapshot's piece's entity bytes)
    if ((value as Partial<PulledPart>)?.places instanceof Uint32Array) {
      transfer.push(...pulledBuffers(value as PulledPart));
      const text = (value as { entityJson: unknown }).entityJson;
      if (text instanceof Uint8Array) transfer.push(text.buffer as ArrayBuffer);
    }
    const recipes = (value as { recipes?: Record<string, Int32Array> })
      ?.recipes;
    if (recipes) {
      for (const r of Object.values(recipes)) {
        transfer.push(r.buffer as ArrayBuffer);
      }
    }
    transfer.push(...sentRowsBuffers(value));
    const response: AnalysisResponse = { id, ok: true, value };
    port.postMessage(response, transfer);
  };
  const fail = (id: number, error: unknown) => {
    const e = error as Error;
    const response: AnalysisResponse = {
      id,
      ok: false,
      error: { name: e?.name ?? 'Error', message: String(e?.message ?? e) },
    };
    port.postMessage(response);
  };
  port.on('message', (request: AnalysisRequest) => {
    try {
      const value = callCore(core, request.method, request.args);
      // (the snapshot's compression and decompression: on zlib's thread pool meanwhile; a
      // pull waiting for its bytes; a call waiting for an adopted snapshot to be all in)
      if (value instanceof Promise) {
        value.then(
          v => answer(request.id, v),
          e => fail(request.id, e),
        );
      } else answer(request.id, value);
    } catch (error) {
      fail(request.id, error);
    }
  });
}
