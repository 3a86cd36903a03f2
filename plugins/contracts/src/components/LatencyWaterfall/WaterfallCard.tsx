import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { InfoCard, Progress } from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import type {
  EntityContract,
  Finding,
} from '@backstage-contracts/plugin-contracts-common';
// module paths, not '../shared': shared's FindingExplanation imports this module
import { ItemErrorBoundary } from '../shared/ItemErrorBoundary';
import { useEntityContracts } from '../shared/useEntityContracts';
import { FreshnessWaterfall, LatencyWaterfall } from './LatencyWaterfall';
import {
  ContractLookup,
  freshnessWaterfall,
  FreshnessWaterfallModel,
  latencyWaterfall,
  LatencyWaterfallModel,
  promiseWaterfall,
  waterfallCalls,
} from './waterfall';
import { useChainContracts } from './useChainContracts';

/** Rules whose findings a latency waterfall pictures, by what it draws. */
const CALL_RULES = [
  'latency-budget',
  'timeout-below-tail',
  'timeout-ordering',
  'retry-amplification',
  'need-at-risk',
];
const PROMISE_RULES = ['latency-path'];
const FRESHNESS_RULES = ['data-freshness', 'freshness-path'];

/** Whether {@link FindingWaterfall} has a picture for this finding's rule. */
export function hasWaterfall(finding: Pick<Finding, 'rule'>): boolean {
  return [...CALL_RULES, ...PROMISE_RULES, ...FRESHNESS_RULES].includes(
    finding.rule,
  );
}

type Model =
  | { kind: 'latency'; key: string; model: LatencyWaterfallModel }
  | { kind: 'freshness'; key: string; model: FreshnessWaterfallModel };

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The picture of one finding, from the consumer's contract and those of its chain. */
export function findingModel(
  finding: Finding,
  consumer: EntityContract,
  lookup: ContractLookup,
): Model | undefined {
  const key = finding.id;
  if (CALL_RULES.includes(finding.rule)) {
    const callee = finding.chain?.[1] ?? finding.provider;
    const calls = waterfallCalls(consumer).filter(
      c => c.operation === finding.subject || finding.subject === '*',
    );
    const call = calls.find(c => same(c.ref, callee)) ?? calls[0];
    return (
      call && {
        kind: 'latency',
        key,
        model: latencyWaterfall(consumer, call, lookup),
      }
    );
  }
  if (PROMISE_RULES.includes(finding.rule)) {
    return {
      kind: 'latency',
      key,
      model: promiseWaterfall(consumer, finding.subject, lookup),
    };
  }
  if (finding.rule === 'data-freshness') {
    const need = consumer.dataDependencies.find(
      d => d.dataset === finding.subject,
    );
    return (
      need && {
        kind: 'freshness',
        key,
        model: freshnessWaterfall(
          consumer.entityRef,
          need,
          finding.provider,
          finding.subject,
          lookup,
        ),
      }
    );
  }
  if (finding.rule === 'freshness-path') {
    const own = consumer.datasets.find(d => d.name === finding.subject);
    const promised = own?.freshness?.maxMs ?? own?.freshness?.typicalMaxMs;
    if (!own || promised === undefined) return undefined;
    return {
      kind: 'freshness',
      key,
      model: freshnessWaterfall(
        consumer.entityRef,
        { freshnessRequiredMs: promised, freshnessRaw: own.freshness!.raw },
        consumer.entityRef,
        own.name,
        lookup,
      ),
    };
  }
  return undefined;
}

const Picture = ({ model }: { model: Model }) =>
  model.kind === 'latency' ? (
    <LatencyWaterfall model={model.model} />
  ) : (
    <FreshnessWaterfall model={model.model} />
  );

/**
 * The waterfall of a finding (`latency-budget`, `latency-path`, `timeout-ordering`,
 * `retry-amplification`, `timeout-below-tail`, `data-freshness`, `freshness-path`): nothing
 * for other rules, for a finding with a side the caller may not see, or while loading.
 * @public
 */
export const FindingWaterfall = ({ finding }: { finding: Finding }) => {
  const active = hasWaterfall(finding) && !finding.hidden?.length;
  const extra = active ? [finding.provider, ...(finding.chain ?? [])] : [];
  const { lookup, loading } = useChainContracts(
    active ? finding.consumer : undefined,
    extra,
  );
  if (!active) return null;
  const consumer = lookup(finding.consumer);
  if (!consumer) return loading ? <Progress /> : null;
  let model: Model | undefined;
  try {
    model = findingModel(finding, consumer, lookup);
  } catch {
    model = undefined;
  }
  return model ? (
    <Box my={1} data-testid="finding-waterfall">
      <Picture model={model} />
    </Box>
  ) : null;
};

/** Every waterfall of an entity: its calls, its promises with a latency-path finding, its data needs. */
export function entityModels(
  contract: EntityContract,
  findings: Finding[],
  lookup: ContractLookup,
): Model[] {
  const models: Model[] = [];
  const open = (f: Finding) => f.status !== 'accepted';
  for (const call of waterfallCalls(contract)) {
    models.push({
      kind: 'latency',
      key: `call:${call.ref}#${call.operation}`,
      model: latencyWaterfall(contract, call, lookup),
    });
  }
  for (const f of findings) {
    if (
      f.rule === 'latency-path' &&
      same(f.consumer, contract.entityRef) &&
      !models.some(m => m.key === `promise:${f.subject}`)
    ) {
      models.push({
        kind: 'latency',
        key: `promise:${f.subject}`,
        model: promiseWaterfall(contract, f.subject, lookup),
      });
    }
  }
  for (const need of contract.dataDependencies) {
    const finding = findings.find(
      f =>
        f.rule === 'data-freshness' &&
        same(f.consumer, contract.entityRef) &&
        f.subject === need.dataset &&
        !f.hidden?.length,
    );
    models.push({
      kind: 'freshness',
      key: `need:${need.ref}#${need.dataset}`,
      model: freshnessWaterfall(
        contract.entityRef,
        need,
        finding?.provider ?? need.ref,
        need.dataset,
        lookup,
      ),
    });
  }
  // the pictures of open findings first, the worst (past the line) first among them
  const flagged = (m: Model) =>
    m.kind === 'latency'
      ? m.model.hops.some(h => h.overBudget) ||
        findings.some(
          f =>
            open(f) &&
            same(f.consumer, contract.entityRef) &&
            f.subject === m.model.subject,
        )
      : m.model.hops.some(h => h.overNeed);
  return [...models.filter(flagged), ...models.filter(m => !flagged(m))];
}

const TITLE = 'Latency and freshness along the chain';

/**
 * The latency budget of each call the entity makes, and the freshness of each dataset it
 * needs, as waterfalls along the chain (on the Contracts tab). Shows nothing when the
 * entity's contract makes no call and needs no data and `hideWhenEmpty` is set.
 * @public
 */
export const LatencyWaterfallCard = ({
  hideWhenEmpty = false,
}: {
  hideWhenEmpty?: boolean;
}) => {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const { value } = useEntityContracts(entityRef);
  const contract = value?.contracts ?? undefined;
  const findings = value?.findings ?? [];
  const extra = findings
    .filter(f => f.rule === 'data-freshness' && !f.hidden?.length)
    .map(f => f.provider);
  const { lookup, loading } = useChainContracts(
    contract ? entityRef : undefined,
    extra,
    contract,
  );
  if (!value) {
    return hideWhenEmpty ? null : (
      <InfoCard title={TITLE}>
        <Progress />
      </InfoCard>
    );
  }
  const models = contract ? entityModels(contract, findings, lookup) : [];
  if (models.length === 0 && hideWhenEmpty) return null;
  return (
    <InfoCard title={TITLE}>
      {loading && <Progress />}
      {models.length === 0 && (
        <Typography variant="body2" color="textSecondary">
          This contract makes no call with an operation and needs no dataset.
        </Typography>
      )}
      {models.map(m => (
        <Box key={m.key} mb={3}>
          <ItemErrorBoundary what="waterfall" id={m.key}>
            <Picture model={m} />
          </ItemErrorBoundary>
        </Box>
      ))}
    </InfoCard>
  );
};
