// A class-data archive (Java's AppCDS) of the broker's classes: the JVM maps them instead of loading and verifying
// them again, and a broker is ready about 1.5-2 s sooner (docs/local-broker.md). Made once per set of jars and JVM.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { own } from '../core/cleanup.js';
import { PROJECT_ROOT } from '../core/project-root.js';

/** No class-sharing log lines at all: a mismatched archive is then silently not used (the start is only slower). */
const QUIET_CDS = '-Xlog:cds=off,cds+dynamic=off';
/** Bounds on making the archive: jcmd's dump, and each `java -version` that checks a flag or an archive. */
const DUMP_TIMEOUT_MS = 60000;
const CHECK_TIMEOUT_MS = 20000;
/** What lets a running broker be dumped later; fatal on a JVM without a base archive (a jlink image), so probed first. */
const RECORD_FOR_DUMP = '-XX:+RecordDynamicDumpInfo';

/** The `java` a broker is started with (the first on PATH), resolved to its installation. */
export function javaBinary(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'java');
    if (existsSync(candidate)) return realpathSync(candidate);
  }
  return undefined;
}

/** What an archive depends on: the classpath, and the JVM build (its libjvm changes with every update). */
function archiveKey(classpath: string, java: string, jvmStamp: string): string {
  return createHash('sha256').update(`${classpath}\n${java}\n${jvmStamp}`).digest('hex').slice(0, 12);
}

/** The JVM build behind `java`: its libjvm's size and time (Linux, macOS, Windows layouts), else the launcher's. */
function jvmStamp(java: string): string {
  const home = join(dirname(java), '..');
  const libjvm = [join(home, 'lib', 'server', 'libjvm.so'), join(home, 'lib', 'server', 'libjvm.dylib'), join(home, 'bin', 'server', 'jvm.dll')].find(
    existsSync,
  );
  const stat = statSync(libjvm ?? java);
  return `${process.env.JAVA_HOME ?? ''}:${stat.size}:${stat.mtimeMs}`;
}

/** A failure that says something about this JVM (it exited non-zero), not about a busy or interrupted moment. */
class LastingFailure extends Error {}

/** Runs a JVM tool, bounded and owned meanwhile (an interrupted run does not leave it behind). A non-zero exit is lasting. */
function runJvmTool(file: string, args: readonly string[], timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: timeoutMs }, (error) => {
      tracked.forget();
      if (!error) return resolve();
      // Killed (the timeout, or a signal) says nothing lasting; an exit code does.
      const lasting = typeof error.code === 'number' && !error.killed;
      reject(new (lasting ? LastingFailure : Error)(`${what}: ${error.message.split('\n')[0]}`));
    });
    const tracked = own({ child });
  });
}

/** Whether `java` maps `archive` for `classpath` (with -Xshare:on it fails rather than fall back); rejects saying why not. */
export function archiveMaps(java: string, archive: string, classpath: string, workDir: string): Promise<void> {
  const args = ['-Xshare:on', `-XX:SharedArchiveFile=${archive}`, `-XX:ErrorFile=${join(workDir, 'hs_err_%p.log')}`, QUIET_CDS, '-cp', classpath, '-version'];
  return runJvmTool(java, args, CHECK_TIMEOUT_MS, 'the dumped archive does not map (java -Xshare:on)');
}

/** Whether process `pid` is still there (signal 0 only asks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface ClassArchive {
  /** The JVM flags for this start: map the archive, or record what a dump needs when there is none yet. */
  readonly jvmArgs: readonly string[];
  /**
   * Once the broker is ready: when there was no archive, dumps the running broker's classes with jcmd, checks that the
   * result maps, and puts it in place. Best effort, never throws: a failure only costs the speed, and is logged.
   */
  makeFrom(pid: number, workDir: string, log: (line: string) => void): Promise<void>;
}

export interface ClassArchiveOptions {
  /** Where archives are kept; .cache/kafka by default. */
  readonly cacheDir?: string;
  /** The jcmd that dumps (tests); the one beside `java` by default. */
  readonly jcmd?: string;
}

const NONE: ClassArchive = { jvmArgs: [], makeFrom: async () => undefined };

/** Keeps why no archive can be made here, so later starts neither try again nor record for a dump (best effort). */
function markFailed(failed: string, reason: string): void {
  try {
    mkdirSync(dirname(failed), { recursive: true });
    writeFileSync(failed, `${reason}\n`);
  } catch {
    /* a read-only or full cache: the next start tries again */
  }
}

/** Dumps the broker at `pid`, checks the dump, and renames it into place; throws saying why not. */
async function makeArchive(o: { java: string; jcmd: string; classpath: string; archive: string; pid: number; workDir: string }): Promise<void> {
  const dump = join(o.workDir, 'classes.jsa');
  const partial = `${o.archive}.partial-${process.pid}-${o.pid}`;
  try {
    await runJvmTool(o.jcmd, [String(o.pid), 'VM.cds', 'dynamic_dump', dump], DUMP_TIMEOUT_MS, 'jcmd VM.cds dynamic_dump failed');
    // A damaged archive would crash every later start: only one that maps cleanly is kept.
    await archiveMaps(o.java, dump, o.classpath, o.workDir);
    // Copied next to its final name, then renamed: a broker starting meanwhile sees the whole archive or none.
    mkdirSync(dirname(o.archive), { recursive: true });
    copyFileSync(dump, partial);
    renameSync(partial, o.archive);
  } finally {
    rmSync(dump, { force: true });
    try {
      rmSync(partial, { force: true });
    } catch {
      /* the cache dir is unusable: nothing was written there */
    }
  }
}

/** The archive for this classpath and the `java` on PATH: mapped when present, made from this broker when not. */
export async function classArchive(classpath: string, options: ClassArchiveOptions = {}): Promise<ClassArchive> {
  const java = javaBinary();
  const jcmd = options.jcmd ?? (java ? join(dirname(java), 'jcmd') : undefined);
  if (!java || !jcmd || !existsSync(jcmd)) return NONE;
  const cacheDir = options.cacheDir ?? join(PROJECT_ROOT, '.cache', 'kafka');
  const archive = join(cacheDir, `classes-${archiveKey(classpath, java, jvmStamp(java))}.jsa`);
  if (existsSync(archive)) return { jvmArgs: [`-XX:SharedArchiveFile=${archive}`, QUIET_CDS], makeFrom: async () => undefined };
  // Where making one failed for a lasting reason of this JVM's, later starts do not pay for trying again: the reason is
  // kept beside it (delete .cache/kafka/ to try again).
  const failed = `${archive}.failed`;
  if (existsSync(failed)) return NONE;
  try {
    await runJvmTool(java, [RECORD_FOR_DUMP, QUIET_CDS, '-version'], CHECK_TIMEOUT_MS, `${RECORD_FOR_DUMP} is not supported`);
  } catch (error) {
    if (error instanceof LastingFailure) markFailed(failed, error.message);
    return NONE;
  }
  return {
    jvmArgs: [RECORD_FOR_DUMP, QUIET_CDS],
    makeFrom: async (pid, workDir, log) => {
      const started = Date.now();
      log('making a class archive of the broker (once per set of jars): later brokers start faster...');
      try {
        await makeArchive({ java, jcmd, classpath, archive, pid, workDir });
        log(`class archive made in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        log(`no class archive (brokers start as before): ${reason}`);
        // Not when the broker went away (an interrupted run) or the machine was too busy: the next start tries again.
        if (error instanceof LastingFailure && alive(pid)) markFailed(failed, reason);
      }
    },
  };
}
