import { createHash } from 'node:crypto';
import type { InstanceMetadata } from '../../bootstrap/sandbox.js';
import type { NodeConfig } from './node-config.js';

/** What running an instance's user data produced: the configured node, or where it failed; its console. */
export interface ScriptOutcome {
  config?: NodeConfig;
  error?: { message: string; lastStep: string };
  /** The arguments of `kubeadm join` (External mode), empty otherwise. */
  joinArgs: string[];
  /** The cloud-init output (the serial console). */
  log: string;
}

/** What makes two boots run the same script in the same place (everything but the per-instance identity). */
export interface BootShape {
  script: string;
  metadata: InstanceMetadata;
  disks: readonly { name: string; system?: boolean }[];
  installed: Record<string, string | undefined>;
  http: Record<string, string>;
}

/** The metadata values that differ per instance and that a script copies into what it writes. */
const PER_INSTANCE = ['instanceId', 'privateIp'] as const;
type PerInstance = Pick<InstanceMetadata, (typeof PER_INSTANCE)[number]>;

const MARK = '\u0001';

function valuePattern(key: (typeof PER_INSTANCE)[number], value: string): RegExp {
  const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // an IP must not be part of a longer number (10.0.0.1 inside 10.0.0.10); an id not part of a longer id
  return key === 'privateIp'
    ? new RegExp(`(?<![0-9])${escaped}(?![0-9])`, 'g')
    : new RegExp(`(?<![A-Za-z0-9-])${escaped}(?![A-Za-z0-9-])`, 'g');
}

/** The outcome with each per-instance value replaced by a placeholder. */
export function templatize(text: string, m: PerInstance): string {
  let out = text;
  for (const key of PER_INSTANCE) out = out.replace(valuePattern(key, m[key]), `${MARK}${key}${MARK}`);
  return out;
}

export function instantiate(template: string, m: PerInstance): string {
  let out = template;
  for (const key of PER_INSTANCE) out = out.split(`${MARK}${key}${MARK}`).join(m[key]);
  return out;
}

/** The part of an outcome that must be identical (the console's step timings are not). */
function comparable(o: ScriptOutcome): string {
  return JSON.stringify({ config: o.config ?? null, error: o.error ?? null, joinArgs: o.joinArgs });
}

type Entry =
  /** `template`: the comparable part, to check the next instance; `replay`: the whole outcome, console included. */
  | { state: 'seen'; first: PerInstance; template: string; replay: string }
  | { state: 'verified'; replay: string }
  | { state: 'uncacheable' };

export interface BootCacheStats {
  /** Boots answered from a verified template, without running the script. */
  hits: number;
  /** Boots that ran the script. */
  runs: number;
  /** Scripts whose template was confirmed by a second instance. */
  verified: number;
  /** Scripts whose output did not follow the template (they always run). */
  uncacheable: number;
}

/**
 * Caches what a boot script produces, per script and placement (zone, type, disks, what the image has), as a
 * template over the per-instance values (instance id, private IP). A template is used only after a second
 * instance ran the script and produced exactly what the template predicted for it; a script whose output
 * does not follow its metadata that way (randomness, time, a transformed id) is marked uncacheable and always
 * runs. So a cached Node carries exactly what the script would have configured.
 */
const digest = (s: string) => createHash('sha256').update(s).digest('hex');

export class BootCache {
  private readonly entries = new Map<string, Entry>();
  readonly stats: BootCacheStats = { hits: 0, runs: 0, verified: 0, uncacheable: 0 };

  /** Digests of the scripts seen (a pool's instances share one user data string: hash it once). */
  private readonly scriptDigests = new Map<string, string>();

  static keyOf(shape: BootShape, scriptDigest = digest(shape.script)): string {
    const { instanceId: _i, privateIp: _p, ...placement } = shape.metadata;
    return digest(JSON.stringify([scriptDigest, placement, shape.disks, shape.installed, shape.http]));
  }

  private keyOf(shape: BootShape): string {
    let d = this.scriptDigests.get(shape.script);
    if (d === undefined) {
      if (this.scriptDigests.size >= 256) this.scriptDigests.clear();
      d = digest(shape.script);
      this.scriptDigests.set(shape.script, d);
    }
    return BootCache.keyOf(shape, d);
  }

  async outcome(shape: BootShape, run: () => Promise<ScriptOutcome>): Promise<ScriptOutcome> {
    const key = this.keyOf(shape);
    const m: PerInstance = { instanceId: shape.metadata.instanceId, privateIp: shape.metadata.privateIp };
    const entry = this.entries.get(key);
    if (entry?.state === 'verified') {
      this.stats.hits++;
      return JSON.parse(instantiate(entry.replay, m)) as ScriptOutcome;
    }
    this.stats.runs++;
    const result = await run();
    const now = this.entries.get(key);
    if (now?.state === 'uncacheable' || now?.state === 'verified') return result;
    if (!now) {
      this.entries.set(key, {
        state: 'seen',
        first: m,
        template: templatize(comparable(result), m),
        replay: templatize(JSON.stringify(result), m),
      });
    } else if (now.first.instanceId !== m.instanceId && now.first.privateIp !== m.privateIp) {
      if (instantiate(now.template, m) === comparable(result)) {
        this.entries.set(key, { state: 'verified', replay: now.replay });
        this.stats.verified++;
      } else {
        this.entries.set(key, { state: 'uncacheable' });
        this.stats.uncacheable++;
      }
    }
    return result;
  }
}
