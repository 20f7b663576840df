/** Finding a program the way a shell would, so a missing engine is reported before any job needs it. */
import { access, constants } from 'node:fs/promises';
import path from 'node:path';

/** The program's full path, or undefined: a name is searched on PATH like a shell would, a path must be executable. */
export async function findExecutable(program: string, envPath = process.env.PATH ?? ''): Promise<string | undefined> {
  const candidates = program.includes('/') ? [program] : envPath.split(':').filter(Boolean).map((dir) => path.join(dir, program));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return path.resolve(candidate);
    } catch {
      // not here; try the next PATH entry
    }
  }
  return undefined;
}
