// Mission Control: history from the control API of `heimdall up`, live
// updates pushed by GET /api/events (server-sent events), and commands sent
// with the API token when one is set. Nothing is polled: a reconnect (after a
// controller restart, say) reloads the history once.
'use strict';

const WINDOW_MS = 5 * 60 * 1000;  // The charts show the last five minutes.
const LOG_LIMIT = 200;            // Event log lines kept on the page.
const LIST_LIMIT = 50;            // Incidents and heals shown.
const CHART_HEIGHT = 170;         // Pixels.
// A command or check without an answer by then is given up on.
const REQUEST_TIMEOUT_MS = 10000;
const HEAL_HISTORY = 1000;        // Heals loaded for the MTTR figures.
const TOKEN_KEY = 'heimdall.token';
// The model's own boundary: probability 0.5 is a decision value of 0, so a
// reading above it lies outside what the model learned as healthy.
const WARNING_PROBABILITY = 0.5;
const FAULT_KINDS = ['acute', 'oxygen_leak', 'fever', 'sensor_stuck',
                     'sensor_dropout', 'crash'];
const CHARTS = [
  {key: 'heart_rate', title: 'Heart rate', unit: 'bpm', color: '#ff7b9c'},
  {key: 'oxygen_level', title: 'Oxygen (SpO2)', unit: '%', color: '#4aa8ff'},
  {key: 'temperature', title: 'Temperature', unit: '°C', color: '#f2b43a'},
  {key: 'probability', title: 'Failure probability', unit: '',
   color: '#ff5a5a', range: [0, 1]},
];

const view = {
  state: null,
  samples: new Map(),      // time (ms) -> sample
  incidents: new Map(),    // id -> incident
  heals: new Map(),        // id -> heal action
  generations: new Map(),  // id -> generation
  charts: [],
  lastSampleTime: 0,
  openHeal: null,          // Id of a heal seen starting live, until it ends.
  link: 'connecting',      // The event stream: connecting, live, down.
  linkReason: '',          // Why it is down, when known.
  renderQueued: false,
};

const $ = (id) => document.getElementById(id);

// ---- formatting

function fixed(value, digits) {
  return typeof value === 'number' && isFinite(value) ?
      value.toFixed(digits) : '–';
}

function clock(ms) {
  return new Date(ms).toLocaleTimeString([], {hour12: false});
}

function duration(ms) {
  if (typeof ms !== 'number' || !isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7200000) return `${Math.floor(ms / 60000)} min ${Math.round(ms % 60000 / 1000)} s`;
  return `${(ms / 3600000).toFixed(1)} h`;
}

function threshold() {
  return view.state?.policy?.threshold ?? 0.9;
}

function readingsText(values) {
  if (!values) return '–';
  return `HR ${fixed(values.heart_rate, 0)} · O2 ${fixed(values.oxygen_level, 1)}` +
         ` · T ${fixed(values.temperature, 1)}`;
}

function element(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) {
    node.setAttribute(name, value);
  }
  return node;
}

// ---- event log

function log(kind, text, time = Date.now()) {
  const list = $('log');
  const line = element('li', undefined, {'data-kind': kind});
  line.append(element('time', clock(time)), text);
  list.prepend(line);
  while (list.children.length > LOG_LIMIT) list.lastChild.remove();
}

// ---- charts

function drawMarkers(u, chart) {
  const ctx = u.ctx;
  const {left, top, width, height} = u.bbox;
  ctx.save();
  ctx.lineWidth = Math.max(1, devicePixelRatio);
  ctx.setLineDash([5 * devicePixelRatio, 4 * devicePixelRatio]);
  ctx.strokeStyle = '#4aa8ff';
  for (const heal of view.heals.values()) {
    const x = u.valToPos(heal.started_at / 1000, 'x', true);
    if (x < left || x > left + width) continue;
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + height);
    ctx.stroke();
  }
  if (chart.key === 'probability') {
    const y = u.valToPos(threshold(), 'y', true);
    ctx.strokeStyle = '#ff5a5a';
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + width, y);
    ctx.stroke();
  }
  ctx.restore();
}

// The box's content width: uPlot sizes its canvas in pixels, so the chart
// follows its box only when told.
function chartWidth(box) {
  const style = getComputedStyle(box);
  const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
  return Math.max(240, Math.floor(box.clientWidth - padding));
}

function chartOptions(chart, width) {
  return {
    width,
    height: CHART_HEIGHT,
    legend: {show: false},
    cursor: {drag: {x: false, y: false}},
    scales: {
      x: {time: true, range: () => xRange()},
      y: chart.range ? {range: chart.range} : {},
    },
    axes: [
      {stroke: '#8a96b3', grid: {stroke: '#26304a'}, ticks: {stroke: '#26304a'},
       space: 70, values: (u, splits) => splits.map((s) => clock(s * 1000))},
      {stroke: '#8a96b3', grid: {stroke: '#26304a'}, ticks: {stroke: '#26304a'},
       size: 50},
    ],
    series: [{}, {label: chart.title, stroke: chart.color, width: 1.5,
                  spanGaps: false, points: {show: false}}],
    hooks: {draw: [(u) => drawMarkers(u, chart)]},
  };
}

function makeCharts() {
  // Every box is in the grid before any is measured: a box alone in its
  // row spans the whole row until the others arrive.
  const host = $('charts');
  const boxes = CHARTS.map((chart) => {
    const box = element('div', undefined, {class: 'chart', id: `chart-${chart.key}`});
    box.append(element('h2', chart.title + (chart.unit ? ` (${chart.unit})` : '')));
    host.append(box);
    return box;
  });
  CHARTS.forEach((chart, i) => {
    const box = boxes[i];
    const plot = new uPlot(chartOptions(chart, chartWidth(box)), [[], []], box);
    view.charts.push({chart, box, plot});
  });
  // A box changes width with the window, and also when a scrollbar appears
  // or the grid reflows, which fire no resize event.
  const resized = new ResizeObserver(() => {
    for (const {box, plot} of view.charts) {
      const width = chartWidth(box);
      if (width !== plot.width) plot.setSize({width, height: CHART_HEIGHT});
    }
  });
  for (const box of boxes) resized.observe(box);
}

function xRange() {
  const end = (view.lastSampleTime || Date.now()) / 1000;
  return [end - WINDOW_MS / 1000, end];
}

function scheduleRender() {
  if (view.renderQueued) return;
  view.renderQueued = true;
  requestAnimationFrame(() => {
    view.renderQueued = false;
    renderCharts();
  });
}

function renderCharts() {
  const cutoff = view.lastSampleTime - 2 * WINDOW_MS;
  for (const time of view.samples.keys()) {
    if (time < cutoff) view.samples.delete(time);
  }
  const samples = [...view.samples.values()].sort((a, b) => a.time - b.time);
  const times = samples.map((s) => s.time / 1000);
  for (const {chart, plot} of view.charts) {
    const values = samples.map((s) => {
      const v = chart.key === 'probability' ? s.probability : s.readings?.[chart.key];
      return typeof v === 'number' ? v : null;
    });
    plot.setData([times, values]);
  }
}

// ---- state and status

function status() {
  const state = view.state;
  // Without the stream what the page shows is stale, however green it was.
  if (view.link !== 'live') {
    if (view.link === 'connecting' && !state && !view.linkReason) return ['unknown', 'connecting'];
    return ['disconnected', view.linkReason || 'controller unreachable'];
  }
  if (!state) return ['unknown', 'connecting'];
  if (state.phase === 'stopped') return ['disconnected', 'controller stopped'];
  if (state.breaker_open) return ['breaker', 'breaker open'];
  if (view.openHeal !== null || state.phase === 'healing') {
    return ['healing', 'healing'];
  }
  if (state.phase === 'building' || state.phase === 'starting') {
    return ['healing', state.phase];
  }
  const last = state.last_reading;
  if (!last) return ['nominal', 'nominal'];
  if (!last.responsive) return ['warning', 'warning: not responding'];
  if (last.probability > threshold()) return ['critical', 'critical'];
  if (last.probability > WARNING_PROBABILITY) return ['warning', 'warning'];
  return ['nominal', 'nominal'];
}

function renderStatus() {
  const [level, text] = status();
  $('status').dataset.level = level;
  const paused = view.state?.paused && level !== 'disconnected' ?
      ' · auto-heal paused' : '';
  $('status-text').textContent = text + paused;
}

// "heal (threshold)", "none (hold: grace)": what the policy said last.
function decisionText(decision) {
  if (!decision) return '–';
  const reason = decision.reason !== 'none' ? ` (${decision.reason})` : '';
  const hold = decision.hold !== 'none' ? ` (hold: ${decision.hold})` : '';
  return `${decision.action}${reason}${hold}`;
}

function renderGeneration() {
  const state = view.state;
  const live = state?.generation;
  const generation = live ? view.generations.get(live.generation_id) : null;
  $('generation').textContent = live ? `#${live.generation_id}` : 'none';
  $('provider').textContent = live?.provider || generation?.provider || '–';
  $('phase').textContent = state?.phase ?? '–';
  $('generation-age').textContent =
      generation ? duration(Date.now() - generation.started_at) : '–';
  $('decision').textContent = decisionText(state?.last_decision);
  $('auto-heal').textContent = !state ? '–' :
      state.breaker_open ? 'breaker open' :
      state.paused ? 'paused' : state.dry_run ? 'dry run' : 'on';
}

function renderReading(sample) {
  const values = sample.readings || {};
  for (const key of ['heart_rate', 'oxygen_level', 'temperature']) {
    $(`value-${key}`).textContent = fixed(values[key], key === 'temperature' ? 2 : 1);
  }
  $('value-probability').textContent =
      sample.probability === null ? 'no answer' : fixed(sample.probability, 3);
}

function onState(state) {
  const before = view.state;
  view.state = state;
  if (before) {
    if (before.phase !== state.phase) log('state', `phase: ${state.phase}`);
    if (before.paused !== state.paused) {
      log('state', state.paused ? 'auto-heal paused' : 'auto-heal resumed');
    }
    if (before.breaker_open !== state.breaker_open) {
      log('state', state.breaker_open ? 'circuit breaker OPEN' : 'circuit breaker closed');
    }
    if (state.problem && before.problem !== state.problem) log('error', state.problem);
    const was = before.generation?.generation_id;
    const now = state.generation?.generation_id;
    if (now && was !== now) {
      if (!view.generations.has(now)) loadGenerations();
      // The model is the live predictor's: a new generation may serve
      // another, and one asked for mid-heal may have been unavailable.
      loadModel();
    }
  }
  renderStatus();
  renderGeneration();
  renderHealCount();
}

// ---- records

function onSample(sample) {
  view.samples.set(sample.time, sample);
  if (sample.time >= view.lastSampleTime) {
    view.lastSampleTime = sample.time;
    renderReading(sample);
    if (view.state) view.state.last_reading = {
      responsive: sample.responsive, probability: sample.probability};
  }
  if (sample.probability > threshold()) {
    const text = `breach: probability ${fixed(sample.probability, 3)} > ` +
                 `${threshold()} on generation ${sample.generation_id} ` +
                 `(${readingsText(sample.readings)})`;
    $('last-breach').textContent = `last breach ${clock(sample.time)}: ` +
                                   `p ${fixed(sample.probability, 3)}`;
    log('breach', text, sample.time);
  } else if (!sample.responsive) {
    log('error', `no answer from generation ${sample.generation_id}`, sample.time);
  }
  renderStatus();
  scheduleRender();
}

function onIncident(incident, live) {
  view.incidents.set(incident.id, incident);
  if (live) {
    log('incident', `incident ${incident.id}: ${incident.reason} (${incident.action}) ` +
        `on generation ${incident.generation_id}, probability ` +
        `${fixed(incident.probability, 3)}`, incident.time);
  }
  renderIncidents();
}

function onHeal(heal, live) {
  const before = view.heals.get(heal.id);
  view.heals.set(heal.id, heal);
  // Only live phases count: an unfinished heal in the history may be one
  // that a crash interrupted, and the state says whether it goes on.
  if (live) view.openHeal = heal.ended_at === null ? heal.id : null;
  if (live && before?.phase !== heal.phase) {
    const to = heal.to_generation ? ` → ${heal.to_generation}` : '';
    const took = heal.ended_at !== null ? ` in ${duration(heal.duration_ms)}` : '';
    log('heal', `heal ${heal.id} ${heal.phase}: generation ` +
        `${heal.from_generation}${to}${took}`);
  }
  renderHeals();
  renderIncidents();
  renderStatus();
  scheduleRender();
}

function onGeneration(generation, live) {
  const before = view.generations.get(generation.id);
  view.generations.set(generation.id, generation);
  if (live && before?.status !== generation.status) {
    const why = generation.stop_reason ? ` (${generation.stop_reason})` : '';
    log('generation', `generation ${generation.id} ${generation.status}${why}`);
  }
  renderGeneration();
}

function newest(map) {
  return [...map.values()].sort((a, b) => b.id - a.id).slice(0, LIST_LIMIT);
}

function renderHeals() {
  const list = $('heals');
  list.replaceChildren(...newest(view.heals).map((heal) => {
    const line = element('li');
    const to = heal.to_generation ? ` → ${heal.to_generation}` : '';
    line.append(element('time', clock(heal.started_at)),
                `heal ${heal.id}: generation ${heal.from_generation}${to} `,
                element('span', heal.phase, {class: 'phase', 'data-phase': heal.phase}),
                heal.ended_at !== null ? ` in ${duration(heal.duration_ms)}` : '',
                heal.error ? ` — ${heal.error}` : '');
    return line;
  }));
  const done = [...view.heals.values()]
      .filter((h) => h.outcome === 'ok' && typeof h.duration_ms === 'number')
      .sort((a, b) => a.id - b.id);
  const sorted = done.map((h) => h.duration_ms).sort((a, b) => a - b);
  // The controller's count has no window; the times are over the heals the
  // page holds (HEAL_HISTORY from the store, then those seen live).
  $('mttr-window').textContent = String(done.length);
  $('mttr-window-unit').textContent = done.length === 1 ? 'heal' : 'heals';
  renderHealCount();
  $('mttr-mean').textContent = sorted.length ?
      duration(sorted.reduce((a, b) => a + b, 0) / sorted.length) : '–';
  const middle = sorted.length ? median(sorted) : undefined;
  $('mttr-median').textContent = sorted.length ?
      `${duration(middle)} / ${duration(sorted[sorted.length - 1])}` : '–';
  $('mttr-median').dataset.ms = middle ?? '';
  $('mttr-last').textContent =
      done.length ? duration(done[done.length - 1].duration_ms) : '–';
}

// The middle of an ascending, non-empty list; the mean of the two middles
// when its length is even.
function median(sorted) {
  const half = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
}

function renderHealCount() {
  const state = view.state;
  if (!state) return;
  const failed = state.failed_heals ? ` (${state.failed_heals} failed)` : '';
  $('mttr-count').textContent = `${state.heals}${failed}`;
}

// What ends a run of trouble, per reason, as the policy counts it: a reading
// that `breaks` the run, and one that `starts` it. A threshold run skips
// unscored polls; a stale run is the same values (a poll with none read
// changes nothing).
function runRule(reason, last) {
  const values = (r) => JSON.stringify(r.values ?? {});
  const scored = (r) => typeof r.probability === 'number';
  const unscored = {breaks: scored, starts: (r) => !scored(r)};
  return {
    threshold: {breaks: (r) => scored(r) && r.probability <= threshold(),
                starts: (r) => scored(r) && r.probability > threshold()},
    unresponsive: unscored,
    invalid_reading: unscored,
    stale_reading: {breaks: (r) => values(r) !== '{}' && values(r) !== values(last),
                    starts: (r) => values(r) === values(last)},
  }[reason];
}

// From the first reading of the run that set off the incident to the
// incident itself, as [text, note]. The incident keeps only its last few
// readings ([controller] incident_readings): a run that fills them may have
// begun earlier, so the time is then a lower bound. Forced and alert heals
// have no run of readings to measure.
function timeToDetect(incident) {
  const readings = Array.isArray(incident.readings) ? incident.readings : [];
  const last = readings[readings.length - 1];
  const rule = last && runRule(incident.reason, last);
  if (!rule) {
    return ['–', {forced: 'forced by an operator: nothing to detect',
                  alert: 'detected by Alertmanager, which does not say since when'}
                 [incident.reason] ?? 'no readings kept'];
  }
  let from = readings.length;
  while (from > 0 && !rule.breaks(readings[from - 1])) --from;
  const first = readings.slice(from).find(rule.starts);
  if (!first) return ['–', 'no reading of the run kept'];
  const took = duration(incident.time - first.time);
  if (from > 0) return [took, 'first reading of the run to the decision'];
  return [`≥ ${took}`, 'the run began before the oldest reading kept'];
}

function timeToHeal(incident) {
  const heal = [...view.heals.values()].find((h) => h.incident_id === incident.id);
  if (!heal) return incident.action === 'heal' ? '…' : `not healed (${incident.action})`;
  return heal.ended_at !== null ? duration(heal.duration_ms) : `${heal.phase}…`;
}

function renderIncidents() {
  const body = $('incidents').querySelector('tbody');
  body.replaceChildren(...newest(view.incidents).map((incident) => {
    const readings = Array.isArray(incident.readings) ? incident.readings : [];
    const last = readings[readings.length - 1];
    const row = element('tr', undefined, {'data-incident': incident.id});
    for (const text of [incident.id, clock(incident.time), incident.generation_id,
                        incident.reason, incident.action,
                        fixed(incident.probability, 3), readingsText(last?.values)]) {
      row.append(element('td', String(text)));
    }
    const [detect, how] = timeToDetect(incident);
    row.append(element('td', detect, {title: how}), element('td', timeToHeal(incident)));
    return row;
  }));
}

function renderModel(summary) {
  const list = $('model');
  const rows = [
    ['kernel', summary.kernel],
    ['features', Array.isArray(summary.features) ? summary.features.join(', ') : undefined],
    ['nu', summary.nu],
    ['gamma', typeof summary.gamma === 'number' ?
        `${summary.gamma.toPrecision(4)}${summary.gamma_rule ? ` (${summary.gamma_rule})` : ''}` :
        undefined],
    ['support vectors', summary.support_vectors],
    ['probability', summary.probability?.mapping],
    ['trained on', summary.training ?
        `${summary.training.rows} rows (${summary.training.source})` : undefined],
    ['threshold', threshold()],
  ].filter(([, value]) => value !== undefined && value !== null);
  list.replaceChildren(...rows.flatMap(([name, value]) => [
    element('dt', name),
    element('dd', typeof value === 'object' ? JSON.stringify(value) : String(value)),
  ]));
}

// ---- loading and the live stream

async function getJson(path) {
  const response = await fetch(path, {cache: 'no-store'});
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

async function loadGenerations() {
  for (const g of await getJson('/api/generations?limit=20')) onGeneration(g, false);
}

async function loadHistory() {
  try {
    onState(await getJson('/api/state'));
    const interval = Math.max(view.state.policy?.interval_ms ?? 1000, 10);
    const limit = Math.min(1000, Math.ceil(WINDOW_MS / interval) + 10);
    const [samples, incidents, heals] = await Promise.all([
      getJson(`/api/samples?limit=${limit}`),
      getJson(`/api/incidents?limit=${LIST_LIMIT}`),
      getJson(`/api/heals?limit=${HEAL_HISTORY}`),
      loadGenerations(),
    ]);
    for (const heal of heals) view.heals.set(heal.id, heal);
    for (const incident of incidents) view.incidents.set(incident.id, incident);
    for (const sample of samples) view.samples.set(sample.time, sample);
    const latest = samples[0];
    if (latest && latest.time >= view.lastSampleTime) {
      view.lastSampleTime = latest.time;
      renderReading(latest);
    }
    renderHeals();
    renderIncidents();
    renderGeneration();
    renderStatus();
    scheduleRender();
    log('state', `history loaded: ${samples.length} samples, ` +
        `${incidents.length} incidents, ${heals.length} heals`);
  } catch (error) {
    log('error', `loading history failed: ${error.message}`);
  }
  loadModel();
}

async function loadModel() {
  try {
    renderModel(await getJson('/api/model'));
  } catch (error) {
    $('model').replaceChildren(element('dt', 'model'),
                               element('dd', `unavailable (${error.message})`));
  }
}

// `reason` says why the stream is down, for the status light; '' when
// unknown or when it is up.
function setLink(state, text, reason = '') {
  view.link = state;
  view.linkReason = reason;
  $('link').dataset.state = state;
  $('link').textContent = text;
  document.body.dataset.link = state;
  renderStatus();
}

// EventSource hides why it gave up, so ask once more with fetch for the
// status and the server's message (a 503 when too many pages subscribe). A
// stream that is granted this time is closed at once.
async function refusalReason() {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
  try {
    const response = await fetch('/api/events', {cache: 'no-store', signal: abort.signal});
    if (response.ok) return 'event stream closed';
    return `event stream refused: ${response.status} ${await errorDetail(response)}`;
  } catch (_) {
    return 'controller unreachable';
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

function connect() {
  setLink('connecting', 'connecting…', view.linkReason);
  const source = new EventSource('/api/events');
  source.addEventListener('open', () => {
    setLink('live', 'live');
    log('state', 'connected to the controller');
    loadHistory();
  });
  source.addEventListener('error', async () => {
    // The browser retries by itself after losing a stream; it gives up on
    // an HTTP error (a 503 while the controller restarts or when it has too
    // many subscribers). Then say why and start afresh.
    if (source.readyState !== EventSource.CLOSED) {
      setLink('down', 'disconnected: reconnecting…', 'controller unreachable');
      return;
    }
    const before = view.linkReason;
    const reason = await refusalReason();
    setLink('down', 'disconnected: retrying…', reason);
    if (reason !== before) log('error', reason);
    setTimeout(connect, 2000);
  });
  const handlers = {
    state: onState,
    sample: onSample,
    incident: (r) => onIncident(r, true),
    heal: (r) => onHeal(r, true),
    generation: (r) => onGeneration(r, true),
  };
  for (const [type, handle] of Object.entries(handlers)) {
    source.addEventListener(type, (event) => handle(JSON.parse(event.data)));
  }
}

// ---- controls

// The controller's own message for a refusal ({"error": ...}), else the body.
async function errorDetail(response) {
  const text = await response.text();
  try {
    return JSON.parse(text).error ?? text;
  } catch (_) {
    return text;  // Not JSON.
  }
}

function showResult(ok, text) {
  const result = $('control-result');
  result.className = ok ? 'note' : 'note error';
  result.textContent = text;
}

async function command(method, path, body, label) {
  const headers = {};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
  showResult(true, `${label}: sent…`);
  try {
    const response = await fetch(path, {
      method, headers, signal: abort.signal,
      body: body === undefined ? undefined : JSON.stringify(body)});
    const detail = await errorDetail(response);
    if (response.ok) {
      showResult(true, `${label}: done (${response.status})`);
      log('command', `${label}: ${response.status}`);
    } else {
      const hint = response.status === 401 ? ' — enter the API token below' : '';
      showResult(false, `${label} refused: ${response.status} ${detail}${hint}`);
      log('error', `${label} refused: ${response.status} ${detail}`);
    }
  } catch (error) {
    // An abandoned request may still have reached the controller.
    const why = abort.signal.aborted ?
        `no answer in ${REQUEST_TIMEOUT_MS / 1000} s (the controller may ` +
        'still carry it out)' : error.message;
    showResult(false, `${label} failed: ${why}`);
    log('error', `${label} failed: ${why}`);
  } finally {
    clearTimeout(timer);
  }
}

function makeControls() {
  const faults = $('faults');
  for (const kind of FAULT_KINDS) {
    const button = element('button', `Inject ${kind.replace('_', ' ')}`,
                           {type: 'button', class: 'fault', id: `inject-${kind}`});
    button.addEventListener('click',
        () => command('POST', '/api/faults', {kind}, `inject ${kind}`));
    faults.append(button);
  }
  const bind = (id, method, path, label) =>
      $(id).addEventListener('click', () => command(method, path, undefined, label));
  bind('clear-faults', 'DELETE', '/api/faults', 'clear faults');
  bind('force-heal', 'POST', '/api/heal', 'force heal');
  bind('pause', 'POST', '/api/pause', 'pause');
  bind('resume', 'POST', '/api/resume', 'resume');
  bind('reset-breaker', 'POST', '/api/breaker/reset', 'reset breaker');
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('token').value.trim();
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
    $('token').value = '';
    $('token').placeholder = token ? 'token set for this tab' : 'only if the controller has one';
    showResult(true, token ? 'token set for this tab' : 'token cleared');
  });
  if (sessionStorage.getItem(TOKEN_KEY)) $('token').placeholder = 'token set for this tab';
}

function start() {
  makeCharts();
  makeControls();
  setInterval(renderGeneration, 1000);  // The age ticks; no request.
  connect();
}

document.addEventListener('DOMContentLoaded', start);
