import { z } from 'zod';
import { STUBBED_COMMANDS } from '../../bootstrap/sandbox.js';
import type { LifecycleEvent } from './cloud.js';

/**
 * Machine-level failures of a simulated node, injected per instance:
 * - `bootstrap-fails`: a system command the user data runs (`command`, default `systemctl`) exits non-zero, so
 *   the bootstrap stops at the step that ran it; the instance is Running, its console shows the failed step,
 *   and it never registers — a broken bootstrap on a real machine;
 * - `never-ready`: the node joins and registers, but its kubelet never reports Ready (a runtime or network that
 *   never comes up): the Node stays `Ready=False` as registered.
 * The node simulation (src/sim/nodes) reads them when the instance boots.
 */
export const NODE_FAULT_KINDS = ['bootstrap-fails', 'never-ready'] as const;
export type NodeFaultKind = (typeof NODE_FAULT_KINDS)[number];

/** The ESS tag on every instance a scaling group creates. */
const GROUP_TAG = 'acs:autoscaling:scalingGroupId';

export const nodeFaultSchema = z
  .object({
    kind: z.enum(NODE_FAULT_KINDS),
    /** One instance (it must exist: ids are known once launched). */
    instanceId: z.string().min(1).optional(),
    /** The next `count` instances launched into this scaling group. */
    scalingGroupId: z.string().min(1).optional(),
    /** The next `count` instances launched with this tag (any value when `value` is left out). */
    tag: z
      .object({ key: z.string().min(1), value: z.string().optional() })
      .strict()
      .optional(),
    /** How many launched instances the rule takes (group or tag targets; default 1). */
    count: z.number().int().positive().max(100_000).optional(),
    /** `bootstrap-fails`: the command that fails (default `systemctl`). */
    command: z.enum(STUBBED_COMMANDS).optional(),
    /** `bootstrap-fails`: its exit code (default 1). */
    exitCode: z.number().int().min(1).max(255).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    const targets = [v.instanceId, v.scalingGroupId, v.tag].filter((t) => t !== undefined).length;
    if (targets !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['instanceId'],
        message: 'give exactly one target: instanceId, scalingGroupId or tag',
      });
    }
    if (v.instanceId !== undefined && v.count !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['count'], message: 'only for scalingGroupId or tag targets' });
    }
    if (v.kind !== 'bootstrap-fails') {
      for (const k of ['command', 'exitCode'] as const) {
        if (v[k] !== undefined)
          ctx.addIssue({ code: 'custom', path: [k], message: 'only for kind bootstrap-fails' });
      }
    }
  });
export type NodeFaultInput = z.infer<typeof nodeFaultSchema>;

/** What one instance's machine does wrong. */
export type NodeFault =
  | { kind: 'bootstrap-fails'; command: (typeof STUBBED_COMMANDS)[number]; exitCode: number }
  | { kind: 'never-ready' };

/** A rule waiting for launches (group or tag target). */
export interface NodeFaultRule {
  id: string;
  fault: NodeFault;
  scalingGroupId?: string;
  tag?: { key: string; value?: string };
  /** Launches it still takes. */
  remaining: number;
}

function faultOf(input: NodeFaultInput): NodeFault {
  return input.kind === 'never-ready'
    ? { kind: 'never-ready' }
    : { kind: 'bootstrap-fails', command: input.command ?? 'systemctl', exitCode: input.exitCode ?? 1 };
}

/** The injected node faults: rules that take the next launches, and the faults assigned to instances. */
export class NodeFaults {
  private readonly rules: NodeFaultRule[] = [];
  private readonly assigned = new Map<string, NodeFault>();
  private nextId = 0;

  /**
   * Adds a fault. An `instanceId` target is assigned at once (`exists` says whether the instance does);
   * a group or tag target becomes a rule that takes the next matching launches, oldest rule first.
   */
  add(
    raw: unknown,
    exists: (instanceId: string) => boolean,
  ): { rule?: NodeFaultRule; instanceId?: string; fault: NodeFault } {
    const input = nodeFaultSchema.parse(raw);
    const fault = faultOf(input);
    if (input.instanceId !== undefined) {
      if (!exists(input.instanceId)) throw new NodeFaultTargetError(input.instanceId);
      this.assigned.set(input.instanceId, fault);
      return { instanceId: input.instanceId, fault };
    }
    const rule: NodeFaultRule = {
      id: `nf-${++this.nextId}`,
      fault,
      ...(input.scalingGroupId === undefined ? {} : { scalingGroupId: input.scalingGroupId }),
      ...(input.tag === undefined ? {} : { tag: input.tag }),
      remaining: input.count ?? 1,
    };
    this.rules.push(rule);
    return { rule, fault };
  }

  /** Follows the lifecycle feed: a launch takes the first matching rule; a release forgets the instance. */
  observe(e: LifecycleEvent): void {
    if (e.type === 'released') {
      this.assigned.delete(e.instance.instanceId);
      return;
    }
    if (e.type !== 'launched' || this.assigned.has(e.instance.instanceId)) return;
    const tags = e.instance.tags;
    const rule = this.rules.find(
      (r) =>
        (r.scalingGroupId === undefined ||
          tags.some((t) => t.key === GROUP_TAG && t.value === r.scalingGroupId)) &&
        (r.tag === undefined ||
          tags.some((t) => t.key === r.tag?.key && (r.tag.value === undefined || t.value === r.tag.value))),
    );
    if (!rule) return;
    this.assigned.set(e.instance.instanceId, rule.fault);
    if (--rule.remaining <= 0) this.rules.splice(this.rules.indexOf(rule), 1);
  }

  /** The fault assigned to an instance, if any. */
  forInstance(instanceId: string): NodeFault | undefined {
    return this.assigned.get(instanceId);
  }

  list(): { rules: NodeFaultRule[]; instances: { instanceId: string; fault: NodeFault }[] } {
    return {
      rules: this.rules.map((r) => ({ ...r })),
      instances: [...this.assigned].map(([instanceId, fault]) => ({ instanceId, fault })),
    };
  }

  /** Removes a rule by id, or an instance's fault by instance id. */
  remove(id: string): boolean {
    const i = this.rules.findIndex((r) => r.id === id);
    if (i >= 0) {
      this.rules.splice(i, 1);
      return true;
    }
    return this.assigned.delete(id);
  }

  clear(): void {
    this.rules.length = 0;
    this.assigned.clear();
  }
}

export class NodeFaultTargetError extends Error {
  constructor(readonly instanceId: string) {
    super(`instance ${instanceId} not found`);
  }
}
