export { RecordDecisionDialog, validateDecision } from './RecordDecisionDialog';
export type { RecordDecisionDialogProps, DecisionFormValues } from './RecordDecisionDialog';
