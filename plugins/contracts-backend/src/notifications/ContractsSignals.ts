import type { LoggerService } from '@backstage/backend-plugin-api';
import type { SignalsService } from '@backstage/plugin-signals-node';

/**
 * The signal channel the portal's pages listen on: a message says what changed (`graph` or
 * `decisions`) and nothing about whom, so it is broadcast; each page then asks the API again,
 * which answers what its user may see.
 * @public
 */
export const CONTRACTS_SIGNAL_CHANNEL = 'contracts';

/** A message on {@link CONTRACTS_SIGNAL_CHANNEL}. @public */
export type ContractsSignal = { kind: 'graph' | 'decisions'; at: string };

/**
 * Publishes a signal when the graph or a decision changes, at most one per kind every
 * `debounceMs` (a sync of many records is one signal).
 */
export class ContractsSignals {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly options: {
      signals: SignalsService;
      logger: LoggerService;
      debounceMs?: number;
    },
  ) {}

  changed(kind: ContractsSignal['kind']) {
    if (this.timers.has(kind)) return;
    const timer = setTimeout(() => {
      this.timers.delete(kind);
      const message: ContractsSignal = { kind, at: new Date().toISOString() };
      this.options.signals
        .publish({
          recipients: { type: 'broadcast' },
          channel: CONTRACTS_SIGNAL_CHANNEL,
          message,
        })
        .catch(error =>
          this.options.logger.warn('Contracts signal failed', {
            error: String(error),
          }),
        );
    }, this.options.debounceMs ?? 200);
    timer.unref?.();
    this.timers.set(kind, timer);
  }

  stop() {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
