/**
 * Whether an archive target can take copies, as its probes say. Archive copies are gated on it: while a target
 * is down, copies wait in their worker slots without touching the storage, and only the probe (at most one per
 * interval per host) goes near it. Pure; the probe itself is an activity.
 */
import { formatBytes } from './units.js';

export interface ProbeResult {
  at: string;
  ok: boolean;
  /** Why the target is down, in an operator's words. */
  problem?: string;
  freeBytes?: number;
  responseMs: number;
}

export interface TargetHealth {
  state: 'up' | 'down' | 'unknown';
  /** When the current state began. */
  since?: string;
  lastProbe?: ProbeResult;
  probes: number;
  failedProbes: number;
}

export const INITIAL_HEALTH: TargetHealth = { state: 'unknown', probes: 0, failedProbes: 0 };

export function recordProbe(health: TargetHealth, probe: ProbeResult): TargetHealth {
  const state = probe.ok ? 'up' : 'down';
  return {
    state,
    since: state === health.state ? health.since : probe.at,
    lastProbe: probe,
    probes: health.probes + 1,
    failedProbes: health.failedProbes + (probe.ok ? 0 : 1),
  };
}

export function describeHealth(target: string, health: TargetHealth): string {
  if (health.state === 'unknown') return `${target}: not probed yet`;
  const last = health.lastProbe!;
  const free = last.freeBytes !== undefined ? `, ${formatBytes(last.freeBytes)} free` : '';
  const detail = health.state === 'down' ? `: ${last.problem}` : `${free}, probe ${last.responseMs} ms`;
  return `${target} ${health.state.toUpperCase()} since ${health.since}${detail} (${health.failedProbes} of ${health.probes} probes failed)`;
}

/**
 * The archive worker's view of its target, shared by the probe activity and the archive copies of one process.
 * A copy uses the last probe while it is fresh, and probes itself (once, for all copies waiting) when it is not.
 */
export class TargetGate {
  private health: TargetHealth = INITIAL_HEALTH;
  private probing?: Promise<TargetHealth>;
  private waitingForProbe: (() => void)[] = [];

  constructor(
    private readonly probe: () => Promise<ProbeResult>,
    /** How long a probe result stands; also how often copies waiting for the target look again. */
    readonly freshForMs: number,
  ) {}

  current(): TargetHealth {
    return this.health;
  }

  /** Probes now (the scheduled probe); concurrent callers share one probe. */
  async probeNow(): Promise<TargetHealth> {
    this.probing ??= this.probe()
      .then((result) => {
        this.health = recordProbe(this.health, result);
        const waiting = this.waitingForProbe;
        this.waitingForProbe = [];
        for (const wake of waiting) wake();
        return this.health;
      })
      .finally(() => (this.probing = undefined));
    return this.probing;
  }

  /** Resolves at the next probe's result, so copies waiting for the target go the moment it is back. */
  nextProbe(): Promise<void> {
    return new Promise((resolve) => this.waitingForProbe.push(resolve));
  }

  /** The target's health, probing first if the last probe is older than the interval allows. */
  async check(now = Date.now()): Promise<TargetHealth> {
    const last = this.health.lastProbe;
    if (!last || now - Date.parse(last.at) > this.freshForMs) return this.probeNow();
    return this.health;
  }
}
