/*
 * The essay the product comes from (its YAML blocks are the grammar). Tests read the team's
 * shared copy (`../shared/mission/article.txt` beside the repository) when it is there, and the
 * copy committed in `docs/article.txt` otherwise (a clone on its own, e.g. in CI);
 * `article.test.ts` checks that the two are the same text.
 */
import * as fs from 'fs';
import * as path from 'path';

export const SHARED_ARTICLE = path.resolve(
  __dirname,
  '../../../../../../shared/mission/article.txt',
);
export const COMMITTED_ARTICLE = path.resolve(
  __dirname,
  '../../../../../docs/article.txt',
);

export const ARTICLE = fs.existsSync(SHARED_ARTICLE)
  ? SHARED_ARTICLE
  : COMMITTED_ARTICLE;
