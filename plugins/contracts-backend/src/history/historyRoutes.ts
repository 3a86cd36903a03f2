import type { HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  type Finding,
  HIDDEN_ENTITY,
} from '@backstage-contracts/plugin-contracts-common';
import type express from 'express';
import type {
  CatalogVisibility,
  Visibility,
} from '../services/CatalogVisibility';
import {
  type GraphSnapshot,
  refKey as lower,
} from '../services/ContractsGraphService';
import {
  decisionRefs,
  findingRefs,
  redactDecision,
  redactFinding,
} from '../services/redaction';
import { createOpenApiRouter } from '../schema/openapi/generated/router';
import {
  OPENAPI_VALIDATOR_OPTIONS,
  openApiInputErrors,
  rejectNulBytes,
} from '../service/http';
import type { DatabaseHistoryStore } from './DatabaseHistoryStore';
import type {
  HistoryFinding,
  HistoryFindingChange,
  HistoryItem,
  HistoryPosition,
} from './types';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** The cursor of the page after `p`. */
export function encodeHistoryCursor(p: HistoryPosition): string {
  return Buffer.from(`${p.at}|${p.rank}|${p.id}`, 'utf8').toString('base64url');
}

/**
 * The position a cursor stands for. Strict: only what {@link encodeHistoryCursor} makes;
 * anything else is a 400.
 */
export function decodeHistoryCursor(cursor: string): HistoryPosition {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^([^|]+)\|([01])\|(0|[1-9][0-9]{0,14})$/.exec(text);
  const position: HistoryPosition | undefined =
    m && ISO.test(m[1])
      ? { at: m[1], rank: Number(m[2]) as 0 | 1, id: Number(m[3]) }
      : undefined;
  if (!position || encodeHistoryCursor(position) !== cursor) {
    throw new InputError(
      'Invalid cursor: use the nextCursor of a previous page',
    );
  }
  return position;
}

/** A recorded finding as the redaction of findings takes it. */
function asFinding(f: HistoryFinding): Finding {
  return {
    ...f,
    status: 'open',
    impact: '',
    resolutions: [],
    message: f.title,
  };
}

/** The entities an item names. */
function itemRefs(item: HistoryItem): string[] {
  if (item.type === 'decision') return decisionRefs(item);
  return [
    ...item.contracts.map(c => c.entityRef),
    ...item.findings.flatMap(f => findingRefs(asFinding(f.finding))),
  ];
}

/** A history item as the caller may see it (as findings and decisions are redacted). */
export function redactHistoryItem(
  item: HistoryItem,
  visibility: Visibility,
): HistoryItem | undefined {
  if (visibility.all) return item;
  if (item.type === 'decision') return redactDecision(item, visibility);
  const findings: HistoryFindingChange[] = [];
  for (const f of item.findings) {
    const input = asFinding(f.finding);
    const shown = redactFinding(input, visibility);
    if (!shown) continue;
    if (shown === input) {
      findings.push(f);
      continue;
    }
    const finding: HistoryFindingChange['finding'] = {
      id: shown.id,
      rule: shown.rule,
      severity: shown.severity,
      consumer: shown.consumer,
      provider: shown.provider,
      subject: shown.subject,
      title: shown.title,
      expected: shown.expected,
      actual: shown.actual,
      evidence: shown.evidence,
      ...(shown.chain ? { chain: shown.chain } : {}),
      ...(shown.hidden ? { hidden: shown.hidden } : {}),
    };
    findings.push({
      change: f.change,
      finding,
      ...(f.previous
        ? {
            previous: {
              ...f.previous,
              expected: shown.expected,
              actual: shown.actual,
            },
          }
        : {}),
    });
  }
  const contracts = item.contracts.map(c =>
    visibility.canRead(c.entityRef)
      ? c
      : {
          entityRef: HIDDEN_ENTITY,
          change: c.change,
          changes: [],
          more: 0,
          hidden: true,
        },
  );
  if (!findings.length && !contracts.some(c => !c.hidden)) return undefined;
  return { ...item, contracts, findings };
}

/** What the history route needs. */
export interface HistoryRoutesOptions {
  httpAuth: HttpAuthService;
  catalogVisibility: CatalogVisibility;
  history: DatabaseHistoryStore;
  snapshot(): Promise<GraphSnapshot>;
}

/**
 * `GET /entities/{kind}/{namespace}/{name}/history`: an entity's contract history, newest
 * first, paged by a strict cursor; under the caller's catalog read permission (404 for an entity
 * they cannot read, items involving one redacted as findings and decisions are).
 */
export async function createHistoryRouter(
  options: HistoryRoutesOptions,
): Promise<express.Router> {
  const { httpAuth, catalogVisibility, history, snapshot } = options;
  // validated against the spec, as the API's other routes (src/service/router.ts)
  const router = await createOpenApiRouter({
    validatorOptions: OPENAPI_VALIDATOR_OPTIONS,
  });

  router.get(
    '/entities/:kind/:namespace/:name/history',
    rejectNulBytes,
    async (req, res) => {
      const q = req.query;
      const after =
        q.cursor === undefined ? undefined : decodeHistoryCursor(q.cursor);
      const { kind, namespace, name } = req.params;
      const ref = lower(`${kind}:${namespace}/${name}`);
      const noEntity = new NotFoundError(
        `No entity ${ref} in the contracts graph`,
      );
      const visibility = await catalogVisibility.forCaller(
        await httpAuth.credentials(req),
        () => [ref],
      );
      if (!visibility.canRead(ref)) throw noEntity;
      const page = await history.list(ref, { after, limit: q.limit });
      if (!after && !page.items.length) {
        const s = await snapshot();
        if (!s.entities.has(ref) && !s.items.hasFindings(ref)) {
          throw noEntity;
        }
      }
      await visibility.cover(page.items.flatMap(itemRefs));
      const items: HistoryItem[] = [];
      for (const item of page.items) {
        const shown = redactHistoryItem(item, visibility);
        if (shown) items.push(shown);
      }
      res.json({
        entityRef: ref,
        items,
        ...(page.next ? { nextCursor: encodeHistoryCursor(page.next) } : {}),
      });
    },
  );
  router.use(openApiInputErrors);
  return router;
}
