export { FreshnessWaterfall, LatencyWaterfall } from './LatencyWaterfall';
export {
  FindingWaterfall,
  hasWaterfall,
  LatencyWaterfallCard,
} from './WaterfallCard';
export {
  freshnessWaterfall,
  latencyWaterfall,
  promiseWaterfall,
} from './waterfall';
export type {
  FreshnessHop,
  FreshnessWaterfallModel,
  LatencyHop,
  LatencyWaterfallModel,
} from './waterfall';
