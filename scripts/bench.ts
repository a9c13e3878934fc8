// `npm run bench`: our burst generator and round trip against Kafka's own ProducerPerformance and EndToEndLatency,
// on the same local broker, same topic, record size, acks=all and SASL_SSL listener, runs alternating A B A B.
// Its parts: bench/options.ts (options, scenarios, goals), bench/java-tools.ts (Kafka's tools), bench/scenarios.ts
// (the broker and the rounds), bench/summary.ts (medians, ratios, goals) and bench/rendering.ts (the table).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDelayProxyProcess } from '../support/dev/delay-proxy-process.js';
import { DELAYS_MS, FABRIC_ONLY, LONG_RUN_SEC, QUICK, log, type DelayRuns } from './bench/options.js';
import { benchClients, coldLocalRun, compareLatency, compareThroughput, fabricRuns, profiles, startBenchBroker } from './bench/scenarios.js';
import { summarize } from './bench/summary.js';
import { printFabricProfile, writeResults } from './bench/rendering.js';

async function main(): Promise<void> {
  const started = new Date();
  // In a process of its own: in ours, it would take event-loop time from our client that the Java tools never lose.
  const relay = await startDelayProxyProcess(0);
  const { broker, brokerReadyMs } = await startBenchBroker(relay);
  const dir = mkdtempSync(join(tmpdir(), 'eventstream-readiness-bench-'));
  try {
    const bench = benchClients(broker, relay, dir);
    const delays: DelayRuns[] = [];
    for (const delayMs of DELAYS_MS) {
      await relay.setDelay(delayMs);
      log(`--- ${delayMs} ms each way through the relay (${QUICK ? 'quick' : `long runs of about ${LONG_RUN_SEC} s`}) ---`);
      if (FABRIC_ONLY) {
        printFabricProfile(delayMs, await fabricRuns(bench));
        continue;
      }
      const throughput = await compareThroughput(bench);
      const latency = await compareLatency(bench);
      const fabric = await fabricRuns(bench);
      delays.push({ delayMs, throughput, latency, fabric });
    }
    if (FABRIC_ONLY) return;
    await broker.stop();
    await relay.stop();
    const suite = await coldLocalRun();
    writeResults(summarize({ started, brokerReadyMs, delays, suite, profiles }));
  } finally {
    await broker.stop();
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${(error as Error).message}\n`);
  process.exit(1);
});
