import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeHealth, INITIAL_HEALTH, recordProbe, TargetGate, type ProbeResult } from '../../src/storageHealth.js';

const probe = (at: string, ok: boolean): ProbeResult => ({ at, ok, responseMs: 3, ...(ok ? { freeBytes: 5 * 1024 ** 4 } : { problem: 'not mounted: .gpfs-mounted is missing' }) });

describe('target health', () => {
  it('keeps the time a state began across probes that agree', () => {
    let health = recordProbe(INITIAL_HEALTH, probe('2026-11-25T10:00:00Z', false));
    health = recordProbe(health, probe('2026-11-25T10:00:30Z', false));
    assert.equal(health.state, 'down');
    assert.equal(health.since, '2026-11-25T10:00:00Z');
    assert.equal(describeHealth('gpfs', health), 'gpfs DOWN since 2026-11-25T10:00:00Z: not mounted: .gpfs-mounted is missing (2 of 2 probes failed)');
    health = recordProbe(health, probe('2026-11-25T10:01:00Z', true));
    assert.equal(describeHealth('gpfs', health), 'gpfs UP since 2026-11-25T10:01:00Z, 5.0 TiB free, probe 3 ms (2 of 3 probes failed)');
  });

  it('lets many waiting copies share one probe, and probes again only when the last one is stale', async () => {
    let probes = 0;
    let now = Date.parse('2026-11-25T10:00:00Z');
    const gate = new TargetGate(async () => {
      probes++;
      await new Promise((r) => setTimeout(r, 10));
      return probe(new Date(now).toISOString(), false);
    }, 30_000);
    const results = await Promise.all(Array.from({ length: 50 }, () => gate.check(now)));
    assert.equal(probes, 1);
    assert.ok(results.every((h) => h.state === 'down'));
    await gate.check(now + 29_000);
    assert.equal(probes, 1);
    now += 31_000;
    await gate.check(now);
    assert.equal(probes, 2);
  });

  it('wakes the copies waiting for the target at the next probe, whoever makes it', async () => {
    let ok = false;
    const gate = new TargetGate(async () => probe(new Date().toISOString(), ok), 30_000);
    await gate.probeNow();
    let woken = 0;
    const waiters = Array.from({ length: 3 }, () => gate.nextProbe().then(() => woken++));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(woken, 0);
    ok = true;
    await gate.probeNow();
    await Promise.all(waiters);
    assert.equal(woken, 3);
    assert.equal(gate.current().state, 'up');
  });
});
