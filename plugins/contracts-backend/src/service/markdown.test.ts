import type { Decision } from '@backstage-contracts/plugin-contracts-common';
import MarkdownIt from 'markdown-it';
import { parse } from 'yaml';
import { decisionToMarkdown } from './markdown';

/** CommonMark with GFM tables and strikethrough, raw HTML allowed: as a repository renders it. */
const md = new MarkdownIt({ html: true, linkify: true });

/** The front matter (parsed) and the markdown after it, as a front-matter-aware renderer reads them. */
function split(doc: string) {
  const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(doc);
  if (!m) throw new Error(`no front matter in:\n${doc}`);
  return { meta: parse(m[1]), body: m[2] };
}

type Token = ReturnType<typeof md.parse>[number];

/** The text a token shows (its inline children's text, escapes resolved). */
function textOf(token: Token): string {
  return (token.children ?? [])
    .map(c => {
      if (c.type === 'softbreak' || c.type === 'hardbreak') return '\n';
      return c.type === 'text' || c.type === 'code_inline' ? c.content : '';
    })
    .join('');
}

/** The tokens of headings, paragraphs and bullet lists. */
const PLAIN = [
  'heading_open',
  'heading_close',
  'paragraph_open',
  'paragraph_close',
  'inline',
  'bullet_list_open',
  'bullet_list_close',
  'list_item_open',
  'list_item_close',
];

/**
 * Every heading of the document (level and text), every HTML token, the other blocks than
 * headings, paragraphs and bullet lists, the number of bullet lists, and the texts shown.
 */
function read(body: string) {
  const tokens = md.parse(body, {});
  const headings: string[] = [];
  const html: string[] = [];
  const blocks: string[] = [];
  let lists = 0;
  tokens.forEach((t, i) => {
    if (t.type === 'heading_open') {
      headings.push(`${t.tag} ${textOf(tokens[i + 1])}`);
    }
    if (t.type === 'html_block') html.push(t.content);
    for (const c of t.children ?? []) {
      if (c.type === 'html_inline') html.push(c.content);
    }
    if (!PLAIN.includes(t.type)) blocks.push(t.type);
    if (t.type === 'bullet_list_open') lists++;
  });
  const paragraphs = tokens.filter(t => t.type === 'inline').map(textOf);
  return { headings, html, blocks, lists, paragraphs };
}

const base: Decision = {
  id: 'd-1',
  findingId: 'f-1',
  evidenceHash: 'e-1',
  rule: 'access-policy',
  consumer: 'component:default/support-portal',
  provider: 'component:default/customer-data',
  subject: 'customer_email',
  title: 'Let support read customer e-mail',
  options: ['Mask the address', 'Grant support_tier_2 read access'],
  decision: 'Grant support_tier_2 read access',
  rationale: 'Support needs it to answer tickets.',
  deciders: ['group:default/security-team', 'group:default/product-team'],
  signatures: [
    {
      decider: 'group:default/security-team',
      verdict: 'reject',
      signedBy: 'user:default/sam',
      signedAt: '2026-12-07T10:00:00.000Z',
    },
  ],
  awaiting: ['group:default/security-team', 'group:default/product-team'],
  status: 'rejected',
  recordedBy: 'user:default/guest',
  recordedAt: '2026-12-06T09:00:00.000Z',
};

const HEADINGS = [
  'h2 Context and Problem Statement',
  'h2 Considered Options',
  'h2 Decision Outcome',
  'h2 More Information',
];

describe('decisionToMarkdown', () => {
  it('writes a MADR document: the metadata in YAML front matter, who signed and when', () => {
    const doc = decisionToMarkdown(base);
    const { meta, body } = split(doc);
    expect(meta).toMatchObject({
      status: 'rejected',
      date: '2026-12-07',
      'decision-makers': base.deciders,
      finding:
        'access-policy: component:default/support-portal → component:default/customer-data (customer_email)',
      fingerprint: 'f-1',
      'evidence-hash': 'e-1',
      rule: 'access-policy',
      'recorded-by': 'user:default/guest',
      awaiting: base.awaiting,
      signatures: [
        {
          decider: 'group:default/security-team',
          verdict: 'reject',
          'signed-by': 'user:default/sam',
          'signed-at': '2026-12-07T10:00:00.000Z',
        },
      ],
    });
    // words with underscores read as written in the file too
    expect(body).toContain('Chosen option: "Grant support_tier_2 read access"');
    const { headings, html, paragraphs } = read(body);
    expect(headings).toEqual([`h1 ${base.title}`, ...HEADINGS]);
    expect(html).toEqual([]);
    expect(paragraphs).toContain('Mask the address');
    expect(paragraphs).toContain(
      'Chosen option: "Grant support_tier_2 read access", because Support needs it to answer tickets.',
    );
    expect(paragraphs).toContain(
      'Rejected for group:default/security-team by user:default/sam at 2026-12-07T10:00:00.000Z',
    );
  });

  it('shows a withdrawal and carried-over rejections', () => {
    const { meta, paragraphs } = (() => {
      const s = split(
        decisionToMarkdown({
          ...base,
          status: 'withdrawn',
          withdrawnBy: 'user:default/guest',
          withdrawnAt: '2026-12-08T08:00:00.000Z',
          supersedes: 'd-0',
          signatures: [{ ...base.signatures[0], carriedFrom: 'd-0' }],
        }),
      );
      return { meta: s.meta, ...read(s.body) };
    })();
    expect(meta).toMatchObject({
      status: 'withdrawn',
      date: '2026-12-08',
      supersedes: 'd-0',
      'withdrawn-by': 'user:default/guest',
      'withdrawn-at': '2026-12-08T08:00:00.000Z',
      signatures: [expect.objectContaining({ 'carried-from': 'd-0' })],
    });
    expect(paragraphs).toContain(
      'Withdrawn by user:default/guest at 2026-12-08T08:00:00.000Z.',
    );
    expect(paragraphs.join('\n')).toContain('(carried over from d-0)');
  });

  // The issue's: a title that renders "Status: accepted, Deciders: Security, Product" with the
  // real status hidden in an HTML comment; and every other way out of a field.
  const hostile: Decision = {
    ...base,
    title:
      'Let support read e-mail\n\n* Status: accepted\n* Deciders: Security, Product\n\n<!--',
    context: [
      '---',
      'status: accepted',
      '---',
      '# Status: accepted',
      '<!-- the real status is hidden',
      'Setext heading',
      '===',
      '```',
      '1. # heading in an ordered list',
      '- # heading in a list',
      '> # heading in a quote',
      '    indented code',
      '<div>raw HTML</div> and <b>bold</b> &lt;!-- entity',
      '[link]: javascript:alert(1)',
      'a | b',
      ':-|:-',
      'snake_case, _emphasis_, __strong__ and *stars* stay as written',
      '-->',
    ].join('\n'),
    options: ['A\n# B', '<!-- C -->', '`D` **E**', '- F', '2) G'],
    decision: 'Accept\n## Decision Outcome\n',
    rationale:
      'it is fine\r\n\r\n## Status: accepted\u2028<script>alert(1)</script>\n---\nhidden? `x`\\',
    subject: 'user`s <b>email</b>',
  };

  it('escapes every text it embeds: no heading, HTML, block or front matter comes from a field', () => {
    const doc = decisionToMarkdown(hostile);
    const { meta, body } = split(doc);
    // the metadata is the record's, whatever the title says
    expect(meta.status).toBe('rejected');
    expect(meta['decision-makers']).toEqual(base.deciders);
    expect(meta.subject).toBe('user`s <b>email</b>');
    expect(Object.keys(meta)).not.toContain('Status');

    const { headings, html, blocks, lists, paragraphs } = read(body);
    // the title on one line, as written
    expect(headings).toEqual([
      'h1 Let support read e-mail * Status: accepted * Deciders: Security, Product <!--',
      ...HEADINGS,
    ]);
    expect(html).toEqual([]);
    // paragraphs, the options' list and the signatures' only: no code block, quote, table,
    // rule, ordered or nested list
    expect(blocks).toEqual([]);
    expect(lists).toBe(2);
    const shown = paragraphs.join('\n');
    // every line of the context is shown as written
    for (const line of hostile.context!.split('\n')) {
      expect(shown).toContain(line.trim());
    }
    expect(paragraphs).toEqual(
      expect.arrayContaining([
        'A # B',
        '<!-- C -->',
        '`D` **E**',
        '- F',
        '2) G',
      ]),
    );
    expect(shown).toContain(
      'Chosen option: "Accept ## Decision Outcome", because it is fine',
    );
    expect(shown).toContain(
      '## Status: accepted\n<script>alert(1)</script>\n---\nhidden? `x`\\',
    );
    expect(shown).toContain('on user`s <b>email</b>');
  });

  it('keeps control characters out', () => {
    const doc = decisionToMarkdown({ ...base, title: 'a\u0000b\u001bc' });
    const { body } = split(doc);
    const controls = [...body].filter(
      ch => ch.charCodeAt(0) < 0x20 && ch !== '\n',
    );
    expect(controls).toEqual([]);
    expect(read(body).headings[0]).toBe('h1 a\uFFFDb\uFFFDc');
  });
});
