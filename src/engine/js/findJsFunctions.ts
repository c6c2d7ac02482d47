// Finds the functions of a JS/TS source file that can be profiled, with a real parser, so
// the code lens, the quick pick and the loader agree on what can be profiled:
// - top-level bindings: `function f`, `const f = () => …`, `const f = function …`;
// - static class methods: `class Parser { static parse() {} }` → "Parser.parse";
// - members of a top-level object literal: `const api = { get() {} }` → "api.get";
// - CommonJS exports: `module.exports = { dumpYaml: (n) => … }` and
//   `exports.name = function …` → "dumpYaml", "name".
// A member carries `owner`, the module-scope expression that holds it; the loader
// exports that owner and calls the member on it, so `this` is what the code expects.
import { parse, type ParserPlugin } from '@babel/parser';
import type * as t from '@babel/types';
import { extname } from 'node:path';
import { directiveAbove } from '../../shared/directive';
import { Errors, ProfileError } from '../../shared/errors';
import type { FunctionInfo, NonFunctionBinding } from '../../shared/functionInfo';
import { javascript } from '../languages/javascript';

/** The extensions of the JS/TS language (src/engine/languages/javascript.ts). */
export const JS_EXTENSIONS = javascript.extensions;

export interface JsFunctionScan {
  functions: FunctionInfo[];
  others: NonFunctionBinding[];
  /** The file uses import/export syntax (ESM); false means CommonJS or a plain script. */
  isModule: boolean;
}

/** Keys that can be written after a dot, so "owner.key" splits back unambiguously. */
const PLAIN_KEY = /^[A-Za-z_$][\w$]*$/;

export function parserPlugins(file: string): ParserPlugin[] {
  const ext = extname(file).toLowerCase();
  if (ext === '.tsx') return ['typescript', 'jsx'];
  // No jsx for .ts: `<T>value` is a type assertion there, not an element.
  if (ext === '.ts' || ext === '.mts' || ext === '.cts') return ['typescript'];
  return ['jsx'];
}

function parseProgram(source: string, file: string): t.Program {
  try {
    return parse(source, {
      sourceType: 'unambiguous',
      plugins: parserPlugins(file),
      allowAwaitOutsideFunction: true,
      allowReturnOutsideFunction: true,
      allowImportExportEverywhere: false,
    }).program;
  } catch (e) {
    const err = e as Error & { loc?: { line: number; column: number } };
    if (e instanceof RangeError) {
      // Babel parses recursively: thousands of nested brackets exhaust the stack (fuzzing).
      throw new ProfileError('bad-input', `${file} nests too deeply for the JavaScript parser (${err.message}). Simplify the deepest expression and profile again.`);
    }
    if (typeof err?.message !== 'string') throw e;
    // Babel's "(1:5)" suffix and final period: Errors.syntax adds its own punctuation.
    const message = err.message.replace(/\s*\(\d+:\d+\)\s*$/, '').replace(/\.$/, '');
    throw Errors.syntax(file, err.loc?.line ?? 1, (err.loc?.column ?? 0) + 1, message);
  }
}

interface Found {
  name: string;
  /** Where the name is written (for the column). */
  at: t.Node;
  /** What the function spans (for the end line). */
  node: t.Node;
  /** The line of the statement (or member) the lens goes on. */
  line: number;
  isAsync: boolean;
  declaration: string;
  exported: boolean;
  owner?: string;
}

export function findJsFunctions(source: string, file: string): JsFunctionScan {
  const program = parseProgram(source, file);
  const isModule = program.sourceType === 'module';
  const lines = source.split(/\r?\n/);
  const functions = new Map<string, FunctionInfo>();
  const others: NonFunctionBinding[] = [];
  const exportedLater = new Set<string>();
  const overloadLine = new Map<string, number>();

  const add = (f: Found) => {
    if (functions.has(f.name)) return;
    // TS overloads: the lens belongs on the first signature, not the implementation.
    const line = overloadLine.get(f.name) ?? f.line;
    const info: FunctionInfo = {
      name: f.name,
      line,
      column: f.at.loc!.start.column,
      endLine: f.node.loc!.end.line,
      isAsync: f.isAsync,
      declaration: f.declaration,
      exported: f.exported,
    };
    if (f.owner) info.owner = f.owner;
    const directive = directiveAbove(lines, line);
    if (directive) info.directive = directive;
    functions.set(f.name, info);
  };

  /** Function-valued members of an object literal or static members of a class body. */
  const addMembers = (owner: string, members: t.Node[], exported: boolean, prefix: string, staticOnly: boolean) => {
    for (const m of members) {
      const member = memberFunction(m, staticOnly);
      if (!member) {
        // An instance method: named in "needs an instance" errors, never profiled.
        const instance = staticOnly && m.type === 'ClassMethod' && m.kind === 'method' && !m.static ? propertyKey(m.key, m.computed) : undefined;
        if (instance) others.push({ name: prefix + instance, what: 'method that needs an instance', line: m.loc!.start.line });
        continue;
      }
      add({
        name: prefix + member.key,
        at: member.keyNode,
        node: m,
        line: m.loc!.start.line,
        isAsync: member.isAsync,
        declaration: member.declaration,
        exported,
        owner,
      });
    }
  };

  const visitDeclaration = (decl: t.Node, stmt: t.Node, exported: boolean) => {
    switch (decl.type) {
      case 'FunctionDeclaration':
        if (decl.id) add({ name: decl.id.name, at: decl.id, node: decl, line: stmt.loc!.start.line, isAsync: decl.async, declaration: 'function', exported });
        break;
      case 'TSDeclareFunction':
        if (decl.id && !overloadLine.has(decl.id.name)) overloadLine.set(decl.id.name, stmt.loc!.start.line);
        break;
      case 'ClassDeclaration':
        if (decl.id) {
          others.push({ name: decl.id.name, what: 'class', line: stmt.loc!.start.line });
          addMembers(decl.id.name, decl.body.body, exported, `${decl.id.name}.`, true);
        }
        break;
      case 'VariableDeclaration':
        for (const d of decl.declarations) {
          if (d.id.type !== 'Identifier') continue;
          const name = d.id.name;
          const init = d.init ? unwrap(d.init) : undefined;
          if (init?.type === 'ArrowFunctionExpression' || init?.type === 'FunctionExpression') {
            const declaration = init.type === 'ArrowFunctionExpression' ? 'arrow' : 'function-expression';
            add({ name, at: d.id, node: d, line: stmt.loc!.start.line, isAsync: init.async, declaration, exported });
          } else if (init?.type === 'ClassExpression') {
            others.push({ name, what: 'class', line: d.loc!.start.line });
            addMembers(name, init.body.body, exported, `${name}.`, true);
          } else {
            others.push({ name, what: 'variable', line: d.loc!.start.line });
            if (init?.type === 'ObjectExpression') addMembers(name, init.properties, exported, `${name}.`, false);
          }
        }
        break;
    }
  };

  const cjsExports: t.AssignmentExpression[] = [];
  for (const stmt of program.body) {
    if (stmt.type === 'ExportNamedDeclaration') {
      if (stmt.declaration) visitDeclaration(stmt.declaration, stmt, true);
      else if (!stmt.source) {
        for (const s of stmt.specifiers) if (s.type === 'ExportSpecifier') exportedLater.add(s.local.name);
      }
    } else if (stmt.type === 'ExportDefaultDeclaration') {
      visitDeclaration(stmt.declaration, stmt, true);
      if (stmt.declaration.type === 'Identifier') exportedLater.add(stmt.declaration.name);
    } else if (stmt.type === 'ExpressionStatement' && stmt.expression.type === 'AssignmentExpression' && stmt.expression.operator === '=') {
      cjsExports.push(stmt.expression);
    } else {
      visitDeclaration(stmt, stmt, false);
    }
  }
  // CommonJS exports come after the declarations, so a shorthand `{ f }` or
  // `exports.f = f` marks the function f found above instead of adding a second entry.
  if (!isModule) for (const a of cjsExports) visitCommonJsExport(a, add, exportedLater);

  for (const name of exportedLater) {
    const direct = functions.get(name);
    if (direct) direct.exported = true;
    // `module.exports = api` / `export { Parser }`: the members go out with their owner.
    for (const f of functions.values()) if (f.owner === name) f.exported = true;
  }

  return {
    functions: [...functions.values()].sort((a, b) => a.line - b.line || a.column - b.column),
    others,
    isModule,
  };
}

/** `module.exports = {…}`, `module.exports = name`, `exports.x = …`, `module.exports.x = …`. */
function visitCommonJsExport(a: t.AssignmentExpression, add: (f: Found) => void, exportedLater: Set<string>): void {
  const left = a.left;
  const right = unwrap(a.right);
  if (isModuleExports(left)) {
    if (right.type === 'Identifier') exportedLater.add(right.name);
    if (right.type !== 'ObjectExpression') return;
    for (const p of right.properties) {
      // `{ f }` and `{ f: f }` export a function declared above.
      if (p.type === 'ObjectProperty' && p.value.type === 'Identifier' && !p.computed) exportedLater.add(p.value.name);
    }
    const members = right.properties.filter((p) => !(p.type === 'ObjectProperty' && p.value.type === 'Identifier'));
    for (const m of members) {
      const member = memberFunction(m, false);
      if (member) add({ name: member.key, at: member.keyNode, node: m, line: m.loc!.start.line, isAsync: member.isAsync, declaration: member.declaration, exported: true, owner: 'module.exports' });
    }
    return;
  }
  if (left.type !== 'MemberExpression' || !(isModuleExports(left.object) || isIdentifier(left.object, 'exports'))) return;
  const key = propertyKey(left.property, left.computed);
  if (!key) return;
  if (right.type === 'Identifier') {
    exportedLater.add(right.name);
  } else if (right.type === 'ArrowFunctionExpression' || right.type === 'FunctionExpression') {
    const owner = isModuleExports(left.object) ? 'module.exports' : 'exports';
    const declaration = right.type === 'ArrowFunctionExpression' ? 'arrow' : 'function-expression';
    add({ name: key, at: left.property, node: a, line: a.loc!.start.line, isAsync: right.async, declaration, exported: true, owner });
  }
}

interface MemberFunction {
  key: string;
  keyNode: t.Node;
  isAsync: boolean;
  declaration: string;
}

/** A method or a function-valued property with a plain key; getters, setters, private and computed keys are not. */
function memberFunction(m: t.Node, staticOnly: boolean): MemberFunction | undefined {
  if (m.type === 'ObjectMethod' || m.type === 'ClassMethod') {
    if (m.kind !== 'method' || (staticOnly && !(m.type === 'ClassMethod' && m.static))) return undefined;
    const key = propertyKey(m.key, m.computed);
    return key ? { key, keyNode: m.key, isAsync: m.async, declaration: m.type === 'ClassMethod' ? 'static method' : 'method' } : undefined;
  }
  if (m.type === 'ObjectProperty' || m.type === 'ClassProperty') {
    if (staticOnly && !(m.type === 'ClassProperty' && m.static)) return undefined;
    const value = m.value && m.value.type !== 'ArrayPattern' && m.value.type !== 'ObjectPattern' ? unwrap(m.value as t.Expression) : undefined;
    if (value?.type !== 'ArrowFunctionExpression' && value?.type !== 'FunctionExpression') return undefined;
    const key = propertyKey(m.key, m.computed);
    const declaration = m.type === 'ClassProperty' ? 'static property' : value.type === 'ArrowFunctionExpression' ? 'arrow' : 'function-expression';
    return key ? { key, keyNode: m.key, isAsync: value.async, declaration } : undefined;
  }
  return undefined;
}

function propertyKey(key: t.Node, computed: boolean): string | undefined {
  if (key.type === 'Identifier' && !computed) return key.name;
  if (key.type === 'StringLiteral' && PLAIN_KEY.test(key.value)) return key.value;
  return undefined;
}

function isIdentifier(n: t.Node, name: string): boolean {
  return n.type === 'Identifier' && n.name === name;
}

function isModuleExports(n: t.Node): boolean {
  return n.type === 'MemberExpression' && isIdentifier(n.object, 'module') && !n.computed && isIdentifier(n.property, 'exports');
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
