import { stringify } from 'yaml';
import { MADR_DECISION_KEYS as K } from '@backstage-contracts/plugin-contracts-common';
import type { Decision } from '../database/DecisionsStore';

/*
 * A decision record as a MADR 4 document: its metadata in YAML front matter (serialized by
 * `yaml`, so every value is quoted as it needs), then the sections, where everything a user wrote
 * (title, context, options, decision, rationale) and everything read from contracts (subjects)
 * is escaped so that markdown shows it as written: it cannot open an HTML comment or tag, make a
 * heading, a list, a quote, a code block or a table, or end the front matter.
 */

/** Control characters (besides line breaks and tabs): shown as the replacement character. */
// eslint-disable-next-line no-control-regex -- the control characters are what it finds
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
/** Line breaks, CommonMark's and those some editors and renderers also break lines at. */
const LINE_BREAK = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/g;
/**
 * Characters that can be markdown or HTML syntax anywhere in a line: backslash, code spans,
 * emphasis, links and images, HTML tags and comments, entities, strikethrough, table cells,
 * heading closers; underscores below. (CommonMark shows any ASCII punctuation escaped with a
 * backslash as itself.)
 */
const INLINE_SYNTAX = /[\\`*[\]<>&~|#]/g;
/**
 * An underscore that could open or close emphasis: all but those between two letters or digits
 * (`support_tier_2` stays as written).
 */
const EMPHASIS_UNDERSCORE = /(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu;

/**
 * A text within a line, shown as written; at the start of a line it starts no block either (no
 * list item, setext underline or thematic break).
 */
function inline(text: string): string {
  return text
    .replace(CONTROL, '\uFFFD')
    .replace(INLINE_SYNTAX, '\\$&')
    .replace(EMPHASIS_UNDERSCORE, '\\_')
    .replace(/^[-+=]/, '\\$&')
    .replace(/^(\d{1,9})([.)])/, '$1\\$2');
}

/** A text on one line, shown as written: line breaks and runs of white space are one space. */
function escapeLine(text: string): string {
  return inline(text.replace(LINE_BREAK, ' ').replace(/\s+/g, ' ').trim());
}

/**
 * A text of several lines (paragraphs where it has blank lines), shown as written: each line as
 * {@link escapeLine} escapes it, without its indentation (no indented code block).
 */
function escapeBlock(text: string): string {
  return text
    .split(LINE_BREAK)
    .map(line => inline(line.trim()))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** A code span of a text on one line, whatever backticks it holds. */
function code(text: string): string {
  const value = text
    .replace(CONTROL, '\uFFFD')
    .replace(LINE_BREAK, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const longest = Math.max(
    0,
    ...(value.match(/`+/g) ?? []).map(run => run.length),
  );
  const fence = '`'.repeat(longest + 1);
  // a space on each side when the text starts or ends with a backtick (CommonMark strips one)
  const pad = /^`|`$/.test(value) ? ' ' : '';
  return `${fence}${pad}${value}${pad}${fence}`;
}

/** The latest of the record's times (recorded, signed, withdrawn): MADR's `date`. */
function lastUpdated(d: Decision): string {
  const times = [
    d.recordedAt,
    ...d.signatures.map(s => s.signedAt),
    ...(d.withdrawnAt ? [d.withdrawnAt] : []),
  ];
  return times.reduce((a, b) => (b > a ? b : a)).slice(0, 10);
}

/**
 * The front matter: MADR's `status`, `date` (`yyyy-MM-dd`) and `decision-makers`, then ours —
 * `finding` in words, `fingerprint`, `evidence-hash` and `review-by`, which
 * `contracts check --decisions DIR` reads back — then the rest of the record.
 */
function frontMatter(d: Decision): string {
  const meta = {
    status: d.status,
    date: lastUpdated(d),
    'decision-makers': d.deciders,
    [K.finding]: `${d.rule}: ${d.consumer} → ${d.provider} (${d.subject})`,
    [K.fingerprint]: d.findingId,
    [K.evidenceHash]: d.evidenceHash,
    [K.reviewBy]: d.reviewBy,
    id: d.id,
    rule: d.rule,
    consumer: d.consumer,
    provider: d.provider,
    subject: d.subject,
    'recorded-by': d.recordedBy,
    'recorded-at': d.recordedAt,
    supersedes: d.supersedes,
    'superseded-by': d.supersededBy,
    'withdrawn-by': d.withdrawnBy,
    'withdrawn-at': d.withdrawnAt,
    awaiting: d.awaiting,
    signatures: d.signatures.map(s => ({
      decider: s.decider,
      verdict: s.verdict,
      'signed-by': s.signedBy,
      'signed-at': s.signedAt,
      'carried-from': s.carriedFrom,
    })),
  };
  // undefined values are left out
  return `---\n${stringify(meta, { lineWidth: 0 })}---`;
}

const VERDICT = { accept: 'Accepted', reject: 'Rejected' } as const;

/** A decision record as a MADR document, for the repository. */
export function decisionToMarkdown(d: Decision): string {
  const finding = `${code(d.rule)} between ${escapeLine(
    d.consumer,
  )} (consumer) and ${escapeLine(d.provider)} (provider) on ${code(d.subject)}`;
  const out: string[] = [
    frontMatter(d),
    '',
    `# ${escapeLine(d.title)}`,
    '',
    '## Context and Problem Statement',
    '',
    (d.context && escapeBlock(d.context)) || `Finding ${finding}.`,
    '',
  ];
  if (d.options.length) {
    out.push(
      '## Considered Options',
      '',
      ...d.options.map(o => `* ${escapeLine(o)}`),
      '',
    );
  }
  out.push(
    '## Decision Outcome',
    '',
    `Chosen option: "${escapeLine(d.decision)}", because ${escapeBlock(
      d.rationale,
    )}`,
    '',
    '## More Information',
    '',
    `Finding ${code(d.findingId)}: ${finding}, evidence ${code(
      d.evidenceHash,
    )}. Recorded by ${escapeLine(d.recordedBy)} at ${escapeLine(
      d.recordedAt,
    )}.`,
    '',
  );
  if (d.signatures.length) {
    out.push(
      'Signatures:',
      '',
      ...d.signatures.map(
        s =>
          `* ${VERDICT[s.verdict] ?? escapeLine(s.verdict)} for ${escapeLine(
            s.decider,
          )} by ${escapeLine(s.signedBy)} at ${escapeLine(s.signedAt)}${
            s.carriedFrom ? ` (carried over from ${code(s.carriedFrom)})` : ''
          }`,
      ),
      '',
    );
  }
  if (d.awaiting.length) {
    out.push(
      `Awaiting the signature of ${d.awaiting.map(escapeLine).join(', ')}.`,
      '',
    );
  }
  if (d.withdrawnBy) {
    out.push(
      `Withdrawn by ${escapeLine(d.withdrawnBy)}${
        d.withdrawnAt ? ` at ${escapeLine(d.withdrawnAt)}` : ''
      }.`,
      '',
    );
  }
  return out.join('\n');
}
