import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GOMOD_DIR } from './paths.js';
import {
  VERSIONS,
  cacheKey,
  goIsRecentEnough,
  helmCacheKey,
  helmLdflags,
  kubernetesLdflags,
  parseGoVersion,
} from './versions.js';

describe('pinned versions', () => {
  test('the Go scratch modules require exactly the pinned versions', () => {
    const k8s = readFileSync(join(GOMOD_DIR, 'k8s', 'go.mod'), 'utf8');
    expect(k8s).toContain(`require k8s.io/kubernetes ${VERSIONS.kubernetes}\n`);
    const replaces = [...k8s.matchAll(/^replace (k8s\.io\/\S+) => (k8s\.io\/\S+) (\S+)$/gm)];
    expect(replaces.length).toBe(31);
    for (const [, from, to, version] of replaces) {
      expect(to).toBe(from);
      expect(version).toBe(VERSIONS.kubernetesStaging);
    }
    expect(readFileSync(join(GOMOD_DIR, 'etcd', 'go.mod'), 'utf8')).toMatch(
      new RegExp(`go\\.etcd\\.io/etcd/server/v3 ${VERSIONS.etcd.replace(/\./g, '\\.')}\\b`),
    );
    expect(readFileSync(join(GOMOD_DIR, 'kwok', 'go.mod'), 'utf8')).toMatch(
      new RegExp(`sigs\\.k8s\\.io/kwok ${VERSIONS.kwok.replace(/\./g, '\\.')}\\b`),
    );
  });

  test('helm: the scratch module requires the pinned version; the build stamps the control plane release', () => {
    expect(readFileSync(join(GOMOD_DIR, 'helm', 'go.mod'), 'utf8')).toContain(
      `require helm.sh/helm/v3 ${VERSIONS.helm}\n`,
    );
    const f = helmLdflags();
    for (const pkg of ['helm.sh/helm/v3/pkg/chartutil', 'helm.sh/helm/v3/pkg/lint/rules']) {
      expect(f).toContain(`-X ${pkg}.k8sVersionMajor=1`);
      expect(f).toContain(`-X ${pkg}.k8sVersionMinor=34`);
    }
    expect(helmCacheKey()).toBe(`helm-${VERSIONS.helm}_k8s-${VERSIONS.kubernetes}`);
  });

  test('the staging modules are the release of the same minor and patch', () => {
    expect(VERSIONS.kubernetesStaging.replace(/^v0\./, 'v1.')).toBe(VERSIONS.kubernetes);
  });

  test('the cache key changes with every version', () => {
    expect(cacheKey()).toBe(`k8s-${VERSIONS.kubernetes}_etcd-${VERSIONS.etcd}_kwok-${VERSIONS.kwok}`);
  });

  test('ldflags stamp the release on both version packages', () => {
    const f = kubernetesLdflags('2026-01-02T03:04:05Z');
    for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
      expect(f).toContain(`-X ${pkg}.gitVersion=${VERSIONS.kubernetes}`);
      expect(f).toContain(`-X ${pkg}.gitMajor=1`);
      expect(f).toContain(`-X ${pkg}.gitMinor=34`);
      expect(f).toContain(`-X ${pkg}.gitTreeState=clean`);
      expect(f).toContain(`-X ${pkg}.buildDate=2026-01-02T03:04:05Z`);
    }
  });

  test('go version lines are parsed and judged', () => {
    expect(parseGoVersion('go version go1.26.8 linux/amd64')).toEqual({
      tag: 'go1.26.8',
      major: 1,
      minor: 26,
    });
    expect(parseGoVersion('go version go1.27rc1 linux/amd64')).toMatchObject({ major: 1, minor: 27 });
    expect(parseGoVersion('bash: go: command not found')).toBeUndefined();
    expect(goIsRecentEnough({ major: 1, minor: 26 })).toBe(true);
    expect(goIsRecentEnough({ major: 1, minor: 25 })).toBe(false);
    expect(goIsRecentEnough({ major: 2, minor: 0 })).toBe(true);
  });
});
