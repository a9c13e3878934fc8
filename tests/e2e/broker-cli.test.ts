// `npm run broker` as a user runs it: values printed (password only in the env file), fabric run passes against it, Ctrl-C cleans up.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { PROJECT_ROOT, processesStillMentioning, runSuite } from '../../support/dev/run-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'readiness-broker-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The value of one variable in the env file the CLI wrote. */
const valueIn = (file: string, name: string): string | undefined => new RegExp(`^${name}='([^']+)'`, 'm').exec(readFileSync(file, 'utf8'))?.[1];

test.for([
  // Two custom endpoints' keys, one per topic, each scoped to it (EntityPath).
  {
    setup: 'two topics with a key each (default)',
    args: [] as string[],
    orders: 'orders',
    ordersKey: /^Endpoint=sb:\/\/localhost\/;SharedAccessKeyName=key_orders;SharedAccessKey=[^;]+;EntityPath=orders$/,
  },
  // One custom endpoint: one topic for both checks, one key.
  { setup: 'one topic for both checks (--one-topic)', args: ['--one-topic'], orders: 'telemetry', ordersKey: undefined },
])(
  'npm run broker, $setup: prints the FABRIC_* values, hides the passwords, serves --project fabric, and Ctrl-C removes everything',
  async ({ args, orders, ordersKey }) => {
    const envFile = join(dir, `local-broker-${args.length}.env`);
    const ownTmp = join(dir, `tmp-${args.length}`);
    mkdirSync(ownTmp);
    const cli = spawn(process.execPath, [join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/broker.ts', ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, LOCAL_BROKER_ENV_FILE: envFile, TMPDIR: ownTmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    cli.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`broker CLI not ready within 90 s:\n${stderr.slice(-2000)}`)), 90000);
      cli.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        if (stdout.includes('Ctrl-C stops the broker')) {
          clearTimeout(timer);
          resolve();
        }
      });
      cli.once('exit', (code) => reject(new Error(`broker CLI exited early (${code}):\n${stderr.slice(-2000)}`)));
    });
    const exited = new Promise<number | null>((r) => cli.once('exit', (code) => r(code)));
    try {
      await ready;
      const password = valueIn(envFile, 'FABRIC_KAFKA_PASSWORD') ?? '';
      expect(password).toMatch(/^Endpoint=sb:\/\/localhost\/;SharedAccessKeyName=key_telemetry;SharedAccessKey=[^;]+;EntityPath=telemetry$/);
      const ordersPassword = valueIn(envFile, 'FABRIC_ORDERS_PASSWORD');
      if (ordersKey) expect(ordersPassword).toMatch(ordersKey);
      else expect(ordersPassword).toBeUndefined();
      expect(valueIn(envFile, 'FABRIC_TOPIC_ORDERS')).toBe(orders);
      expect(valueIn(envFile, 'FABRIC_CONSUMER_PASSWORD')).toBe(password);
      expect(stdout).toMatch(/FABRIC_KAFKA_BOOTSTRAP=localhost:\d+/);
      expect(stdout).toMatch(/FABRIC_KAFKA_CA_FILE=\S+ca\.pem/);
      expect(stdout).toContain('FABRIC_KAFKA_PASSWORD=(not shown');
      const secrets = [password, ...(ordersPassword ? [ordersPassword] : [])];
      for (const secret of secrets) expect((stdout + stderr).includes(secret), 'a secret was printed or reported').toBe(false);

      const run = await runSuite({
        project: 'fabric',
        env: { EVENTSTREAM_ENV_FILE: envFile, READINESS_BURST_EVENTS: '500', READINESS_PACED_EVENTS: '2' },
        timeoutMs: 90000,
      });
      expect(run.code, run.stdout.slice(-2000)).toBe(0);
      for (const secret of secrets) expect(run.allOutput.includes(secret), 'a secret was printed or reported').toBe(false);

      // The rehearsal with discovery: no connection string in the file; the Kafka settings come from the stand-in.
      const discoveryFile = `${envFile}-discovery`;
      const discovery = readFileSync(discoveryFile, 'utf8');
      expect(discovery).not.toMatch(/FABRIC_KAFKA_PASSWORD|FABRIC_KAFKA_BOOTSTRAP|SharedAccessKey/);
      expect(discovery).toMatch(/^FABRIC_WORKSPACE_ID=/m);
      const token = valueIn(discoveryFile, 'FABRIC_API_TOKEN') ?? '';
      expect(token.length).toBeGreaterThan(10);
      const rehearsal = await runSuite({
        project: 'fabric',
        env: { EVENTSTREAM_ENV_FILE: discoveryFile, READINESS_BURST_EVENTS: '500', READINESS_PACED_EVENTS: '2' },
        timeoutMs: 90000,
      });
      expect(rehearsal.code, rehearsal.stdout.slice(-2000)).toBe(0);
      expect(rehearsal.readiness?.readiness.find((r) => r.name === 'EventstreamRunning')?.status).toBe('Pass');
      expect(rehearsal.readiness?.controlPlane?.discovered).toEqual(expect.arrayContaining(['FABRIC_KAFKA_BOOTSTRAP', 'FABRIC_KAFKA_PASSWORD']));
      for (const secret of [...secrets, token]) expect(rehearsal.allOutput.includes(secret), 'a secret was printed or reported').toBe(false);
    } finally {
      cli.kill('SIGINT');
      const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20000))]);
      if (code === 'timeout') cli.kill('SIGKILL');
      expect(code).toBe(0);
    }
    expect(existsSync(envFile)).toBe(false);
    expect(existsSync(`${envFile}-discovery`)).toBe(false);
    expect(await processesStillMentioning(ownTmp)).toEqual([]);
    expect(readdirSync(ownTmp).filter((f) => f.startsWith('eventstream-readiness-'))).toEqual([]);
  },
);
