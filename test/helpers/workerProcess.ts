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

/**
 * Starts one without waiting for it to serve. `selection`: `--buffer-host` / `--camera` arguments, as on a host
 * that serves only those; `netns`: the network namespace of the host it runs on (test/helpers/facilityNetwork.ts).
 */
export function launchWorkerProcess(configFile: string, roles: string[], selection: string[] = [], { netns }: { netns?: string } = {}): WorkerProcess & { exited: Promise<string> } {
  const args = ['--import', 'tsx', MAIN, '--config', configFile, ...roles.flatMap((r) => ['--role', r]), ...selection];
  const [command, commandArgs] = netns ? ['ip', ['netns', 'exec', netns, process.execPath, ...args]] : ['node', args];
  const child: ResultPromise = execa(command, commandArgs, {
    env: { LOG_LEVEL: 'info' },
    reject: false,
    buffer: false,
    stdin: 'ignore',
    stderr: 'inherit',
  });
  let seen = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    seen += chunk.toString();
  });
  return {
    pid: child.pid!,
    log: () => seen,
    exited: child.then((result) => String(result.exitCode ?? result.signal)),
    async kill(signal) {
      child.kill(signal);
      await child;
    },
  };
}

/** Starts one and returns once it serves its roles (rejects if it exits first). */
export async function spawnWorkerProcess(...args: Parameters<typeof launchWorkerProcess>): Promise<WorkerProcess> {
  const worker = launchWorkerProcess(...args);
  await Promise.race([
    waitForLog(worker, '"roles started"'),
    worker.exited.then((exit) => Promise.reject(new Error(`worker process exited early (${exit}): ${worker.log()}`))),
  ]);
  return worker;
}

/** The first line of a worker's log that contains `text`, once it has logged it. */
export async function waitForLog(worker: WorkerProcess, text: string): Promise<string> {
  for (;;) {
    const line = worker.log().split('\n').find((l) => l.includes(text));
    if (line) return line;
    await new Promise((r) => setTimeout(r, 100));
  }
}
