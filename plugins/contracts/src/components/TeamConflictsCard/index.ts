export { TeamConflictsCard, TeamConflictsView, useTeamFindings } from './TeamConflictsCard';
