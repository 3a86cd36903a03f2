import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { contractsPlugin } from './plugin';
import { loadExampleEntities } from './__testUtils__/exampleCatalog';
import { faultyCatalog } from './__testUtils__/faultyCatalog';

jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, '../../..');

/** The NODE_ENV `npm start` (scripts/run.sh start) runs the portal's backend with. */
function portalNodeEnv(): string {
  // jest's NODE_ENV=test is not the shell's
  const { NODE_ENV: _jest, ...env } = process.env;
  return execFileSync('bash', ['scripts/run.sh', 'node-env'], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
  }).trim();
}

/**
 * The error bodies of the contracts API from a backend started under `nodeEnv` (Backstage's
 * error handler decides on stack traces when the backend starts).
 */
async function errorBodies(nodeEnv: string) {
  const saved = process.env.NODE_ENV;
  process.env.NODE_ENV = nodeEnv;
  try {
    const catalog = faultyCatalog({ entities: await loadExampleEntities() });
    const { server } = await startTestBackend({
      features: [
        contractsPlugin,
        catalog.factory,
        mockServices.rootConfig.factory(),
      ],
    });
    const auth = { Authorization: mockCredentials.user.header() };
    const notFound = await request(server)
      .get('/api/contracts/entities/component/default/no-such-entity')
      .set(auth);
    const badInput = await request(server)
      .post('/api/contracts/check')
      .set(auth)
      .send({ entityRef: 'component:default/checkout' });
    const forged = await request(server)
      .get('/api/contracts/findings')
      .set({ Authorization: mockCredentials.user.invalidHeader() });
    return { notFound, badInput, forged };
  } finally {
    process.env.NODE_ENV = saved;
  }
}

describe('error bodies', () => {
  it('carry no stack traces in the portal that npm start runs', async () => {
    const nodeEnv = portalNodeEnv();
    expect(nodeEnv).not.toBe('development');
    const bodies = await errorBodies(nodeEnv);
    expect(bodies.notFound.status).toBe(404);
    expect(bodies.badInput.status).toBe(400);
    expect(bodies.forged.status).toBe(401);
    for (const res of Object.values(bodies)) {
      expect(res.body.error).toMatchObject({
        name: expect.any(String),
        message: expect.any(String),
      });
      expect(res.body.error).not.toHaveProperty('stack');
      expect(res.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
    }
  });

  it('carry them in development (yarn dev), where they help', async () => {
    const { notFound } = await errorBodies('development');
    expect(notFound.status).toBe(404);
    expect(notFound.body.error.stack).toMatch(/NotFoundError/);
  });
});
