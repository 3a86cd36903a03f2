/*
 * The grammars of the tree-sitter languages, registered with ast-grep on first use.
 */
import type { SgNode } from '@ast-grep/napi';

export type TreeLanguage = 'python' | 'go' | 'java' | 'kotlin' | 'csharp';

let registered = false;

/** Registers the grammars with ast-grep, once per process. */
function napi(): typeof import('@ast-grep/napi') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sg = require('@ast-grep/napi') as typeof import('@ast-grep/napi');
  if (!registered) {
    sg.registerDynamicLanguage({
      /* eslint-disable @typescript-eslint/no-require-imports */
      python: require('@ast-grep/lang-python'),
      go: require('@ast-grep/lang-go'),
      java: require('@ast-grep/lang-java'),
      kotlin: require('@ast-grep/lang-kotlin'),
      csharp: require('@ast-grep/lang-csharp'),
      /* eslint-enable @typescript-eslint/no-require-imports */
    });
    registered = true;
  }
  return sg;
}

/** Parses a source text into its root node. */
export function parseTree(language: TreeLanguage, text: string): SgNode {
  return napi()
    .parse(language as any, text)
    .root();
}
