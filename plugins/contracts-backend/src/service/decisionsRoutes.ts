import type {
  BackstageCredentials,
  BackstageUserPrincipal,
  HttpAuthService,
  LoggerService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  type Finding,
  latestSignatures,
  madrFileName,
} from '@backstage-contracts/plugin-contracts-common';
import type { TypedRouter } from '@backstage/backend-openapi-utils';
import type { NextFunction, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import pLimit from 'p-limit';
import { createHash } from 'node:crypto';
import {
  type Decision,
  IdempotencyKeyReusedError,
  type NewDecision,
  type NewSignature,
} from '../database/DecisionsStore';
import {
  type GraphSnapshot,
  refKey as lower,
} from '../services/ContractsGraphService';
import type { CatalogVisibility } from '../services/CatalogVisibility';
import type {
  DecisionsService,
  FindingAuthorizer,
} from '../services/DecisionsService';
import {
  decisionRefs,
  redactDecision,
  redactDecisions,
  redactFinding,
} from '../services/redaction';
import { validEntityRef } from '../services/entityModel';
import type { EndpointMap } from '../schema/openapi/generated/router';
import {
  type AnyRequest,
  decodeCursor,
  encodeCursor,
  idempotencyKey,
  rejectNulBytes,
} from './http';
import { decisionToMarkdown } from './markdown';

/** The body of a record or a supersede, as validated against the spec (`NewDecision`). */
type DecisionBody = EndpointMap['#post|/decisions/{id}/supersede']['body'];

/**
 * The text fields as stored: trimmed (the spec refuses blank ones; it cannot say that what is
 * stored is trimmed).
 */
function trimmed<T extends DecisionBody>(body: T): T {
  return {
    ...body,
    title: body.title.trim(),
    decision: body.decision.trim(),
    rationale: body.rationale.trim(),
    ...(body.options ? { options: body.options.map(o => o.trim()) } : {}),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The limits on writes, from `contracts.decisions.*`. */
export interface DecisionLimits {
  /** Writes (records, signatures, withdrawals) one user may make per window, on one replica. */
  writesPerWindow: number;
  windowMs: number;
  /** Writes one replica handles at a time (of every user). */
  concurrentWrites: number;
  /** Writes that may wait for one of those slots; beyond, a 503 with Retry-After. */
  writeQueue: number;
}

/** The Retry-After of a write refused because the replica's write queue is full, seconds. */
export const WRITE_QUEUE_RETRY_AFTER_S = 1;

/**
 * At most `concurrent` writes at a time on this replica, `queue` more waiting (first come,
 * first served); beyond, a 503 with Retry-After. A write holds its slot until its response is
 * sent (or its connection closes): the writes in flight, not their CPU, are what slow every
 * other request of the replica (bench:decisions, README). A request whose client went away
 * while it waited is dropped when its turn comes.
 */
function writeGate(limits: DecisionLimits): RequestHandler {
  const limit = pLimit(limits.concurrentWrites);
  const bound = limits.concurrentWrites + limits.writeQueue;
  return (_req, res, next) => {
    if (limit.activeCount + limit.pendingCount >= bound) {
      res.set('Retry-After', String(WRITE_QUEUE_RETRY_AFTER_S));
      res.status(503).json({
        error: {
          name: 'ServiceUnavailableError',
          message: `Too many decision writes in progress on this server (${limits.concurrentWrites} at a time, ${limits.writeQueue} waiting); try again in ${WRITE_QUEUE_RETRY_AFTER_S} s`,
        },
        response: { statusCode: 503 },
      });
      return;
    }
    let over = false;
    let release!: () => void;
    const ended = new Promise<void>(resolve => {
      release = resolve;
    });
    const end = () => {
      over = true;
      release();
    };
    res.once('finish', end);
    res.once('close', end);
    limit(() => {
      if (over) return undefined;
      next();
      return ended;
    });
  };
}

/** What the decision routes need. */
export interface DecisionRoutesOptions {
  logger: LoggerService;
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
  decisions: DecisionsService;
  authorizer: FindingAuthorizer;
  /** The caller's catalog read permission: what each route shows them. */
  catalogVisibility: CatalogVisibility;
  limits: DecisionLimits;
  snapshot(): Promise<GraphSnapshot>;
}

/**
 * The write rate per user (per replica: the limiter's memory store) of every POST under
 * `/decisions`; other requests pass. Runs before the request body is read.
 */
export function createWriteLimiter(
  options: Pick<DecisionRoutesOptions, 'httpAuth' | 'limits'>,
): RequestHandler {
  const limiter = rateLimit({
    windowMs: options.limits.windowMs,
    limit: options.limits.writesPerWindow,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: async req =>
      (
        await options.httpAuth.credentials(req, {
          allow: ['user'],
        })
      ).principal.userEntityRef,
    handler: (_req, res, _next, opts) => {
      const retry = Math.ceil(opts.windowMs / 1000);
      res.set('Retry-After', String(retry));
      res.status(429).json({
        error: {
          name: 'TooManyRequestsError',
          message: `Too many decision writes: at most ${opts.limit} per ${retry} s per user; try again later`,
        },
        response: { statusCode: 429 },
      });
    },
  });
  return (req, res, next) => {
    if (req.method === 'POST' && /^\/decisions(\/|$)/.test(req.path)) {
      limiter(req, res, next);
    } else {
      next();
    }
  };
}

/** The decision records' routes: `/decisions…`. */
export function addDecisionRoutes(
  router: TypedRouter<EndpointMap>,
  options: DecisionRoutesOptions,
) {
  const {
    httpAuth,
    userInfo,
    decisions,
    authorizer,
    snapshot,
    catalogVisibility,
  } = options;

  /** What the caller may read of these records (their parties, by the catalog's permission). */
  const visibilityOf = async (req: AnyRequest, records: Decision[]) =>
    catalogVisibility.forCaller(await httpAuth.credentials(req), () =>
      records.flatMap(decisionRefs),
    );

  /** A record as the caller may see it; the same 404 as an unknown id when they may not. */
  const shown = async (req: AnyRequest, d: Decision): Promise<Decision> => {
    const visible = redactDecision(d, await visibilityOf(req, [d]));
    if (!visible) throw new NotFoundError(`No decision with id ${d.id}`);
    return visible;
  };

  const userOf = async (req: AnyRequest) =>
    httpAuth.credentials(req, { allow: ['user'] });

  // after the write rate (createWriteLimiter) and the body's validation: a slot among the
  // replica's writes in flight
  const writes = [rejectNulBytes, writeGate(options.limits)];

  /** A decision id from the path; 404 for anything that is not one (never sent to the database). */
  const decisionOf = async (id: string): Promise<Decision> => {
    if (!UUID.test(id)) throw new NotFoundError(`No decision with id ${id}`);
    return decisions.get(id);
  };

  router.get('/decisions', rejectNulBytes, async (req, res) => {
    const q = req.query;
    const offset = decodeCursor(q.cursor);
    const { items, total } = await decisions.store.list({
      findingId: q.findingId,
      entityRef: q.entityRef ? lower(q.entityRef) : undefined,
      offset,
      limit: q.limit,
    });
    const next = offset + items.length;
    const visibility = await visibilityOf(req, items);
    if (q.entityRef && !visibility.all) {
      await visibility.cover([q.entityRef]);
      if (!visibility.canRead(q.entityRef)) {
        res.json({ items: [], total: 0 });
        return;
      }
    }
    res.json({
      items: redactDecisions(items, visibility),
      total,
      ...(next < total ? { nextCursor: encodeCursor(next) } : {}),
    });
  });

  router.get('/decisions/export', async (req, res) => {
    const all: Decision[] = [];
    for (let offset = 0; ; offset += 1000) {
      const { items } = await decisions.store.list({ offset, limit: 1000 });
      all.push(...items);
      if (items.length < 1000) break;
    }
    res.setHeader(
      'Content-Disposition',
      'attachment; filename="contracts-decisions.json"',
    );
    res.json({
      version: 1,
      exportedAt: new Date().toISOString(),
      decisions: redactDecisions(all, await visibilityOf(req, all)),
    });
  });

  router.get('/decisions/:id', async (req, res) => {
    res.json(await shown(req, await decisionOf(req.params.id)));
  });

  router.get('/decisions/:id/markdown', async (req, res) => {
    const d = await shown(req, await decisionOf(req.params.id));
    res.type('text/markdown; charset=utf-8').send(decisionToMarkdown(d));
  });

  /**
   * The record as a MADR file to commit next to the contracts (`contracts check --decisions
   * DIR` reads it back): `NNNN-title.md`, NNNN the `number` asked for, else the record's rank
   * among all records, oldest first (two exports never share a number).
   */
  router.get('/decisions/:id/adr', async (req, res) => {
    const { number } = req.query;
    const d = await shown(req, await decisionOf(req.params.id));
    let n = number;
    for (let offset = 0; n === undefined; offset += 1000) {
      const { items } = await decisions.store.list({ offset, limit: 1000 });
      const at = items.findIndex(item => item.id === d.id);
      if (at >= 0) n = offset + at + 1;
      else if (items.length < 1000) n = offset + items.length + 1;
    }
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="${madrFileName(n, d.title)}"`,
    );
    res.type('text/markdown; charset=utf-8').send(decisionToMarkdown(d));
  });

  /** The deciders of a finding, as stored: valid entity refs only. */
  const decidersOf = (finding: Finding): string[] => {
    const out: string[] = [];
    for (const d of finding.deciders ?? []) {
      const ref = validEntityRef(d);
      if (ref && !out.some(o => lower(o) === lower(ref))) out.push(ref);
      else if (!ref) {
        options.logger.warn(
          `Contracts: finding ${
            finding.id
          } names an invalid decider ${JSON.stringify(d)}; left out`,
        );
      }
    }
    return out;
  };

  /**
   * The caller's part in a finding: a party (the policy's IS_FINDING_PARTY condition) and the
   * deciders they sign for (the deciders among their ownership refs).
   */
  const partOf = async (
    credentials: BackstageCredentials<BackstageUserPrincipal>,
    finding: Finding,
    deciders: string[],
  ) => {
    const [party] = await authorizer.canAccept([finding], credentials);
    if (!party) return { party, signsFor: [] as string[] };
    const { ownershipEntityRefs } = await userInfo.getUserInfo(credentials);
    const mine = new Set(ownershipEntityRefs.map(lower));
    return { party, signsFor: deciders.filter(d => mine.has(lower(d))) };
  };

  /** A finding the caller may see (one of its parties at least), else a 404 as for none. */
  const findingOf = async (req: AnyRequest, findingId: string) => {
    const s = await snapshot();
    const found = s.items.finding(findingId);
    const finding =
      found &&
      redactFinding(
        found,
        await catalogVisibility.forCaller(await httpAuth.credentials(req), () =>
          decisionRefs(found),
        ),
      ) &&
      found;
    if (!finding) {
      throw new NotFoundError(
        `No finding ${findingId} in the current contracts graph`,
      );
    }
    return finding;
  };

  const requestHash = (what: string, body: unknown) =>
    createHash('sha256')
      .update(what)
      .update(JSON.stringify(body))
      .digest('hex');

  /** Records a decision for the caller, after the permission checks. */
  const record = async (
    req: AnyRequest,
    body: DecisionBody & { findingId: string },
    supersedes?: Decision,
  ) => {
    const credentials = await userOf(req);
    if (!(await authorizer.canCreate(credentials))) {
      throw new NotAllowedError('You may not record contract decisions');
    }
    const finding = await findingOf(req, body.findingId);
    const deciders = decidersOf(finding);
    const { party, signsFor } = await partOf(credentials, finding, deciders);
    if (!party) {
      throw new NotAllowedError(
        `Only the parties of this finding (${
          deciders.join(', ') ||
          `owners of ${finding.consumer} or ${finding.provider}`
        }) may ${
          supersedes ? 'supersede decisions on' : 'record decisions on'
        } it`,
      );
    }
    if (body.status !== 'proposed' && !signsFor.length) {
      throw new NotAllowedError(
        `You are in none of the deciders of this finding (${deciders.join(
          ', ',
        )}): record it as proposed, and the deciders sign it`,
      );
    }
    const recordedBy = credentials.principal.userEntityRef;
    const signatures: NewSignature[] =
      body.status === 'proposed'
        ? []
        : signsFor.map(decider => ({
            decider,
            verdict: body.status === 'accepted' ? 'accept' : 'reject',
            signedBy: recordedBy,
          }));
    // a decider's rejection stands until that decider changes it
    if (supersedes) {
      for (const sig of latestSignatures(supersedes.signatures).values()) {
        if (
          sig.verdict === 'reject' &&
          deciders.some(d => lower(d) === lower(sig.decider)) &&
          !signatures.some(x => lower(x.decider) === lower(sig.decider))
        ) {
          signatures.unshift({
            decider: sig.decider,
            verdict: 'reject',
            signedBy: sig.signedBy,
            carriedFrom: sig.carriedFrom ?? supersedes.id,
          });
        }
      }
    }
    const input: NewDecision = {
      findingId: finding.id,
      evidenceHash: finding.evidence,
      rule: finding.rule,
      consumer: finding.consumer,
      provider: finding.provider,
      subject: finding.subject,
      title: body.title,
      context: body.context,
      options: body.options,
      decision: body.decision,
      rationale: body.rationale,
      deciders,
      status: body.status,
      signatures,
      reviewBy: body.reviewBy,
      supersedes: supersedes?.id,
      recordedBy,
      idempotencyKey: idempotencyKey(req),
      requestHash: requestHash(`record ${supersedes?.id ?? ''}`, body),
    };
    return decisions.create(input);
  };

  /** 422 for an Idempotency-Key used again with another request. */
  const keyReuse = (error: unknown, res: Response, next: NextFunction) => {
    if (error instanceof IdempotencyKeyReusedError) {
      res.status(422).json({
        error: { name: error.name, message: error.message },
        response: { statusCode: 422 },
      });
      return;
    }
    next(error);
  };

  router.post('/decisions', ...writes, async (req, res, next) => {
    const body = trimmed(req.body);
    try {
      const { decision, created } = await record(req, body);
      res.status(created ? 201 : 200).json(await shown(req, decision));
    } catch (error) {
      keyReuse(error, res, next);
    }
  });

  router.post('/decisions/:id/supersede', ...writes, async (req, res, next) => {
    const body = trimmed(req.body);
    const old = await decisionOf(req.params.id);
    if (body.findingId && body.findingId !== old.findingId) {
      throw new InputError(
        `findingId must be ${old.findingId}, the finding of the superseded decision`,
      );
    }
    try {
      const { decision, created } = await record(
        req,
        { ...body, findingId: old.findingId },
        old,
      );
      res.status(created ? 201 : 200).json(await shown(req, decision));
    } catch (error) {
      keyReuse(error, res, next);
    }
  });

  router.post('/decisions/:id/signatures', ...writes, async (req, res) => {
    const { verdict } = req.body;
    const credentials = await userOf(req);
    const d = await decisionOf(req.params.id);
    const finding = await findingOf(req, d.findingId);
    const { signsFor } = await partOf(credentials, finding, d.deciders);
    if (!signsFor.length) {
      throw new NotAllowedError(
        d.deciders.length
          ? `Only members of the deciders (${d.deciders.join(
              ', ',
            )}) may sign this decision`
          : 'This record was made before deciders were verified and cannot be signed; supersede it',
      );
    }
    const signedBy = credentials.principal.userEntityRef;
    const signed = await decisions.sign(
      d.id,
      signsFor.map(decider => ({ decider, verdict, signedBy })),
    );
    res.json(await shown(req, signed));
  });

  router.post('/decisions/:id/withdraw', ...writes, async (req, res) => {
    const credentials = await userOf(req);
    const d = await shown(req, await decisionOf(req.params.id));
    const me = credentials.principal.userEntityRef;
    if (lower(d.recordedBy) !== lower(me)) {
      throw new NotAllowedError(
        `Only ${d.recordedBy}, who recorded this decision, may withdraw it`,
      );
    }
    res.json(await shown(req, await decisions.withdraw(d.id, me)));
  });
}
