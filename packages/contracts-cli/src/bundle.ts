/*
 * The bundled CLI: one CommonJS file holding the CLI, contracts-common and their dependencies,
 * so that `contracts` starts without compiling TypeScript. `bin/contracts` runs it only while it
 * is fresh (every input file unchanged since the bundle was built) and the sources otherwise, so
 * a stale bundle is never run. Built by `yarn bundle` (and by `yarn bench`, which measures it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The package folder. */
// eslint-disable-next-line no-restricted-syntax -- a build tool: it runs from the sources
export const PACKAGE_DIR = path.resolve(__dirname, '..');
/** Where `yarn bundle` writes the bundle; `bin/contracts` looks there. */
export const BUNDLE_FILE = path.join(PACKAGE_DIR, 'dist', 'contracts.cjs');

/** Whether `bundle` exists and none of its inputs changed since it was built (as bin/contracts asks). */
export function isFreshBundle(bundle: string = BUNDLE_FILE): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../bin/fresh-bundle.js').isFreshBundle(bundle);
}

/** The inputs list written beside a bundle: `<bundle>.inputs.json`. */
export function inputsFile(bundle: string): string {
  return `${bundle}.inputs.json`;
}

/**
 * Bundles `src/index.ts` into `outfile` with esbuild (a dependency of @backstage/cli), and
 * writes beside it the size and modification time of every input, for the freshness check of
 * `bin/contracts`.
 */
export async function bundleCli(outfile: string = BUNDLE_FILE): Promise<{
  inputs: number;
  bytes: number;
}> {
  // esbuild comes with @backstage/cli (a devDependency), which builds every package here
  // eslint-disable-next-line @typescript-eslint/no-require-imports, @backstage/no-undeclared-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  // whatwg-url (node-fetch) requires `punycode`: Node's own warns (DEP0040) when required from
  // outside node_modules, as a bundle is; the package of the same API does not
  let punycode: Record<string, string> = {};
  try {
    require.resolve('punycode/');
    punycode = { punycode: 'punycode/' };
  } catch {
    // not installed: Node's own, and its warning
  }
  const result = await esbuild.build({
    alias: punycode,
    entryPoints: [path.join(PACKAGE_DIR, 'src', 'index.ts')],
    outfile: `${outfile}.tmp`,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    metafile: true,
    legalComments: 'none',
    // loaded from node_modules at run time: the compiler is large and loaded only by discover,
    // ast-grep's grammars are native libraries
    external: ['typescript', '@ast-grep/*'],
    logLevel: 'silent',
  });
  const cwd = process.cwd();
  const inputs = Object.keys(result.metafile.inputs)
    .map(input => path.resolve(cwd, input))
    .filter(file => fs.existsSync(file))
    .map(file => {
      const stat = fs.statSync(file);
      return [
        path.relative(path.dirname(outfile), file),
        stat.size,
        stat.mtimeMs,
      ];
    });
  fs.writeFileSync(`${inputsFile(outfile)}.tmp`, JSON.stringify({ inputs }));
  fs.renameSync(`${outfile}.tmp`, outfile);
  fs.renameSync(`${inputsFile(outfile)}.tmp`, inputsFile(outfile));
  return { inputs: inputs.length, bytes: fs.statSync(outfile).size };
}
