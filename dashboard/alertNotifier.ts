/**
 * Turns each evaluation's alerts into events: a newly raised alert is logged at error level and POSTed to the
 * webhook, a cleared one logged and POSTed once; alerts still in force keep the time they were raised. A webhook
 * that fails is logged, never retried in a loop, and never stops the dashboard.
 */
import { alertKey, type ActiveAlert, type Alert } from '../src/dashboard/alerts.js';
import type { Logger } from '../src/logger.js';

const WEBHOOK_TIMEOUT_MS = 5_000;

export class AlertNotifier {
  private readonly active = new Map<string, ActiveAlert>();

  constructor(
    private readonly logger: Logger,
    private readonly webhookUrl?: string,
  ) {}

  get inForce(): ActiveAlert[] {
    return [...this.active.values()];
  }

  async update(alerts: Alert[], now: number): Promise<ActiveAlert[]> {
    const seen = new Set<string>();
    const events: { event: 'raised' | 'cleared'; alert: ActiveAlert }[] = [];
    for (const alert of alerts) {
      const key = alertKey(alert);
      seen.add(key);
      const known = this.active.get(key);
      const current = { ...alert, since: known?.since ?? new Date(now).toISOString() };
      this.active.set(key, current);
      if (!known) {
        this.logger.error({ alert: alert.kind, subject: alert.subject }, `ALERT ${alert.message}`);
        events.push({ event: 'raised', alert: current });
      }
    }
    for (const [key, alert] of this.active) {
      if (seen.has(key)) continue;
      this.active.delete(key);
      this.logger.info({ alert: alert.kind, subject: alert.subject, since: alert.since }, `alert cleared: ${alert.message}`);
      events.push({ event: 'cleared', alert });
    }
    await Promise.all(events.map((e) => this.post(e)));
    return this.inForce;
  }

  private async post(event: { event: 'raised' | 'cleared'; alert: ActiveAlert }): Promise<void> {
    if (!this.webhookUrl) return;
    try {
      const response = await fetch(this.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
    } catch (error) {
      this.logger.warn({ alert: event.alert.kind, webhook: new URL(this.webhookUrl).origin, err: (error as Error).message }, 'alert webhook failed');
    }
  }
}
