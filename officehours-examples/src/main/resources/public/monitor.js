// The OfficeHours monitor: polls GET /chat/metrics (every 2 s; ?every=ms from 500) and draws the
// figures and their history with uPlot. Read-only status for tests: window.officehoursMonitor.state().

const $ = (id) => document.getElementById(id);
const every = Math.max(500, Number(new URLSearchParams(location.search).get('every')) || 2000);
const KEEP_POINTS = 300;
const COLORS = {ttft50: '#6c8cff', ttft99: '#a3b5ff', ttfa50: '#38d6c4', ttfa99: '#9cf0e6', active: '#f2b35b', heap: '#6c8cff'};

const mon = {polls: 0, failures: 0, lastError: null, last: null, lastAt: null};
const series = {t: [], ttft50: [], ttft99: [], ttfa50: [], ttfa99: [], active: [], heap: []};
const charts = {};

function num(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
function ms(v) {
  v = num(v);
  if (v === null) return '—';
  return v >= 10000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
}
/** A table cell: whole milliseconds, no unit (the table's heading names it). */
function cell(v) {
  v = num(v);
  return v === null ? '—' : String(Math.round(v));
}
function pct(v) {
  v = num(v);
  return v === null ? '—' : `${(v * 100).toFixed(v > 0 && v < 0.01 ? 2 : 1)} %`;
}
function mb(v) {
  v = num(v);
  return v === null ? '—' : `${Math.round(v / (1024 * 1024))} MB`;
}
function duration(s) {
  s = num(s) || 0;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${m} min` : m ? `${m} min ${Math.floor(s % 60)} s` : `${Math.floor(s)} s`;
}
function setText(id, text) {
  const el = $(id);
  if (el.textContent !== text) el.textContent = text;
}

function render(m) {
  const turns = m.turns || {};
  const lat = m.latency || {};
  const recent = m.recent || {};
  const jvm = m.jvm || {};
  const conn = m.connections || {};
  const client = m.client || {};

  $('mode').hidden = m.mode !== 'demo';
  setText('turns-completed', String(turns.completed ?? '—'));
  setText('turns-sub', `completed of ${turns.started ?? 0} started · ${turns.cancelled ?? 0} cancelled · up ${duration(m.uptimeSeconds)}`);
  setText('turns-active', String(turns.active ?? '—'));
  setText('connections', `${conn.websocket ?? 0} WebSocket · ${conn.sse ?? 0} SSE connections`);
  setText('error-rate', pct(turns.errorRate));
  $('error-rate').className = `stat-value ${(num(turns.errorRate) || 0) > 0.01 ? 'bad' : 'good'}`;
  setText('errors-sub', `${turns.failed ?? 0} failed turns`);
  const ttfa = lat.ttfaMs || {};
  setText('ttfa-p50', ms(ttfa.p50));
  setText('ttfa-sub', `p99 ${ms(ttfa.p99)} · ${ttfa.count ?? 0} turns`);
  setText('latency-note', `ms · since start and over the last ${recent.windowSeconds ?? 60} s`);

  for (const row of $('latency-table').tBodies[0].rows) {
    const key = row.dataset.key;
    const s = key === 'client' ? (client.speechEndToFirstAudioMs || {}) : (lat[key] || {});
    const r = key === 'client' ? null : (recent[key] || {});
    const cells = row.cells;
    const values = [String(key === 'client' ? (client.reports ?? s.count ?? 0) : (s.count ?? 0)), cell(s.p50), cell(s.p90), cell(s.p99), cell(s.max)];
    values.forEach((v, i) => { if (cells[i + 1].textContent !== v) cells[i + 1].textContent = v; });
    if (r) {
      const recentText = num(r.p50) === null ? '—' : `${cell(r.p50)} · ${cell(r.p99)}`;
      if (cells[6].textContent !== recentText) cells[6].textContent = recentText;
    }
  }
  setText('client-underruns', `${client.underruns ?? 0} underruns`);

  const caches = $('caches');
  const names = {tts: 'Speech (TTS)', answer: 'Answers', history: 'History'};
  const rows = Object.entries(m.caches || {}).map(([name, c]) => {
    const wrap = document.createElement('div');
    wrap.className = 'cache-row';
    const label = document.createElement('div');
    label.className = 'stat-sub';
    const used = (c.hits ?? 0) + (c.misses ?? 0) > 0;
    label.textContent = used
      ? `${names[name] || name}: ${pct(c.hitRate)} · ${c.hits} hits, ${c.misses} misses`
      : `${names[name] || name}: not used yet`;
    const bar = document.createElement('div');
    bar.className = 'bar';
    const fill = document.createElement('span');
    fill.style.width = `${Math.round((num(c.hitRate) || 0) * 100)}%`;
    bar.append(fill);
    wrap.append(label, bar);
    return wrap;
  });
  caches.replaceChildren(...rows);

  const tools = m.tools || {};
  setText('tool-calls', String(tools.calls ?? 0));
  const statuses = Object.entries(tools.byStatus || {}).map(([status, n]) => `${n} ${status}`);
  setText('tool-status', statuses.length ? statuses.join(' · ') : 'none yet');
  const toolRows = Object.entries(tools.byTool || {}).map(([name, t]) => {
    const row = document.createElement('div');
    row.className = 'stat-sub';
    row.textContent = `${name}: ${t.calls} calls, mean ${ms(t.meanMs)}`;
    return row;
  });
  $('tool-list').replaceChildren(...toolRows);

  setText('heap', mb(jvm.heapUsedBytes));
  const heapShare = num(jvm.heapMaxBytes) ? (num(jvm.heapUsedBytes) || 0) / jvm.heapMaxBytes : 0;
  $('heap-bar').style.width = `${Math.min(100, Math.round(heapShare * 100))}%`;
  setText('jvm-sub', `of ${mb(jvm.heapMaxBytes)} · CPU ${pct(jvm.processCpuLoad)} · ${jvm.threads ?? '—'} threads`);
}

function record(m) {
  const recent = m.recent || {};
  series.t.push(Date.now() / 1000);
  series.ttft50.push(num((recent.ttftMs || {}).p50));
  series.ttft99.push(num((recent.ttftMs || {}).p99));
  series.ttfa50.push(num((recent.ttfaMs || {}).p50));
  series.ttfa99.push(num((recent.ttfaMs || {}).p99));
  series.active.push(num((m.turns || {}).active));
  const heap = num((m.jvm || {}).heapUsedBytes);
  series.heap.push(heap === null ? null : heap / (1024 * 1024));
  if (series.t.length > KEEP_POINTS) for (const k of Object.keys(series)) series[k].shift();
  if (!window.uPlot) return;
  charts.latency.setData([series.t, series.ttft50, series.ttft99, series.ttfa50, series.ttfa99]);
  charts.active.setData([series.t, series.active]);
  charts.heap.setData([series.t, series.heap]);
}

function chart(el, lines) {
  const axis = {stroke: '#8d98b0', grid: {stroke: 'rgba(42,53,80,0.7)', width: 1}, ticks: {stroke: 'rgba(42,53,80,0.7)'}};
  const opts = {
    width: Math.max(200, el.clientWidth),
    height: 200,
    legend: {show: true, live: false},
    cursor: {drag: {x: false, y: false}},
    scales: {x: {time: true}, y: {range: (u, min, max) => [0, Math.max(1, max * 1.15)]}},
    axes: [{...axis}, {...axis, size: 52}],
    series: [{}, ...lines.map(([label, color, dash]) => ({label, stroke: color, width: 2, dash, spanGaps: true,
      points: {show: false}, fill: lines.length === 1 ? `${color}22` : undefined}))],
  };
  return new window.uPlot(opts, [[], ...lines.map(() => [])], el);
}

function makeCharts() {
  if (!window.uPlot) {
    for (const id of ['chart-latency', 'chart-active', 'chart-heap']) $(id).textContent = 'Charts unavailable (uPlot did not load).';
    return;
  }
  charts.latency = chart($('chart-latency'), [['TTFT p50', COLORS.ttft50], ['TTFT p99', COLORS.ttft99, [6, 4]],
    ['TTFA p50', COLORS.ttfa50], ['TTFA p99', COLORS.ttfa99, [6, 4]]]);
  charts.active = chart($('chart-active'), [['active turns', COLORS.active]]);
  charts.heap = chart($('chart-heap'), [['heap used', COLORS.heap]]);
  const resize = () => {
    for (const [name, c] of Object.entries(charts)) {
      const el = $(`chart-${name}`);
      c.setSize({width: Math.max(200, el.clientWidth), height: 200});
    }
  };
  new ResizeObserver(resize).observe(document.body);
}

async function poll() {
  try {
    const r = await fetch('/chat/metrics', {cache: 'no-store'});
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    const m = await r.json();
    mon.polls++;
    mon.last = m;
    mon.lastAt = Date.now();
    mon.lastError = null;
    render(m);
    record(m);
    const pill = $('poll-status');
    pill.className = 'pill pill-ok';
    pill.textContent = `Live · every ${every / 1000} s`;
  } catch (e) {
    mon.failures++;
    mon.lastError = String(e.message || e);
    const pill = $('poll-status');
    pill.className = 'pill pill-bad';
    pill.textContent = `Server unreachable (${mon.lastError})`;
  } finally {
    setTimeout(poll, every);
  }
}

window.officehoursMonitor = Object.freeze({
  state() {
    return JSON.parse(JSON.stringify({polls: mon.polls, failures: mon.failures, lastError: mon.lastError,
      lastAt: mon.lastAt, every, metrics: mon.last, points: series.t.length, charts: Object.keys(charts)}));
  },
});

makeCharts();
poll();
