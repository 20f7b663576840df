// The dashboard page: renders the overview the server pushes (server-sent events) and the selected session's
// plots. Plain browser JavaScript with Chart.js; every figure comes from the JSON API the tests check.
'use strict';

const $ = (selector) => document.querySelector(selector);
const el = (tag, attributes = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child !== undefined && child !== null) node.append(child);
  return node;
};
const STAGES_NEEDING_ATTENTION = new Set(['parked', 'archive-held']);

function formatBytes(bytes) {
  if (bytes === undefined || bytes === null) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`;
}
function formatAge(iso, now) {
  if (!iso) return '–';
  const minutes = Math.floor((now - Date.parse(iso)) / 60000);
  if (minutes < 1) return 'just now';
  if (minutes < 120) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.floor(hours / 24)} d ago`;
}
const formatHours = (forecast) => (forecast && forecast.hoursLeft !== undefined ? `${forecast.hoursLeft.toFixed(1)} h` : forecast ? 'not filling' : '–');
const time = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
const fixed = (value, digits = 1) => (value === undefined || value === null ? '–' : Number(value).toFixed(digits));

let info = { readOnly: true, quality: {} };
let selectedSession;

/** Draws a chart once, then only swaps its data: pages stay open for hours and charts must not pile up. */
function drawChart(canvas, type, data, options) {
  const existing = Chart.getChart(canvas);
  if (existing) {
    existing.data = data;
    existing.update('none');
    return;
  }
  new Chart(canvas, { type, data, options: { animation: false, maintainAspectRatio: false, ...options } });
}

async function api(path, body) {
  const headers = { 'content-type': 'application/json' };
  const token = $('#token').value;
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(path, body ? { method: 'POST', headers, body: JSON.stringify(body) } : {});
  const json = await response.json();
  if (!response.ok) throw new Error(json.error || `HTTP ${response.status}`);
  return json;
}
const who = () => $('#operator').value || 'dashboard';

function renderAlerts(snapshot) {
  const box = $('#alerts');
  box.replaceChildren(
    ...snapshot.alerts.map((alert) =>
      el('div', { class: 'banner bad', 'data-alert': alert.kind }, el('strong', { text: alert.kind }), ` ${alert.message} (since ${new Date(alert.since).toLocaleString()})`),
    ),
  );
  $('#stale').hidden = !snapshot.stale;
  $('#stale').textContent = snapshot.stale ? `Showing the last good figures: ${snapshot.stale}` : '';
}

function renderHolds(snapshot) {
  $('#holds').replaceChildren(
    ...snapshot.holds.map((hold) => el('div', { class: 'banner info', 'data-hold': hold.scope }, el('strong', { text: `HOLD ${hold.scope}` }), `: ${hold.reason} — by ${hold.by} since ${new Date(hold.since).toLocaleString()}`)),
  );
}

function throughputChart(canvas, buckets) {
  const data = { labels: buckets.map((b) => time(Date.parse(b.start))), datasets: [{ label: 'movies', data: buckets.map((b) => b.movies), backgroundColor: '#3367d6' }] };
  const minutes = buckets.length > 1 ? Math.round((Date.parse(buckets[1].start) - Date.parse(buckets[0].start)) / 60000) : 0;
  drawChart(canvas, 'bar', data, { plugins: { legend: { display: false }, title: { display: true, text: `movies arriving per ${minutes} min (by start of interval)` } } });
}

function renderHosts(snapshot) {
  const now = Date.parse(snapshot.at);
  const container = $('#hosts');
  for (const host of snapshot.hosts) {
    const id = `host-${host.bufferHost}`;
    let card = document.getElementById(id);
    if (!card) {
      card = el('div', { class: 'card', id }, el('h2', { text: `Buffer host ${host.bufferHost} → ${host.target}` }), el('div', { class: 'body' }), el('div', { class: 'throughput' }, el('canvas')));
      container.append(card);
    }
    const total = Object.values(host.stages).reduce((sum, n) => sum + n, 0);
    const stages = Object.entries(host.stages)
      .filter(([, n]) => n > 0)
      .map(([stage, n]) => el('span', { class: `stage${STAGES_NEEDING_ATTENTION.has(stage) ? ' attention' : ''}`, 'data-testid': `stage-${host.bufferHost}-${stage}`, text: `${stage} ${n}` }));
    const health = host.health.unavailable ? el('span', { text: `unknown (${host.health.unavailable})` }) : el('span', { class: host.health.state, text: `${host.health.state}${host.health.since ? ` since ${new Date(host.health.since).toLocaleString()}` : ''}${host.health.lastProbe && host.health.lastProbe.problem ? `: ${host.health.lastProbe.problem}` : ''}` });
    const space = host.bufferSpace && host.bufferSpace.freeBytes !== undefined ? `${formatBytes(host.bufferSpace.freeBytes)} free of ${formatBytes(host.bufferSpace.totalBytes)}` : (host.bufferSpace && host.bufferSpace.unavailable) || '–';
    const oldest = host.unarchived.oldest ? `${host.unarchived.oldest.workflowId} (${host.unarchived.oldest.stage}, started ${formatAge(host.unarchived.oldest.startTime, now)})` : 'none: every open movie is archived';
    const rows = [
      ['open movies', el('span', { 'data-testid': `movies-${host.bufferHost}`, text: String(total) })],
      ['stages', el('div', { class: 'stages' }, ...stages)],
      ['throughput', `${fixed(host.throughput.moviesPerHour, 0)} movies/h, ${formatBytes(host.throughput.bytesPerHour)}/h`],
      ['backlog', el('span', { 'data-testid': `backlog-${host.bufferHost}`, text: `${host.unarchived.movies} movies, ${formatBytes(host.unarchived.bytes)}` })],
      ['oldest un-archived', oldest],
      ['buffer', `${space}; full in ${formatHours(host.bufferForecast)}${host.capacity ? `; ${(host.capacity.usedFraction * 100).toFixed(1)}% used${host.capacity.aboveHigh ? ' — ABOVE HIGH WATERMARK' : ''}` : ''}`],
      ['archive storage', health],
      ['pre-processing', `${host.preprocess.waiting} queued or running, ${host.preprocess.failed} failed`],
      ['last movie', formatAge(host.lastMovieAt, now)],
    ];
    card.querySelector('.body').replaceChildren(el('dl', {}, ...rows.flatMap(([label, value]) => [el('dt', { text: label }), el('dd', {}, value)])));
    throughputChart(card.querySelector('canvas'), host.throughput.buckets);
  }
}

function renderCameras(snapshot) {
  const now = Date.parse(snapshot.at);
  $('#cameras tbody').replaceChildren(
    ...snapshot.cameras.map((camera) =>
      el(
        'tr',
        { 'data-camera': camera.host },
        el('td', { text: camera.host }),
        el('td', { text: camera.bufferHost }),
        el('td', { class: camera.mounted ? '' : 'bad', text: camera.mounted ? 'mounted' : 'NOT MOUNTED' }),
        el('td', { text: camera.space ? formatBytes(camera.space.freeBytes) : '–' }),
        el('td', { text: formatHours(camera.forecast) }),
        el('td', { text: fixed(camera.throughput.moviesPerHour, 0) }),
        el('td', { text: fixed(camera.throughput.bytesPerHour / 1e9, 2) }),
        el('td', { text: formatAge(camera.lastMovieAt, now) }),
      ),
    ),
  );
}

function renderSessionChoices(snapshot) {
  const select = $('#session-select');
  const names = snapshot.sessions.map((s) => s.name);
  if (selectedSession && !names.includes(selectedSession)) names.push(selectedSession);
  const current = [...select.options].map((o) => o.value).join('\n');
  if (current !== names.join('\n')) select.replaceChildren(...names.map((name) => el('option', { value: name, text: name })));
  if (!selectedSession && names.length) selectedSession = names[0];
  if (selectedSession) select.value = selectedSession;
}

function scatter(canvasId, title, series, threshold) {
  const canvas = document.getElementById(canvasId);
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const datasets = series.map((s) => ({ type: 'scatter', label: s.label, data: s.points, backgroundColor: s.color, pointRadius: 3 }));
  if (threshold !== undefined && xs.length) {
    datasets.push({ type: 'line', label: `threshold ${threshold}`, data: [{ x: Math.min(...xs), y: threshold }, { x: Math.max(...xs), y: threshold }], borderColor: '#c62828', borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5 });
  }
  drawChart(canvas, undefined, { datasets }, {
    plugins: { title: { display: true, text: title } },
    scales: {
      x: {
        type: 'linear',
        // Seconds matter while a session is young; hours and minutes once it spans more.
        ticks: { callback(value) { return this.chart.scales.x.max - this.chart.scales.x.min < 30 * 60000 ? new Date(value).toLocaleTimeString() : time(value); } },
      },
    },
  });
}

function latencyChart(view) {
  const canvas = document.getElementById('plot-latency');
  const edges = ['≤10 s', '≤30 s', '≤1 min', '≤2 min', '≤5 min', '≤15 min', '≤1 h', '>1 h'];
  const colors = { copied: '#3367d6', aligned: '#7b1fa2', ctf: '#00897b', archived: '#f57c00' };
  const data = { labels: edges, datasets: Object.entries(view.latency).map(([milestone, summary]) => ({ label: `→ ${milestone}`, data: summary.histogram, backgroundColor: colors[milestone] })) };
  drawChart(canvas, 'bar', data, { plugins: { title: { display: true, text: 'time from exposure (movies per bin)' } } });
}

function movieActions(movie) {
  if (info.readOnly) return '';
  const button = (label, run) => {
    const b = el('button', { type: 'button', text: label });
    b.addEventListener('click', () => run().then(() => refreshSession(true)).catch((error) => alert(error.message)));
    return b;
  };
  return el(
    'span',
    {},
    button('hold', () => api('/api/actions/hold', { scope: 'movie', target: movie.workflowId, reason: 'held from the dashboard', by: who() })),
    button('release', () => api('/api/actions/release', { scope: 'movie', target: movie.workflowId, by: who() })),
    button('reprocess', () => api('/api/actions/reprocess', { workflowIds: [movie.workflowId], by: who() })),
  );
}

function renderSession(view) {
  const q = view.thresholds;
  const points = (field) => view.movies.filter((m) => m[field] !== undefined && m[field] !== null).map((m) => ({ x: Date.parse(m.acquiredAt), y: m[field] }));
  scatter('plot-ctf', 'CTF fit resolution (Å, lower is better)', [{ label: 'fit resolution', points: points('ctfResolutionA'), color: '#00897b' }], q.maxCtfResolutionA);
  scatter('plot-defocus', 'defocus (µm)', [{ label: 'defocus', points: points('defocusUm'), color: '#3367d6' }]);
  scatter('plot-astigmatism', 'astigmatism (Å)', [{ label: 'astigmatism', points: points('astigmatismA'), color: '#7b1fa2' }], q.maxAstigmatismA);
  scatter('plot-drift', 'total drift (px)', [{ label: 'total drift', points: points('totalDriftPx'), color: '#f57c00' }], q.maxTotalDriftPx);
  scatter('plot-motion', 'early / late motion (px)', [
    { label: 'early (first 3 moves)', points: points('earlyMotionPx'), color: '#c62828' },
    { label: 'late', points: points('lateMotionPx'), color: '#6b7580' },
  ]);
  latencyChart(view);
  const done = view.movies.filter((m) => m.ctfResolutionA !== undefined).length;
  $('#session-summary').textContent = `${view.movies.length} movies, ${done} with a CTF fit; as of ${new Date(view.at).toLocaleTimeString()}`;
  $('#latency-table tbody').replaceChildren(
    ...Object.entries(view.latency).map(([milestone, s]) => el('tr', {}, el('td', { text: milestone }), el('td', { text: String(s.count) }), el('td', { text: s.p50 === undefined ? '–' : `${fixed(s.p50)} s` }), el('td', { text: s.p90 === undefined ? '–' : `${fixed(s.p90)} s` }), el('td', { text: s.max === undefined ? '–' : `${fixed(s.max)} s` }))),
  );
  const bad = (value, limit) => (value !== undefined && limit !== undefined && value > limit ? 'bad' : '');
  $('#movies tbody').replaceChildren(
    ...[...view.movies].reverse().map((m) =>
      el(
        'tr',
        { 'data-movie': m.workflowId },
        el('td', { text: new Date(m.acquiredAt).toLocaleTimeString() }),
        el('td', {}, m.historyUrl ? el('a', { href: m.historyUrl, target: '_blank', rel: 'noopener', text: m.imageFilename || m.workflowId }) : m.imageFilename || m.workflowId),
        el('td', { class: STAGES_NEEDING_ATTENTION.has(m.stage) ? 'bad' : '', text: m.stage }),
        el('td', { text: m.preprocessState || '–' }),
        el('td', { class: bad(m.ctfResolutionA, q.maxCtfResolutionA), text: fixed(m.ctfResolutionA) }),
        el('td', { text: fixed(m.defocusUm, 2) }),
        el('td', { class: bad(m.astigmatismA, q.maxAstigmatismA), text: fixed(m.astigmatismA, 0) }),
        el('td', { class: bad(m.totalDriftPx, q.maxTotalDriftPx), text: fixed(m.totalDriftPx) }),
        el('td', { text: `${fixed(m.earlyMotionPx)} / ${fixed(m.lateMotionPx)}` }),
        el('td', {}, movieActions(m)),
      ),
    ),
  );
}

let sessionFetchedAt = 0;
async function refreshSession(force = false) {
  if (!selectedSession || (!force && Date.now() - sessionFetchedAt < info.refreshMs)) return;
  sessionFetchedAt = Date.now();
  try {
    renderSession(await api(`/api/sessions/${encodeURIComponent(selectedSession)}`));
  } catch (error) {
    $('#session-summary').textContent = `session figures unavailable: ${error.message}`;
  }
}

function render(snapshot) {
  $('#updated').textContent = `figures of ${new Date(snapshot.at).toLocaleTimeString()}`;
  renderAlerts(snapshot);
  renderHolds(snapshot);
  renderHosts(snapshot);
  renderCameras(snapshot);
  renderSessionChoices(snapshot);
  void refreshSession();
}

async function main() {
  info = await api('/api/info');
  $('#mode').textContent = info.readOnly ? 'read-only (no operator token configured)' : 'operator actions need the token';
  $('#token-form').hidden = info.readOnly;
  for (const node of document.querySelectorAll('.operator-only')) node.hidden = info.readOnly;
  $('#session-select').addEventListener('change', (event) => { selectedSession = event.target.value; void refreshSession(true); });
  $('#hold-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const action = event.submitter.dataset.action;
    const scope = $('#hold-scope').value;
    try {
      const result = await api(`/api/actions/${action}`, { scope, target: scope === 'all' ? undefined : $('#hold-target').value, reason: $('#hold-reason').value || undefined, by: who() });
      $('#hold-result').textContent = `${action}: ${result.signalled} ${action === 'hold' ? 'movie(s) not yet archived' : 'held movie(s)'} signalled`;
    } catch (error) {
      $('#hold-result').textContent = `${action} refused: ${error.message}`;
    }
  });
  render(await api('/api/overview'));
  const events = new EventSource('/api/events');
  events.addEventListener('overview', (event) => { $('#live').className = 'live on'; $('#live').textContent = 'live'; render(JSON.parse(event.data)); });
  events.onerror = () => { $('#live').className = 'live off'; $('#live').textContent = 'reconnecting…'; };
}
void main();
