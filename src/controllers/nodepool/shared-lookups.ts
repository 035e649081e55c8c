import type { CloudProvider } from '../../cloud/provider.js';

/** The cloud reads a pool's launch is checked with (image, security groups, vSwitches, types): the same for many pools. */
export type LookupCloud = Pick<
  CloudProvider,
  'region' | 'images' | 'latestImage' | 'securityGroups' | 'familyImages' | 'vSwitches' | 'instanceTypes'
>;

/**
 * Answers shared by every pool for a short while: fifty pools created at once with the same image and security
 * groups are one DescribeImages and one DescribeSecurityGroups, not fifty of each. A lookup asked while the same
 * one is under way waits for it; an answer is kept `ttlMs`; a failure is not kept (the next pool asks again).
 */
export class SharedLookups {
  private readonly entries = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  memo<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const t = this.now();
    const e = this.entries.get(key);
    if (e && t - e.at < this.ttlMs) return e.value as Promise<T>;
    const value = fn();
    this.entries.set(key, { at: t, value });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    if (this.entries.size > 1000) this.prune(t);
    return value;
  }

  private prune(t: number): void {
    for (const [k, e] of this.entries) if (t - e.at >= this.ttlMs) this.entries.delete(k);
  }

  /** The cloud's image, security-group, vSwitch and instance-type reads through this memo. */
  cloud(cloud: LookupCloud): LookupCloud {
    const ids = (xs: readonly string[]): string => [...xs].sort().join(',');
    return {
      region: cloud.region,
      images: (xs) => this.memo(`images:${ids(xs)}`, () => cloud.images(xs)),
      latestImage: (family) => this.memo(`latestImage:${family}`, () => cloud.latestImage(family)),
      securityGroups: (xs) => this.memo(`securityGroups:${ids(xs)}`, () => cloud.securityGroups(xs)),
      familyImages: (family) => this.memo(`familyImages:${family}`, () => cloud.familyImages(family)),
      vSwitches: (xs) => this.memo(`vSwitches:${ids(xs)}`, () => cloud.vSwitches(xs)),
      instanceTypes: (xs) => this.memo(`instanceTypes:${ids(xs ?? [])}`, () => cloud.instanceTypes(xs)),
    };
  }
}
