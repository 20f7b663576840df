/**
 * The Temporal Web UI beside the self-hosted cluster (the dev server has its own): where operators read a movie's
 * history. Pinned ui-server, built with `go install` into the project cache; it dials the frontend with its own
 * client certificate (`webui`) and listens on loopback only by default: the UI can signal and terminate any
 * workflow and has no login here, so reach it through an SSH tunnel or put an authenticating proxy in front.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureGoBinaries, projectCacheDir } from './goInstall.js';
import { CERT_FILES } from './temporalCerts.js';
import { runningPid, startDetached, stopDetached } from './temporalCluster.js';

export const TEMPORAL_UI_VERSION = 'v2.42.1';

export interface WebUiOptions {
  stateDir: string;
  /** The frontend, as the UI dials it (host:port). */
  frontendAddress: string;
  port: number;
  /** Where the UI listens; loopback unless an authenticating proxy fronts it. */
  host?: string;
  namespace: string;
  tls?: { dir: string; serverName: string };
  log?: (line: string) => void;
}

const uiDir = (stateDir: string) => path.join(stateDir, 'web-ui');
const uiPidFile = (stateDir: string) => path.join(uiDir(stateDir), 'ui.pid');

/** The ui-server's own config (YAML is a superset of JSON). */
export function webUiConfig(options: WebUiOptions): object {
  const at = (file: string) => path.join(options.tls!.dir, file);
  return {
    temporalGrpcAddress: options.frontendAddress,
    host: options.host ?? '127.0.0.1',
    port: options.port,
    enableUi: true,
    defaultNamespace: options.namespace,
    notifyOnNewVersion: false,
    auth: { enabled: false },
    cors: { allowOrigins: [], unsafeAllowAllOrigins: false, cookieInsecure: false },
    ...(options.tls
      ? { tls: { caFile: at(CERT_FILES.ca), certFile: at(CERT_FILES.client('webui')), keyFile: at(CERT_FILES.clientKey('webui')), serverName: options.tls.serverName, enableHostVerification: true } }
      : {}),
  };
}

/** Starts the Web UI (detached, like the server) unless it runs; returns its URL. */
export async function startTemporalUi(options: WebUiOptions): Promise<string> {
  const host = options.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${options.port}`;
  if (runningPid(uiPidFile(options.stateDir)) !== undefined) return url;
  const [server] = await ensureGoBinaries(
    projectCacheDir(`ui-server-${TEMPORAL_UI_VERSION}`),
    [`github.com/temporalio/ui-server/v2/cmd/server@${TEMPORAL_UI_VERSION}`],
    ['server'],
    `the Temporal Web UI ${TEMPORAL_UI_VERSION}`,
    options.log ?? console.log,
  );
  const root = uiDir(options.stateDir);
  mkdirSync(path.join(root, 'config'), { recursive: true });
  writeFileSync(path.join(root, 'config', 'production.yaml'), `${JSON.stringify(webUiConfig(options), null, 2)}\n`);
  await startDetached('the Temporal Web UI', server!, ['--root', root, '--config', 'config', '--env', 'production', 'start'], {
    logFile: path.join(root, 'ui.log'),
    pidFile: uiPidFile(options.stateDir),
    listens: { port: options.port, host, shownAs: url },
    waitMs: 30_000,
  });
  return url;
}

export const stopTemporalUi = (stateDir: string) => stopDetached(uiPidFile(stateDir));
