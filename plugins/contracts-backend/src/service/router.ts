import type {
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  buildReport,
  type ContractsReport,
  type Finding,
  type GraphEdge,
  HIDDEN_ENTITY,
} from '@backstage-contracts/plugin-contracts-common';
import express from 'express';
import Router from 'express-promise-router';
import type { internal } from '@backstage/backend-openapi-utils';
import {
  createOpenApiRouter,
  type EndpointMap,
} from '../schema/openapi/generated/router';
import {
  type CatalogVisibility,
  EVERYTHING_VISIBLE,
  type Visibility,
} from '../services/CatalogVisibility';
import {
  type ContractsGraphService,
  type GraphSnapshot,
  refKey,
} from '../services/ContractsGraphService';
import type {
  DecisionsService,
  FindingAuthorizer,
} from '../services/DecisionsService';
import {
  findingRefs,
  redactDecisions,
  redactFindings,
} from '../services/redaction';
import {
  addDecisionRoutes,
  createWriteLimiter,
  type DecisionRoutesOptions,
} from './decisionsRoutes';
import { ContractsViews } from '../services/ContractsViews';
import { graphJson } from '../services/analysis/graphJson';
import { FindingFlag } from '../services/analysis/graphItems';
import { entityHashes } from '../services/analysis/entityTable';
import type { Decision } from '../database/DecisionsStore';
import {
  EntityBodyCache,
  freshnessKey,
  nextReviewDeadline,
  weakEtag,
} from './EntityBodyCache';
import {
  type AnyRequest,
  decodeCursor,
  OPENAPI_VALIDATOR_OPTIONS,
  openApiInputErrors,
  page,
  pageRange,
} from './http';

/** What the router needs; built in plugin.ts. */
export interface RouterOptions
  extends Pick<DecisionRoutesOptions, 'userInfo' | 'limits'> {
  logger: LoggerService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  graph: ContractsGraphService;
  decisions: DecisionsService;
  authorizer: FindingAuthorizer;
  /** The caller's catalog read permission: what each route shows them. */
  catalogVisibility: CatalogVisibility;
}

const lower = refKey;

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
 * The REST API of the contracts backend. `src/schema/openapi.yaml` describes it, and the router
 * generated from it (`yarn generate:openapi`) validates every request against it before a route
 * sees it (a 400 naming the bad field) and types each route's parameters, query, body and
 * response. Thin: checks permissions, and reads from the in-memory graph and the decisions
 * service.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, decisions, authorizer } = options;
  const router = await createOpenApiRouter({
    // before the validator: a user's write rate is counted before their body is read, and the
    // validator reads bodies (up to 1 MB)
    middleware: [createWriteLimiter(options), express.json({ limit: '1mb' })],
    // `format: date` (reviewBy) a real day of the calendar, not only YYYY-MM-DD
    validatorOptions: OPENAPI_VALIDATOR_OPTIONS,
  });
  // what a caller is shown of an entity, a finding, a proposal: shared with the actions
  const views = new ContractsViews(options);
  const { snapshot, freshness, noEntity, related, refsAround, entityBody } =
    views;
  const ownerOf = (s: GraphSnapshot, ref: string) =>
    s.items.node(lower(ref))?.owner;
  /**
   * What callers of a visibility class may read around an entity: the entities its findings
   * name, but `hidden`; anything else is treated as unreadable (the body never shows more than
   * any caller of the class may read).
   */
  const classVisibility = (
    s: GraphSnapshot,
    ref: string,
    hidden: ReadonlySet<string>,
  ): Visibility => {
    const around = new Set(refsAround(s, ref).map(lower));
    return {
      all: false,
      canRead: r => {
        const k = lower(r);
        return around.has(k) && !hidden.has(k);
      },
    };
  };

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  /**
   * The caller's catalog visibility: one policy decision per caller (see CatalogVisibility);
   * `refs` (what the route needs answered) are only listed on a conditional decision.
   */
  const visibilityOf = async (req: AnyRequest, refs: () => Iterable<string>) =>
    options.catalogVisibility.forCaller(await httpAuth.credentials(req), refs);

  /** Every entity the graph names, once per snapshot: what graph-wide routes need answered. */
  const graphRefsCache = new WeakMap<GraphSnapshot, string[]>();
  const graphRefs = (s: GraphSnapshot): string[] => {
    let refs = graphRefsCache.get(s);
    if (!refs) {
      const all = new Set<string>(s.entities.keys());
      for (const k of s.items.nodeKeys) all.add(k);
      for (const f of s.items.findings.all()) {
        for (const r of findingRefs(f)) all.add(lower(r));
      }
      for (const e of s.items.edges.all()) if (e.via) all.add(lower(e.via));
      refs = [...all];
      graphRefsCache.set(s, refs);
    }
    return refs;
  };
  /**
   * How many entities the caller may read, and how many of them have a contract: told by the
   * hash the worker made of each contract (or the graph node), without reading the contracts
   * themselves (kept as JSON text until something reads them).
   */
  const countEntities = (
    s: GraphSnapshot,
    canRead: (ref: string) => boolean,
  ) => {
    let entities = 0;
    let contracts = 0;
    // (keys and hashes only: no entity object made per entity)
    for (const [k, hash] of entityHashes(s.entities)) {
      if (!canRead(k)) continue;
      entities++;
      if (hash !== undefined || s.items.hasContract(k)) {
        contracts++;
      }
    }
    return { entities, contracts };
  };
  /** {@link countEntities} for who may read every entity, once per graph. */
  const entityCountsCache = new WeakMap<
    GraphSnapshot['entities'],
    { entities: number; contracts: number }
  >();
  const entityCounts = (s: GraphSnapshot) => {
    let counts = entityCountsCache.get(s.entities);
    if (!counts) {
      counts = countEntities(s, () => true);
      entityCountsCache.set(s.entities, counts);
    }
    return counts;
  };

  // The entity endpoint is the portal's hot path: its body depends only on the graph snapshot,
  // the decision records of its findings, (through review dates) the time and, for a caller the
  // policy gives a conditional read, which of the entities its findings name they may read. So
  // it is serialized and gzip-compressed once per entity and visibility class (at the first
  // request) and sent as it is until one of those changes (see EntityBodyCache): a request costs
  // the caller's authentication, their (memoised) catalog permission and a lookup.
  // `include=canAccept` asks the permission framework about each finding, per request.
  const entityBodies = new EntityBodyCache((s, ref, now, hidden) => {
    const visibility = hidden ? classVisibility(s, ref, hidden) : undefined;
    const findings = decisions.withStatus(related(s, ref), now);
    return visibility
      ? entityBody(s, ref, redactFindings(findings, visibility), visibility)
      : entityBody(s, ref, findings, EVERYTHING_VISIBLE);
  });
  // a decision written or changed (here or on another replica): the bodies that embed its
  // finding, its parties', are built again at their next request; the others stay
  decisions.onChange(({ decision }) => {
    const finding = options.graph.snapshot().items.finding(decision.findingId);
    entityBodies.invalidate([
      decision.consumer,
      decision.provider,
      ...(finding ? [finding.consumer, finding.provider] : []),
    ]);
  });

  const entity: internal.EndpointMapRequestHandler<
    EndpointMap,
    '/entities/{kind}/{namespace}/{name}',
    'get'
  > = async (req, res) => {
    const { include } = req.query;
    const { kind, namespace, name } = req.params;
    const ref = lower(`${kind}:${namespace}/${name}`);
    const s = await snapshot();
    const credentials =
      include === 'canAccept'
        ? await httpAuth.credentials(req, { allow: ['user'] })
        : await httpAuth.credentials(req);
    const visibility = await options.catalogVisibility.forCaller(
      credentials,
      () => refsAround(s, ref),
    );
    if (!visibility.all && !visibility.canRead(ref)) throw noEntity(ref);
    if (include !== 'canAccept') {
      // the caller's visibility class: which of the entities around it they may not read
      let hidden: Set<string> | undefined;
      if (!visibility.all) {
        hidden = new Set();
        for (const r of refsAround(s, ref)) {
          if (!visibility.canRead(r)) hidden.add(lower(r));
        }
      }
      const cached = entityBodies.get(s, ref, Date.now(), hidden);
      res.set('Content-Type', 'application/json; charset=utf-8');
      res.set('ETag', cached.etag);
      res.vary('Accept-Encoding');
      // the body, serialized and compressed once (the typed `send` takes objects)
      const send = res.send as unknown as (body: Buffer) => void;
      if (acceptsGzip(req.headers['accept-encoding'])) {
        res.set('Content-Encoding', 'gzip');
        send.call(res, cached.gzip);
      } else {
        send.call(res, cached.plain());
      }
      return;
    }
    const all = decisions.withStatus(related(s, ref));
    // decided on the findings as they are; the caller is shown them redacted
    const allowed = await authorizer.canAccept(all, credentials);
    const findings: Array<Finding & { canAccept?: boolean }> = all.map(
      (f, i) => ({ ...f, canAccept: allowed[i] }),
    );
    res.json(
      entityBody(s, ref, redactFindings(findings, visibility), visibility),
    );
  };
  router.get('/entities/:kind/:namespace/:name', entity);

  /**
   * The rows of the snapshot's findings that have decision records, in order, and their
   * records: the only findings whose status is not the engine's (`open`).
   */
  const decidedRows = (s: GraphSnapshot) => {
    const rows: number[] = [];
    const records: Decision[] = [];
    const { findingIds } = s.items;
    for (let row = 0; row < findingIds.length; row++) {
      const list = decisions.forFinding(findingIds[row]);
      if (!list.length) continue;
      rows.push(row);
      for (const d of list) records.push(d);
    }
    return { rows, records };
  };

  /**
   * The report of every finding for who may read every entity (GET /findings without a filter,
   * page after page), made once per snapshot and decisions version (and until the next review
   * date) without reading the findings: they are in the engine's order (the report's,
   * compareFindings), and their counts are their severities' column. A page's findings are
   * parsed, with their status as of when it was made.
   */
  let wholeReport:
    | {
        content: GraphSnapshot['items'];
        problems: GraphSnapshot['problems'];
        entities: GraphSnapshot['entities'];
        decisions: number;
        now: number;
        validUntil: number;
        report: Omit<ContractsReport, 'findings'>;
      }
    | undefined;
  const wholeReportOf = (s: GraphSnapshot, now: number) => {
    const cached = wholeReport;
    if (
      cached &&
      cached.content === s.items &&
      cached.problems === s.problems &&
      cached.entities === s.entities &&
      cached.decisions === decisions.version &&
      now < cached.validUntil
    ) {
      return cached;
    }
    const { records } = decidedRows(s);
    const { findings: _, ...report } = buildReport({
      findings: [],
      problems: s.problems,
      ...entityCounts(s),
      edges: s.items.edges.length,
    });
    report.summary.findings = s.items.severityCounts();
    wholeReport = {
      content: s.items,
      problems: s.problems,
      entities: s.entities,
      decisions: decisions.version,
      now,
      validUntil: nextReviewDeadline(records, now),
      report,
    };
    return wholeReport;
  };

  router.get('/findings', async (req, res) => {
    const q = req.query;
    const s = await snapshot();
    const visibility = await visibilityOf(req, () => graphRefs(s));
    const { canRead } = visibility;
    if (
      visibility.all &&
      !q.entityRef &&
      !q.severity &&
      !q.rule &&
      !q.owner &&
      !q.status
    ) {
      const { report, now } = wholeReportOf(s, Date.now());
      const { from, to, ...next } = pageRange(
        s.items.findings.length,
        decodeCursor(q.cursor),
        q.limit,
      );
      const rows: number[] = [];
      for (let row = from; row < to; row++) rows.push(row);
      res.json({
        version: report.version,
        items: decisions.withStatus(s.items.findings.pick(rows), now),
        ...next,
        problems: report.problems,
        summary: report.summary,
        ...freshness(s),
      });
      return;
    }
    // an entity the caller may not read is as unknown as one the graph does not have
    const entityRef =
      q.entityRef && canRead(q.entityRef) ? lower(q.entityRef) : undefined;
    let findings: Finding[] = [];
    if (!q.entityRef) findings = s.items.findings.all();
    else if (entityRef) findings = s.items.findingsOf(entityRef);
    if (q.severity) findings = findings.filter(f => f.severity === q.severity);
    if (q.rule) findings = findings.filter(f => f.rule === q.rule);
    if (q.owner) {
      // only the owners of the parties the caller may read
      const owner = lower(q.owner);
      const owns = (ref: string) =>
        canRead(ref) && lower(ownerOf(s, ref) ?? '') === owner;
      findings = findings.filter(f => owns(f.consumer) || owns(f.provider));
    }
    let withStatus = redactFindings(decisions.withStatus(findings), visibility);
    if (q.status) withStatus = withStatus.filter(f => f.status === q.status);
    let problems = q.entityRef
      ? (entityRef && s.entities.get(entityRef)?.problems) || []
      : s.problems;
    if (!visibility.all) problems = problems.filter(p => canRead(p.entity));
    const edges = visibility.all
      ? s.items.edges.length
      : s.items.edges.all().filter(e => canRead(e.from) && canRead(e.to));
    const { entities, contracts } = visibility.all
      ? entityCounts(s)
      : countEntities(s, canRead);
    const report = buildReport({
      findings: withStatus,
      problems,
      entities,
      contracts,
      edges,
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

  // The needs of others that providers have not answered (issue 21), grouped per provider and
  // subject by groupUnansweredNeeds, the one way the portal's cards compute them too.
  router.get('/unanswered', async (req, res) => {
    const q = req.query;
    const { s, groups } = await views.unanswered(
      await httpAuth.credentials(req),
      q,
    );
    res.json({
      ...page(groups, decodeCursor(q.cursor), q.limit),
      total: groups.length,
      ...freshness(s),
    });
  });

  /** A finding as the caller may see it (with its decision status); a 404 when they may not. */
  const visibleFinding = async (req: AnyRequest, id: string) =>
    views.finding(await httpAuth.credentials(req), id);

  router.get('/findings/:id', async (req, res) => {
    const { s, shown, visibility } = await visibleFinding(req, req.params.id);
    res.json({
      finding: decisions.withStatus([shown])[0],
      decisions: redactDecisions(decisions.forFinding(shown.id), visibility),
      ...freshness(s),
    });
  });

  router.get('/findings/:id/authorization', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const { finding, shown } = await visibleFinding(req, req.params.id);
    const [accept] = await authorizer.canAccept([finding], credentials);
    res.json(
      accept
        ? { accept }
        : {
            accept,
            reason: `Only owners of ${shown.consumer} or ${shown.provider}${
              finding.deciders?.length
                ? ` (deciders: ${finding.deciders.join(', ')})`
                : ''
            } may accept this finding`,
          },
    );
  });

  /**
   * The whole graph for who may read every entity (GET /graph without a query), serialized
   * once: its nodes and edges once per snapshot, in the analysis worker (at 10k entities
   * serializing the whole graph here was a 0.7 s task), its findings (with their decision
   * status) again only when a decision changes, or at the next review date of one; sent as it is
   * (the root router's compression still applies). Its ETag is made of the nodes and edges'
   * digest (the worker's) and the rest.
   */
  type NodesEdges = { json: Buffer; digest: string };
  let wholeGraph:
    | {
        content: GraphSnapshot['items'];
        nodesEdges: NodesEdges;
        freshness: string;
        decisions: number;
        validUntil: number;
        body: Buffer;
        etag: string;
      }
    | undefined;
  let serializing:
    | { content: GraphSnapshot['items']; made: Promise<NodesEdges> }
    | undefined;
  /** `{"nodes":[…],"edges":[…]` (without its closing brace), from the worker when it can. */
  const nodesEdgesOf = async (s: GraphSnapshot): Promise<NodesEdges> => {
    // undefined when the worker has moved on to a newer snapshot, not served yet: this one is
    // serialized here
    const { bytes, digest } =
      (await options.graph.graphJson(s)) ?? graphJson(s.items.graphText());
    const json = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    return { json: json.subarray(0, -1), digest };
  };
  const wholeGraphBody = async (s: GraphSnapshot, now: number) => {
    const cached = wholeGraph;
    const freshnessNow = freshnessKey(s);
    if (
      cached &&
      cached.content === s.items &&
      cached.freshness === freshnessNow &&
      cached.decisions === decisions.version &&
      now < cached.validUntil
    ) {
      return cached;
    }
    let nodesEdges: NodesEdges;
    if (cached?.content === s.items) nodesEdges = cached.nodesEdges;
    else {
      // (requests that come meanwhile wait for the same)
      if (serializing?.content !== s.items) {
        serializing = { content: s.items, made: nodesEdgesOf(s) };
      }
      nodesEdges = await serializing.made;
    }
    // the findings' JSON as the worker wrote it, but those whose status is not the engine's
    // (the decided ones) written again with theirs
    const version = decisions.version;
    const { rows, records } = decidedRows(s);
    const { findingFlags } = s.items;
    const rewritten = new Set(rows);
    for (let row = 0; row < findingFlags.length; row++) {
      if (findingFlags[row] & FindingFlag.notOpen) rewritten.add(row);
    }
    const picked = [...rewritten].sort((a, b) => a - b);
    const withStatus = decisions.withStatus(s.items.findings.pick(picked), now);
    const replaced = new Map<number, string>();
    picked.forEach((row, i) =>
      replaced.set(row, JSON.stringify(withStatus[i])),
    );
    const validUntil = nextReviewDeadline(records, now);
    const rest = Buffer.from(
      `,"findings":${s.items.findings.arrayJson(replaced)},${JSON.stringify(
        freshness(s),
      ).slice(1)}`,
      'utf8',
    );
    const body = Buffer.concat([nodesEdges.json, rest]);
    wholeGraph = {
      content: s.items,
      nodesEdges,
      freshness: freshnessNow,
      decisions: version,
      validUntil,
      body,
      etag: weakEtag(body, [nodesEdges.digest, rest]),
    };
    return wholeGraph;
  };

  router.get('/graph', async (req, res) => {
    const q = req.query;
    const s = await snapshot();
    const visibility = await visibilityOf(req, () => graphRefs(s));
    const { canRead } = visibility;
    if (visibility.all && !q.around && !q.owner && !q.system) {
      const whole = await wholeGraphBody(s, Date.now());
      res.set('Content-Type', 'application/json; charset=utf-8');
      res.set('ETag', whole.etag);
      (res.send as unknown as (body: Buffer) => void).call(res, whole.body);
      return;
    }
    let nodes = s.items.nodes.all();
    let edges = s.items.edges.all();
    if (!visibility.all) {
      // an entity the caller may not read is not in their graph, nor are its edges: a walk
      // does not go through it, and `around` it finds nothing, as for an unknown ref
      nodes = nodes.filter(n => canRead(n.ref));
      edges = edges
        .filter(e => canRead(e.from) && canRead(e.to))
        .map(e =>
          e.via && !canRead(e.via) ? { ...e, via: HIDDEN_ENTITY } : e,
        );
    }
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
    // a finding with a party the caller may not read is shown (redacted) when its other party
    // is in the graph; one with neither party readable is not shown
    const shownSide = (ref: string) => !canRead(ref) || inGraph(ref);
    const findings = s.items.findings
      .all()
      .filter(f => shownSide(f.consumer) && shownSide(f.provider));
    res.json({
      nodes: nodes.filter(n => inGraph(n.ref)),
      edges: pickedEdges,
      findings: redactFindings(decisions.withStatus(findings), visibility),
      ...freshness(s),
    });
  });

  router.post('/check', async (req, res) => {
    res.json(await views.check(await httpAuth.credentials(req), req.body));
  });

  addDecisionRoutes(router, { ...options, snapshot });
  // the validator's 400s, worded as the routes' own
  router.use(openApiInputErrors);

  // The portal's hot path, an entity's page: without a query, the spec has nothing to check in
  // the request but three path strings, so it is served before the validator (which costs more
  // than the cached body's whole answer: ≈ 0.3 ms a request); with one, as every route.
  const outer = Router();
  outer.get('/entities/:kind/:namespace/:name', (req, res, next) =>
    Object.keys(req.query).length
      ? next()
      : entity(
          req as unknown as Parameters<typeof entity>[0],
          res as unknown as Parameters<typeof entity>[1],
          next,
        ),
  );
  outer.use(router);
  return outer;
}

/** Edges touching a node, for graph walks. */
function edgesByNode(edges: GraphEdge[]): Map<string, GraphEdge[]> {
  const map = new Map<string, GraphEdge[]>();
  for (const e of edges) {
    for (const end of [refKey(e.from), refKey(e.to)]) {
      const list = map.get(end);
      if (list) list.push(e);
      else map.set(end, [e]);
    }
  }
  return map;
}
