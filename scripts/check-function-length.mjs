#!/usr/bin/env node
// Lists every function, method and arrow function longer than the limit (default 80 lines, first line to
// last line of the declaration) in the controllers and the operator, tests excluded: the "no controller
// function over 80 lines" rule of the developers' guide. Prints `file:line  length  name`, one a line, and
// exits 1 when there is any.
//
//   node scripts/check-function-length.mjs [--max N] [dir-or-file ...]   (default: src/controllers src/operator)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

const DEFAULT_ROOTS = ['src/controllers', 'src/operator'];
const DEFAULT_MAX = 80;

function parseArgs(argv) {
  let max = DEFAULT_MAX;
  const roots = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--max') {
      max = Number(argv[++i]);
      if (!Number.isInteger(max) || max < 1)
        throw new Error(`--max: a positive whole number, not ${argv[i]}`);
    } else if (a.startsWith('-')) throw new Error(`unknown option ${a} (known: --max N)`);
    else roots.push(a);
  }
  return { max, roots: roots.length > 0 ? roots : DEFAULT_ROOTS };
}

const isSource = (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts');

function sourceFiles(root) {
  if (statSync(root).isFile()) return isSource(root) ? [root] : [];
  return readdirSync(root, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const p = join(root, e.name);
      if (e.isDirectory()) return sourceFiles(p);
      return e.isFile() && isSource(p) ? [p] : [];
    });
}

const FUNCTION_KINDS = new Set([
  ts.SyntaxKind.FunctionDeclaration,
  ts.SyntaxKind.FunctionExpression,
  ts.SyntaxKind.ArrowFunction,
  ts.SyntaxKind.MethodDeclaration,
  ts.SyntaxKind.Constructor,
  ts.SyntaxKind.GetAccessor,
  ts.SyntaxKind.SetAccessor,
]);

/** The function's own name, else the name it is bound to (`const f = () => …`, `{ f: () => … }`). */
function nameOf(node, src) {
  if (node.kind === ts.SyntaxKind.Constructor) return 'constructor';
  if (node.name) return node.name.getText(src);
  const p = node.parent;
  if (p && (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)))
    return p.name.getText(src);
  if (p && ts.isCallExpression(p)) return `(argument of ${p.expression.getText(src).slice(0, 40)})`;
  return '(anonymous)';
}

/** Functions of one file longer than `max` lines: { line, length, name }. */
export function longFunctions(fileName, text, max) {
  const src = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    if (FUNCTION_KINDS.has(node.kind) && node.body) {
      const first = src.getLineAndCharacterOfPosition(node.getStart(src)).line;
      const last = src.getLineAndCharacterOfPosition(node.getEnd()).line;
      const length = last - first + 1;
      if (length > max) found.push({ line: first + 1, length, name: nameOf(node, src) });
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return found;
}

function main() {
  const { max, roots } = parseArgs(process.argv.slice(2));
  let count = 0;
  for (const file of roots.flatMap(sourceFiles)) {
    for (const f of longFunctions(file, readFileSync(file, 'utf8'), max)) {
      console.log(`${relative(process.cwd(), file)}:${f.line}  ${f.length} lines  ${f.name}`);
      count++;
    }
  }
  if (count > 0) {
    console.error(`${count} function(s) over ${max} lines`);
    process.exitCode = 1;
  } else console.log(`no function over ${max} lines in ${roots.join(', ')}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main();
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 2;
  }
}
