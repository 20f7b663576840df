/**
 * Certificates for the self-hosted Temporal server (`npm run cluster -- certs`): a CA of the facility's own, the
 * server's certificate (frontend and internode, for the names clients dial), the server's system worker's client
 * certificate, and one client certificate per role, all made with Debian's openssl. Whoever holds a certificate
 * signed by this CA can act on the cluster (schedule activities for the root workers, signal releases), so the
 * keys are created readable by their owner only, and each role's host gets only its own.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

/** The clients that connect to Temporal: one certificate each, so a leaked key names its role. */
export const CLIENT_ROLES = ['workflows', 'io', 'archive', 'preprocess', 'watcher', 'bufferctl', 'dashboard', 'webui'] as const;
export type ClientRole = (typeof CLIENT_ROLES)[number];

/** The files in a certificate folder, one place for their names (the cluster's config reads them by env). */
export const CERT_FILES = {
  ca: 'ca.pem',
  caKey: 'ca.key',
  server: 'server.pem',
  serverKey: 'server.key',
  systemWorker: 'system-worker.pem',
  systemWorkerKey: 'system-worker.key',
  client: (role: ClientRole) => `${role}.pem`,
  clientKey: (role: ClientRole) => `${role}.key`,
} as const;

const DAYS = { ca: 3650, leaf: 825 };
const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export interface CertOptions {
  /** Folder the certificates go to (created 0700). */
  dir: string;
  /** Names and addresses clients dial the server by (besides localhost and 127.0.0.1); the first is its serverName. */
  hosts: string[];
}

const isIp = (host: string) => /^[\d.]+$/.test(host) || host.includes(':');

/**
 * openssl with umask 077, so every key is its owner's alone from the moment it exists. `extensions` (which hold
 * the operator's host names) reach it through the environment, never spliced into the script.
 */
function openssl(args: string[], options: { input?: string; extensions?: string } = {}) {
  const extfile = options.extensions === undefined ? '' : ' -extfile <(printf "%s\\n" "$EXTENSIONS")';
  return execa('bash', ['-c', `umask 077 && exec openssl "$@"${extfile}`, 'openssl', ...args], {
    input: options.input,
    env: { EXTENSIONS: options.extensions ?? '' },
  });
}

/** Makes whatever is missing; an existing CA is kept, so certificates made earlier stay valid. */
export async function makeClusterCerts({ dir, hosts }: CertOptions): Promise<{ serverName: string; files: string[] }> {
  await execa('bash', ['-c', 'umask 077 && mkdir -p "$1"', 'bash', dir]);
  const at = (file: string) => path.join(dir, file);
  const made: string[] = [];
  if (!(await exists(at(CERT_FILES.ca)))) {
    await openssl(['req', '-x509', ...KEY, '-keyout', at(CERT_FILES.caKey), '-out', at(CERT_FILES.ca), '-days', String(DAYS.ca), '-subj', '/CN=cryo-buffer Temporal CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    made.push(CERT_FILES.ca);
  }
  const names = [...new Set([...hosts, 'localhost', '127.0.0.1'])];
  const serverName = names[0]!;
  const leaf = async (cert: string, key: string, commonName: string, extensions: string) => {
    if (await exists(at(cert))) return;
    const request = await openssl(['req', ...KEY, '-keyout', at(key), '-subj', `/CN=${commonName}`]);
    const sign = ['x509', '-req', '-CA', at(CERT_FILES.ca), '-CAkey', at(CERT_FILES.caKey), '-CAcreateserial', '-days', String(DAYS.leaf), '-out', at(cert)];
    await openssl(sign, { input: request.stdout, extensions });
    made.push(cert);
  };
  const alt = names.map((n) => (isIp(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  // The server's certificate also authenticates it to itself (internode), hence clientAuth too.
  await leaf(CERT_FILES.server, CERT_FILES.serverKey, serverName, `basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${alt}`);
  await leaf(CERT_FILES.systemWorker, CERT_FILES.systemWorkerKey, 'temporal-system-worker', 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth');
  for (const role of CLIENT_ROLES) {
    await leaf(CERT_FILES.client(role), CERT_FILES.clientKey(role), `cryo-buffer-${role}`, 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth');
  }
  return { serverName, files: made };
}

const exists = (file: string) => access(file).then(() => true, () => false);
