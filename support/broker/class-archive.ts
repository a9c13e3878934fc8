// A class-data archive (Java's AppCDS) of the broker's classes: the JVM maps them instead of loading and verifying
// them again, and a broker is ready about 1.5-2 s sooner (docs/local-broker.md). Made once per set of jars and JVM.
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { own } from '../core/cleanup.js';
import { PROJECT_ROOT } from '../core/project-root.js';

/** Only errors from the JVM's class-sharing logs: a mismatched archive is then used silently less, never printed. */
const QUIET_CDS = '-Xlog:cds=off,cds+dynamic=off';
/** Bounds on making the archive: jcmd's dump, and the check that the new archive maps. */
const DUMP_TIMEOUT_MS = 60000;
const CHECK_TIMEOUT_MS = 20000;

/** The `java` a broker is started with (the first on PATH), resolved to its installation. */
export function javaBinary(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'java');
    if (existsSync(candidate)) return realpathSync(candidate);
  }
  return undefined;
}

/** What an archive depends on: the classpath, and the JVM build (its libjvm changes with every update). */
export function archiveKey(classpath: string, java: string, jvmStamp: string): string {
  return createHash('sha256').update(`${classpath}\n${java}\n${jvmStamp}`).digest('hex').slice(0, 12);
}

/** Whether `java` maps `archive` for `classpath` (its own start fails rather than fall back): 'maps', or how it failed. */
export function archiveMaps(java: string, archive: string, classpath: string, workDir: string): string {
  const check = spawnSync(
    java,
    ['-Xshare:on', `-XX:SharedArchiveFile=${archive}`, `-XX:ErrorFile=${join(workDir, 'hs_err_%p.log')}`, QUIET_CDS, '-cp', classpath, '-version'],
    {
      stdio: 'ignore',
      timeout: CHECK_TIMEOUT_MS,
    },
  );
  return check.status === 0 ? 'maps' : `exit ${check.status ?? check.signal ?? check.error?.message}`;
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

/** jcmd's dump of the running broker's classes, bounded; owned meanwhile, so an interrupted run does not leave it behind. */
function dumpClasses(jcmd: string, pid: number, dump: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(jcmd, [String(pid), 'VM.cds', 'dynamic_dump', dump], { timeout: DUMP_TIMEOUT_MS }, (error) => {
      tracked.forget();
      if (error) reject(new Error(`jcmd VM.cds dynamic_dump failed: ${error.message}`));
      else resolve();
    });
    const tracked = own({ child });
  });
}

export interface ClassArchive {
  /** The JVM flags for this start: map the archive, or record what a dump needs when there is none yet. */
  readonly jvmArgs: readonly string[];
  /**
   * Once the broker is ready: when there was no archive, dumps the running broker's classes with jcmd, checks that the
   * result maps, and puts it in place. Best effort: a failure only costs the speed, and is logged.
   */
  makeFrom(pid: number, workDir: string, log: (line: string) => void): Promise<void>;
}

export interface ClassArchiveOptions {
  /** Where archives are kept; .cache/kafka by default. */
  readonly cacheDir?: string;
  /** The jcmd that dumps (tests); the one beside `java` by default. */
  readonly jcmd?: string;
}

/** The archive for this classpath and the `java` on PATH: mapped when present, made from this broker when not. */
export function classArchive(classpath: string, options: ClassArchiveOptions = {}): ClassArchive {
  const java = javaBinary();
  const jcmd = options.jcmd ?? (java ? join(dirname(java), 'jcmd') : undefined);
  const libjvm = java ? join(dirname(java), '..', 'lib', 'server', 'libjvm.so') : undefined;
  if (!java || !jcmd || !existsSync(jcmd)) return { jvmArgs: [], makeFrom: async () => undefined };
  const stamp = libjvm && existsSync(libjvm) ? statSync(libjvm) : statSync(java);
  const cacheDir = options.cacheDir ?? join(PROJECT_ROOT, '.cache', 'kafka');
  const archive = join(cacheDir, `classes-${archiveKey(classpath, java, `${stamp.size}:${stamp.mtimeMs}`)}.jsa`);
  if (existsSync(archive)) return { jvmArgs: [`-XX:SharedArchiveFile=${archive}`, QUIET_CDS], makeFrom: async () => undefined };
  // Where making one failed for a reason of this JVM's (not an interrupted broker), later starts do not pay for trying
  // again: the reason is kept beside it (delete .cache/kafka/ to try again).
  const failed = `${archive}.failed`;
  if (existsSync(failed)) return { jvmArgs: [], makeFrom: async () => undefined };
  return {
    jvmArgs: ['-XX:+RecordDynamicDumpInfo', QUIET_CDS],
    makeFrom: async (pid, workDir, log) => {
      const dump = join(workDir, 'classes.jsa');
      const partial = `${archive}.partial-${process.pid}-${pid}`;
      const started = Date.now();
      log('making a class archive of the broker (once per set of jars): later brokers start faster...');
      try {
        await dumpClasses(jcmd, pid, dump);
        // A damaged archive would crash every later start: only one that maps cleanly is kept.
        const check = archiveMaps(java, dump, classpath, workDir);
        if (check !== 'maps') throw new Error(`the dumped archive does not map (java -Xshare:on: ${check})`);
        // Copied next to its final name, then renamed: a broker starting meanwhile sees the whole archive or none.
        mkdirSync(cacheDir, { recursive: true });
        copyFileSync(dump, partial);
        renameSync(partial, archive);
        log(`class archive made in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        log(`no class archive (brokers start as before): ${reason}`);
        if (alive(pid)) {
          mkdirSync(cacheDir, { recursive: true });
          writeFileSync(failed, `${reason}\n`);
        }
      } finally {
        rmSync(dump, { force: true });
        rmSync(partial, { force: true });
      }
    },
  };
}
