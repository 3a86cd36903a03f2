import * as path from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { tmpDir, writeTree } from '../__testUtils__/testing';
import { loadCatalogFiles } from './files';

const component = (name: string) =>
  `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  owner: team-a\n`;

/** Lines of each entity document as the located parser sees them. */
function locatedLines(text: string): number[] {
  const lineCounter = new LineCounter();
  return parseAllDocuments(text, { lineCounter })
    .filter(d => (d.toJS() as { kind?: string } | null)?.kind)
    .map(d => lineCounter.linePos(d.contents!.range[0]).line);
}

describe('loadCatalogFiles', () => {
  const shapes: Record<string, string> = {
    'plain.yaml': component('a'),
    'leading-comment.yaml': `# a comment\n\n---\n${component('b')}---\n\n# between\n${component('c')}`,
    'empty-docs.yaml': `---\n---\n${component('d')}---\n# only a comment\n---\n${component('e')}---\n`,
    'inline-start.yaml': `--- # starts here\n${component('f')}--- {apiVersion: backstage.io/v1alpha1, kind: Component, metadata: {name: g}}\n`,
    'directive.yaml': `%YAML 1.2\n---\n${component('h')}...\n`,
    'crlf.yaml': `${component('i')}---\n${component('j')}`.replace(/\n/g, '\r\n'),
  };

  it('finds every entity at the line where its document starts', () => {
    const dir = writeTree(tmpDir(), shapes);
    const { entries, problems } = loadCatalogFiles(['.'], { cwd: dir });
    expect(problems).toEqual([]);
    expect(entries.map(e => e.ref).sort()).toEqual(
      'abcdefghij'.split('').map(n => `component:default/${n}`),
    );
    for (const [file, text] of Object.entries(shapes)) {
      const lines = entries
        .filter(e => e.file === path.join(dir, file))
        .map(e => e.line);
      expect({ file, lines }).toEqual({ file, lines: locatedLines(text) });
    }
  });

  it('ignores Locations, other kinds and documents that are not entities', () => {
    const dir = writeTree(tmpDir(), {
      'all.yaml': 'apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: { name: x }\nspec: { targets: [./a.yaml] }\n---\napiVersion: backstage.io/v1alpha1\nkind: Template\nmetadata: { name: t }\n',
      'contracts/sla.yaml': 'service: risk\nprovides: []\n',
      'notes.yml': '- kind: of a list\n',
      'group.yaml': 'apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: { name: team-a }\nspec: { type: team, children: [] }\n',
    });
    const { entries, problems } = loadCatalogFiles(['.'], { cwd: dir });
    expect(problems).toEqual([]);
    expect(entries.map(e => e.ref)).toEqual(['group:default/team-a']);
  });

  it('reports duplicates and nameless entities as problems', () => {
    const dir = writeTree(tmpDir(), {
      'a.yaml': component('same'),
      'b.yaml': `${component('same')}---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {}\n`,
    });
    const { entries, problems } = loadCatalogFiles(['.'], { cwd: dir });
    expect(entries).toHaveLength(1);
    expect(problems).toEqual([
      expect.objectContaining({
        entity: 'component:default/same',
        file: 'b.yaml',
        message: 'defined twice: also in a.yaml:1; the first definition is used',
      }),
      expect.objectContaining({ file: 'b.yaml', line: 8, path: 'metadata.name' }),
    ]);
  });
});
