/*
 * Builds the bundled CLI (dist/contracts.cjs), which bin/contracts runs while it is fresh.
 *
 *   yarn bundle
 */
import * as path from 'node:path';
import { BUNDLE_FILE, bundleCli } from '../src/bundle';

const started = Date.now();
bundleCli().then(
  ({ inputs, bytes }) => {
    process.stdout.write(
      `bundled the CLI into ${path.relative(
        process.cwd(),
        BUNDLE_FILE,
      )} (${inputs} inputs, ${(bytes / 1e6).toFixed(1)} MB) in ${
        Date.now() - started
      } ms\n`,
    );
  },
  error => {
    process.stderr.write(`bundle: ${error?.message ?? error}\n`);
    process.exitCode = 1;
  },
);
