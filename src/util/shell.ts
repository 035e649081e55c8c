/**
 * Quote a string for POSIX shells: plain words stay as they are, anything else is single-quoted (so nothing
 * inside is expanded).
 */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@=+,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
