// `npm run broker [-- --one-topic]`: runs the local Eventstream-shaped broker until Ctrl-C, for rehearsing `--project fabric` against it.
import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SECRET_VARIABLES } from '../support/inputs/config.js';
import { brokerMode, startLocalBroker, topicSetup, topicsOf, type TopicSetup } from '../support/broker/index.js';

const ENV_FILE = resolve(process.env.LOCAL_BROKER_ENV_FILE || '.env.local-broker');

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

async function main(): Promise<void> {
  const setup = chosenSetup(process.argv.slice(2));
  const broker = await startLocalBroker(brokerMode(process.env.LOCAL_BROKER), {
    topics: topicsOf(setup),
    log: (line) => process.stderr.write(`[local broker] ${line}\n`),
  });
  const lines = Object.entries(broker.env).map(([k, v]) => `${k}='${v}'`);
  writeFileSync(ENV_FILE, `# Written by npm run broker; removed when it stops. Contains the broker's secret.\n${lines.join('\n')}\n`, { mode: 0o600 });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n[local broker] ${signal}: stopping...\n`);
    rmSync(ENV_FILE, { force: true });
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
      setup === 'two'
        ? 'The other setup, one topic for both checks: npm run broker -- --one-topic'
        : 'The other setup, two topics with a key each: npm run broker',
      'Ctrl-C stops the broker and removes its files.',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`[local broker] failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
