// `npm run broker [-- --one-topic]`: runs the local Eventstream-shaped broker and a stand-in of Fabric's REST API
// describing it until Ctrl-C, for rehearsing `--project fabric` against them (with and without discovery).
import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SECRET_VARIABLES } from '../support/inputs/env-file.js';
import { brokerMode, startLocalBroker, topicSetup, topicsOf, type LocalBroker, type TopicSetup } from '../support/broker/index.js';
import { standInEndpoints, standInEnv, startFabricStandIn, type FabricStandIn } from '../support/broker/fabric-standin.js';

const ENV_FILE = resolve(process.env.LOCAL_BROKER_ENV_FILE || '.env.local-broker');
/** The rehearsal with discovery: the control-plane settings, the port and the CA only; Kafka settings come from the stand-in. */
const DISCOVERY_FILE = `${ENV_FILE}-discovery`;

const USAGE = 'usage: npm run broker [-- --one-topic]   (or LOCAL_BROKER_TOPICS=one|two)';

/** --one-topic wins over LOCAL_BROKER_TOPICS; anything else on the command line is refused with the usage. */
function chosenSetup(args: readonly string[]): TopicSetup {
  const unknown = args.filter((a) => a !== '--one-topic');
  if (unknown.length > 0) throw new Error(`unknown argument ${JSON.stringify(unknown[0])}; ${USAGE}`);
  return args.includes('--one-topic') ? 'one' : topicSetup(process.env.LOCAL_BROKER_TOPICS);
}

/** How the printed setup reads on Eventstream. */
const SETUP_LINES: Record<TopicSetup, string> = {
  two: 'Two topics, each with its own key scoped to it (EntityPath), as two custom endpoints: FABRIC_KAFKA_PASSWORD reaches telemetry only, FABRIC_ORDERS_PASSWORD orders only.',
  one: 'One topic for both checks (FABRIC_TOPIC_ORDERS = FABRIC_TOPIC_TELEMETRY), with its one key scoped to it (EntityPath), as one custom endpoint.',
};

/** LOCAL_FABRIC_API=off: no stand-in and no discovery file. */
function fabricApiWanted(raw: string | undefined): boolean {
  const value = (raw ?? '').trim() || 'on';
  if (value === 'on' || value === 'off') return value === 'on';
  throw new Error(`LOCAL_FABRIC_API: expected on or off, got ${JSON.stringify(value)}`);
}

function writeEnvFile(file: string, header: string, env: Readonly<Record<string, string | undefined>>): void {
  const lines = Object.entries(env).map(([k, v]) => `${k}='${v ?? ''}'`);
  writeFileSync(file, `${header}\n${lines.join('\n')}\n`, { mode: 0o600 });
}

/** No connection string: the run takes bootstrap (fullyQualifiedNamespace + FABRIC_KAFKA_PORT), topic and key from Fabric. */
function discoveryEnv(broker: LocalBroker, standIn: FabricStandIn): Record<string, string> {
  return { ...standInEnv(standIn), FABRIC_KAFKA_PORT: String(broker.saslPort), FABRIC_KAFKA_CA_FILE: broker.caFile };
}

async function main(): Promise<void> {
  const setup = chosenSetup(process.argv.slice(2));
  const withFabricApi = fabricApiWanted(process.env.LOCAL_FABRIC_API);
  const broker = await startLocalBroker(brokerMode(process.env.LOCAL_BROKER), {
    topics: topicsOf(setup),
    log: (line) => process.stderr.write(`[local broker] ${line}\n`),
  });
  const standIn = withFabricApi
    ? await startFabricStandIn(standInEndpoints(broker)).catch(async (error: unknown) => {
        await broker.stop();
        throw error;
      })
    : undefined;
  writeEnvFile(ENV_FILE, "# Written by npm run broker; removed when it stops. Contains the broker's secret.", broker.env);
  if (standIn)
    writeEnvFile(DISCOVERY_FILE, '# Written by npm run broker; removed when it stops. Contains the stand-in API token.', discoveryEnv(broker, standIn));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n[local broker] ${signal}: stopping...\n`);
    rmSync(ENV_FILE, { force: true });
    rmSync(DISCOVERY_FILE, { force: true });
    await standIn?.stop();
    await broker.stop();
    process.stderr.write('[local broker] stopped, temp files removed\n');
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(signal));

  const shown = Object.entries(broker.env).map(([k, v]) => `  ${k}=${SECRET_VARIABLES.includes(k) ? `(not shown: it is in ${ENV_FILE})` : v}`);
  process.stdout.write(
    [
      `Local Eventstream-shaped Kafka broker running (${broker.kind}): SASL_SSL + PLAIN, username $ConnectionString.`,
      SETUP_LINES[setup],
      ...shown,
      '',
      `All values, the password included, are in ${ENV_FILE}. Rehearse the real run with:`,
      `  EVENTSTREAM_ENV_FILE=${ENV_FILE} npx vitest run --project fabric`,
      '',
      ...(standIn
        ? [
            `A stand-in of Fabric's REST API describes the broker as the eventstream ${standIn.eventstreamName} (${standIn.url}, GET only).`,
            `${DISCOVERY_FILE} holds no connection string: the workspace, the eventstream, the API URL and token, the port and the CA.`,
            'Rehearse discovery (Kafka settings taken from the eventstream, as CI with an Entra identity does) with:',
            `  EVENTSTREAM_ENV_FILE=${DISCOVERY_FILE} npx vitest run --project fabric`,
            '',
          ]
        : []),
      setup === 'two'
        ? 'The other setup, one topic for both checks: npm run broker -- --one-topic'
        : 'The other setup, two topics with a key each: npm run broker',
      `Ctrl-C stops the broker${standIn ? ' and the stand-in' : ''} and removes ${standIn ? 'both files' : 'its files'}.`,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`[local broker] failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
