// Builds the broker's Event Hubs key checks (support/broker/sas-keys, Java) with Maven once per content, cached in .cache/.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../core/project-root.js';

const here = dirname(fileURLToPath(import.meta.url));
const MODULE_DIR = join(here, 'sas-keys');
const CACHE_DIR = join(PROJECT_ROOT, '.cache', 'kafka');
/** Compiling takes seconds; the first run may also fetch Maven's compiler and jar plugins. */
const BUILD_TIMEOUT_MS = 300000;

/** Every file of the module (pom and sources), in a stable order. */
function moduleFiles(dir = MODULE_DIR): string[] {
  return readdirSync(dir)
    .filter((name) => name !== 'target')
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? moduleFiles(path) : [path];
    })
    .sort();
}

/** A hash of the pom and every source: the jar is rebuilt when, and only when, one of them changes. */
export function sasKeysContentHash(): string {
  const hash = createHash('sha256');
  for (const file of moduleFiles()) hash.update(relative(MODULE_DIR, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 12);
}

/**
 * The jar with the broker's key checks: built with Maven the first time (about 5 s), then taken from .cache/.
 * Each build works in a directory of its own and the jar is renamed into place, so runs starting together do not
 * trip over each other's half-written files.
 */
export async function sasKeysJar(log: (line: string) => void = () => undefined): Promise<string> {
  const jar = join(CACHE_DIR, `sas-keys-${sasKeysContentHash()}.jar`);
  if (existsSync(jar)) return jar;
  mkdirSync(CACHE_DIR, { recursive: true });
  const buildDir = mkdtempSync(join(CACHE_DIR, 'sas-keys-build-'));
  log("building the broker's Event Hubs key checks (support/broker/sas-keys) with Maven...");
  const started = Date.now();
  try {
    await promisify(execFile)('mvn', ['-B', '-q', '-Dstyle.color=never', '-f', join(MODULE_DIR, 'pom.xml'), 'package', `-DbuildDir=${buildDir}`], {
      timeout: BUILD_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
    const built = join(buildDir, 'sas-keys.jar');
    const staged = join(buildDir, 'ready.jar');
    copyFileSync(built, staged);
    renameSync(staged, jar);
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    const tail = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`Maven could not build the broker's key checks (${MODULE_DIR}): ${e.message.split('\n')[0]}\n${tail}`);
  } finally {
    rmSync(buildDir, { recursive: true, force: true });
  }
  log(`key checks built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return jar;
}
