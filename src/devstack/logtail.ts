import { open } from 'node:fs/promises';

/** The last `lines` lines of a file (reads at most the last 64 KiB); empty when it can't be read. */
export async function tailFile(path: string, lines = 20): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
    const { size } = await handle.stat();
    const length = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, size - length);
    const all = buf.toString('utf8').split('\n');
    if (all.at(-1) === '') all.pop();
    return all.slice(-lines).join('\n');
  } catch {
    return '';
  } finally {
    await handle?.close();
  }
}
