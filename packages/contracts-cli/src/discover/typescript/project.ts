/*
 * The TypeScript / JavaScript files of a scan, parsed once, and the constants they declare,
 * followed within a file and through relative imports.
 */
import type * as TS from 'typescript';
import type { SourceFile } from '../core';
import { line, ts } from './syntax';

/** A relative import's module, for constants. */
export interface ModuleConstants {
  /** name → value text node and where */
  values: Map<string, { node: TS.Expression; line: number }>;
  /** local name → imported module path (resolved) and imported name */
  imports: Map<string, { from: string; name: string }>;
  file: TS.SourceFile;
  path: string;
}

/** The files of the scan, parsed once; constants resolved across relative imports. */
export class TsProject {
  private readonly modules = new Map<string, ModuleConstants>();

  constructor(files: SourceFile[]) {
    for (const f of files) this.modules.set(f.path, this.read(f));
  }

  get files(): ModuleConstants[] {
    return [...this.modules.values()];
  }

  private read(f: SourceFile): ModuleConstants {
    let kind = ts.ScriptKind.TS;
    if (/\.(?:tsx|jsx)$/.test(f.path)) kind = ts.ScriptKind.TSX;
    else if (/\.(?:js|mjs|cjs)$/.test(f.path)) kind = ts.ScriptKind.JS;
    const file = ts.createSourceFile(
      f.path,
      f.text,
      ts.ScriptTarget.Latest,
      true,
      kind,
    );
    const values = new Map<string, { node: TS.Expression; line: number }>();
    const imports = new Map<string, { from: string; name: string }>();
    for (const statement of file.statements) {
      if (ts.isVariableStatement(statement)) {
        if (!(statement.declarationList.flags & ts.NodeFlags.Const)) continue;
        for (const d of statement.declarationList.declarations) {
          if (ts.isIdentifier(d.name) && d.initializer) {
            values.set(d.name.text, {
              node: d.initializer,
              line: line(file, d.name),
            });
          }
        }
      } else if (
        ts.isImportDeclaration(statement) &&
        ts.isStringLiteral(statement.moduleSpecifier) &&
        statement.moduleSpecifier.text.startsWith('.') &&
        statement.importClause?.namedBindings &&
        ts.isNamedImports(statement.importClause.namedBindings)
      ) {
        const from = resolveModule(f.path, statement.moduleSpecifier.text);
        for (const el of statement.importClause.namedBindings.elements) {
          imports.set(el.name.text, {
            from,
            name: (el.propertyName ?? el.name).text,
          });
        }
      }
    }
    return { values, imports, file, path: f.path };
  }

  /** The module at a path without extension, as an import names it. */
  module(base: string): ModuleConstants | undefined {
    for (const ext of [
      '',
      '.ts',
      '.tsx',
      '.js',
      '.mjs',
      '.cjs',
      '.jsx',
      '/index.ts',
      '/index.js',
    ]) {
      const m = this.modules.get(base + ext);
      if (m) return m;
    }
    return undefined;
  }

  /** The constant an identifier names, in its file or through a relative import. */
  constant(
    mod: ModuleConstants,
    name: string,
    depth = 0,
  ): { node: TS.Expression; mod: ModuleConstants; line: number } | undefined {
    if (depth > 4) return undefined;
    const local = mod.values.get(name);
    if (local) return { ...local, mod };
    const imported = mod.imports.get(name);
    if (imported) {
      const target = this.module(imported.from.replace(/\.(?:js|ts)$/, ''));
      if (target) return this.constant(target, imported.name, depth + 1);
    }
    return undefined;
  }
}

function resolveModule(from: string, spec: string): string {
  const parts = from.split('/').slice(0, -1);
  for (const seg of spec.split('/')) {
    if (seg === '.' || seg === '') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.join('/');
}
