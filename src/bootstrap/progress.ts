/**
 * How far a node's bootstrap got, read from what it printed (the rendered scripts log `[nodepool-bootstrap]
 * step NAME: start`, `... done in N ms`, `... FAILED (exit N) after N ms` and `bootstrap finished`; cloud-init
 * sends that to the serial console, which ECS keeps). What the operator reports about a node that never
 * registered.
 */
export type BootstrapProgress =
  | { state: 'silent' }
  | { state: 'failed'; step: string; exitCode: number }
  | { state: 'stuck'; step: string }
  | { state: 'finished'; lastStep?: string };

const LINE =
  /\[nodepool-bootstrap\] (?:step ([\w.-]+): (start|done in \d+ ms|FAILED \(exit (\d+)\))|(bootstrap finished))/g;

export function bootstrapProgress(output: string): BootstrapProgress {
  let last: BootstrapProgress = { state: 'silent' };
  // steps allowed to fail (the script logs and goes on) must not hide a later step
  for (const m of output.matchAll(LINE)) {
    const [, step, what, exit, finished] = m;
    if (finished) last = { state: 'finished', ...(stepOf(last) ? { lastStep: stepOf(last)! } : {}) };
    else if (step && what === 'start') last = { state: 'stuck', step };
    else if (step && what?.startsWith('FAILED')) last = { state: 'failed', step, exitCode: Number(exit) };
    else if (step) last = { state: 'finished', lastStep: step }; // done: provisional until the next line
  }
  // "done" of the last step with no "bootstrap finished" after it: it stopped between steps
  if (last.state === 'finished' && !/\[nodepool-bootstrap\] bootstrap finished/.test(output)) {
    return { state: 'stuck', step: `after ${last.lastStep ?? 'the last step'}` };
  }
  return last;
}

function stepOf(p: BootstrapProgress): string | undefined {
  return p.state === 'failed' || p.state === 'stuck'
    ? p.step
    : p.state === 'finished'
      ? p.lastStep
      : undefined;
}

/** The words an Event or condition uses for it. */
export function describeBootstrap(p: BootstrapProgress): string {
  switch (p.state) {
    case 'silent':
      return 'its console shows no bootstrap output (the user data never ran, or the instance did not boot)';
    case 'failed':
      return `its bootstrap failed at step ${p.step} (exit ${p.exitCode})`;
    case 'stuck':
      return p.step.startsWith('after ')
        ? `its bootstrap stopped ${p.step}`
        : `its bootstrap was still at step ${p.step}`;
    case 'finished':
      return 'its bootstrap finished, but the node never became Ready (kubelet or network)';
  }
}
