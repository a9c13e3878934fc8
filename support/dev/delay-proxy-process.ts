// The delay relay in a process of its own, so its timers and copying do not share an event loop (or a core's share)
// with the client being measured: the bench's comparisons with Kafka's Java tools are then like for like.
import { fork, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startDelayProxy } from './delay-proxy.js';

type Command = { readonly delay: number } | { readonly forwardTo: { host: string; port: number } } | { readonly stop: true };
type Reply = { readonly port: number } | { readonly ok: true };

/** A relay in a child process: what the bench needs of it, each change acknowledged before it resolves. */
export interface DelayProxyProcess {
  readonly port: number;
  readonly delayMs: number;
  setDelay(ms: number): Promise<void>;
  forwardTo(target: { readonly host: string; readonly port: number }): void;
  stop(): Promise<void>;
}

const HERE = fileURLToPath(import.meta.url);

/** Starts the relay child (this same file, run by tsx) and resolves once it listens. Bounded: 15 s. */
export async function startDelayProxyProcess(delayMs: number): Promise<DelayProxyProcess> {
  const child: ChildProcess = fork(HERE, ['--child', String(delayMs)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const replies: Array<(r: Reply) => void> = [];
  child.on('message', (r: Reply) => replies.shift()?.(r));
  const next = (what: string) =>
    new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the delay relay process did not answer (${what}) within 15 s`)), 15000);
      replies.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  const send = async (command: Command, what: string) => {
    const answered = next(what);
    child.send(command);
    return answered;
  };
  const first = (await next('start')) as { port: number };
  let current = delayMs;
  return {
    port: first.port,
    get delayMs() {
      return current;
    },
    async setDelay(ms) {
      await send({ delay: ms }, `delay ${ms} ms`);
      current = ms;
    },
    forwardTo(target) {
      child.send({ forwardTo: { host: target.host, port: target.port } } satisfies Command);
    },
    async stop() {
      if (child.exitCode !== null || !child.connected) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.send({ stop: true } satisfies Command);
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** The child: a relay steered by its parent, gone when the parent is. */
async function runChild(delayMs: number): Promise<void> {
  const proxy = await startDelayProxy({ delayMs });
  process.on('disconnect', () => process.exit(0));
  process.on('message', (c: Command) => {
    if ('delay' in c) {
      proxy.setDelay(c.delay);
      process.send?.({ ok: true } satisfies Reply);
    } else if ('forwardTo' in c) proxy.forwardTo(c.forwardTo);
    else void proxy.stop().then(() => process.exit(0));
  });
  process.send?.({ port: proxy.port } satisfies Reply);
}

if (process.argv[2] === '--child') void runChild(Number(process.argv[3] ?? 0));
