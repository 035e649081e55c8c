/** The Alibaba Cloud products (API versions) the simulator serves on its one endpoint. */
export interface Product {
  name: 'Ecs' | 'Ess' | 'Vpc' | 'Sts';
  version: string;
  /** What `HostId` says in error bodies. */
  host: string;
}

export const ECS: Product = { name: 'Ecs', version: '2014-05-26', host: 'ecs.aliyuncs.com' };
export const ESS: Product = { name: 'Ess', version: '2014-08-28', host: 'ess.aliyuncs.com' };
export const VPC: Product = { name: 'Vpc', version: '2016-04-28', host: 'vpc.aliyuncs.com' };
export const STS: Product = { name: 'Sts', version: '2015-04-01', host: 'sts.aliyuncs.com' };

export const PRODUCTS: readonly Product[] = [ECS, ESS, VPC, STS];

export function productByVersion(version: string): Product | undefined {
  return PRODUCTS.find((p) => p.version === version);
}
