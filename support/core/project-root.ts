// The repository's root folder, for the few files that must find fixtures/, the broker's pom.xml or the suite itself.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
