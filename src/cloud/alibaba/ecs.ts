import * as $Ecs from '@alicloud/ecs20140526';
import type { z } from 'zod';
import { clientToken } from '../client-token.js';
import type {
  CloudInstance,
  CommandInvocation,
  FamilyImageInfo,
  ImageInfo,
  InstanceFullStatus,
  InstanceTypeInfo,
  ReplaceSystemDiskSpec,
  RunInstancesSpec,
  SecurityGroupInfo,
  SpotPricePoint,
  StockInfo,
  SystemEventInfo,
} from '../types.js';
import { batches } from './ess.js';
import type { AlibabaTransport } from './transport.js';
import * as W from './wire.js';

/** ECS ids per DescribeInstances / DeleteInstances call. */
export const ECS_BATCH = 100;
/** Resources per TagResources / UntagResources call. */
export const TAG_BATCH = 50;

function toInstance(i: z.output<typeof W.instanceWire>): CloudInstance {
  return {
    instanceId: i.InstanceId,
    status: i.Status,
    zoneId: i.ZoneId ?? '',
    instanceType: i.InstanceType ?? '',
    chargeType: i.InstanceChargeType === 'PrePaid' ? 'PrePaid' : 'PostPaid',
    spotStrategy: i.SpotStrategy ?? 'NoSpot',
    privateIp: i.VpcAttributes?.PrivateIpAddress[0],
    vSwitchId: i.VpcAttributes?.VSwitchId,
    hostName: i.HostName,
    imageId: i.ImageId,
    tags: i.Tags,
    locks: i.OperationLocks.map((l) => l.LockReason ?? '').filter(Boolean),
    creationTime: i.CreationTime,
    expiredTime: i.ExpiredTime,
    deletionProtection: i.DeletionProtection ?? false,
    resourceGroupId: i.ResourceGroupId,
  };
}

/** Thin typed ECS calls through the typed SDK client; answers zod-parsed from the wire JSON. */
export class EcsApi {
  constructor(private readonly t: AlibabaTransport) {}

  private get region(): string {
    return this.t.region;
  }

  /** DescribeInstances by id: batches of 100 (`InstanceIds` is a JSON array). Unknown ids are simply absent. */
  async describeInstancesById(ids: readonly string[]): Promise<CloudInstance[]> {
    const out: CloudInstance[] = [];
    for (const batch of batches(ids, ECS_BATCH)) {
      out.push(...(await this.describeInstancesPaged({ instanceIds: JSON.stringify(batch) })));
    }
    return out;
  }

  /** DescribeInstances with tag filters: `MaxResults` 100 + `NextToken` until the last page. */
  describeInstancesByTags(tags: Record<string, string>): Promise<CloudInstance[]> {
    return this.describeInstancesPaged({
      tag: Object.entries(tags).map(([key, value]) => new $Ecs.DescribeInstancesRequestTag({ key, value })),
    });
  }

  private async describeInstancesPaged(
    filter: Partial<$Ecs.DescribeInstancesRequest>,
  ): Promise<CloudInstance[]> {
    const out: CloudInstance[] = [];
    let nextToken: string | undefined;
    do {
      const req = new $Ecs.DescribeInstancesRequest({
        regionId: this.region,
        maxResults: 100,
        ...filter,
        ...(nextToken ? { nextToken } : {}),
      });
      const body = W.describeInstancesWire.parse(
        await this.t.ecs('DescribeInstances', (c, rt) => c.describeInstancesWithOptions(req, rt)),
      );
      out.push(...body.Instances.map(toInstance));
      nextToken = body.NextToken;
    } while (nextToken);
    return out;
  }

  /** RunInstances (PrePaid for Subscription pools); the ClientToken comes from the caller's operation id. */
  async runInstances(s: RunInstancesSpec, operationId: string): Promise<string[]> {
    const params = {
      regionId: this.region,
      imageId: s.imageId,
      instanceType: s.instanceType,
      vSwitchId: s.vSwitchId,
      securityGroupIds: s.securityGroupIds,
      amount: s.amount,
      minAmount: s.minAmount,
      instanceChargeType: s.chargeType,
      period: s.subscription?.period,
      periodUnit: s.subscription?.periodUnit,
      autoRenew: s.subscription?.autoRenew,
      autoRenewPeriod: s.subscription?.autoRenew ? s.subscription.autoRenewPeriod : undefined,
      spotStrategy: s.spot ? s.spot.strategy : 'NoSpot',
      spotPriceLimit:
        s.spot?.strategy === 'SpotWithPriceLimit'
          ? s.spot.priceLimits.find((l) => l.instanceType === s.instanceType)?.maxPricePerHour
          : undefined,
      userData: s.userData,
      keyPairName: s.keyPairName,
      password: s.password,
      loginAsNonRoot: s.loginAsNonRoot,
      ramRoleName: s.ramRoleName,
      httpTokens: s.metadataHttpTokens,
      deploymentSetId: s.deploymentSetId,
      privatePool: s.privatePool,
      resourceGroupId: s.resourceGroupId,
      instanceName: s.instanceName,
      securityEnhancementStrategy:
        s.securityHardening === undefined ? undefined : s.securityHardening ? 'Active' : 'Deactive',
      internetMaxBandwidthOut: s.publicIp?.maxBandwidthOutMbps ?? 0,
      internetChargeType: s.publicIp?.chargeType,
      deletionProtection: s.deletionProtection,
      systemDisk: {
        category: s.systemDisk.category,
        size: String(s.systemDisk.sizeGiB),
        performanceLevel: s.systemDisk.performanceLevel,
        encrypted: s.systemDisk.encrypted === undefined ? undefined : String(s.systemDisk.encrypted),
        KMSKeyId: s.systemDisk.kmsKeyId,
      },
      dataDisk: s.dataDisks.map((d) => ({
        size: d.sizeGiB,
        category: d.category,
        performanceLevel: d.performanceLevel,
        encrypted: d.encrypted === undefined ? undefined : String(d.encrypted),
        KMSKeyId: d.kmsKeyId,
        snapshotId: d.snapshotId,
        deleteWithInstance: d.deleteWithInstance ?? true,
      })),
      tag: Object.entries(s.tags).map(([key, value]) => ({ key, value })),
    };
    const token = clientToken(operationId, 'RunInstances', params);
    const req = new $Ecs.RunInstancesRequest({
      ...dropUndefined(params),
      systemDisk: new $Ecs.RunInstancesRequestSystemDisk(dropUndefined(params.systemDisk)),
      dataDisk: params.dataDisk.map((d) => new $Ecs.RunInstancesRequestDataDisk(dropUndefined(d))),
      tag: params.tag.map((t) => new $Ecs.RunInstancesRequestTag(t)),
      ...(s.loginAsNonRoot
        ? { imageOptions: new $Ecs.RunInstancesRequestImageOptions({ loginAsNonRoot: true }) }
        : {}),
      ...(s.privatePool
        ? {
            privatePoolOptions: new $Ecs.RunInstancesRequestPrivatePoolOptions(
              dropUndefined({ matchCriteria: s.privatePool.matchCriteria, id: s.privatePool.id }),
            ),
          }
        : {}),
      clientToken: token,
    });
    const body = W.runInstancesWire.parse(
      await this.t.ecs('RunInstances', (c, rt) => c.runInstancesWithOptions(req, rt), {
        write: true,
        context: { instanceType: s.instanceType },
      }),
    );
    return body.InstanceIdSets;
  }

  /** DeleteInstances in batches of 100. `force` releases running instances. Never TerminateSubscription. */
  async deleteInstances(ids: readonly string[], force: boolean, operationId: string): Promise<void> {
    for (const batch of batches(ids, ECS_BATCH)) {
      const params = { regionId: this.region, instanceId: batch, force };
      const req = new $Ecs.DeleteInstancesRequest({
        ...params,
        clientToken: clientToken(operationId, 'DeleteInstances', params),
      });
      await this.t.ecs('DeleteInstances', (c, rt) => c.deleteInstancesWithOptions(req, rt), { write: true });
    }
  }

  async setDeletionProtection(id: string, on: boolean): Promise<void> {
    const req = new $Ecs.ModifyInstanceAttributeRequest({ instanceId: id, deletionProtection: on });
    await this.t.ecs('ModifyInstanceAttribute', (c, rt) => c.modifyInstanceAttributeWithOptions(req, rt), {
      write: true,
    });
  }

  /** StopInstance, keeping the instance (and its charge: a re-image needs it Stopped, not reclaimed). */
  async stopInstance(id: string): Promise<void> {
    const req = new $Ecs.StopInstanceRequest({ instanceId: id, stoppedMode: 'KeepCharging' });
    await this.t.ecs('StopInstance', (c, rt) => c.stopInstanceWithOptions(req, rt), { write: true });
  }

  async startInstance(id: string): Promise<void> {
    const req = new $Ecs.StartInstanceRequest({ instanceId: id });
    await this.t.ecs('StartInstance', (c, rt) => c.startInstanceWithOptions(req, rt), { write: true });
  }

  /** ModifyInstanceAttribute UserData (base64). */
  async setUserData(id: string, userData: string): Promise<void> {
    const req = new $Ecs.ModifyInstanceAttributeRequest({ instanceId: id, userData });
    await this.t.ecs('ModifyInstanceAttribute', (c, rt) => c.modifyInstanceAttributeWithOptions(req, rt), {
      write: true,
    });
  }

  /**
   * JoinResourceGroup, one instance per call (ResourceType `instance`, ResourceId, ResourceGroupId: ecs20140526
   * JoinResourceGroupRequest). It takes no ClientToken; the caller asks only for instances DescribeInstances shows
   * in another group, so a retry moves an instance to where it already is.
   */
  async joinResourceGroup(ids: readonly string[], resourceGroupId: string): Promise<void> {
    for (const id of ids) {
      const req = new $Ecs.JoinResourceGroupRequest({
        regionId: this.region,
        resourceType: 'instance',
        resourceId: id,
        resourceGroupId,
      });
      await this.t.ecs('JoinResourceGroup', (c, rt) => c.joinResourceGroupWithOptions(req, rt), {
        write: true,
      });
    }
  }

  /** TagResources in batches of 50 resources (at most 20 tags per call, as the API allows). */
  async tagInstances(ids: readonly string[], tags: Record<string, string>): Promise<void> {
    const entries = Object.entries(tags);
    if (entries.length === 0) return;
    for (const batch of batches(ids, TAG_BATCH)) {
      for (const tagBatch of batches(entries, 20)) {
        const req = new $Ecs.TagResourcesRequest({
          regionId: this.region,
          resourceType: 'instance',
          resourceId: batch,
          tag: tagBatch.map(([key, value]) => new $Ecs.TagResourcesRequestTag({ key, value })),
        });
        await this.t.ecs('TagResources', (c, rt) => c.tagResourcesWithOptions(req, rt), { write: true });
      }
    }
  }

  async untagInstances(ids: readonly string[], keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    for (const batch of batches(ids, TAG_BATCH)) {
      for (const keyBatch of batches(keys, 20)) {
        const req = new $Ecs.UntagResourcesRequest({
          regionId: this.region,
          resourceType: 'instance',
          resourceId: batch,
          tagKey: keyBatch,
        });
        await this.t.ecs('UntagResources', (c, rt) => c.untagResourcesWithOptions(req, rt), { write: true });
      }
    }
  }

  async describeInstanceTypes(types?: readonly string[]): Promise<InstanceTypeInfo[]> {
    const out: InstanceTypeInfo[] = [];
    for (const batch of types ? batches(types, 10) : [undefined]) {
      let nextToken: string | undefined;
      do {
        const req = new $Ecs.DescribeInstanceTypesRequest({
          maxResults: 1600,
          ...(batch ? { instanceTypes: batch } : {}),
          ...(nextToken ? { nextToken } : {}),
        });
        const body = W.describeInstanceTypesWire.parse(
          await this.t.ecs('DescribeInstanceTypes', (c, rt) => c.describeInstanceTypesWithOptions(req, rt)),
        );
        out.push(
          ...body.InstanceTypes.map((t) => ({
            id: t.InstanceTypeId,
            family: t.InstanceTypeFamily ?? t.InstanceTypeId.split('.').slice(0, 2).join('.'),
            vCpus: t.CpuCoreCount,
            memoryGiB: t.MemorySize,
            gpus: t.GPUAmount ?? 0,
            architecture: t.CpuArchitecture ?? 'X86',
            localStorage: (t.LocalStorageAmount ?? 0) > 0 || Boolean(t.LocalStorageCategory),
            eniQuantity: t.EniQuantity,
          })),
        );
        nextToken = body.NextToken;
      } while (nextToken);
    }
    return out;
  }

  /** DescribePrice: what one instance of a type costs per hour in a zone (pay-as-you-go, or spot). */
  async price(o: { instanceType: string; zoneId: string; spot: boolean }): Promise<number> {
    const req = new $Ecs.DescribePriceRequest({
      regionId: this.region,
      resourceType: 'instance',
      instanceType: o.instanceType,
      zoneId: o.zoneId,
      priceUnit: 'Hour',
      amount: 1,
      spotStrategy: o.spot ? 'SpotAsPriceGo' : 'NoSpot',
    });
    const body = W.describePriceWire.parse(
      await this.t.ecs('DescribePrice', (c, rt) => c.describePriceWithOptions(req, rt)),
    );
    return body.PriceInfo.Price.TradePrice;
  }

  /** DescribeAvailableResource for instance types: stock per zone and type. */
  async stock(opts: {
    chargeType: 'PostPaid' | 'PrePaid';
    spot: boolean;
    zoneId?: string;
    instanceType?: string;
  }): Promise<StockInfo[]> {
    // prettier-ignore
    const req = new $Ecs.DescribeAvailableResourceRequest({
      regionId: this.region,
      destinationResource: 'InstanceType',
      instanceChargeType: opts.chargeType,
      ...(opts.spot ? { spotStrategy: 'SpotAsPriceGo' } : {}),
      ...(opts.zoneId ? { zoneId: opts.zoneId } : {}),
      ...(opts.instanceType ? { instanceType: opts.instanceType } : {}),
    });
    const body = W.describeAvailableResourceWire.parse(
      await this.t.ecs('DescribeAvailableResource', (c, rt) =>
        c.describeAvailableResourceWithOptions(req, rt),
      ),
    );
    const out: StockInfo[] = [];
    for (const z of body.AvailableZones) {
      for (const r of z.AvailableResources) {
        for (const s of r.SupportedResources) {
          const status = s.StatusCategory ?? s.Status ?? '';
          out.push({
            zoneId: z.ZoneId,
            instanceType: s.Value,
            status,
            available:
              status === 'WithStock' ||
              (s.Status === 'Available' && status !== 'WithoutStock' && status !== 'ClosedWithoutStock'),
          });
        }
      }
    }
    return out;
  }

  /** DescribeSecurityGroups by id (a JSON array, ≤ 100 per call), every page by `MaxResults` + `NextToken`. */
  async describeSecurityGroups(ids: readonly string[]): Promise<SecurityGroupInfo[]> {
    const out: SecurityGroupInfo[] = [];
    for (const batch of batches(ids, 100)) {
      let nextToken: string | undefined;
      do {
        const req = new $Ecs.DescribeSecurityGroupsRequest({
          regionId: this.region,
          securityGroupIds: JSON.stringify(batch),
          maxResults: 100,
          ...(nextToken ? { nextToken } : {}),
        });
        const body = W.describeSecurityGroupsWire.parse(
          await this.t.ecs('DescribeSecurityGroups', (c, rt) => c.describeSecurityGroupsWithOptions(req, rt)),
        );
        out.push(
          ...body.SecurityGroups.map((g) => ({
            id: g.SecurityGroupId,
            vpcId: g.VpcId ?? '',
            type: g.SecurityGroupType ?? 'normal',
          })),
        );
        nextToken = body.NextToken;
      } while (nextToken);
    }
    return out;
  }

  async describeImages(ids: readonly string[]): Promise<ImageInfo[]> {
    if (ids.length === 0) return [];
    const req = new $Ecs.DescribeImagesRequest({
      regionId: this.region,
      imageId: ids.join(','),
      pageSize: 100,
    });
    const body = W.describeImagesWire.parse(
      await this.t.ecs('DescribeImages', (c, rt) => c.describeImagesWithOptions(req, rt)),
    );
    return body.Images.map((i) => ({
      id: i.ImageId,
      name: i.ImageName,
      version: i.ImageVersion || undefined,
      osType: i.OSType ?? '',
      platform: i.Platform ?? '',
      osName: i.OSNameEn ?? i.OSName ?? '',
      architecture: i.Architecture ?? '',
    }));
  }

  /** The newest system image of a family (ImageFamily, owner `system`). */
  async latestImage(family: string): Promise<string | undefined> {
    const req = new $Ecs.DescribeImagesRequest({
      regionId: this.region,
      imageFamily: family,
      imageOwnerAlias: 'system',
      status: 'Available',
      pageSize: 100,
    });
    const body = W.describeImagesWire.parse(
      await this.t.ecs('DescribeImages', (c, rt) => c.describeImagesWithOptions(req, rt)),
    );
    const sorted = [...body.Images].sort(
      (a, b) =>
        (b.CreationTime ?? '').localeCompare(a.CreationTime ?? '') || b.ImageId.localeCompare(a.ImageId),
    );
    return sorted[0]?.ImageId;
  }

  /** Every available image of a family (system images first: its owner is whoever publishes the family). */
  async familyImages(family: string): Promise<FamilyImageInfo[]> {
    const out: FamilyImageInfo[] = [];
    for (let page = 1; ; page++) {
      const req = new $Ecs.DescribeImagesRequest({
        regionId: this.region,
        imageFamily: family,
        status: 'Available',
        pageSize: 100,
        pageNumber: page,
      });
      const body = W.describeImagesWire.parse(
        await this.t.ecs('DescribeImages', (c, rt) => c.describeImagesWithOptions(req, rt)),
      );
      out.push(...body.Images.map(familyImageOf));
      if (body.Images.length < 100 || out.length >= (body.TotalCount ?? 0)) return out;
    }
  }

  /** RebootInstance: no ClientToken in the API (a reboot is idempotent in effect). */
  async rebootInstance(instanceId: string): Promise<void> {
    const req = new $Ecs.RebootInstanceRequest({ instanceId });
    await this.t.ecs('RebootInstance', (c, rt) => c.rebootInstanceWithOptions(req, rt), { write: true });
  }

  /** Scheduled and executing system events (DescribeInstanceHistoryEvents only lists finished ones unless asked). */
  async systemEvents(instanceIds?: readonly string[]): Promise<SystemEventInfo[]> {
    const out: SystemEventInfo[] = [];
    for (const batch of instanceIds ? batches(instanceIds, 100) : [undefined]) {
      let nextToken: string | undefined;
      do {
        const req = new $Ecs.DescribeInstanceHistoryEventsRequest({
          regionId: this.region,
          instanceEventCycleStatus: ['Scheduled', 'Executing', 'Inquiring'],
          maxResults: 100,
          ...(batch ? { resourceId: batch, resourceType: 'instance' } : {}),
          ...(nextToken ? { nextToken } : {}),
        });
        const body = W.describeHistoryEventsWire.parse(
          await this.t.ecs('DescribeInstanceHistoryEvents', (c, rt) =>
            c.describeInstanceHistoryEventsWithOptions(req, rt),
          ),
        );
        out.push(
          ...body.InstanceSystemEventSet.map((e) => ({
            id: e.EventId,
            instanceId: e.InstanceId,
            type: e.EventType?.Name ?? '',
            cycle: e.EventCycleStatus?.Name ?? '',
            notBefore: e.NotBefore,
            publishTime: e.EventPublishTime,
            reason: e.Reason,
          })),
        );
        nextToken = body.NextToken;
      } while (nextToken);
    }
    return out;
  }

  /**
   * Whether each subscription instance renews itself (DescribeInstanceAutoRenewAttribute, ≤ 100 comma-separated ids
   * per call; RenewalStatus AutoRenewal). DescribeInstances does not say; pay-as-you-go ids are absent.
   */
  async autoRenew(ids: readonly string[]): Promise<Map<string, boolean>> {
    const out = new Map<string, boolean>();
    for (const batch of batches(ids, 100)) {
      for (let page = 1; ; page++) {
        const req = new $Ecs.DescribeInstanceAutoRenewAttributeRequest({
          regionId: this.region,
          instanceId: batch.join(','),
          pageNumber: String(page),
          pageSize: '100',
        });
        const body = W.describeAutoRenewWire.parse(
          await this.t.ecs('DescribeInstanceAutoRenewAttribute', (c, rt) =>
            c.describeInstanceAutoRenewAttributeWithOptions(req, rt),
          ),
        );
        for (const a of body.InstanceRenewAttributes) {
          out.set(a.InstanceId, a.AutoRenewEnabled ?? a.RenewalStatus === 'AutoRenewal');
        }
        if (body.InstanceRenewAttributes.length < 100) break;
      }
    }
    return out;
  }

  /** DescribeInstancesFullStatus: batches of 100 ids (`InstanceId.N`), every page (PageSize 100). */
  async instancesFullStatus(ids: readonly string[]): Promise<InstanceFullStatus[]> {
    const out: InstanceFullStatus[] = [];
    for (const batch of batches(ids, 100)) {
      for (let page = 1; ; page++) {
        const req = new $Ecs.DescribeInstancesFullStatusRequest({
          regionId: this.region,
          instanceId: batch,
          pageNumber: page,
          pageSize: 100,
        });
        const body = W.describeInstancesFullStatusWire.parse(
          await this.t.ecs('DescribeInstancesFullStatus', (c, rt) =>
            c.describeInstancesFullStatusWithOptions(req, rt),
          ),
        );
        out.push(
          ...body.InstanceFullStatusSet.map((i) => ({
            instanceId: i.InstanceId,
            status: i.Status?.Name ?? '',
            health: i.HealthStatus?.Name ?? '',
            scheduledEvents: i.ScheduledSystemEventSet.map((e) => ({
              id: e.EventId,
              instanceId: i.InstanceId,
              type: e.EventType?.Name ?? '',
              cycle: e.EventCycleStatus?.Name ?? '',
              notBefore: e.NotBefore,
              publishTime: e.EventPublishTime,
              reason: e.Reason,
            })),
          })),
        );
        if (body.InstanceFullStatusSet.length < 100) break;
      }
    }
    return out;
  }

  async acceptSystemEvent(eventId: string): Promise<void> {
    const req = new $Ecs.AcceptInquiredSystemEventRequest({ regionId: this.region, eventId });
    await this.t.ecs(
      'AcceptInquiredSystemEvent',
      (c, rt) => c.acceptInquiredSystemEventWithOptions(req, rt),
      { write: true },
    );
  }

  /** ReplaceSystemDisk (the instance must be Stopped); the ClientToken comes from the caller's operation id. */
  async replaceSystemDisk(
    instanceId: string,
    spec: ReplaceSystemDiskSpec,
    operationId: string,
  ): Promise<string> {
    const params = {
      instanceId,
      imageId: spec.imageId,
      systemDisk: spec.systemDiskSizeGiB === undefined ? undefined : { size: spec.systemDiskSizeGiB },
      keyPairName: spec.keyPairName,
      password: spec.password,
    };
    const { systemDisk, ...rest } = dropUndefined(params);
    const req = new $Ecs.ReplaceSystemDiskRequest({
      ...rest,
      ...(systemDisk ? { systemDisk: new $Ecs.ReplaceSystemDiskRequestSystemDisk(systemDisk) } : {}),
      clientToken: clientToken(operationId, 'ReplaceSystemDisk', params),
    });
    const body = W.replaceSystemDiskWire.parse(
      await this.t.ecs('ReplaceSystemDisk', (c, rt) => c.replaceSystemDiskWithOptions(req, rt), {
        write: true,
      }),
    );
    return body.DiskId;
  }

  /** DescribeSpotPriceHistory (VPC network), every page (`Offset` / `NextOffset`). */
  async spotPriceHistory(q: {
    instanceType: string;
    zoneId?: string | undefined;
    start?: Date | undefined;
    end?: Date | undefined;
  }): Promise<SpotPricePoint[]> {
    const out: SpotPricePoint[] = [];
    const iso = (d: Date): string => `${d.toISOString().slice(0, 19)}Z`;
    for (let offset = 0; ;) {
      const req = new $Ecs.DescribeSpotPriceHistoryRequest({
        regionId: this.region,
        instanceType: q.instanceType,
        networkType: 'vpc',
        ...(q.zoneId ? { zoneId: q.zoneId } : {}),
        ...(q.start ? { startTime: iso(q.start) } : {}),
        ...(q.end ? { endTime: iso(q.end) } : {}),
        ...(offset ? { offset } : {}),
      });
      const body = W.describeSpotPriceHistoryWire.parse(
        await this.t.ecs('DescribeSpotPriceHistory', (c, rt) =>
          c.describeSpotPriceHistoryWithOptions(req, rt),
        ),
      );
      out.push(
        ...body.SpotPrices.map((p) => ({
          zoneId: p.ZoneId,
          instanceType: p.InstanceType,
          spotPrice: p.SpotPrice,
          onDemandPrice: p.OriginPrice,
          timestamp: p.Timestamp,
        })),
      );
      if (!body.NextOffset || body.NextOffset <= offset) break;
      offset = body.NextOffset;
    }
    return out;
  }

  /** The tail of an instance's serial console (GetInstanceConsoleOutput), decoded; '' when it printed nothing. */
  async consoleOutput(instanceId: string): Promise<string> {
    const req = new $Ecs.GetInstanceConsoleOutputRequest({
      regionId: this.region,
      instanceId,
      removeSymbols: true,
    });
    const body = W.consoleOutputWire.parse(
      await this.t.ecs('GetInstanceConsoleOutput', (c, rt) => c.getInstanceConsoleOutputWithOptions(req, rt)),
    );
    return Buffer.from(body.ConsoleOutput ?? '', 'base64').toString('utf8');
  }

  /** Cloud Assistant RunCommand (a shell script) on instances; returns the invocation id. */
  async runCommand(
    ids: readonly string[],
    script: string,
    opts: { timeoutSeconds: number; name?: string; operationId?: string },
  ): Promise<string> {
    // prettier-ignore
    const params = { regionId: this.region, type: 'RunShellScript', commandContent: Buffer.from(script).toString('base64'), contentEncoding: 'Base64', instanceId: [...ids], timeout: opts.timeoutSeconds, name: opts.name ?? 'nodepool-operator' };
    const req = new $Ecs.RunCommandRequest({
      ...params,
      ...(opts.operationId ? { clientToken: clientToken(opts.operationId, 'RunCommand', params) } : {}),
    });
    const body = W.invokeWire.parse(
      await this.t.ecs('RunCommand', (c, rt) => c.runCommandWithOptions(req, rt), { write: true }),
    );
    return body.InvokeId;
  }

  async invocation(invokeId: string): Promise<CommandInvocation | undefined> {
    const req = new $Ecs.DescribeInvocationsRequest({
      regionId: this.region,
      invokeId,
      includeOutput: true,
      contentEncoding: 'PlainText',
    });
    const body = W.describeInvocationsWire.parse(
      await this.t.ecs('DescribeInvocations', (c, rt) => c.describeInvocationsWithOptions(req, rt)),
    );
    const inv = body.Invocations[0];
    if (!inv) return undefined;
    return {
      invokeId: inv.InvokeId,
      status: inv.InvocationStatus ?? inv.InvokeStatus ?? '',
      results: inv.InvokeInstances.map((r) => ({
        instanceId: r.InstanceId,
        status: r.InvocationStatus ?? r.InstanceInvokeStatus ?? '',
        exitCode: r.ExitCode ?? undefined,
        output: r.Output ?? '',
      })),
    };
  }
}

function dropUndefined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The tags an image carries its versions and fixed CVEs in (see FamilyImageInfo). */
export const IMAGE_TAGS = {
  kubelet: 'nodepool.alicloud.dev/kubelet-version',
  containerd: 'nodepool.alicloud.dev/containerd-version',
  fixes: {
    High: 'nodepool.alicloud.dev/fixes-high',
    Medium: 'nodepool.alicloud.dev/fixes-medium',
    Low: 'nodepool.alicloud.dev/fixes-low',
  },
} as const;

function familyImageOf(i: z.output<typeof W.describeImagesWire>['Images'][number]): FamilyImageInfo {
  const tags = i.Tags;
  const fixedCves = Object.entries(IMAGE_TAGS.fixes).flatMap(([severity, key]) =>
    (tags[key] ?? '')
      .split(/[\s,]+/)
      .filter((id) => /^CVE-\d{4}-\d+$/.test(id))
      .map((id) => ({ id, severity })),
  );
  return {
    id: i.ImageId,
    name: i.ImageName ?? i.ImageId,
    version: i.ImageVersion || undefined,
    created: Date.parse(i.CreationTime ?? '') || 0,
    kubeletVersion: tags[IMAGE_TAGS.kubelet],
    containerdVersion: tags[IMAGE_TAGS.containerd],
    fixedCves,
  };
}
