import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../../src/devstack/paths.js';
import { baseImages, type BaseImages } from './bases.js';
import { mustSucceed, type ContainerTools } from './tools.js';

/** The tag the tests give the image they build. */
export const TEST_IMAGE = 'localhost/alicloud-nodepool-operator:test';
/** The tag the build stage gets, so that its layers are kept as the next build's cache. */
const BUILD_STAGE = 'localhost/alicloud-nodepool-operator:test-build-stage';

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
  const bud = (target: string[], tag: string) =>
    tools.buildah([
      'bud',
      '--isolation',
      'chroot',
      '--layers',
      '--pull-never',
      '--build-arg',
      `BASE=${bases.build}`,
      '--build-arg',
      `RUNTIME_BASE=${bases.runtime}`,
      ...target,
      '--file',
      join(PACKAGE_ROOT, 'Dockerfile'),
      '--tag',
      tag,
      PACKAGE_ROOT,
    ]);
  // The build stage first, tagged: the final image does not descend from it, so untagged its layers (npm ci's
  // above all) would count as dangling and go with the prune below. The whole build then reuses them.
  const stage = await bud(['--target', 'build'], BUILD_STAGE);
  const r = stage.code === 0 ? await bud([], TEST_IMAGE) : stage;
  await writeFile(
    logFile,
    `${stage.stdout}\n${r === stage ? '' : r.stdout}\n--- stderr ---\n${stage.stderr}\n${r === stage ? '' : r.stderr}`,
  );
  mustSucceed(`buildah bud (log: ${logFile})`, r);
  const buildSeconds = (Date.now() - t1) / 1000;
  // the images of earlier builds (untagged now) go; this build's layers stay as the next one's cache
  mustSucceed('podman image prune', await tools.podman(['image', 'prune', '--force']));
  report(
    `${TEST_IMAGE}: built in ${buildSeconds.toFixed(1)} s (base images ${((t1 - t0) / 1000).toFixed(1)} s)`,
  );
  return { image: TEST_IMAGE, bases, buildSeconds, baseSeconds: (t1 - t0) / 1000 };
}
