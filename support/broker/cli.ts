// `npm run broker`: runs the local Eventstream-shaped broker until Ctrl-C, for rehearsing `--project fabric` against it.
import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SECRET_VARIABLES } from '../config.js';
import { brokerMode, startLocalBroker } from './index.js';

const ENV_FILE = resolve(process.env.LOCAL_BROKER_ENV_FILE || '.env.local-broker');

async function main(): Promise<void> {
  const broker = await startLocalBroker(brokerMode(process.env.LOCAL_BROKER), {
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
      ...shown,
      '',
      `All values, the password included, are in ${ENV_FILE}. Rehearse the real run with:`,
      `  EVENTSTREAM_ENV_FILE=${ENV_FILE} npx vitest run --project fabric`,
      '',
      'Ctrl-C stops the broker and removes its files.',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`[local broker] failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
