import SwaggerParser from '@apidevtools/swagger-parser';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { staleOpenApiFiles } from '../../scripts/generate-openapi';

jest.setTimeout(60_000);

/**
 * `openapi.yaml` is the API's one description: the router validates requests against it and
 * the routes' and the frontend client's types are generated from it (`yarn generate:openapi`).
 * The routes can only be registered on paths it has (the generated router's types).
 */
describe('openapi.yaml', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const doc = parse(
      await fs.readFile(path.join(__dirname, 'openapi.yaml'), 'utf8'),
    );
    expect(doc.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(doc)).resolves.toBeDefined();
  });

  it('is what the generated router and types were made from', async () => {
    // run `yarn generate:openapi` in plugins/contracts-backend after changing the spec
    expect(await staleOpenApiFiles()).toEqual([]);
  });
});
