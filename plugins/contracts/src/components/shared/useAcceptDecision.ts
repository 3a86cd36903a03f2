import { usePermission } from '@backstage/plugin-permission-react';
import { contractsDecisionAcceptPermission } from '@backstage-contracts/plugin-contracts-common';
import type { ContractsFinding } from '../../api';

/**
 * Whether the user may accept a finding: the backend's per-user flag when it sent one, and the
 * accept permission on the finding. `denied` as soon as either refuses; `allowed` once both
 * allow (not while the permission is being asked).
 */
export function useAcceptDecision(finding: ContractsFinding): {
  denied: boolean;
  allowed: boolean;
} {
  const permission = usePermission({
    permission: contractsDecisionAcceptPermission,
    resourceRef: finding.id,
  });
  const denied =
    finding.canAccept === false || (!permission.loading && !permission.allowed);
  return { denied, allowed: !denied && !permission.loading };
}
