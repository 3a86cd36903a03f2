import {
  type LoggerService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import {
  type ContractRule,
  defaultRules,
  type EngineConfig,
} from '@backstage-contracts/plugin-contracts-common';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AnalysisCore, callCore } from './AnalysisCore';
import type {
  AnalysisMethod,
  AnalysisMethods,
  AnalysisResponse,
  AnalysisSettings,
} from './protocol';
import type { WorkerDatabaseSettings } from './workerDatabase';

/** A call failed because the analysis worker stopped (crashed, or was stopped) meanwhile. */
export class AnalysisWorkerStoppedError extends Error {
  name = 'AnalysisWorkerStoppedError';
}

type Result<M extends AnalysisMethod> = Awaited<ReturnType<AnalysisMethods[M]>>;
type Args<M extends AnalysisMethod> = Parameters<AnalysisMethods[M]>;

/** Where the analysis runs: a worker thread, or (custom rules) the main thread. */
export interface AnalysisHost {
  /** True when the analysis runs in a worker thread. */
  readonly inWorker: boolean;
  /**
   * True when the worker has its own connection to the plugin database (PostgreSQL): it saves
   * the persisted snapshot itself (`persistSnapshot`), the bytes never leave it.
   */
  readonly persistsItself?: boolean;
  call<M extends AnalysisMethod>(
    method: M,
    ...args: Args<M>
  ): Promise<Result<M>>;
  /**
   * Calls `listener` when the worker stops unexpectedly: its state is lost (the next call
   * starts a new, empty one).
   */
  onStopped(listener: (error: Error) => void): void;
  /** Stops the worker (if any). */
  close(): Promise<void>;
}

const PACKAGE = '@backstage-contracts/plugin-contracts-backend';
/** The longest a stopping worker is given to close its database connection. */
const CLOSE_DATABASE_MS = 2000;

/**
 * The worker's entry: the TypeScript source (run through tsx) when this module runs from source,
 * else the build's (an entry of its own in package.json `exports`).
 */
function workerEntry(): { file: string; execArgv?: string[] } {
  if (__filename.endsWith('.ts')) {
    // jest, `backstage-cli package start`, tsx: the source; the worker loads it through tsx
    // (a devDependency: the published package runs its build, below)
    const tsx = require.resolve('tsx/package.json');
    return {
      file: resolvePackagePath(PACKAGE, 'src/services/analysis/worker.ts'),
      execArgv: [
        '--import',
        pathToFileURL(join(tsx, '..', 'dist', 'loader.mjs')).href,
      ],
    };
  }
  // (the process's own options, as a worker has by default)
  return { file: resolvePackagePath(PACKAGE, 'dist/analysis-worker.cjs.js') };
}

const utf8 = new TextDecoder();

/**
 * A pulled piece of an adopted snapshot comes with its entity JSON as UTF-8 bytes (the worker
 * does not decode it while the main thread receives: AnalysisCore.adoptSnapshot): made a string
 * here, as PulledPart says, in the task that receives it. Any other answer as it is.
 */
export function wireText(value: unknown): unknown {
  const part = value as { entityJson?: unknown } | undefined;
  if (part?.entityJson instanceof Uint8Array) {
    return { ...part, entityJson: utf8.decode(part.entityJson) };
  }
  return value;
}

class WorkerAnalysisHost implements AnalysisHost {
  readonly inWorker = true;
  readonly persistsItself: boolean;
  private worker?: Worker;
  private readonly calls = new Map<
    number,
    {
      resolve(value: unknown): void;
      reject(error: Error): void;
      timer: NodeJS.Timeout;
    }
  >();
  private nextId = 1;
  private closing = false;
  private readonly listeners = new Set<(error: Error) => void>();

  constructor(
    private readonly options: {
      engineConfig: EngineConfig;
      logger: LoggerService;
      callTimeoutMs: number;
      database?: WorkerDatabaseSettings;
    },
  ) {
    this.persistsItself = Boolean(options.database);
  }

  /** The running worker (tests stop it to see a crash survived). */
  get current(): Worker | undefined {
    return this.worker;
  }

  private start(): Worker {
    const { file, execArgv } = workerEntry();
    const workerData: AnalysisSettings = {
      engineConfig: this.options.engineConfig,
      database: this.options.database,
    };
    const worker = new Worker(file, { workerData, execArgv });
    worker.unref();
    worker.on('message', (response: AnalysisResponse) => {
      const call = this.calls.get(response.id);
      if (!call) return;
      this.calls.delete(response.id);
      clearTimeout(call.timer);
      if (response.ok) call.resolve(wireText(response.value));
      else {
        const error = new Error(response.error.message);
        error.name = response.error.name;
        call.reject(error);
      }
    });
    const stopped = (error: Error) => this.stopped(worker, error);
    worker.on('error', stopped);
    worker.on('exit', code =>
      stopped(new Error(`it exited with code ${code}`)),
    );
    this.worker = worker;
    return worker;
  }

  /** Stops `worker` for `reason` (it does not answer). */
  private stop(worker: Worker, reason: Error) {
    this.stopped(worker, reason);
    worker.terminate().catch(() => {});
  }

  private stopped(worker: Worker, error: Error) {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const failure = new AnalysisWorkerStoppedError(
      `the analysis worker stopped: ${error.message}`,
    );
    for (const call of this.calls.values()) {
      clearTimeout(call.timer);
      call.reject(failure);
    }
    this.calls.clear();
    if (this.closing) return;
    this.options.logger.error('Contracts analysis worker stopped', {
      error: error.message,
    });
    for (const listener of this.listeners) listener(failure);
  }

  call<M extends AnalysisMethod>(
    method: M,
    ...args: Args<M>
  ): Promise<Result<M>> {
    if (this.closing) {
      return Promise.reject(
        new AnalysisWorkerStoppedError('the analysis worker is shut down'),
      );
    }
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    // a snapshot's bytes are handed over, not copied (adoptSnapshot takes them)
    // (when they own their whole buffer: a pooled Buffer's is copied)
    const transfer = args
      .filter(
        (a): a is Uint8Array =>
          a instanceof Uint8Array &&
          a.byteOffset === 0 &&
          a.byteLength === a.buffer.byteLength,
      )
      .map(a => a.buffer as ArrayBuffer);
    return new Promise<Result<M>>((resolve, reject) => {
      // a worker that does not answer (a rule that never ends) is stopped: as after a crash,
      // the last graph stays served, marked stale, and the next refresh starts a new worker
      const timer = setTimeout(() => {
        this.stop(
          worker,
          new Error(
            `${method} took longer than ${this.options.callTimeoutMs} ms`,
          ),
        );
      }, this.options.callTimeoutMs);
      timer.unref();
      this.calls.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
        timer,
      });
      try {
        worker.postMessage({ id, method, args }, transfer);
      } catch {
        worker.postMessage({ id, method, args });
      }
    });
  }

  onStopped(listener: (error: Error) => void): void {
    this.listeners.add(listener);
  }

  async close(): Promise<void> {
    if (this.worker && this.persistsItself) {
      // its connection closed first (a bounded wait: a busy worker is stopped all the same)
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.call('closeDatabase').catch(() => {}),
        new Promise(resolve => {
          timer = setTimeout(resolve, CLOSE_DATABASE_MS);
        }),
      ]);
      clearTimeout(timer);
    }
    this.closing = true;
    await this.worker?.terminate();
  }
}

/** The same work on the main thread (custom rules: they are functions of this process). */
class InProcessAnalysisHost implements AnalysisHost {
  readonly inWorker = false;
  readonly persistsItself = false;
  private readonly core: AnalysisCore;

  constructor(options: { engineConfig: EngineConfig; rules: ContractRule[] }) {
    this.core = new AnalysisCore(options);
  }

  async call<M extends AnalysisMethod>(
    method: M,
    ...args: Args<M>
  ): Promise<Result<M>> {
    // a turn of the event loop first, as a message to a worker would take
    await new Promise(resolve => setImmediate(resolve));
    return wireText(await callCore(this.core, method, args)) as Result<M>;
  }

  onStopped(): void {}

  async close(): Promise<void> {}
}

/**
 * The analysis host for these rules: a worker thread when they are the default rules (a worker
 * cannot be sent functions), the main thread otherwise.
 */
export function createAnalysisHost(options: {
  engineConfig: EngineConfig;
  rules: ContractRule[];
  logger: LoggerService;
  /** The longest one call may take in the worker. Default 10 minutes. */
  callTimeoutMs?: number;
  /** The worker's own connection to the plugin database (./workerDatabase.ts), if it can have one. */
  database?: WorkerDatabaseSettings;
}): AnalysisHost {
  const { rules } = options;
  const defaultsOnly =
    rules.length === defaultRules.length &&
    rules.every(r => defaultRules.includes(r));
  if (defaultsOnly) {
    return new WorkerAnalysisHost({
      ...options,
      callTimeoutMs: options.callTimeoutMs ?? 600_000,
    });
  }
  options.logger.info(
    'Contracts: custom rules are registered; the analysis runs on the main thread',
  );
  return new InProcessAnalysisHost(options);
}
