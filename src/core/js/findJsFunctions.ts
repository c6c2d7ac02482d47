// Finds the top-level functions of a JS/TS source file with a real parser, so the code
// lens, the quick pick and the loader agree on what can be profiled. Only names bound
// at the top level count: those are the ones the bundle can re-export by name.
import { parse, type ParserPlugin } from '@babel/parser';
import type * as t from '@babel/types';
import { extname } from 'node:path';
import { directiveAbove } from '../directive';
import { Errors } from '../errors';
import type { FunctionInfo, NonFunctionBinding } from '../functionInfo';

export const JS_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.jsx', '.tsx'];

export interface JsFunctionScan {
  functions: FunctionInfo[];
  others: NonFunctionBinding[];
  /** The file uses import/export syntax (ESM); false means CommonJS or a plain script. */
  isModule: boolean;
}

export function parserPlugins(file: string): ParserPlugin[] {
  const ext = extname(file).toLowerCase();
  if (ext === '.tsx') return ['typescript', 'jsx'];
  // No jsx for .ts: `<T>value` is a type assertion there, not an element.
  if (ext === '.ts' || ext === '.mts' || ext === '.cts') return ['typescript'];
  return ['jsx'];
}

export function findJsFunctions(source: string, file: string): JsFunctionScan {
  let program: t.Program;
  try {
    program = parse(source, {
      sourceType: 'unambiguous',
      plugins: parserPlugins(file),
      allowAwaitOutsideFunction: true,
      allowReturnOutsideFunction: true,
      allowImportExportEverywhere: false,
    }).program;
  } catch (e) {
    const err = e as Error & { loc?: { line: number; column: number } };
    const message = err.message.replace(/\s*\(\d+:\d+\)\s*$/, '');
    throw Errors.syntax(file, err.loc?.line ?? 1, (err.loc?.column ?? 0) + 1, message);
  }

  const lines = source.split(/\r?\n/);
  const functions = new Map<string, FunctionInfo>();
  const others: NonFunctionBinding[] = [];
  const exportedLater = new Set<string>();
  const overloadLine = new Map<string, number>();

  const addFunction = (
    id: t.Identifier,
    node: t.Node,
    stmt: t.Node,
    isAsync: boolean,
    declaration: string,
    exported: boolean,
  ) => {
    if (functions.has(id.name)) return;
    // TS overloads: the lens belongs on the first signature, not the implementation.
    const line = overloadLine.get(id.name) ?? stmt.loc!.start.line;
    const info: FunctionInfo = {
      name: id.name,
      line,
      column: id.loc!.start.column,
      endLine: node.loc!.end.line,
      isAsync,
      declaration,
      exported,
    };
    const directive = directiveAbove(lines, line);
    if (directive) info.directive = directive;
    functions.set(id.name, info);
  };

  const visitDeclaration = (decl: t.Node, stmt: t.Node, exported: boolean) => {
    switch (decl.type) {
      case 'FunctionDeclaration':
        if (decl.id) addFunction(decl.id, decl, stmt, decl.async, 'function', exported);
        break;
      case 'TSDeclareFunction':
        if (decl.id && !overloadLine.has(decl.id.name)) overloadLine.set(decl.id.name, stmt.loc!.start.line);
        break;
      case 'ClassDeclaration':
        if (decl.id) others.push({ name: decl.id.name, what: 'class', line: stmt.loc!.start.line });
        break;
      case 'VariableDeclaration':
        for (const d of decl.declarations) {
          if (d.id.type !== 'Identifier') continue;
          const init = d.init ? unwrap(d.init) : undefined;
          if (init?.type === 'ArrowFunctionExpression') addFunction(d.id, d, stmt, init.async, 'arrow', exported);
          else if (init?.type === 'FunctionExpression') addFunction(d.id, d, stmt, init.async, 'function-expression', exported);
          else if (init?.type === 'ClassExpression') others.push({ name: d.id.name, what: 'class', line: d.loc!.start.line });
          else others.push({ name: d.id.name, what: 'variable', line: d.loc!.start.line });
        }
        break;
    }
  };

  for (const stmt of program.body) {
    if (stmt.type === 'ExportNamedDeclaration') {
      if (stmt.declaration) visitDeclaration(stmt.declaration, stmt, true);
      else if (!stmt.source) {
        for (const s of stmt.specifiers) if (s.type === 'ExportSpecifier') exportedLater.add(s.local.name);
      }
    } else if (stmt.type === 'ExportDefaultDeclaration') {
      visitDeclaration(stmt.declaration, stmt, true);
      if (stmt.declaration.type === 'Identifier') exportedLater.add(stmt.declaration.name);
    } else {
      visitDeclaration(stmt, stmt, false);
    }
  }
  for (const name of exportedLater) {
    const f = functions.get(name);
    if (f) f.exported = true;
  }

  return {
    functions: [...functions.values()].sort((a, b) => a.line - b.line),
    others,
    isModule: program.sourceType === 'module',
  };
}

/** `(async () => {}) as Handler`, `fn satisfies X`, `(fn)` all still bind a function. */
function unwrap(node: t.Expression): t.Expression {
  let n: t.Expression = node;
  for (;;) {
    if (n.type === 'ParenthesizedExpression' || n.type === 'TSAsExpression' || n.type === 'TSSatisfiesExpression' || n.type === 'TSNonNullExpression' || n.type === 'TSTypeAssertion') {
      n = n.expression;
    } else return n;
  }
}
