// Judges where the connection string is stored (the SecretsStored readiness row): never in git, never readable by others.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { basename, dirname } from 'node:path';

export type SecretSource = { kind: 'missing' } | { kind: 'environment' } | { kind: 'generated' } | { kind: 'fabric' } | { kind: 'file'; file: string };

export interface SecretVerdict {
  readonly status: 'Pass' | 'Action Required';
  readonly evidence: string;
}

function trackedByGit(file: string): boolean {
  const r = spawnSync('git', ['ls-files', '--error-unmatch', basename(file)], { cwd: dirname(file), stdio: 'ignore', timeout: 5000 });
  return r.status === 0;
}

export function judgeSecretStorage(source: SecretSource): SecretVerdict {
  switch (source.kind) {
    case 'missing':
      return { status: 'Action Required', evidence: 'FABRIC_KAFKA_PASSWORD is not set' };
    case 'generated':
      return { status: 'Pass', evidence: 'generated for this run by the local broker and never written to the repository' };
    case 'fabric':
      return {
        status: 'Pass',
        evidence:
          "fetched at run time from Fabric's REST API (the custom endpoint source's connection) with an Entra ID identity: no connection string is stored",
      };
    case 'environment':
      return { status: 'Pass', evidence: 'supplied through the environment (a CI secret or secret store), not read from a file' };
    case 'file': {
      if (trackedByGit(source.file)) {
        return {
          status: 'Action Required',
          evidence: `${source.file} holds the connection string and is tracked by git: remove it from git, rotate the key, and use a CI secret`,
        };
      }
      const mode = statSync(source.file).mode;
      if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
        return {
          status: 'Action Required',
          evidence: `${source.file} holds the connection string and is readable by other users (mode ${(mode & 0o777).toString(8)}): chmod 600 it`,
        };
      }
      return { status: 'Pass', evidence: `in ${source.file}, not tracked by git, readable by its owner only` };
    }
  }
}
