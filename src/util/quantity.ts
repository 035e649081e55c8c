/**
 * Kubernetes resource quantities (`resource.Quantity`): a decimal number with an optional binary suffix
 * (Ki Mi Gi Ti Pi Ei), decimal suffix (n u m k M G T P E) or exponent (`1e3`). Parsed to a plain number in
 * the base unit, or `undefined` when the text is not a quantity (the caller names the field).
 */
const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/;

export function parseQuantity(text: string): number | undefined {
  if (text.length > 64) return undefined;
  const m = QUANTITY.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]) * (m[2] ? 10 ** Number(m[2].slice(1)) : (SUFFIX[m[3] ?? ''] ?? 1));
  return Number.isFinite(n) ? n : undefined;
}

/** CPU in millicores (rounded up, as the scheduler does), or undefined. */
export function cpuMillis(text: string): number | undefined {
  const n = parseQuantity(text);
  return n === undefined ? undefined : Math.ceil(Math.round(n * 1e6) / 1e3);
}

/** Memory (or any byte quantity) in MiB, possibly fractional, or undefined. */
export function mebibytes(text: string): number | undefined {
  const n = parseQuantity(text);
  return n === undefined ? undefined : n / 2 ** 20;
}
