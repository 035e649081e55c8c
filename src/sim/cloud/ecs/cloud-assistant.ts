import { randomBytes } from 'node:crypto';
import { ecsTime } from '../clock.js';
import type { Cloud } from '../cloud.js';
import { ApiError, missingParameter } from '../errors.js';
import type { Params } from '../params.js';
import type { ApiBody, Call } from '../server.js';

/** What a simulated command run returns; rules match on the decoded command text. */
export interface CommandResult {
  exitCode: number;
  output: string;
  /** Simulated seconds the command runs. */
  durationS: number;
}

export interface CommandResultRule {
  /** The rule applies when the command text contains this (empty: every command). */
  contains: string;
  result: CommandResult;
}

interface Command {
  commandId: string;
  name: string;
  type: string;
  content: string;
  regionId: string;
  creationTime: number;
}

interface InvocationTarget {
  instanceId: string;
  status: 'Pending' | 'Running' | 'Success' | 'Failed';
  output: string;
  exitCode?: number;
  startTime: number;
  finishTime?: number;
}

interface Invocation {
  invokeId: string;
  commandId: string;
  regionId: string;
  creationTime: number;
  targets: InvocationTarget[];
}

/** Cloud Assistant: commands recorded, invocations run on Running instances with configurable results. */
export class CloudAssistant {
  readonly commands = new Map<string, Command>();
  readonly invocations = new Map<string, Invocation>();
  readonly rules: CommandResultRule[] = [];

  constructor(private readonly cloud: Cloud) {}

  resultFor(content: string): CommandResult {
    const rule = [...this.rules].reverse().find((r) => content.includes(r.contains));
    return rule?.result ?? { exitCode: 0, output: '', durationS: 2 };
  }

  private readContent(p: Params): string {
    const raw = p.required('CommandContent');
    const encoding = p.oneOf('ContentEncoding', ['PlainText', 'Base64'] as const) ?? 'Base64';
    if (encoding === 'PlainText') return raw;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(raw)) {
      throw new ApiError(
        'InvalidCommandContent.Malformed',
        'The specified parameter "CommandContent" is not valid Base64.',
      );
    }
    const text = Buffer.from(raw, 'base64').toString('utf8');
    if (Buffer.byteLength(text) > 18 * 1024)
      throw new ApiError('InvalidCommandContent.LengthLimitExceeded', 'The command content exceeds 18 KB.');
    return text;
  }

  private newCommand(p: Params, regionId: string): Command {
    const type = p.oneOf('Type', ['RunShellScript', 'RunBatScript', 'RunPowerShellScript'] as const);
    if (type === undefined) throw missingParameter('Type');
    const content = this.readContent(p);
    const c: Command = {
      commandId: `c-hz${randomBytes(9).toString('hex')}`,
      name: p.text('Name', { max: 128 }) ?? 'sim-command',
      type,
      content,
      regionId,
      creationTime: this.cloud.clock.now(),
    };
    this.commands.set(c.commandId, c);
    return c;
  }

  private invoke(c: Command, instanceIds: string[]): Invocation {
    if (instanceIds.length === 0) throw missingParameter('InstanceId.N');
    const instances = instanceIds.map((id) => this.cloud.instance(c.regionId, id));
    for (const i of instances) {
      if (i.status !== 'Running') {
        throw new ApiError(
          'InstanceIds.NotRunning',
          `The instance ${i.instanceId} is ${i.status}; commands run on Running instances.`,
          403,
        );
      }
    }
    const now = this.cloud.clock.now();
    const inv: Invocation = {
      invokeId: `t-hz${randomBytes(9).toString('hex')}`,
      commandId: c.commandId,
      regionId: c.regionId,
      creationTime: now,
      targets: instances.map((i) => ({
        instanceId: i.instanceId,
        status: 'Running',
        output: '',
        startTime: now,
      })),
    };
    this.invocations.set(inv.invokeId, inv);
    const result = this.resultFor(c.content);
    for (const t of inv.targets) {
      const inst = this.cloud.instances.get(t.instanceId);
      if (inst?.failed) continue; // an instance that stopped responding never reports back
      this.cloud.clock.after(result.durationS * 1000, () => {
        t.status = result.exitCode === 0 ? 'Success' : 'Failed';
        t.exitCode = result.exitCode;
        t.output = result.output;
        t.finishTime = this.cloud.clock.now();
      });
    }
    return inv;
  }

  runCommand(call: Call): ApiBody {
    const p = call.params;
    const region = this.cloud.region(p.str('RegionId'));
    const c = this.newCommand(p, region.regionId);
    const inv = this.invoke(c, p.list('InstanceId', 100));
    return { CommandId: c.commandId, InvokeId: inv.invokeId };
  }

  createCommand(call: Call): ApiBody {
    const p = call.params;
    const region = this.cloud.region(p.str('RegionId'));
    p.required('Name');
    return { CommandId: this.newCommand(p, region.regionId).commandId };
  }

  invokeCommand(call: Call): ApiBody {
    const p = call.params;
    this.cloud.region(p.str('RegionId'));
    const id = p.required('CommandId');
    const c = this.commands.get(id);
    if (!c)
      throw new ApiError('InvalidCommandId.NotFound', `The specified command "${id}" does not exist.`, 404);
    return { InvokeId: this.invoke(c, p.list('InstanceId', 100)).invokeId };
  }

  describeInvocations(call: Call): ApiBody {
    const p = call.params;
    const region = this.cloud.region(p.str('RegionId'));
    const invokeId = p.str('InvokeId');
    const commandId = p.str('CommandId');
    const instanceId = p.str('InstanceId');
    const includeOutput = p.bool('IncludeOutput') ?? false;
    // ContentEncoding says how CommandContent and Output come back: Base64 (default) or PlainText (ECS API
    // reference and the ecs20140526 SDK model DescribeInvocationsRequest.ContentEncoding).
    const plain = (p.oneOf('ContentEncoding', ['PlainText', 'Base64'] as const) ?? 'Base64') === 'PlainText';
    const encode = (text: string): string => (plain ? text : Buffer.from(text).toString('base64'));
    const status = p.str('InvokeStatus');
    const pageSize = p.int('PageSize', { min: 1, max: 50 }) ?? 10;
    const pageNumber = p.int('PageNumber', { min: 1 }) ?? 1;
    const overall = (inv: Invocation): string => {
      const s = inv.targets.map((t) => t.status);
      if (s.some((x) => x === 'Running' || x === 'Pending')) return 'Running';
      if (s.every((x) => x === 'Success')) return 'Success';
      return s.some((x) => x === 'Success') ? 'PartialFailed' : 'Failed';
    };
    const all = [...this.invocations.values()].filter(
      (i) =>
        i.regionId === region.regionId &&
        (invokeId === undefined || i.invokeId === invokeId) &&
        (commandId === undefined || i.commandId === commandId) &&
        (instanceId === undefined || i.targets.some((t) => t.instanceId === instanceId)) &&
        (status === undefined || overall(i) === status),
    );
    return {
      TotalCount: all.length,
      PageNumber: pageNumber,
      PageSize: pageSize,
      Invocations: {
        Invocation: all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map((i) => {
          const c = this.commands.get(i.commandId);
          return {
            InvokeId: i.invokeId,
            CommandId: i.commandId,
            CommandName: c?.name ?? '',
            CommandType: c?.type ?? '',
            CommandContent: encode(c?.content ?? ''),
            InvocationStatus: overall(i),
            InvokeStatus: overall(i) === 'Running' ? 'Running' : 'Finished',
            CreationTime: ecsTime(i.creationTime),
            InvokeInstances: {
              InvokeInstance: i.targets.map((t) => ({
                InstanceId: t.instanceId,
                InvocationStatus: t.status,
                InstanceInvokeStatus: t.status === 'Running' ? 'Running' : 'Finished',
                ExitCode: t.exitCode ?? 0,
                Output: includeOutput ? encode(t.output) : '',
                StartTime: ecsTime(t.startTime),
                FinishTime: t.finishTime === undefined ? '' : ecsTime(t.finishTime),
                ErrorCode: t.status === 'Failed' ? 'NonZeroExitCode' : '',
                ErrorInfo: t.status === 'Failed' ? `the command exited with ${t.exitCode ?? 0}` : '',
              })),
            },
          };
        }),
      },
    };
  }
}
