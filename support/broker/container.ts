// Runs the same Eventstream-shaped broker in Docker (apache/kafka image, or a local stand-in) through testcontainers.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GenericContainer, getContainerRuntimeClient, ImageName, type ContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import { withDeadline } from '../core/deadline.js';
import { redact } from '../core/redact.js';
import { CONTAINER_LABEL, CONTAINER_RUN_LABEL, own } from '../core/cleanup.js';
import { sasKeysJar } from './sas-keys.js';
import { handedOut } from './env.js';
import { brokerCredentials } from './keys.js';
import type { LocalBroker, LocalBrokerOptions } from './local-broker.js';
import { freePort, kafkaClusterId, serverProperties } from './properties.js';
import { awaitReadyAndCreateTopics } from './readiness.js';
import { DEFAULT_TOPICS } from './topics.js';
import { PortTaken, startWithPortRetries } from './port-retries.js';

/** Same Kafka version as support/broker/pom.xml; override with LOCAL_BROKER_IMAGE. */
export const DEFAULT_IMAGE = 'apache/kafka:4.1.1';
/** The local stand-in for DEFAULT_IMAGE that scripts/standin-image/build.sh builds (its STANDIN_IMAGE_TAG default). */
export const STANDIN_IMAGE = 'eventstream-readiness/kafka-standin:4.1.1';
/** The command that installs and starts a Docker engine here and builds the stand-in image. */
export const CONTAINER_SETUP_COMMAND = 'scripts/standin-image/setup-docker.sh';
/** The key checks' jar inside the container. */
const SAS_KEYS_JAR_NAME = 'eventstream-readiness-sas-keys.jar';
/** The SASL_SSL listener inside the container; published on a free port of 127.0.0.1. */
const CONTAINER_SASL_PORT = 9093;
/** Host-port clashes are retried with a new free port this many times in all. */
const START_ATTEMPTS = 3;
/** How often a starting container's state is polled, so a crash is seen at once rather than at the timeout. */
const EXIT_POLL_MS = 300;
/** Log lines of a crashed container carried in the error. */
const LOG_TAIL_LINES = 25;

export interface ContainerBrokerOptions extends LocalBrokerOptions {
  /** The image; default LOCAL_BROKER_IMAGE, else apache/kafka:4.1.1. */
  readonly image?: string;
  /** Extra server.properties entries (e.g. a broken one, in a self test). */
  readonly properties?: Record<string, string>;
  /** Picks the host port for each attempt (a self test hands out a taken one first); default a free port. */
  readonly pickHostPort?: () => Promise<number>;
}

/**
 * The runtime client, with testcontainers pointed at localhost: we publish ports on 127.0.0.1 and advertise
 * localhost. Where /.dockerenv exists (this machine) testcontainers would otherwise take the bridge's gateway
 * (172.17.0.1) for the host. The client is cached by testcontainers, so this must run before its first use.
 */
function runtimeClient(): Promise<ContainerRuntimeClient> {
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
  return getContainerRuntimeClient();
}

/** Whether a Docker (or compatible) runtime answers within a few seconds. */
export async function dockerAvailable(): Promise<{ ok: boolean; reason?: string }> {
  try {
    await withDeadline(runtimeClient(), 8000, 'looking for a Docker runtime');
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `no Docker runtime answered (${(error as Error).message.split('\n')[0]})` };
  }
}

/**
 * Whether container mode can start without pulling: Docker answers and the image (LOCAL_BROKER_IMAGE, else
 * apache/kafka:4.1.1) is present. LOCAL_BROKER=auto asks this, so a machine whose engine cannot pull (no
 * registry reachable) falls back to the JVM broker at once instead of failing on the pull.
 */
export async function containerModeReady(image = process.env.LOCAL_BROKER_IMAGE || DEFAULT_IMAGE): Promise<{ ok: boolean; reason?: string }> {
  const docker = await dockerAvailable();
  if (!docker.ok) return docker;
  const present = await imagePresent(image).catch(() => false);
  return present
    ? { ok: true }
    : { ok: false, reason: `Docker answers but image ${image} is not present locally (pull it, or build the stand-in: ${CONTAINER_SETUP_COMMAND})` };
}

/** Whether the image is present locally (nothing is pulled to find out). */
export async function imagePresent(image: string): Promise<boolean> {
  const client = await withDeadline(runtimeClient(), 8000, 'looking for a Docker runtime');
  return withDeadline(client.image.exists(ImageName.fromString(image)), 8000, `looking for image ${image}`);
}

/**
 * GenericContainer with three additions: ports published on 127.0.0.1 only (never on every interface),
 * the container id handed over as soon as it exists (before start, which can fail, e.g. on a port clash:
 * testcontainers does not remove a container it could not start), and no wait of its own.
 */
class OwnedContainer extends GenericContainer {
  constructor(
    image: string,
    private readonly onCreated: (id: string) => void,
  ) {
    super(image);
    // Readiness is ours (a real SASL_SSL login, as for the JVM broker), raced against the container exiting;
    // testcontainers' port wait would only see docker-proxy, which accepts connections before Kafka listens.
    this.waitStrategy = {
      waitUntilReady: async () => undefined,
      withStartupTimeout: () => this.waitStrategy,
      isStartupTimeoutSet: () => true,
      getStartupTimeout: () => 0,
    };
  }

  protected override async beforeContainerCreated(): Promise<void> {
    const portBindings = (this.hostConfig.PortBindings ?? {}) as Record<string, Array<{ HostIp?: string }>>;
    for (const bindings of Object.values(portBindings)) {
      for (const binding of bindings) binding.HostIp = '127.0.0.1';
    }
  }

  protected override async containerCreated(containerId: string): Promise<void> {
    this.onCreated(containerId);
  }
}

/** The last lines a container wrote (stdout and stderr), redacted: Kafka may echo its configuration. */
async function logTail(client: ContainerRuntimeClient, id: string): Promise<string> {
  try {
    const raw = await withDeadline(
      client.container.getById(id).logs({ stdout: true, stderr: true, follow: false, tail: LOG_TAIL_LINES }),
      5000,
      'reading container logs',
    );
    return redact(demultiplex(Buffer.from(raw)).trimEnd()) || '(no output)';
  } catch (error) {
    return `(logs unavailable: ${(error as Error).message})`;
  }
}

/** Docker multiplexes stdout and stderr of a container without a TTY in frames: 1 byte stream, 3 zero, 4 bytes length. */
function demultiplex(raw: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= raw.length && raw[at + 1] === 0 && raw[at + 2] === 0 && raw[at + 3] === 0) {
    const size = raw.readUInt32BE(at + 4);
    parts.push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return at === 0 ? raw.toString('utf8') : Buffer.concat(parts).toString('utf8');
}

/**
 * Settles `exited` (with the reason) once the container has stopped running. Polled, because a crashed
 * container would otherwise be noticed only when a timeout runs out (testcontainers waits 10 s for ports
 * that a dead container never binds, our readiness wait the whole start timeout).
 */
class ExitWatch {
  readonly exited: Promise<string>;
  private settle: (why: string) => void = () => undefined;
  private timer: NodeJS.Timeout | undefined;
  private cancelled = false;

  constructor(
    private readonly client: ContainerRuntimeClient,
    private readonly image: string,
  ) {
    this.exited = new Promise((resolveExit) => (this.settle = resolveExit));
  }

  /** Starts watching a container, from the moment it is created. */
  watch(id: string): void {
    const poll = async () => {
      try {
        const { State: state } = await withDeadline(this.client.container.inspect(this.client.container.getById(id)), 5000, 'inspecting the container');
        if (state.Status === 'exited' || state.Status === 'dead') {
          const oom = state.OOMKilled ? ' (out of memory)' : '';
          this.settle(`the container of ${this.image} exited with code ${state.ExitCode}${oom}; its last log lines:\n${await logTail(this.client, id)}`);
          return;
        }
      } catch {
        /* not inspectable this moment: look again */
      }
      if (!this.cancelled) this.timer = setTimeout(() => void poll(), EXIT_POLL_MS);
    };
    void poll();
  }

  cancel(): void {
    this.cancelled = true;
    clearTimeout(this.timer);
  }

  /** `work`, unless the container exits first: then a rejection with the exit code and the last log lines. */
  race<T>(work: Promise<T>): Promise<T> {
    work.catch(() => undefined); // the loser of the race must not become an unhandled rejection
    return Promise.race([work, this.exited.then((why) => Promise.reject(new Error(`it exited during start-up: ${why}`)))]);
  }
}

/** A start failure caused by the host port being taken between picking it and Docker binding it. */
function isPortClash(error: unknown): boolean {
  return /port is already allocated|address already in use/i.test((error as Error)?.message ?? '');
}

/** What every start-up attempt reuses: the image, the runtime, the broker's dir, credentials and the key checks' jar. */
interface ContainerStartPlan {
  readonly options: ContainerBrokerOptions;
  readonly log: (line: string) => void;
  readonly topics: NonNullable<ContainerBrokerOptions['topics']>;
  readonly image: string;
  readonly startTimeoutMs: number;
  readonly client: ContainerRuntimeClient;
  readonly dir: string;
  readonly tracked: ReturnType<typeof own>;
  readonly credentials: ReturnType<typeof brokerCredentials>;
  readonly keysJar: string;
}

/** server.properties inside the container; the advertised address is the host port. */
function containerProperties(plan: ContainerStartPlan, hostPort: number): string {
  const settings = {
    bindHost: '0.0.0.0',
    controllerPort: 9094,
    plainPort: 19092,
    saslPort: CONTAINER_SASL_PORT,
    advertisedSaslPort: hostPort,
    dataDir: '/tmp/kraft-data',
    keystore: '/etc/kafka/secrets/server.pem',
    keys: plan.credentials.issued,
  };
  return serverProperties(settings, plan.options.properties);
}

/** Starts the container and waits until it is ready with its topics; a container that exits fails the wait at once. */
async function startReady(plan: ContainerStartPlan, hostPort: number, exit: ExitWatch, onCreated: (id: string) => void): Promise<StartedTestContainer> {
  const { image, credentials, startTimeoutMs } = plan;
  const starting = startOne({
    image,
    properties: containerProperties(plan, hostPort),
    keystorePem: credentials.keystorePem,
    keysJar: plan.keysJar,
    hostPort,
    onCreated,
  });
  const container = await withDeadline(exit.race(starting), startTimeoutMs, `starting the ${image} container`);
  await exit.race(
    awaitReadyAndCreateTopics({
      via: { kind: 'sasl_ssl', port: hostPort, caPem: credentials.ca.certPem, connectionString: credentials.keys.namespace },
      topics: plan.topics,
      timeoutMs: startTimeoutMs,
      // The race rejects at once; this ends the wait's own retry loop too.
      exited: exit.exited,
    }),
  );
  return container;
}

/** The started container as a LocalBroker; stopping it removes the container and the broker's dir. */
function containerBroker(
  plan: ContainerStartPlan,
  hostPort: number,
  started: { container: StartedTestContainer; owned: ReturnType<typeof own> | undefined },
): LocalBroker {
  return {
    ...handedOut({ kind: 'container', port: hostPort, ...plan.credentials, topics: plan.topics }),
    stop: async () => {
      // SIGTERM first, so Kafka shuts down cleanly; then our own removal makes sure (Ryuk may be off).
      await withDeadline(started.container.stop({ timeout: 5000 }), 20000, 'stopping the Kafka container').catch(() => undefined);
      await started.owned?.release(0);
      await plan.tracked.release(0);
    },
  };
}

/** One start-up on a freshly picked host port. A host port taken before Docker bound it is PortTaken. */
async function containerAttempt(plan: ContainerStartPlan): Promise<LocalBroker> {
  const { image, log } = plan;
  // The advertised address must be the host port, so it is chosen before the container starts.
  const hostPort = await (plan.options.pickHostPort ?? freePort)();
  log(`starting ${image} with testcontainers (SASL_SSL on localhost:${hostPort})...`);
  const started = Date.now();
  let owned: ReturnType<typeof own> | undefined;
  const exit = new ExitWatch(plan.client, image);
  try {
    const container = await startReady(plan, hostPort, exit, (id) => {
      owned = own({ containerId: id, dir: plan.dir });
      exit.watch(id);
    });
    exit.cancel();
    log(`Kafka container ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return containerBroker(plan, hostPort, { container, owned });
  } catch (error) {
    exit.cancel();
    await owned?.release(0);
    const failure = new Error(redact(`the Kafka container (${image}) did not start: ${(error as Error).message}`));
    throw isPortClash(error) ? new PortTaken(failure, hostPort) : failure;
  }
}

export async function startContainerBroker(options: ContainerBrokerOptions = {}): Promise<LocalBroker> {
  const log = options.log ?? (() => undefined);
  const topics = options.topics ?? DEFAULT_TOPICS;
  const image = options.image ?? (process.env.LOCAL_BROKER_IMAGE || DEFAULT_IMAGE);
  const startTimeoutMs = options.startTimeoutMs ?? 120000;
  const client = await withDeadline(runtimeClient(), 8000, 'looking for a Docker runtime');
  const dir = mkdtempSync(join(tmpdir(), 'eventstream-readiness-container-'));
  const tracked = own({ dir });
  try {
    const credentials = brokerCredentials(dir, topics);
    // The key checks run inside Kafka: the same jar as the JVM broker's, copied onto the image's classpath.
    const keysJar = await sasKeysJar(log);
    const plan: ContainerStartPlan = { options, log, topics, image, startTimeoutMs, client, dir, tracked, credentials, keysJar };
    return await startWithPortRetries({
      attempts: START_ATTEMPTS,
      attempt: () => containerAttempt(plan),
      beforeRetry: (next, taken) => {
        // The container's cleanup took the dir with it (the watchdog guards both): put the CA back.
        mkdirSync(dir, { recursive: true });
        writeFileSync(credentials.caFile, credentials.ca.certPem);
        log(`host port ${taken.port} was taken before Docker could bind it; retrying with another (attempt ${next} of ${START_ATTEMPTS})`);
      },
    });
  } catch (error) {
    await tracked.release(0);
    throw error;
  }
}

/** One `GenericContainer.start()`, labelled for cleanup and leftover checks; `onCreated` gets the id before it starts. */
function startOne(plan: {
  image: string;
  properties: string;
  keystorePem: string;
  keysJar: string;
  hostPort: number;
  onCreated: (id: string) => void;
}): Promise<StartedTestContainer> {
  return (
    new OwnedContainer(plan.image, plan.onCreated)
      // The image reads a whole server.properties from /mnt/shared/config ("file input").
      .withCopyContentToContainer([
        { content: plan.properties, target: '/mnt/shared/config/server.properties', mode: 0o644 },
        // Readable by the image's non-root user (appuser); the container is private to this run.
        { content: plan.keystorePem, target: '/etc/kafka/secrets/server.pem', mode: 0o644 },
      ])
      // /opt/kafka/libs/* is the classpath of apache/kafka's scripts and of the stand-in's run script alike.
      .withCopyFilesToContainer([{ source: plan.keysJar, target: `/opt/kafka/libs/${SAS_KEYS_JAR_NAME}`, mode: 0o644 }])
      .withEnvironment({
        CLUSTER_ID: kafkaClusterId(),
        KAFKA_HEAP_OPTS: '-Xms384m -Xmx384m',
        // As for the JVM broker: a throwaway broker starts faster with the serial collector and the C1 compiler only
        // (kafka-run-class.sh, in the official image too, takes these instead of its G1 defaults).
        KAFKA_JVM_PERFORMANCE_OPTS: '-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true',
      })
      .withLabels({ [CONTAINER_LABEL]: 'local-broker', [CONTAINER_RUN_LABEL]: tmpdir() })
      .withExposedPorts({ container: CONTAINER_SASL_PORT, host: plan.hostPort })
      .start()
  );
}
