export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.__nodepoolDevStack;
  globalThis.__nodepoolDevStack = undefined;
  await stack?.stop({ removeRunDir: true });
}
