import type { Decision } from '../database/DecisionsStore';

const line = (label: string, value?: string) =>
  value ? [`* ${label}: ${value}`] : [];

/** A decision record as a MADR document, for the repository. */
export function decisionToMarkdown(d: Decision): string {
  const out: string[] = [
    `# ${d.title}`,
    '',
    ...line('Status', d.status),
    ...line('Deciders', d.deciders.join(', ')),
    ...line('Date', d.recordedAt.slice(0, 10)),
    ...line('Recorded by', d.recordedBy),
    ...line('Review by', d.reviewBy),
    ...line('Supersedes', d.supersedes),
    ...line('Superseded by', d.supersededBy),
    '',
    '## Context and Problem Statement',
    '',
    d.context?.trim() ||
      `Finding \`${d.rule}\` between ${d.consumer} (consumer) and ${d.provider} (provider) on \`${d.subject}\`.`,
    '',
    `Finding: \`${d.findingId}\` (rule \`${d.rule}\`, ${d.consumer} → ${d.provider}, \`${d.subject}\`), evidence \`${d.evidenceHash}\`.`,
    '',
  ];
  if (d.options.length) {
    out.push('## Considered Options', '', ...d.options.map(o => `* ${o}`), '');
  }
  out.push(
    '## Decision Outcome',
    '',
    `Chosen option: "${d.decision}", because ${d.rationale}`,
    '',
  );
  return out.join('\n');
}
