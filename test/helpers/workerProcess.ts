/** Real worker processes (crash, chaos and multi-host tests): `node --import tsx workers/main.ts`, killable. */
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';

const MAIN = fileURLToPath(new URL('../../workers/main.ts', import.meta.url));

export interface WorkerProcess {
  pid: number;
  /** Everything it logged so far (JSON lines). */
  log(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** `selection`: `--buffer-host` / `--camera` arguments, as on a host that serves only those. */
export async function spawnWorkerProcess(configFile: string, roles: string[], selection: string[] = []): Promise<WorkerProcess> {
  const args = [MAIN, '--config', configFile, ...roles.flatMap((r) => ['--role', r]), ...selection];
  const child: ResultPromise = execa('node', ['--import', 'tsx', ...args], {
    env: { LOG_LEVEL: 'info' },
    reject: false,
    buffer: false,
    stdin: 'ignore',
    stderr: 'inherit',
  });
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('"roles started"')) resolve();
    });
    void child.then((result) => reject(new Error(`worker process exited early (${result.exitCode ?? result.signal}): ${seen}`)));
  });
  return {
    pid: child.pid!,
    log: () => seen,
    async kill(signal) {
      child.kill(signal);
      await child;
    },
  };
}
