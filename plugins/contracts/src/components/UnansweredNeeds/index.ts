export { UnansweredNeedsCard } from './UnansweredNeedsCard';
export { TeamUnansweredNeedsCard } from './TeamUnansweredNeedsCard';
