import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import { navModule } from './modules/nav';
import { scorecardsModule } from './modules/scorecards';

export default createApp({
  features: [catalogPlugin, navModule, scorecardsModule],
});
