import type { Entity } from '@backstage/catalog-model';
import {
  CONTRACTS_SPEC_ANNOTATION,
  defaultRules,
} from '@backstage-contracts/plugin-contracts-common';
import { generatedEntities } from '../../__testUtils__/generatedCatalog';
import type { GraphSnapshot } from '../ContractsGraphService';
import { AnalysisCore } from './AnalysisCore';
import type { AnalysisHost } from './AnalysisHost';
import { GraphItems } from './graphItems';
import { receiveTransfer } from './receive';

/** The host of one core on this thread: each call after a turn of the event loop. */
function hostOf(core: AnalysisCore): AnalysisHost {
  return {
    inWorker: false,
    call: (async (method: string, ...args: unknown[]) => {
      await new Promise(resolve => setImmediate(resolve));
      return (core as any)[method](...args);
    }) as AnalysisHost['call'],
    onStopped() {},
    close: async () => {},
  };
}

const empty: GraphSnapshot = {
  items: GraphItems.empty(),
  entities: new Map(),
  problems: [],
  stale: false,
};

/** The snapshot a full recompute of `entities` makes (a delta of `previous` when given). */
async function computed(
  core: AnalysisCore,
  entities: Entity[],
  previous?: GraphSnapshot,
): Promise<GraphSnapshot> {
  core.beginFull();
  core.loadPage(entities);
  const header = core.commitFull('2026-12-07T10:00:00.000Z', !!previous);
  if (!header) return previous!;
  const received = await receiveTransfer(
    hostOf(core),
    header,
    previous ?? empty,
  );
  return { ...received, stale: false };
}

/** `entities` with some changed: their stated p95 ten times their own, every `step`-th. */
function changed(entities: Entity[], step: number, from = 0): Entity[] {
  return entities.map((e, i) => {
    if (i % step !== from) return e;
    if (step === 13) {
      // a new title only: the entity, not necessarily its items
      return { ...e, metadata: { ...e.metadata, title: `T${from}-${i}` } };
    }
    const annotations = { ...e.metadata.annotations };
    for (const [k, v] of Object.entries(annotations)) {
      annotations[k] = v.replace(
        /p95=(\d+)ms/,
        (_, ms) => `p95=${Number(ms) * 10}ms`,
      );
    }
    return { ...e, metadata: { ...e.metadata, annotations } };
  });
}

/** What a snapshot's items answer, every way they are read. */
function readings(s: GraphSnapshot) {
  const { items } = s;
  const result = items.result();
  const refs = new Set<string>([
    ...items.entitiesWithFindings(),
    ...s.entities.keys(),
  ]);
  return {
    result,
    graphText: items.graphText(),
    byId: result.findings.map(f => [
      items.finding(f.id),
      items.evidenceOf(f.id),
      items.hasFinding(f.id),
    ]),
    byRow: result.findings.map((_, row) => [
      items.findingIds[row],
      items.evidence.at(row),
      items.severity(row),
      items.findingFlags[row],
    ]),
    byEntity: [...refs]
      .sort()
      .map(ref => [
        ref,
        items.findingIdsOf(ref),
        items.findingsOf(ref),
        items.hasFindings(ref),
      ]),
    entitiesWithFindings: [...items.entitiesWithFindings()].sort(),
    nodes: result.graph.nodes.map(n => [
      items.node(n.ref.toLowerCase()),
      items.hasContract(n.ref.toLowerCase()),
    ]),
    severityCounts: items.severityCounts(),
  };
}

describe('receiveTransfer', () => {
  it('makes of a delta whose rows move the same items as a full read, and lets go of the texts no row reads', async () => {
    const catalog = generatedEntities(150);
    const core = new AnalysisCore({ engineConfig: {}, rules: defaultRules });
    let served = await computed(core, catalog);
    // deltas one after the other, each moving rows (findings come and go) over the last; the
    // same entities changed again leave the texts of the delta before unread
    let entities = catalog;
    let letGo = 0;
    for (const [step, from] of [
      [7, 0],
      [7, 0],
      [5, 1],
      [3, 2],
      [3, 2],
      [13, 0],
      [11, 3],
      [13, 1],
    ]) {
      entities = changed(entities, step, from);
      const before = served;
      served = await computed(core, entities, before);
      expect(served.changes?.since.items).toBe(before.items);
      const fresh = await computed(
        new AnalysisCore({ engineConfig: {}, rules: defaultRules }),
        entities,
      );
      expect(readings(served)).toEqual(readings(fresh));
      // every text a row reads is kept; those none reads are let go
      const read = new Set<number>();
      for (const rows of [
        served.items.findings,
        served.items.nodes,
        served.items.edges,
      ]) {
        for (let i = 0; i < rows.length; i++) read.add(rows.pieceOf(i));
      }
      served.items.texts.forEach((text, piece) =>
        expect(text !== '').toBe(read.has(piece)),
      );
      letGo = served.items.texts.filter(text => !text).length;
    }
    expect(letGo).toBeGreaterThan(0);
  }, 30_000);

  it("keeps the entities' problems in the order a full read gives as entities gain, change, lose and take them away", async () => {
    /** `e` with a contract that has a problem (an unknown key), or `n` of them. */
    const broken = (e: Entity, n = 1) => {
      const spec = e.metadata.annotations![CONTRACTS_SPEC_ANNOTATION];
      const extra = ['latncy_budget: 5', 'timout: 3'].slice(0, n).join('\n');
      return {
        ...e,
        metadata: {
          ...e.metadata,
          annotations: { [CONTRACTS_SPEC_ANNOTATION]: `${spec}${extra}\n` },
        },
      };
    };
    const clean = generatedEntities(120);
    let entities = clean.map((e, i) => (i % 10 ? e : broken(e)));
    const core = new AnalysisCore({ engineConfig: {}, rules: defaultRules });
    let served = await computed(core, entities);
    expect(served.problems.length).toBe(12);
    const steps: Array<(list: Entity[]) => Entity[]> = [
      // broken ones change and stay broken (two problems now), others change too
      list => list.map((e, i) => (i % 20 ? e : broken(clean[i], 2))),
      list => changed(list, 7),
      // one is mended, one breaks (its first problem: the walk), a new broken one comes last
      list => [
        ...list.map((e, i) => {
          if (i === 10) return clean[i];
          return i === 11 ? broken(e) : e;
        }),
        broken({
          ...clean[3],
          metadata: { ...clean[3].metadata, name: 'svc-new' },
        }),
      ],
      // a broken one goes, another is mended
      list =>
        list
          .map((e, i) => (i === 40 ? clean[40] : e))
          .filter((_, i) => i !== 30),
    ];
    for (const step of steps) {
      entities = step(entities);
      served = await computed(core, entities, served);
      const fresh = await computed(
        new AnalysisCore({ engineConfig: {}, rules: defaultRules }),
        entities,
      );
      expect(served.problems).toEqual(fresh.problems);
      expect(readings(served)).toEqual(readings(fresh));
    }
  }, 30_000);
});
