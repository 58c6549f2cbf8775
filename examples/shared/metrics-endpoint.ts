// `GET /metrics`: the library's metrics (and two of the process) in the Prometheus text
// format, for a Prometheus server to scrape (docs/scaling.md, "Metrics").
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PROMETHEUS_CONTENT_TYPE, metrics, renderPrometheus } from 'switchboard';

// What an operator also wants of the process, named as Prometheus' own client libraries name them.
let processMetrics = false;
function addProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  metrics.collected({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes.',
    type: 'gauge',
    collect: () => [{ labels: {}, value: process.memoryUsage.rss() }],
  });
  metrics.collected({
    name: 'process_cpu_seconds_total',
    help: 'User and system CPU time spent in seconds.',
    type: 'counter',
    collect: () => {
      const { user, system } = process.cpuUsage();
      return [{ labels: {}, value: (user + system) / 1e6 }];
    },
  });
}

export function serveMetrics(request: IncomingMessage, response: ServerResponse): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-length': 0 });
    response.end();
    return;
  }
  addProcessMetrics();
  const body = renderPrometheus(metrics.collect());
  response.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  response.end(request.method === 'HEAD' ? undefined : body);
}
