import { invalidParameter, missingParameter } from './errors.js';

/**
 * The flat RPC parameters of one call (query string and form body merged), with typed readers that reject bad
 * values the way the real API does: the error names the parameter and the rule.
 * Lists arrive as `X.1`, `X.2`…; lists of structs as `X.1.Field`; structs as `X.Field`.
 */
export class Params {
  readonly raw: ReadonlyMap<string, string>;

  constructor(entries: Iterable<[string, string]>) {
    this.raw = new Map(entries);
  }

  has(name: string): boolean {
    const v = this.raw.get(name);
    return v !== undefined && v !== '';
  }

  str(name: string): string | undefined {
    const v = this.raw.get(name);
    return v === undefined || v === '' ? undefined : v;
  }

  required(name: string): string {
    const v = this.str(name);
    if (v === undefined) throw missingParameter(name);
    return v;
  }

  /** A string of at most `max` characters (and at least `min`), matching `pattern` when given. */
  text(
    name: string,
    rule: { min?: number; max: number; pattern?: RegExp; patternRule?: string },
  ): string | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    if (v.length > rule.max || v.length < (rule.min ?? 0)) {
      throw invalidParameter(name, `length must be ${rule.min ?? 0} to ${rule.max} characters`);
    }
    if (rule.pattern && !rule.pattern.test(v)) throw invalidParameter(name, rule.patternRule ?? 'bad format');
    return v;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    const hit = allowed.find((a) => a === v);
    if (hit === undefined) throw invalidParameter(name, `must be one of ${allowed.join(', ')}`);
    return hit;
  }

  int(name: string, range: { min?: number; max?: number } = {}): number | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    const n = /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
    const min = range.min ?? Number.MIN_SAFE_INTEGER;
    const max = range.max ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw invalidParameter(
        name,
        range.min !== undefined && range.max !== undefined
          ? `must be an integer from ${range.min} to ${range.max}`
          : range.min !== undefined
            ? `must be an integer of at least ${range.min}`
            : 'must be an integer',
      );
    }
    return n;
  }

  num(name: string, range: { min?: number; max?: number } = {}): number | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < (range.min ?? -Infinity) || n > (range.max ?? Infinity)) {
      throw invalidParameter(name, 'must be a number in range');
    }
    return n;
  }

  bool(name: string): boolean | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    const l = v.toLowerCase();
    if (l === 'true') return true;
    if (l === 'false') return false;
    throw invalidParameter(name, 'must be true or false');
  }

  /** `X.1`, `X.2`, … in index order (gaps allowed), at most `max` items. */
  list(name: string, max = 100): string[] {
    const found: [number, string][] = [];
    const prefix = `${name}.`;
    for (const [k, v] of this.raw) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length);
      if (!/^\d+$/.test(rest)) continue;
      if (v === '') continue;
      found.push([Number(rest), v]);
    }
    if (found.length > max) throw invalidParameter(name, `at most ${max} items`);
    found.sort((a, b) => a[0] - b[0]);
    return found.map(([, v]) => v);
  }

  /** `X.1.Field`, `X.2.Field`, … as objects in index order, at most `max` items. */
  structList(name: string, max = 100): Record<string, string>[] {
    const byIndex = new Map<number, Record<string, string>>();
    const prefix = `${name}.`;
    for (const [k, v] of this.raw) {
      if (!k.startsWith(prefix)) continue;
      const m = /^(\d+)\.(.+)$/.exec(k.slice(prefix.length));
      if (!m?.[1] || !m[2]) continue;
      const idx = Number(m[1]);
      let o = byIndex.get(idx);
      if (!o) byIndex.set(idx, (o = {}));
      o[m[2]] = v;
    }
    if (byIndex.size > max) throw invalidParameter(name, `at most ${max} items`);
    return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, o]) => o);
  }

  /** `X.Field` as one object. */
  struct(name: string): Record<string, string> {
    const o: Record<string, string> = {};
    const prefix = `${name}.`;
    for (const [k, v] of this.raw) if (k.startsWith(prefix)) o[k.slice(prefix.length)] = v;
    return o;
  }

  /** A parameter that carries a JSON array of strings (e.g. DescribeInstances `InstanceIds`). */
  jsonStringArray(name: string, max: number): string[] | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      throw invalidParameter(name, 'must be a JSON array of strings');
    }
    if (!Array.isArray(parsed) || !parsed.every((x): x is string => typeof x === 'string')) {
      throw invalidParameter(name, 'must be a JSON array of strings');
    }
    if (parsed.length > max) throw invalidParameter(name, `at most ${max} items`);
    return parsed;
  }
}
