/** Real worker processes for crash tests: `node --import tsx workers/main.ts`, one OS process, killable. */
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';

const MAIN = fileURLToPath(new URL('../../workers/main.ts', import.meta.url));

export interface WorkerProcess {
  pid: number;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function spawnWorkerProcess(configFile: string, roles: string[]): Promise<WorkerProcess> {
  const child: ResultPromise = execa('node', ['--import', 'tsx', MAIN, '--config', configFile, ...roles.flatMap((r) => ['--role', r])], {
    env: { LOG_LEVEL: 'info' },
    reject: false,
    buffer: false,
    stdin: 'ignore',
    stderr: 'inherit',
  });
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('"roles started"')) resolve();
    });
    void child.then((result) => reject(new Error(`worker process exited early (${result.exitCode ?? result.signal}): ${seen}`)));
  });
  return {
    pid: child.pid!,
    async kill(signal) {
      child.kill(signal);
      await child;
    },
  };
}
