import type { SourceLocation } from '../../types';
import { entityName } from '../format';
import { callsOf } from '../paths';
import type { ContractRule, FindingDraft } from '../types';
import { carriers } from './access-policy';

/**
 * `unresolved-reference`: a contract names a service that is no entity of the catalog, or an
 * operation, dataset or data that the named provider's contract does not provide. A provider
 * is held to what it declares: an operation is missing only when its contract declares
 * operations (provided or `operations[]`), a dataset only when the source or an entity tied to
 * it declares datasets, data only when the provider declares endpoints; an empty section means
 * "not described yet".
 * @public
 */
export const unresolvedReferenceRule: ContractRule = {
  id: 'unresolved-reference',
  title: 'Unresolved reference',
  defaultSeverity: 'error',
  description:
    'A contract names a service, operation or dataset that nothing provides.',
  evaluate(anchor, ctx) {
    const consumer = anchor.entityRef;
    const c = entityName(consumer);
    const drafts: FindingDraft[] = [];
    const seen = new Set<string>();
    const report = (
      provider: string,
      subject: string,
      what: string,
      written: string,
      loc: SourceLocation,
      where: string,
    ) => {
      const key = `${provider.toLowerCase()}\n${subject}`;
      if (seen.has(key)) {
        return;
      }
      seen.add(key);
      drafts.push({
        consumer,
        provider,
        subject,
        title: 'Unresolved reference',
        expected: `${what} ${written} ${where}`,
        actual: 'nothing provides it',
        impact: `${c}'s contract on ${written} cannot be checked`,
        resolutions: [
          `${c}: Correct the reference (contract)`,
          `${entityName(
            provider,
          )}: Declare ${written} in its contract (contract)`,
        ],
        evidence: { what, written, provider },
        details: [
          `${c} names: ${what} ${written}`,
          `catalog: ${
            where === 'in the catalog' ? 'no such entity' : `not ${where}`
          }`,
        ],
        location: loc,
        edges: [],
      });
    };
    const service = (ref: string, written: string, loc: SourceLocation) => {
      const target = ctx.resolve(ref);
      if (!target) {
        report(ref, written, 'service', written, loc, 'in the catalog');
      }
      return target;
    };
    for (const call of callsOf(anchor)) {
      const target = service(call.ref, call.service, call.loc);
      if (!target || !call.operation) {
        continue;
      }
      const pc = ctx.contract(target.ref);
      if (
        pc &&
        (pc.operations.length > 0 || pc.idempotency.length > 0) &&
        !ctx.operation(target.ref, call.operation) &&
        !ctx.idempotency(target.ref, call.operation)
      ) {
        report(
          target.ref,
          `${call.service}.${call.operation}`,
          'operation',
          `${call.service}.${call.operation}`,
          call.loc,
          `provided by ${entityName(target.ref)}`,
        );
      }
    }
    const dataset = (
      ref: string,
      written: string,
      name: string,
      loc: SourceLocation,
    ) => {
      const target = service(ref, written, loc);
      if (!target) {
        return;
      }
      const m = ctx.findDataset(target.ref, name);
      if (!m.provider && m.candidatesDeclareDatasets) {
        report(
          target.ref,
          `${written}/${name}`,
          'dataset',
          `${written}/${name}`,
          loc,
          `provided by ${written} or an entity tied to it`,
        );
      }
    };
    for (const dd of anchor.dataDependencies) {
      dataset(dd.ref, dd.source, dd.dataset, dd.loc);
    }
    for (const ds of anchor.datasets) {
      for (const src of ds.derivedFrom) {
        dataset(src.ref, src.source, src.dataset, src.loc);
      }
    }
    for (const r of anchor.requires) {
      const target = service(r.ref, r.from, r.loc);
      if (!target) {
        continue;
      }
      const endpoints = ctx.contract(target.ref)?.endpoints ?? [];
      if (endpoints.length > 0 && carriers(endpoints, r.data).length === 0) {
        report(
          target.ref,
          `${r.from}/${r.data}`,
          'data',
          `${r.from}/${r.data}`,
          r.loc,
          `carried by an endpoint of ${r.from}`,
        );
      }
    }
    return drafts;
  },
};
