import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../../src/devstack/paths.js';
import { baseImages, type BaseImages } from './bases.js';
import { mustSucceed, type ContainerTools } from './tools.js';

/** The tag the tests give the image they build. */
export const TEST_IMAGE = 'localhost/alicloud-nodepool-operator:test';

export interface Built {
  image: string;
  bases: BaseImages;
  /** The `buildah bud` alone (the base images are made once and kept). */
  buildSeconds: number;
  baseSeconds: number;
}

/**
 * Builds the repository's Dockerfile as written, with buildah (chroot isolation: the RUN steps run in a chroot
 * of the stage's root file system, on the host's network, so `npm ci` reaches the npm registry), from the local
 * stand-ins of its base images. `--layers` keeps each step as a layer: a later run with the same package.json,
 * lockfile and sources reuses them, as `docker build` does.
 */
export async function buildImage(
  tools: ContainerTools,
  logFile: string,
  report: (l: string) => void,
): Promise<Built> {
  const t0 = Date.now();
  const bases = await baseImages(tools, report);
  const t1 = Date.now();
  const r = await tools.buildah([
    'bud',
    '--isolation',
    'chroot',
    '--layers',
    '--pull-never',
    '--build-arg',
    `BASE=${bases.build}`,
    '--build-arg',
    `RUNTIME_BASE=${bases.runtime}`,
    '--file',
    join(PACKAGE_ROOT, 'Dockerfile'),
    '--tag',
    TEST_IMAGE,
    PACKAGE_ROOT,
  ]);
  await writeFile(logFile, `${r.stdout}\n--- stderr ---\n${r.stderr}`);
  mustSucceed(`buildah bud (log: ${logFile})`, r);
  const buildSeconds = (Date.now() - t1) / 1000;
  // the images of earlier builds (untagged now) go; this build's layers stay as the next one's cache
  mustSucceed('podman image prune', await tools.podman(['image', 'prune', '--force']));
  report(
    `${TEST_IMAGE}: built in ${buildSeconds.toFixed(1)} s (base images ${((t1 - t0) / 1000).toFixed(1)} s)`,
  );
  return { image: TEST_IMAGE, bases, buildSeconds, baseSeconds: (t1 - t0) / 1000 };
}
