// For the monitoring self test: Debian's prometheus-pushgateway and prometheus on loopback (Prometheus scraping the gateway), an OTLP receiver that decodes with OpenTelemetry's own protocol definitions, and a port that never answers.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { own } from '../core/cleanup.js';
import { freePort } from '../broker/properties.js';

/** How to get both (.ci/run does this). */
export const MONITORING_INSTALL = 'apt-get install -y prometheus prometheus-pushgateway';

const BINARIES = ['prometheus', 'prometheus-pushgateway'] as const;

/** The binaries' paths; when one is missing, skips with the install command, or under CI=true throws. */
export function requireMonitoringBinaries(skip: (note: string) => void, env: NodeJS.ProcessEnv = process.env): Record<(typeof BINARIES)[number], string> {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  const found = Object.fromEntries(BINARIES.map((b) => [b, dirs.map((d) => join(d, b)).find((p) => existsSync(p)) ?? ''])) as Record<
    (typeof BINARIES)[number],
    string
  >;
  const missing = BINARIES.filter((b) => !found[b]);
  if (missing.length === 0) return found;
  const note = `${missing.join(' and ')} not found on the PATH: install with \`${MONITORING_INSTALL}\` (Debian's packages)`;
  if (env.CI === 'true') throw new Error(`${note}. Under CI=true the monitoring push must be tested against them, not skipped.`);
  skip(note);
  return found;
}

export interface Service {
  readonly url: string;
  readonly port: number;
  readonly log: () => string;
  /** Kills the process and removes its temp dir; waits for it to exit (bounded). */
  stop(): Promise<void>;
}

/** Polls `url` until it answers 200, bounded; rejects with the process's log when it never does. */
async function waitReady(url: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited (${child.exitCode}): ${log().slice(-1500)}`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`${url} was not ready within ${timeoutMs} ms: ${log().slice(-1500)}`);
}

async function startService(binary: string, args: (port: number, dir: string) => string[], name: string): Promise<Service> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `eventstream-readiness-${name}-`));
  const child = spawn(binary, args(port, dir), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  // Owned like a broker: stopped and its dir removed on stop, on exit, on Ctrl-C, and by a watchdog if the test dies.
  const owned = own({ child, dir });
  const stop = () => owned.release(5000);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${url}/-/ready`, child, () => output, 20000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, log: () => output, stop };
}

export function startPushgateway(binary: string): Promise<Service> {
  return startService(binary, (port) => [`--web.listen-address=127.0.0.1:${port}`], 'pushgateway');
}

/** Prometheus scraping the gateway every second with honor_labels (the runs' profile and endpoint labels are kept). */
export function startPrometheus(binary: string, gatewayPort: number): Promise<Service> {
  return startService(
    binary,
    (port, dir) => {
      const config = join(dir, 'prometheus.yml');
      writeFileSync(
        config,
        [
          'global:',
          '  scrape_interval: 1s',
          'scrape_configs:',
          '  - job_name: pushgateway',
          '    honor_labels: true',
          '    static_configs:',
          `      - targets: ['127.0.0.1:${gatewayPort}']`,
          '',
        ].join('\n'),
      );
      return [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`];
    },
    'prometheus',
  );
}

export interface PromSample {
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** An instant query through Prometheus' HTTP API. */
export async function queryPrometheus(url: string, promql: string): Promise<PromSample[]> {
  const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`, { signal: AbortSignal.timeout(5000) });
  const body = (await response.json()) as {
    status: string;
    data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
    error?: string;
  };
  if (body.status !== 'success') throw new Error(`${promql}: ${body.error ?? response.status}`);
  return (body.data?.result ?? []).map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
}

/** Queries until `ready` holds for the result (each scrape is a second apart), bounded; rejects with what it last saw. */
export async function pollPrometheus(url: string, promql: string, ready: (s: PromSample[]) => boolean, timeoutMs = 30000): Promise<PromSample[]> {
  const end = Date.now() + timeoutMs;
  let last: PromSample[] = [];
  while (Date.now() < end) {
    last = await queryPrometheus(url, promql);
    if (ready(last)) return last;
    await sleep(250);
  }
  throw new Error(`${promql}: not there within ${timeoutMs} ms; got ${JSON.stringify(last)}`);
}

/** One OTLP/HTTP metrics request as received: its headers and its body decoded as ExportMetricsServiceRequest. */
export interface OtlpRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: OtlpExport;
}

/** The decoded request, as protobufjs' toObject gives it (longs as strings). */
export interface OtlpExport {
  readonly resourceMetrics: Array<{
    resource?: { attributes?: OtlpAttribute[] };
    scopeMetrics?: Array<{ metrics?: Array<{ name: string; unit?: string; description?: string; gauge?: { dataPoints?: OtlpPoint[] } }> }>;
  }>;
}
export interface OtlpAttribute {
  readonly key: string;
  readonly value: { stringValue?: string; intValue?: string; doubleValue?: number };
}
export interface OtlpPoint {
  readonly attributes?: OtlpAttribute[];
  readonly asDouble?: number;
  readonly asInt?: string;
}

type ProtoType = { decode(b: Uint8Array): unknown; toObject(m: unknown, o: Record<string, unknown>): unknown };

/** ExportMetricsServiceRequest from the opentelemetry-proto definitions that @opentelemetry/otlp-transformer ships as a protobufjs root. */
function exportRequestType(): ProtoType {
  const require = createRequire(import.meta.url);
  const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js') as {
    opentelemetry: { proto: { collector: { metrics: { v1: { ExportMetricsServiceRequest: ProtoType } } } } };
  };
  return root.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
}

/** A node:http OTLP receiver on loopback: answers 200 to every POST and keeps each decoded request. */
export async function startOtlpReceiver(): Promise<{ url: string; requests: OtlpRequest[]; close(): Promise<void> }> {
  const type = exportRequestType();
  const requests: OtlpRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = type.toObject(type.decode(Buffer.concat(chunks)), { longs: String, defaults: false }) as OtlpExport;
      requests.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A port that accepts TCP and never answers (a hung endpoint). */
export async function startSilentPort(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
