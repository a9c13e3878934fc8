// Runs a real Apache Kafka broker (KRaft, single node) from Maven Central jars as a child JVM.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { own } from '../core/cleanup.js';
import { PROJECT_ROOT } from '../core/project-root.js';
import { sasKeysJar } from './sas-keys.js';
import { classArchive, type ClassArchive } from './class-archive.js';
import type { CertificateAuthority, KeyAndCert } from './certs.js';
import { handedOut } from './env.js';
import { brokerCredentials } from './keys.js';
import type { LocalBroker, LocalBrokerOptions } from './local-broker.js';
import { freePorts, kafkaClusterId, serverProperties } from './properties.js';
import { awaitReadyAndCreateTopics } from './readiness.js';
import { DEFAULT_TOPICS } from './topics.js';
import { PortTaken, startWithPortRetries } from './port-retries.js';

const here = dirname(fileURLToPath(import.meta.url));
const POM = join(here, 'pom.xml');

export interface JvmBrokerOptions extends LocalBrokerOptions {
  /** Serve this certificate (e.g. an expired one) instead of a fresh valid one; caPem is what clients trust. */
  readonly tls?: { ca: CertificateAuthority; server: KeyAndCert };
  /** Extra server.properties entries. */
  readonly properties?: Record<string, string>;
  readonly heapMb?: number;
  /** Also open a SASL_PLAINTEXT listener shaped like the Event Hubs emulator's (see LocalBroker.emulatorPort). */
  readonly emulatorListener?: boolean;
  /** Append Kafka's request log (kafka.request.logger at DEBUG: every request the broker completed) to this file. */
  readonly requestLogFile?: string;
  /**
   * Something listening in front of the SASL_SSL listener (the bench's delay relay): the broker advertises its
   * port, so every client connection goes through it, and tells it the listener's port once that is picked.
   */
  readonly saslFront?: SaslFront;
  /** Where the broker's class archive is kept (support/broker/class-archive.ts); .cache/kafka by default. */
  readonly classArchiveDir?: string;
}

/** A relay in front of the broker's SASL_SSL listener (support/dev/delay-proxy.ts is one). */
export interface SaslFront {
  /** The port clients reach, advertised by the broker. */
  readonly port: number;
  forwardTo(target: { readonly host: string; readonly port: number }): void;
}

/** Whether java and mvn answer; a reason when they don't. */
export function jvmToolsAvailable(): { ok: boolean; reason?: string } {
  for (const [tool, args] of [
    ['java', ['-version']],
    ['mvn', ['-v']],
  ] as const) {
    const r = spawnSync(tool, args, { stdio: 'ignore', timeout: 20000 });
    if (r.error || r.status !== 0) return { ok: false, reason: `${tool} is not available (${r.error?.message ?? `exit ${r.status}`})` };
  }
  return { ok: true };
}

/** Resolves the broker's runtime classpath with Maven once, then reads it from .cache/. */
export async function kafkaClasspath(log: (line: string) => void = () => undefined): Promise<string> {
  const pom = readFileSync(POM);
  const key = createHash('sha256').update(pom).digest('hex').slice(0, 12);
  const cacheDir = join(PROJECT_ROOT, '.cache', 'kafka');
  const file = join(cacheDir, `classpath-${key}.txt`);
  if (existsSync(file)) {
    const cp = readFileSync(file, 'utf8').trim();
    if (cp.split(':').every((jar) => existsSync(jar))) return cp;
  }
  mkdirSync(cacheDir, { recursive: true });
  log('resolving Apache Kafka jars with Maven (the first time downloads about 55 MB from Maven Central)...');
  const started = Date.now();
  try {
    await promisify(execFile)('mvn', ['-B', '-q', '-f', POM, 'dependency:build-classpath', `-Dmdep.outputFile=${file}`, '-DincludeScope=runtime'], {
      timeout: 600000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    const tail = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`Maven could not resolve the Kafka broker jars (${POM}): ${e.message}\n${tail}`);
  }
  log(`Kafka jars resolved in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return readFileSync(file, 'utf8').trim();
}

/** The broker's classpath: Kafka's jars and ours (the key checks: SASL server, callback handler, authorizer). */
export async function brokerClasspath(log: (line: string) => void = () => undefined): Promise<string> {
  return `${await kafkaClasspath(log)}:${await sasKeysJar(log)}`;
}

/** What every start-up attempt reuses: the jars, the broker's dir, its credentials and keystore. */
interface JvmStartPlan {
  readonly options: JvmBrokerOptions;
  readonly log: (line: string) => void;
  readonly topics: NonNullable<JvmBrokerOptions['topics']>;
  readonly classpath: string;
  readonly dir: string;
  /** The dir on its own, until the first broker process owns it together with the dir. */
  readonly tracked: ReturnType<typeof own>;
  readonly credentials: ReturnType<typeof brokerCredentials>;
  readonly keystore: string;
  readonly archive: ClassArchive;
}

interface JvmPorts {
  readonly controller: number;
  readonly plain: number;
  readonly sasl: number;
  readonly emulatorPort?: number;
}

async function pickJvmPorts(options: JvmBrokerOptions): Promise<JvmPorts> {
  const [controller = 0, plain = 0, sasl = 0, emulator] = await freePorts(options.emulatorListener ? 4 : 3);
  return { controller, plain, sasl, emulatorPort: options.emulatorListener ? emulator : undefined };
}

/** server.properties for this attempt's ports (a fresh data dir per attempt); returns its path. */
function writeJvmProperties(plan: JvmStartPlan, ports: JvmPorts, attempt: number): string {
  const propsFile = join(plan.dir, 'server.properties');
  const settings = {
    bindHost: '127.0.0.1',
    controllerPort: ports.controller,
    plainPort: ports.plain,
    saslPort: ports.sasl,
    advertisedSaslPort: plan.options.saslFront?.port ?? ports.sasl,
    emulatorPort: ports.emulatorPort,
    dataDir: join(plan.dir, `data-${attempt}`),
    keystore: plan.keystore,
    keys: plan.credentials.issued,
  };
  writeFileSync(propsFile, serverProperties(settings, plan.options.properties), { mode: 0o600 });
  return propsFile;
}

/** KRaft storage must be formatted with a cluster id before the first start. */
function runStorageFormat(classpath: string, propsFile: string): void {
  const format = spawnSync('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', kafkaClusterId(), '-c', propsFile], {
    encoding: 'utf8',
    timeout: 60000,
  });
  if (format.status !== 0) throw new Error(`formatting Kafka storage failed: ${(format.stderr || format.stdout || String(format.error)).trim().slice(-2000)}`);
}

const FORMATTED_FILES = ['meta.properties', 'bootstrap.checkpoint'];

/**
 * Formatted KRaft storage, made once per set of jars under .cache/kafka/ and copied for every start: the storage
 * tool's own JVM costs 1.5-2.5 s a broker. What it writes (cluster id, node id 1, the release's metadata version)
 * depends only on the jars and on the fixed node settings of serverProperties, never on ports or keys. Made in a temp
 * dir and renamed into place, so runs starting brokers side by side never read a half-written one.
 */
function formattedStorage(classpath: string, propsFile: string): string {
  const key = createHash('sha256').update(classpath).digest('hex').slice(0, 12);
  const cacheDir = join(PROJECT_ROOT, '.cache', 'kafka');
  const template = join(cacheDir, `storage-${key}`);
  if (FORMATTED_FILES.every((f) => existsSync(join(template, f)))) return template;
  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(join(cacheDir, 'storage-tmp-'));
  try {
    const storage = join(work, 'storage');
    const props = join(work, 'server.properties');
    writeFileSync(props, readFileSync(propsFile, 'utf8').replace(/^log\.dirs=.*$/m, `log.dirs=${storage.replace(/\\/g, '\\\\')}`), { mode: 0o600 });
    runStorageFormat(classpath, props);
    try {
      renameSync(storage, template);
    } catch (error) {
      // Another run made it meanwhile: use theirs.
      if (!FORMATTED_FILES.every((f) => existsSync(join(template, f)))) throw error;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return template;
}

/** The broker's data dir, formatted (a copy of the formatted storage). */
function formatStorage(classpath: string, propsFile: string, dataDir: string): void {
  cpSync(formattedStorage(classpath, propsFile), dataDir, { recursive: true });
}

/** The broker's JVM: a small serial-GC, C1-only heap starts fastest for a throwaway broker. */
function spawnKafka(plan: JvmStartPlan, propsFile: string): ChildProcess {
  const { options } = plan;
  const args = [
    `-Xms${options.heapMb ?? 384}m`,
    `-Xmx${options.heapMb ?? 384}m`,
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Xshare:auto',
    ...plan.archive.jvmArgs,
    // A JVM crash report goes with the broker's dir, not into the working directory.
    `-XX:ErrorFile=${join(plan.dir, 'hs_err_%p.log')}`,
    '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
    ...(options.requestLogFile ? ['-Dorg.slf4j.simpleLogger.log.kafka.request.logger=debug'] : []),
    '-cp',
    plan.classpath,
    'kafka.Kafka',
    propsFile,
  ];
  return spawn('java', args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Keeps the broker's last 200 output lines (for errors), and appends request-log lines to the request log file. */
function captureOutput(child: ChildProcess, requestLogFile: string | undefined): string[] {
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    const lines = chunk.toString().split('\n').filter(Boolean);
    if (requestLogFile) {
      const requests = lines.filter((l) => l.includes('kafka.request.logger'));
      if (requests.length > 0) appendFileSync(requestLogFile, `${requests.join('\n')}\n`);
    }
    output.push(...lines.filter((l) => !l.includes('kafka.request.logger')));
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return output;
}

/** The broker's JVM, running and owned (with the dir): its output kept, and `exited` telling why it died. */
interface RunningKafka {
  readonly child: ChildProcess;
  readonly output: string[];
  readonly proc: ReturnType<typeof own>;
  readonly exited: Promise<string>;
}

function launchKafka(plan: JvmStartPlan, propsFile: string): RunningKafka {
  const child = spawnKafka(plan, propsFile);
  const output = captureOutput(child, plan.options.requestLogFile);
  const proc = own({ child, dir: plan.dir });
  plan.tracked.forget(); // the dir is now owned together with the process
  const exited = new Promise<string>((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit(`exit ${code ?? signal}; last output:\n${output.slice(-20).join('\n')}`)),
  );
  return { child, output, proc, exited };
}

/** Ready with its topics, reached as clients do (or, with a faulty certificate on purpose, on PLAINTEXT). A bind failure is PortTaken. */
async function awaitKafkaReady(plan: JvmStartPlan, kafka: RunningKafka, via: { plain: number; client: number }): Promise<void> {
  const { options, credentials } = plan;
  try {
    await awaitReadyAndCreateTopics({
      via: options.tls
        ? { kind: 'plaintext', port: via.plain }
        : { kind: 'sasl_ssl', port: via.client, caPem: credentials.ca.certPem, connectionString: credentials.keys.namespace },
      topics: plan.topics,
      timeoutMs: options.startTimeoutMs ?? 60000,
      exited: kafka.exited,
    });
  } catch (error) {
    const bindFailure = kafka.output.some((l) => /Address already in use|BindException/.test(l));
    await kafka.proc.release(2000);
    throw bindFailure ? new PortTaken(error) : error;
  }
}

/** One start-up on fresh ports: properties, storage, the JVM, then ready with its topics. */
async function jvmAttempt(plan: JvmStartPlan, attempt: number): Promise<LocalBroker> {
  const { options, log } = plan;
  const ports = await pickJvmPorts(options);
  const propsFile = writeJvmProperties(plan, ports, attempt);
  formatStorage(plan.classpath, propsFile, join(plan.dir, `data-${attempt}`));
  options.saslFront?.forwardTo({ host: '127.0.0.1', port: ports.sasl });
  const clientPort = options.saslFront?.port ?? ports.sasl;
  log(`starting Kafka broker (SASL_SSL on localhost:${ports.sasl}${options.saslFront ? `, advertised through a relay on ${clientPort}` : ''})...`);
  const started = Date.now();
  const kafka = launchKafka(plan, propsFile);
  await awaitKafkaReady(plan, kafka, { plain: ports.plain, client: clientPort });
  log(`Kafka broker ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // Best effort: makeFrom logs a failure and never throws.
  if (kafka.child.pid !== undefined) await plan.archive.makeFrom(kafka.child.pid, plan.dir, log);
  return {
    ...handedOut({ kind: 'jvm', port: clientPort, ...plan.credentials, topics: plan.topics }),
    adminBootstrap: `localhost:${ports.plain}`,
    emulatorPort: ports.emulatorPort,
    pid: kafka.child.pid,
    stop: () => kafka.proc.release(10000),
  };
}

export async function startJvmBroker(options: JvmBrokerOptions = {}): Promise<LocalBroker> {
  const log = options.log ?? (() => undefined);
  const topics = options.topics ?? DEFAULT_TOPICS;
  const classpath = await brokerClasspath(log);
  const dir = mkdtempSync(join(tmpdir(), 'eventstream-readiness-kafka-'));
  const tracked = own({ dir });
  try {
    const credentials = brokerCredentials(dir, topics, options.tls);
    const keystore = join(dir, 'server.pem');
    writeFileSync(keystore, credentials.keystorePem, { mode: 0o600 });
    const archive = await classArchive(classpath, { cacheDir: options.classArchiveDir });
    const plan: JvmStartPlan = { options, log, topics, classpath, dir, tracked, credentials, keystore, archive };
    // Ports can be taken between picking and binding: retry start-up a few times on a bind failure.
    return await startWithPortRetries({
      attempts: 3,
      attempt: (attempt) => jvmAttempt(plan, attempt),
      beforeRetry: (next) => {
        log(`port taken, retrying start-up (attempt ${next})`);
        mkdirSync(dir, { recursive: true });
        writeFileSync(keystore, credentials.keystorePem, { mode: 0o600 });
        writeFileSync(credentials.caFile, credentials.ca.certPem);
      },
    });
  } catch (error) {
    await tracked.release(0);
    throw error;
  }
}

/** Runs one of Kafka's own command-line tools (same jars as the broker), bounded; returns its output. */
export async function runKafkaTool(mainClass: string, args: readonly string[], timeoutMs = 60000): Promise<string> {
  const classpath = await kafkaClasspath();
  try {
    const { stdout, stderr } = await promisify(execFile)('java', ['-Xmx256m', '-cp', classpath, mainClass, ...args], {
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    return `${stdout}${stderr}`;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${mainClass} failed: ${e.message}\n${(e.stderr ?? '').slice(-2000)}`);
  }
}

/** Sets a default client quota on the broker (e.g. producer_byte_rate) with Kafka's ConfigCommand. */
export async function setDefaultClientQuota(broker: LocalBroker, quota: { producerByteRate: number }): Promise<void> {
  if (!broker.adminBootstrap) throw new Error('quotas can be set on the JVM broker only');
  await runKafkaTool('kafka.admin.ConfigCommand', [
    '--bootstrap-server',
    broker.adminBootstrap,
    '--alter',
    '--add-config',
    `producer_byte_rate=${quota.producerByteRate}`,
    '--entity-type',
    'clients',
    '--entity-default',
  ]);
}
