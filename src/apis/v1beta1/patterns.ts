/**
 * Regular expressions shared by the zod schemas (JavaScript RegExp) and the CRD (`pattern`, CEL `matches()`,
 * both RE2). Only syntax both engines read the same way: no lookaround, no backreferences, no inline flags.
 */
export const P = {
  region: '^[a-z]{2,}-[a-z0-9-]+$',
  vpcId: '^vpc-[a-z0-9]+$',
  vSwitchId: '^vsw-[a-z0-9]+$',
  securityGroupId: '^sg-[a-z0-9]+$',
  imageId: '^m-[a-z0-9]+$',
  deploymentSetId: '^ds-[a-z0-9]+$',
  resourceGroupId: '^rg-[a-z0-9]+$',
  instanceId: '^i-[a-z0-9]+$',
  privatePoolId: '^eap-[a-z0-9]+$',
  kmsKeyId: '^[A-Za-z0-9-]+$',
  snapshotId: '^s-[a-z0-9]+$',
  instanceType: '^ecs\\.[a-z0-9-]+\\.[a-z0-9-]+$',
  keyPairName: '^[A-Za-z][A-Za-z0-9._:-]*$',
  ramRoleName: '^[A-Za-z0-9.-]+$',
  /** a Kubernetes object name (DNS subdomain) */
  objectName: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
  /** a Secret / ConfigMap data key */
  dataKey: '^[-._a-zA-Z0-9]+$',
  /** a label (or taint) key: optional DNS-subdomain prefix and "/", then a name of 1-63 characters */
  labelKey:
    '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$',
  labelValue: '^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$',
  /** a label key whose prefix is kubernetes.io / k8s.io or one of their subdomains */
  reservedLabelPrefix: '^([^/]*\\.)?(kubernetes\\.io|k8s\\.io)/',
  /** ... except these, which the kubelet may set on its own Node */
  allowedLabelPrefix: '^([^/]*\\.)?(kubelet|node)\\.kubernetes\\.io/',
  /** ECS tags: keys and values may not start with aliyun or acs: (any case) */
  reservedTagStart: '^([aA][lL][iI][yY][uU][nN]|[aA][cC][sS]:)',
  tagUrl: '[hH][tT][tT][pP][sS]?://',
  nodeNamePart: '^[a-z]([a-z0-9.-]*[a-z0-9])?$',
  /** a Go duration: 90s, 15m, 1h30m */
  duration: '^([0-9]{1,6}(ms|s|m|h))+$',
  /** a resource quantity: 100m, 512Mi, 1.5Gi, 2 */
  quantity: '^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$',
  /** an eviction threshold: a quantity or a percentage */
  threshold: '^([0-9]+(\\.[0-9]+)?(k|M|G|T|Ki|Mi|Gi|Ti)?|([0-9]{1,2}(\\.[0-9]+)?|100)%)$',
  percent: '^([0-9]{1,2}|100)%$',
  /** money with up to 4 decimals, e.g. "0.50" */
  price: '^[0-9]{1,5}(\\.[0-9]{1,4})?$',
  semver: '^[0-9]+\\.[0-9]+\\.[0-9]+$',
  kubeVersion: '^1\\.[0-9]{1,2}\\.[0-9]{1,3}$',
  https: '^https?://[^\\s]+$',
  sha256: '^[0-9a-f]{64}$',
  sysctl: '^[a-z0-9_]+(\\.[a-z0-9_*-]+)+$',
  hhmm: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
  timeZone: '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$',
} as const;

/** The RegExp of a pattern. */
export function re(p: string): RegExp {
  return new RegExp(p);
}
