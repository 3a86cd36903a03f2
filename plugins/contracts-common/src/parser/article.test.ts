import * as fs from 'fs';
import { COMMITTED_ARTICLE, SHARED_ARTICLE } from './__fixtures__/article';

describe('the essay', () => {
  it('is committed in docs/article.txt', () => {
    expect(fs.readFileSync(COMMITTED_ARTICLE, 'utf8')).toContain(
      '# risk-service/contracts/sla.yaml',
    );
  });

  it('matches the shared copy where there is one', () => {
    if (!fs.existsSync(SHARED_ARTICLE)) {
      return; // a clone on its own: the committed copy is the essay
    }
    expect(fs.readFileSync(COMMITTED_ARTICLE, 'utf8')).toBe(
      fs.readFileSync(SHARED_ARTICLE, 'utf8'),
    );
  });
});
