import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import type { Entity } from '@backstage/catalog-model';
import { stringifyEntityRef } from '@backstage/catalog-model';
import type { ContractSource } from '../types';
import { contractSourcesFromAnnotation } from './annotation';
import { parseEntityContract } from './parseEntityContract';

/** The example catalog of the repository: the essay's initiative. */
const EXAMPLES = path.resolve(__dirname, '../../../../examples');

function yamlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(entry.name) ? [full] : [];
  });
}

/** Entities with a contracts annotation, and the sources behind it (`dir:` and `file:` refs). */
function contractEntities(): Array<{ ref: string; sources: ContractSource[] }> {
  const found: Array<{ ref: string; sources: ContractSource[] }> = [];
  for (const file of yamlFiles(EXAMPLES).filter(
    f => !f.includes(`${path.sep}contracts${path.sep}`),
  )) {
    for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      const entity = doc.toJS() as Entity;
      if (!entity?.kind || !entity.metadata?.annotations) continue;
      const { inline, ref, problems } = contractSourcesFromAnnotation(entity);
      expect(problems).toEqual([]);
      const sources: ContractSource[] = inline ? [inline] : [];
      if (ref) {
        const [type, target] = [
          ref.slice(0, ref.indexOf(':')),
          ref.slice(ref.indexOf(':') + 1),
        ];
        const at = path.resolve(path.dirname(file), target);
        const files = type === 'dir' ? yamlFiles(at).sort() : [at];
        for (const contract of files) {
          sources.push({
            file: path.relative(path.dirname(file), contract),
            text: fs.readFileSync(contract, 'utf8'),
          });
        }
      }
      if (sources.length)
        found.push({ ref: stringifyEntityRef(entity), sources });
    }
  }
  return found;
}

describe('the example catalog', () => {
  const entities = fs.existsSync(EXAMPLES) ? contractEntities() : [];

  it('has contracts', () => {
    expect(entities.length).toBeGreaterThan(0);
  });

  it('parses every contract with no problem', () => {
    for (const { ref, sources } of entities) {
      const { contract, problems } = parseEntityContract(ref, sources);
      expect({ ref, problems }).toEqual({ ref, problems: [] });
      expect(contract.sources).toHaveLength(sources.length);
    }
  });
});
