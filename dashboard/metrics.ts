/**
 * The dashboard's figures as Prometheus metrics (`/metrics`), refreshed with each snapshot, plus this process's
 * own metrics. Every name here is documented in the README and used by deploy/grafana and deploy/prometheus.
 */
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { ALERT_KINDS } from '../src/dashboard/alerts.js';
import { MOVIE_STAGES } from '../src/operatorNames.js';
import type { DashboardSnapshot } from '../src/dashboard/snapshot.js';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cryo_buffer_dashboard_' });
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name: `cryo_buffer_${name}`, help, labelNames, registers: [registry] });
  const g = {
    movies: gauge('movies', 'Open movies per buffer host and stage', ['buffer_host', 'stage']),
    unarchivedMovies: gauge('unarchived_movies', 'Movies whose only verified copy is on the buffer (or the camera)', ['buffer_host']),
    backlogBytes: gauge('backlog_bytes', 'Bytes of the movies not yet archived', ['buffer_host']),
    oldestUnarchivedAge: gauge('oldest_unarchived_age_seconds', 'Age of the oldest movie not yet archived', ['buffer_host']),
    bufferFree: gauge('buffer_free_bytes', 'Free space on the buffer', ['buffer_host']),
    bufferSize: gauge('buffer_size_bytes', 'Size of the buffer file system', ['buffer_host']),
    bufferFullIn: gauge('buffer_full_in_seconds', 'When the buffer fills at the rate of the last hour (absent while not filling)', ['buffer_host']),
    targetUp: gauge('archive_target_up', '1 while the archive target answers its probe, 0 while down', ['buffer_host', 'target']),
    preprocessWaiting: gauge('preprocess_waiting', 'Movies queued or running in pre-processing', ['buffer_host']),
    preprocessFailed: gauge('preprocess_failed', 'Movies whose latest pre-processing failed', ['buffer_host']),
    cameraMounted: gauge('camera_share_mounted', '1 while the camera share is mounted', ['camera']),
    cameraFree: gauge('camera_free_bytes', 'Free space on the camera share', ['camera']),
    cameraFullIn: gauge('camera_full_in_seconds', 'When the camera disk fills at the rate of the last hour (absent while not filling)', ['camera']),
    moviesPerHour: gauge('movies_per_hour', 'Movies arriving in the last hour', ['camera']),
    bytesPerHour: gauge('bytes_per_hour', 'Bytes arriving in the last hour', ['camera']),
    sinceLastMovie: gauge('seconds_since_last_movie', 'Time since the camera delivered its last movie (absent without one in the window)', ['camera']),
    holds: gauge('holds_in_force', 'Session, buffer-host and fleet-wide holds in force'),
    alert: gauge('alert', '1 for each alert in force', ['kind', 'subject']),
    stale: gauge('figures_stale', '1 when the last refresh failed and the figures are the previous ones'),
    refreshed: gauge('figures_timestamp_seconds', 'When the figures were last gathered'),
  };
  const seconds = (iso: string | undefined, now: number) => (iso ? (now - Date.parse(iso)) / 1000 : undefined);

  function update(snapshot: DashboardSnapshot): void {
    const now = Date.parse(snapshot.at);
    for (const metric of Object.values(g)) metric.reset();
    for (const host of snapshot.hosts) {
      const labels = { buffer_host: host.bufferHost };
      for (const stage of MOVIE_STAGES) g.movies.set({ ...labels, stage }, host.stages[stage] ?? 0);
      g.unarchivedMovies.set(labels, host.unarchived.movies);
      g.backlogBytes.set(labels, host.unarchived.bytes);
      g.oldestUnarchivedAge.set(labels, host.unarchived.oldest ? (now - new Date(host.unarchived.oldest.startTime).getTime()) / 1000 : 0);
      if (host.bufferSpace && 'freeBytes' in host.bufferSpace) {
        g.bufferFree.set(labels, host.bufferSpace.freeBytes);
        g.bufferSize.set(labels, host.bufferSpace.totalBytes);
      }
      if (host.bufferForecast?.hoursLeft !== undefined) g.bufferFullIn.set(labels, host.bufferForecast.hoursLeft * 3600);
      if (!('unavailable' in host.health)) g.targetUp.set({ ...labels, target: host.target }, host.health.state === 'down' ? 0 : 1);
      g.preprocessWaiting.set(labels, host.preprocess.waiting);
      g.preprocessFailed.set(labels, host.preprocess.failed);
    }
    for (const camera of snapshot.cameras) {
      const labels = { camera: camera.host };
      g.cameraMounted.set(labels, camera.mounted ? 1 : 0);
      if (camera.space) g.cameraFree.set(labels, camera.space.freeBytes);
      if (camera.forecast?.hoursLeft !== undefined) g.cameraFullIn.set(labels, camera.forecast.hoursLeft * 3600);
      g.moviesPerHour.set(labels, camera.throughput.moviesPerHour);
      g.bytesPerHour.set(labels, camera.throughput.bytesPerHour);
      const since = seconds(camera.lastMovieAt, now);
      if (since !== undefined) g.sinceLastMovie.set(labels, since);
    }
    g.holds.set(snapshot.holds.length);
    for (const kind of ALERT_KINDS) if (!snapshot.alerts.some((a) => a.kind === kind)) g.alert.set({ kind, subject: '' }, 0);
    for (const alert of snapshot.alerts) g.alert.set({ kind: alert.kind, subject: alert.subject }, 1);
    g.stale.set(snapshot.stale ? 1 : 0);
    g.refreshed.set(now / 1000);
  }

  return { registry, update };
}
