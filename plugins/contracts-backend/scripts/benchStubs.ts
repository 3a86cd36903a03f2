import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';

/**
 * What the in-process benchmarks (bench-recompute.ts, bench-heap.ts) give the graph service in
 * place of the backend's services: a logger that says nothing, and the plugin's own service
 * credentials (the paged catalog they read from asks nothing more).
 */
export const silentLogger: LoggerService = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  child: () => silentLogger,
};

export const serviceAuth = {
  getOwnServiceCredentials: async () => ({
    $$type: '@backstage/BackstageCredentials',
    principal: { type: 'service', subject: 'plugin:contracts' },
  }),
} as unknown as AuthService;
