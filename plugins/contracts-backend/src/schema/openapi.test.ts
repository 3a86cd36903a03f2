import { mockServices } from '@backstage/backend-test-utils';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { createHistoryRouter } from '../history/historyRoutes';
import { createRouter } from '../service/router';

/** Every route of the routers is described in openapi.yaml, and nothing else is. */
describe('openapi.yaml', () => {
  it('documents every route', async () => {
    const doc = parse(
      await fs.readFile(path.join(__dirname, 'openapi.yaml'), 'utf8'),
    );
    const documented = Object.entries(doc.paths as Record<string, object>)
      .flatMap(([p, ops]) =>
        Object.keys(ops).map(
          m => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`,
        ),
      )
      .sort();
    const router = await createRouter({
      logger: mockServices.logger.mock(),
      httpAuth: mockServices.httpAuth(),
      permissions: mockServices.permissions(),
      graph: {} as any,
      decisions: {} as any,
      authorizer: {} as any,
      catalogVisibility: {} as any,
      userInfo: mockServices.userInfo(),
      limits: {
        writesPerWindow: 30,
        windowMs: 60_000,
        concurrentWrites: 2,
        writeQueue: 32,
      },
    });
    // the contract history is a router of its own, mounted beside this one
    const history = createHistoryRouter({} as any);
    const routes = [(router as any).stack, (history as any).stack]
      .flat()
      .filter((l: any) => l.route)
      .flatMap((l: any) =>
        Object.keys(l.route.methods).map(
          m => `${m.toUpperCase()} ${l.route.path}`,
        ),
      )
      .sort();
    expect(routes).toEqual(documented);
  });
});
