import { Counter, Histogram, type Registry } from 'prom-client';
import type { CallInfo } from './pipeline.js';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Prometheus metrics of cloud calls: `alibabacloud_api_requests_total{product,action,code}` (code `Success` or
 * the cloud's error code), `alibabacloud_api_request_duration_seconds{product,action}`,
 * `alibabacloud_api_retries_total{product,action,reason}`, `alibabacloud_api_throttled_total{product,action}`
 * and `alibabacloud_api_rate_limit_wait_seconds{product,action}` (time spent waiting for our own limiter).
 * No label ever holds a credential or a request parameter.
 */
export class CloudMetrics {
  private readonly requests: Counter<'product' | 'action' | 'code'>;
  private readonly duration: Histogram<'product' | 'action'>;
  private readonly retries: Counter<'product' | 'action' | 'reason'>;
  private readonly throttles: Counter<'product' | 'action'>;
  private readonly limiterWait: Histogram<'product' | 'action'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'alibabacloud_api_requests_total',
      help: 'Alibaba Cloud API calls (attempts) by result code',
      labelNames: ['product', 'action', 'code'],
      registers,
    });
    this.duration = new Histogram({
      name: 'alibabacloud_api_request_duration_seconds',
      help: 'Latency of one Alibaba Cloud API attempt',
      labelNames: ['product', 'action'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.retries = new Counter({
      name: 'alibabacloud_api_retries_total',
      help: 'Alibaba Cloud API attempts retried, by reason (throttled, transient)',
      labelNames: ['product', 'action', 'reason'],
      registers,
    });
    this.throttles = new Counter({
      name: 'alibabacloud_api_throttled_total',
      help: 'Alibaba Cloud API attempts the cloud throttled',
      labelNames: ['product', 'action'],
      registers,
    });
    this.limiterWait = new Histogram({
      name: 'alibabacloud_api_rate_limit_wait_seconds',
      help: "Time a call waited for the operator's own rate limiter",
      labelNames: ['product', 'action'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
  }

  called(info: CallInfo, code: string, seconds: number, waitedSeconds: number): void {
    this.requests.inc({ product: info.product, action: info.action, code });
    this.duration.observe({ product: info.product, action: info.action }, seconds);
    this.limiterWait.observe({ product: info.product, action: info.action }, waitedSeconds);
  }

  retried(info: CallInfo, reason: 'throttled' | 'transient'): void {
    this.retries.inc({ product: info.product, action: info.action, reason });
  }

  throttled(info: CallInfo): void {
    this.throttles.inc({ product: info.product, action: info.action });
  }
}
