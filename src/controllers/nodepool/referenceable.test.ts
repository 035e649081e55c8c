import { describe, expect, test } from '@jest/globals';
import { REFERENCEABLE_LABEL, referenceable, refusedMessage } from './referenceable.js';

const labelled = { [REFERENCEABLE_LABEL]: 'true' };
const policy = { credentialsSecret: 'alicloud-nodepool-operator-credentials' };

describe('which objects a pool may reference', () => {
  test.each([
    ['a labelled Secret', 'Secret', { name: 'user-data', labels: labelled, type: 'Opaque' }, true],
    ['a labelled ConfigMap', 'ConfigMap', { name: 'user-data', labels: labelled }, true],
    ['an unlabelled Secret', 'Secret', { name: 'user-data', type: 'Opaque' }, false],
    ['an unlabelled ConfigMap', 'ConfigMap', { name: 'user-data' }, false],
    [
      'a label set to something else',
      'Secret',
      { name: 'user-data', labels: { [REFERENCEABLE_LABEL]: 'yes' } },
      false,
    ],
    ['a missing object', 'Secret', undefined, false],
    [
      "the operator's credentials, labelled",
      'Secret',
      { name: policy.credentialsSecret, labels: labelled, type: 'Opaque' },
      false,
    ],
    [
      'a bootstrap token, labelled',
      'Secret',
      { name: 'bootstrap-token-abcdef', labels: labelled, type: 'bootstrap.kubernetes.io/token' },
      false,
    ],
    [
      'a bootstrap token type under another name',
      'Secret',
      { name: 'x', labels: labelled, type: 'bootstrap.kubernetes.io/token' },
      false,
    ],
    [
      'an Opaque Secret named like a token',
      'Secret',
      { name: 'bootstrap-token-abcdef', labels: labelled, type: 'Opaque' },
      false,
    ],
    [
      'a service account token',
      'Secret',
      { name: 'sa', labels: labelled, type: 'kubernetes.io/service-account-token' },
      false,
    ],
    [
      'a Helm release',
      'Secret',
      { name: 'sh.helm.release.v1.x.v1', labels: labelled, type: 'helm.sh/release.v1' },
      false,
    ],
    [
      'a ConfigMap named like the credentials Secret',
      'ConfigMap',
      { name: policy.credentialsSecret, labels: labelled },
      true,
    ],
  ] as const)('%s: %s', (_, kind, obj, allowed) => {
    expect(referenceable(kind, obj, policy)).toBe(allowed);
  });

  test('the refusal names the field, the object and the fix, and is the same whatever the reason', () => {
    const m = refusedMessage('spec.userDataFrom.secretKeyRef', 'Secret', 'kube-system', 'x');
    expect(m).toContain('spec.userDataFrom.secretKeyRef: Secret kube-system/x cannot be referenced');
    expect(m).toContain(`${REFERENCEABLE_LABEL}=true`);
    expect(m).not.toMatch(/exist/);
  });
});
