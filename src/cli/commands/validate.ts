import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { formatProblem, validateManifestText, type ManifestProblem } from '../../apis/manifests.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Validate manifest files (`-` = stdin); returns the exit code: 0 all valid, 1 otherwise. */
export async function validateFiles(
  files: readonly string[],
  out: (line: string) => void,
  readStdinText: () => Promise<string> = readStdin,
): Promise<number> {
  const problems: ManifestProblem[] = [];
  let objects = 0;
  for (const file of files) {
    let text: string;
    try {
      text = file === '-' ? await readStdinText() : await readFile(file, 'utf8');
    } catch (err) {
      const message =
        typeof err === 'object' && err !== null && 'message' in err ? String(err.message) : String(err);
      problems.push({ file, object: 'file', path: '', message: `cannot read it: ${message}` });
      continue;
    }
    const r = validateManifestText(file === '-' ? '<stdin>' : file, text);
    objects += r.objects;
    problems.push(...r.problems);
  }
  for (const p of problems) out(formatProblem(p));
  if (objects === 0 && problems.length === 0) {
    out('no objects found');
    return 1;
  }
  return problems.length === 0 ? 0 : 1;
}

export function register(program: Command): void {
  program
    .command('validate')
    .description(
      'validate NodePool / ManagedNodePool manifests offline with the same rules the API server enforces (FILE may be - for stdin; multi-document YAML)',
    )
    .argument('<file...>', 'manifest files, or - for standard input')
    .action(async (files: string[]) => {
      process.exitCode = await validateFiles(files, (l) => process.stdout.write(`${l}\n`));
    });
}
