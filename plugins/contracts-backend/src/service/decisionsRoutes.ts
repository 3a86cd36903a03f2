import type {
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { contractsDecisionCreatePermission } from '@internal/backstage-plugin-contracts-common';
import type { Request, Router } from 'express';
import { z } from 'zod';
import type { Decision, NewDecision } from '../database/DecisionsStore';
import {
  refKey as lower,
  type GraphSnapshot,
} from '../services/ContractsGraphService';
import type {
  DecisionsService,
  FindingAuthorizer,
} from '../services/DecisionsService';
import { decodeCursor, idempotencyKey, pageSchema, parse } from './http';
import { decisionToMarkdown } from './markdown';

const reviewBy = z
  .string()
  .refine(v => !Number.isNaN(Date.parse(v)), 'must be an ISO date');

const decisionFields = {
  title: z.string().trim().min(1).max(500),
  context: z.string().max(20000).optional(),
  options: z.array(z.string().max(2000)).max(50).optional(),
  decision: z.string().trim().min(1).max(20000),
  rationale: z.string().trim().min(1).max(20000),
  deciders: z.array(z.string().max(500)).max(50).optional(),
  status: z.enum(['proposed', 'accepted', 'rejected']).default('proposed'),
  reviewBy: reviewBy.optional(),
};

const createDecisionSchema = z.object({
  findingId: z.string().min(1),
  ...decisionFields,
});

const supersedeDecisionSchema = z.object({
  findingId: z.string().min(1).optional(),
  ...decisionFields,
});

const decisionsQuerySchema = z.object({
  findingId: z.string().optional(),
  entityRef: z.string().optional(),
  ...pageSchema,
});

/** What the decision routes need. */
export interface DecisionRoutesOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  decisions: DecisionsService;
  authorizer: FindingAuthorizer;
  snapshot(): Promise<GraphSnapshot>;
}

/** The decision records' routes: `/decisions…`. */
export function addDecisionRoutes(
  router: Router,
  options: DecisionRoutesOptions,
) {
  const { httpAuth, permissions, decisions, authorizer, snapshot } = options;

  router.get('/decisions', async (req, res) => {
    const q = parse(decisionsQuerySchema, req.query, 'query');
    const offset = decodeCursor(q.cursor);
    const { items, total } = await decisions.store.list({
      findingId: q.findingId,
      entityRef: q.entityRef ? lower(q.entityRef) : undefined,
      offset,
      limit: q.limit,
    });
    const next = offset + items.length;
    res.json({
      items,
      ...(next < total
        ? {
            nextCursor: Buffer.from(String(next), 'utf8').toString('base64url'),
          }
        : {}),
    });
  });

  router.get('/decisions/export', async (_req, res) => {
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
      decisions: all,
    });
  });

  router.get('/decisions/:id', async (req, res) => {
    res.json(await decisions.get(req.params.id));
  });

  router.get('/decisions/:id/markdown', async (req, res) => {
    const d = await decisions.get(req.params.id);
    res.type('text/markdown; charset=utf-8').send(decisionToMarkdown(d));
  });

  /** Records a decision for the caller, after the permission checks. */
  const record = async (
    req: Request,
    body: z.infer<typeof supersedeDecisionSchema> & { findingId: string },
    supersedes?: Decision,
  ) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const [create] = await permissions.authorize(
      [{ permission: contractsDecisionCreatePermission }],
      { credentials },
    );
    if (create.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError('You may not record contract decisions');
    }
    const s = await snapshot();
    const finding = s.findingById.get(body.findingId);
    if (!finding) {
      throw new NotFoundError(
        `No finding ${body.findingId} in the current contracts graph`,
      );
    }
    if (supersedes || body.status === 'accepted') {
      const [accept] = await authorizer.canAccept([finding], credentials);
      if (!accept) {
        throw new NotAllowedError(
          `Only owners of ${finding.consumer} or ${
            finding.provider
          }, or the rule's decider groups, may ${
            supersedes ? 'supersede decisions on' : 'accept'
          } this finding`,
        );
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
      deciders: body.deciders,
      status: body.status,
      reviewBy: body.reviewBy,
      supersedes: supersedes?.id,
      recordedBy: credentials.principal.userEntityRef,
      idempotencyKey: idempotencyKey(req),
    };
    return decisions.create(input);
  };

  router.post('/decisions', async (req, res) => {
    const body = parse(createDecisionSchema, req.body, 'request body');
    const { decision, created } = await record(req, body);
    res.status(created ? 201 : 200).json(decision);
  });

  router.post('/decisions/:id/supersede', async (req, res) => {
    const body = parse(supersedeDecisionSchema, req.body, 'request body');
    const old = await decisions.get(req.params.id);
    if (body.findingId && body.findingId !== old.findingId) {
      throw new InputError(
        `findingId must be ${old.findingId}, the finding of the superseded decision`,
      );
    }
    const { decision, created } = await record(
      req,
      { ...body, findingId: old.findingId },
      old,
    );
    res.status(created ? 201 : 200).json(decision);
  });
}
