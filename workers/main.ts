/**
 * Entry point of a buffer-server process:
 *   tsx workers/main.ts --config /etc/cryo-buffer/config.json [--role io --role archive] [--buffer-host b1] [--camera k3-1]
 * Without --role it serves every role; SIGINT/SIGTERM stop it after in-flight tasks are handed back.
 */
import { Command, InvalidArgumentError } from 'commander';
import { loadConfigOrExit } from '../src/config.js';
import { logger } from '../src/logger.js';
import { ROLES, startRoles, type Role } from './roles.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];
const collectRole = (value: string, previous: Role[] = []) => {
  if (!(ROLES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`unknown role "${value}" (roles: ${ROLES.join(', ')})`);
  }
  return [...previous, value as Role];
};

const program = new Command('cryo-buffer-worker')
  .requiredOption('--config <file>', 'configuration file (JSON)', process.env.BUFFER_CONFIG)
  .option('--role <role>', `role to serve, repeatable (${ROLES.join(', ')}); default: all`, collectRole)
  .option('--buffer-host <name>', 'buffer host served here (repeatable); default: all configured', collect)
  .option('--camera <host>', 'camera watched here (repeatable); default: all configured', collect)
  .parse();

const options = program.opts<{ config: string; role?: Role[]; bufferHost?: string[]; camera?: string[] }>();
const config = loadConfigOrExit(options.config);
const running = await startRoles(config, {
  roles: options.role ?? ROLES,
  bufferHosts: options.bufferHost,
  cameras: options.camera,
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'stopping');
    void running.stop().then(() => process.exit(0));
  });
}
await running.finished;
