/*
 * TypeScript and JavaScript, read with the TypeScript compiler API (one syntax tree per file,
 * no type checker: a 5,000-file repository parses in seconds, and a program would need its
 * tsconfig and dependencies). Constants are followed within the file and through relative
 * imports (`project.ts`); `resolver.ts` says what an expression stands for (a duration, the
 * service a call goes to), `walker.ts` holds the detectors, `syntax.ts` the compiler and the
 * syntax helpers they share.
 */
import type { DiscoveredFact, SourceFile } from '../core';
import { TsProject } from './project';
import { compiler } from './syntax';
import { FileWalker } from './walker';

export { TsProject } from './project';

/** Facts of every TypeScript / JavaScript file of a project. */
export function extractTypeScript(files: SourceFile[]): DiscoveredFact[] {
  if (!files.length) return [];
  compiler();
  const project = new TsProject(files);
  const facts: DiscoveredFact[] = [];
  for (const mod of project.files)
    facts.push(...new FileWalker(project, mod).run());
  return facts;
}
