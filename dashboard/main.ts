/**
 * The dashboard as a process of its own: `npm run dashboard -- --config /etc/cryo-buffer/config.json`.
 * It only reads Temporal (and bufferdb for pre-processing figures); with an operator token it also signals
 * holds and reprocessing, as bufferctl does. SIGINT/SIGTERM stop it.
 */
import { Command } from 'commander';
import { openBufferDb } from '../src/bufferdb.js';
import { loadConfigOrExit } from '../src/config.js';
import { logger } from '../src/logger.js';
import { connectClient } from '../src/temporal.js';
import { startDashboard } from './server.js';

const options = new Command('cryo-buffer-dashboard')
  .requiredOption('--config <file>', 'configuration file (JSON)', process.env.BUFFER_CONFIG)
  .parse()
  .opts<{ config: string }>();
const config = loadConfigOrExit(options.config);
const client = await connectClient(config);
const bufferDb = config.bufferdb ? openBufferDb(config.bufferdb.url) : undefined;
const dashboard = await startDashboard(config, { client, bufferDb, logger });
console.log(`dashboard: ${dashboard.url}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void dashboard.close().then(async () => {
      await bufferDb?.end();
      await client.connection.close();
      process.exit(0);
    });
  });
}
