import type { VSwitch } from './world.js';

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The usable host addresses of a vSwitch CIDR: the first address and the last three are reserved. */
export function usableRange(cidr: string): { first: number; last: number; size: number } {
  const [base = '0.0.0.0', bitsText = '32'] = cidr.split('/');
  const bits = Number(bitsText);
  const total = 2 ** (32 - bits);
  const start = ipToInt(base);
  const first = start + 1;
  const last = start + total - 4;
  return { first, last, size: Math.max(0, last - first + 1) };
}

/** Private IP allocation per vSwitch. */
export class IpAllocator {
  private readonly used = new Map<string, Set<number>>();
  private readonly cursor = new Map<string, number>();

  /** Marks an address as taken (restoring state). */
  take(vSwitchId: string, ip: string): void {
    let s = this.used.get(vSwitchId);
    if (!s) this.used.set(vSwitchId, (s = new Set()));
    s.add(ipToInt(ip));
  }

  free(vSwitch: VSwitch): number {
    return usableRange(vSwitch.cidrBlock).size - (this.used.get(vSwitch.vSwitchId)?.size ?? 0);
  }

  /** The next free address, or undefined when the vSwitch is full. */
  allocate(vSwitch: VSwitch): string | undefined {
    const r = usableRange(vSwitch.cidrBlock);
    let s = this.used.get(vSwitch.vSwitchId);
    if (!s) this.used.set(vSwitch.vSwitchId, (s = new Set()));
    if (s.size >= r.size) return undefined;
    let n = this.cursor.get(vSwitch.vSwitchId) ?? r.first;
    for (let i = 0; i < r.size; i++) {
      if (n > r.last) n = r.first;
      if (!s.has(n)) {
        s.add(n);
        this.cursor.set(vSwitch.vSwitchId, n + 1);
        return intToIp(n);
      }
      n++;
    }
    return undefined;
  }

  release(vSwitchId: string, ip: string): void {
    this.used.get(vSwitchId)?.delete(ipToInt(ip));
  }
}
