// The broker's class archive (support/broker/class-archive.ts): the first start makes it, later starts map it, and an
// archive that does not map is never put in place (a damaged one would crash every later start).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { archiveMaps, classArchive, javaBinary } from '../../support/broker/class-archive.js';
import { brokerClasspath, startJvmBroker } from '../../support/broker/jvm.js';

describe('the local broker class archive', () => {
  let dir: string;
  let archive: string;
  const logged: string[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'readiness-class-archive-'));
    // A fresh archive dir: this start has no archive to map, so it makes one once it is ready.
    const first = await startJvmBroker({ classArchiveDir: dir, log: (line) => logged.push(line) });
    await first.stop();
    const made = readdirSync(dir);
    archive = join(dir, made.find((f) => /^classes-[0-9a-f]{12}\.jsa$/.test(f)) ?? 'none');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the first start makes the archive, and the next start maps it', async () => {
    expect(logged.join('\n')).toMatch(/class archive made in/);
    expect(readdirSync(dir), 'only the archive, no partial copy').toEqual([archive.slice(dir.length + 1)]);
    expect(statSync(archive).size).toBeGreaterThan(1024 * 1024);
    const next = await startJvmBroker({ classArchiveDir: dir });
    try {
      // The kernel lists every file a process maps: the archive is among the broker's.
      expect(readFileSync(`/proc/${next.pid}/maps`, 'utf8')).toContain(archive);
    } finally {
      await next.stop();
    }
  });

  test('an archive that does not map (cut short) fails the check that guards the cache; the whole one passes it', async () => {
    const java = javaBinary() ?? 'java';
    const classpath = await brokerClasspath();
    const work = mkdtempSync(join(tmpdir(), 'readiness-class-archive-check-'));
    try {
      await expect(archiveMaps(java, archive, classpath, work)).resolves.toBeUndefined();
      const cut = join(work, 'cut.jsa');
      copyFileSync(archive, cut);
      truncateSync(cut, 100_000);
      await expect(archiveMaps(java, cut, classpath, work)).rejects.toThrow(/the dumped archive does not map \(java -Xshare:on\)/);
      // The JVM's crash report stays in the dir given, not in the working directory.
      expect(readdirSync(work).filter((f) => f.startsWith('hs_err_'))).toHaveLength(1);
      expect(readdirSync('.').filter((f) => f.startsWith('hs_err_'))).toEqual([]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('a class archive that cannot be made', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'readiness-class-archive-fails-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a dump that fails while the broker runs is not tried again: later starts run without an archive', async () => {
    const cacheDir = join(dir, 'jvm-fails');
    const cp = await brokerClasspath();
    const first = await classArchive(cp, { cacheDir, jcmd: '/bin/false' });
    expect(first.jvmArgs).toContain('-XX:+RecordDynamicDumpInfo');
    const logged: string[] = [];
    // This process stands in for a broker that is still running when its dump fails.
    await first.makeFrom(process.pid, dir, (line) => logged.push(line));
    expect(logged.join('\n')).toMatch(/no class archive \(brokers start as before\): jcmd VM\.cds dynamic_dump failed/);
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.failed'))).toHaveLength(1);
    const later = await classArchive(cp, { cacheDir, jcmd: '/bin/false' });
    expect(later.jvmArgs).toEqual([]);
  });

  test('a dump cut short by the broker going away (an interrupted run) leaves nothing, so the next start tries again', async () => {
    const cacheDir = join(dir, 'broker-gone');
    const cp = await brokerClasspath();
    const gone = spawnSync('true').pid;
    await (await classArchive(cp, { cacheDir, jcmd: '/bin/false' })).makeFrom(gone, dir, () => undefined);
    expect(existsSync(cacheDir) ? readdirSync(cacheDir) : []).toEqual([]);
    expect((await classArchive(cp, { cacheDir, jcmd: '/bin/false' })).jvmArgs).toContain('-XX:+RecordDynamicDumpInfo');
  });
});
