import type {
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import {
  buildReport,
  type Finding,
  type GraphEdge,
} from '@internal/backstage-plugin-contracts-common';
import express from 'express';
import Router from 'express-promise-router';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import {
  type ContractsGraphService,
  edgesByNode,
  type GraphSnapshot,
  refKey,
} from '../services/ContractsGraphService';
import type {
  DecisionsService,
  FindingAuthorizer,
} from '../services/DecisionsService';
import { addDecisionRoutes } from './decisionsRoutes';
import { EntityBodyCache } from './EntityBodyCache';
import { decodeCursor, page, pageSchema, parse } from './http';

/** What the router needs; built in plugin.ts. */
export interface RouterOptions {
  logger: LoggerService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  graph: ContractsGraphService;
  decisions: DecisionsService;
  authorizer: FindingAuthorizer;
}

const findingsQuerySchema = z.object({
  entityRef: z.string().optional(),
  owner: z.string().optional(),
  severity: z.enum(['error', 'warning', 'tradeoff', 'info']).optional(),
  status: z.enum(['open', 'accepted', 'needs-review']).optional(),
  rule: z.string().optional(),
  ...pageSchema,
});

const entityQuerySchema = z.object({
  include: z.enum(['canAccept']).optional(),
});

const graphQuerySchema = z.object({
  around: z.string().optional(),
  depth: z.coerce.number().int().min(0).max(10).default(1),
  owner: z.string().optional(),
  system: z.string().optional(),
});

const checkBodySchema = z
  .object({
    entityRef: z.string().min(1),
    /** One YAML document, as a shortcut for `sources: [{ file: 'proposed.yaml', text }]`. */
    contract: z.string().optional(),
    sources: z
      .array(z.object({ file: z.string().min(1), text: z.string() }))
      .optional(),
  })
  .refine(b => b.contract !== undefined || b.sources !== undefined, {
    message: 'give `contract` (YAML text) or `sources`',
  });

const lower = refKey;

const hasKeys = (o: object) => Object.keys(o).length > 0;

/**
 * Whether an Accept-Encoding header accepts gzip (by name or `*`, with a non-zero quality).
 * The entity bodies are kept gzip-compressed: sent as they are to such clients (browsers all),
 * inflated for the others.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let star = false;
  for (const part of header.split(',')) {
    const [coding, ...params] = part.split(';');
    const name = coding.trim().toLowerCase();
    if (name !== 'gzip' && name !== '*') continue;
    const q = params.find(p => p.trim().toLowerCase().startsWith('q='));
    const accepted = !q || Number(q.trim().slice(2)) > 0;
    // gzip named explicitly decides; `*` only for codings not named
    if (name === 'gzip') return accepted;
    star = accepted;
  }
  return star;
}

/**
 * The REST API of the contracts backend (see `src/schema/openapi.yaml`). Thin: validates,
 * checks permissions, and reads from the in-memory graph and the decisions service.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, graph, decisions, authorizer } = options;
  const router = Router();

  const snapshot = async (): Promise<GraphSnapshot> => {
    await graph.ready();
    return graph.snapshot();
  };
  const freshness = (s: GraphSnapshot) => ({
    stale: s.stale,
    computedAt: s.computedAt ?? null,
    ...(s.stale && s.staleReason ? { staleReason: s.staleReason } : {}),
  });
  const ownerOf = (s: GraphSnapshot, ref: string) =>
    s.nodeByRef.get(lower(ref))?.owner;

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  /** The findings of an entity; a NotFoundError when the graph knows nothing of it. */
  const related = (s: GraphSnapshot, ref: string): Finding[] => {
    const list = s.findingsByEntity.get(ref) ?? [];
    if (!s.entities.has(ref) && !list.length) {
      throw new NotFoundError(`No entity ${ref} in the contracts graph`);
    }
    return list;
  };

  const entityBody = (
    s: GraphSnapshot,
    ref: string,
    findings: Array<Finding & { canAccept?: boolean }>,
  ) => {
    const stored = s.entities.get(ref);
    return {
      entityRef: stored?.summary.ref ?? ref,
      contracts: stored?.contract ?? null,
      problems: stored?.problems ?? [],
      findings,
      decisions: (s.findingsByEntity.get(ref) ?? []).flatMap(f =>
        decisions.forFinding(f.id),
      ),
      ...freshness(s),
    };
  };

  // The entity endpoint is the portal's hot path: its body depends only on the graph snapshot,
  // the decision records and (through review dates) the time, so it is serialized and
  // gzip-compressed once per snapshot and decisions version (at the first request, then again in
  // the background after every change) and sent as is until one of them changes. Only
  // `include=canAccept` asks the permission framework, per request.
  const entityBodies = new EntityBodyCache((s, ref, now) =>
    entityBody(s, ref, decisions.withStatus(related(s, ref), now)),
  );

  router.get('/entities/:kind/:namespace/:name', async (req, res) => {
    const { include } = hasKeys(req.query)
      ? parse(entityQuerySchema, req.query, 'query')
      : { include: undefined };
    const { kind, namespace, name } = req.params;
    const ref = lower(`${kind}:${namespace}/${name}`);
    const s = await snapshot();
    if (include !== 'canAccept') {
      const cached = entityBodies.get(s, decisions.version, ref, Date.now());
      res.set('Content-Type', 'application/json; charset=utf-8');
      res.set('ETag', cached.etag);
      res.vary('Accept-Encoding');
      if (acceptsGzip(req.headers['accept-encoding'])) {
        res.set('Content-Encoding', 'gzip');
        res.send(cached.gzip);
      } else {
        res.send(gunzipSync(cached.gzip));
      }
      return;
    }
    let findings: Array<Finding & { canAccept?: boolean }> =
      decisions.withStatus(related(s, ref));
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const allowed = await authorizer.canAccept(findings, credentials);
    findings = findings.map((f, i) => ({ ...f, canAccept: allowed[i] }));
    res.json(entityBody(s, ref, findings));
  });

  // request bodies, for the POST routes (after the hot GET route, which has none)
  router.use(express.json({ limit: '1mb' }));

  router.get('/findings', async (req, res) => {
    const q = parse(findingsQuerySchema, req.query, 'query');
    const s = await snapshot();
    let findings = q.entityRef
      ? s.findingsByEntity.get(lower(q.entityRef)) ?? []
      : s.result.findings;
    if (q.severity) findings = findings.filter(f => f.severity === q.severity);
    if (q.rule) findings = findings.filter(f => f.rule === q.rule);
    if (q.owner) {
      const owner = lower(q.owner);
      findings = findings.filter(
        f =>
          lower(ownerOf(s, f.consumer) ?? '') === owner ||
          lower(ownerOf(s, f.provider) ?? '') === owner,
      );
    }
    let withStatus = decisions.withStatus(findings);
    if (q.status) withStatus = withStatus.filter(f => f.status === q.status);
    const problems = q.entityRef
      ? s.entities.get(lower(q.entityRef))?.problems ?? []
      : s.problems;
    const report = buildReport({
      findings: withStatus,
      problems,
      entities: s.entities.size,
      contracts: [...s.entities.values()].filter(e => e.contract).length,
      edges: s.result.graph.edges,
    });
    const offset = decodeCursor(q.cursor);
    res.json({
      version: report.version,
      ...page(report.findings, offset, q.limit),
      problems: report.problems,
      summary: report.summary,
      ...freshness(s),
    });
  });

  router.get('/findings/:id', async (req, res) => {
    const s = await snapshot();
    const finding = s.findingById.get(req.params.id);
    if (!finding) throw new NotFoundError(`No finding ${req.params.id}`);
    res.json({
      finding: decisions.withStatus([finding])[0],
      decisions: decisions.forFinding(finding.id),
      ...freshness(s),
    });
  });

  router.get('/findings/:id/authorization', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const s = await snapshot();
    const finding = s.findingById.get(req.params.id);
    if (!finding) throw new NotFoundError(`No finding ${req.params.id}`);
    const [accept] = await authorizer.canAccept([finding], credentials);
    res.json(
      accept
        ? { accept }
        : {
            accept,
            reason: `Only owners of ${finding.consumer} or ${finding.provider}${
              finding.deciders?.length
                ? ` (deciders: ${finding.deciders.join(', ')})`
                : ''
            } may accept this finding`,
          },
    );
  });

  router.get('/graph', async (req, res) => {
    const q = parse(graphQuerySchema, req.query, 'query');
    const s = await snapshot();
    const { nodes, edges } = s.result.graph;
    let nodeRefs: Set<string> | undefined;
    if (q.around || q.owner || q.system) {
      const seeds = nodes.filter(
        n =>
          (!q.around || lower(n.ref) === lower(q.around)) &&
          (!q.owner || lower(n.owner ?? '') === lower(q.owner)) &&
          (!q.system || lower(n.system ?? '') === lower(q.system)),
      );
      nodeRefs = new Set(seeds.map(n => lower(n.ref)));
      const touching = edgesByNode(edges);
      let frontier = [...nodeRefs];
      for (let d = 0; d < q.depth && frontier.length; d++) {
        const next: string[] = [];
        for (const ref of frontier) {
          for (const e of touching.get(ref) ?? []) {
            for (const end of [lower(e.from), lower(e.to)]) {
              if (!nodeRefs.has(end)) {
                nodeRefs.add(end);
                next.push(end);
              }
            }
          }
        }
        frontier = next;
      }
    }
    const inGraph = (ref: string) => !nodeRefs || nodeRefs.has(lower(ref));
    const pickedEdges: GraphEdge[] = edges.filter(
      e => inGraph(e.from) && inGraph(e.to),
    );
    const findings = s.result.findings.filter(
      f => inGraph(f.consumer) && inGraph(f.provider),
    );
    res.json({
      nodes: nodes.filter(n => inGraph(n.ref)),
      edges: pickedEdges,
      findings: decisions.withStatus(findings),
      ...freshness(s),
    });
  });

  router.post('/check', async (req, res) => {
    const body = parse(checkBodySchema, req.body, 'request body');
    await snapshot();
    const sources = body.sources ?? [
      { file: 'proposed.yaml', text: body.contract ?? '' },
    ];
    const outcome = await graph.check(body.entityRef, sources);
    res.json({
      entityRef: outcome.contract.entityRef,
      contracts: outcome.contract,
      problems: outcome.problems,
      findings: decisions.withStatus(outcome.findings),
      added: decisions.withStatus(outcome.added),
      removed: decisions.withStatus(outcome.removed),
    });
  });

  addDecisionRoutes(router, { ...options, snapshot });

  return router;
}
