// The OfficeHours voice-and-video chat page. Talks to the example server over the WebSocket API
// documented in docs/http-api.md. Read-only status for tests and curious users:
// window.officehours.state().

import {AudioOut, startVisualizer} from './audio.js';
import {Listener} from './speech.js';

const $ = (id) => document.getElementById(id);
const SESSION_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const TERMINAL = new Set(['done', 'interrupted', 'cancelled', 'failed']);
const MAX_LATENCY_ROWS = 8;
const DEFAULT_VISION_QUESTION = 'What do you see in this picture?';
// errors that answer other messages than `start`; any other error without a turn id refuses the
// oldest start still waiting for its turn-started
const NOT_ABOUT_A_START = new Set(['unknown_turn', 'unknown_type', 'binary_not_accepted']);

const page = {
  session: chooseSession(),
  ws: null,
  connected: false,
  connects: 0,
  reconnectAttempt: 0,
  demo: null,
  serverAudio: null,
  limits: null,
  turns: [],
  byId: new Map(),
  byWireNumber: new Map(), // this connection's turn numbers
  byPlayId: new Map(),
  playSeq: 0,
  pending: [], // sent starts waiting for turn-started
  requestSeq: 0,
  droppedFrames: 0,
  bargeIns: [],
  errors: [],
  lastStart: null,
  camera: {on: false, width: 0, height: 0, stream: null},
  recognizer: null,
  clientMetricsPosted: 0,
};

const audio = new AudioOut(onPlayerEvent);
const listener = new Listener({
  onInterim: showInterim,
  onUtterance: (text, speechEndAt) => ask(text, {spoken: true, t0: speechEndAt}),
  onSpeechStart: () => bargeIn('speech'),
  onState: (s) => { page.recognizer = s; renderMic(); },
});
page.recognizer = listener.state();

// ---------- session ----------

function chooseSession() {
  const fromUrl = new URLSearchParams(location.search).get('session');
  if (fromUrl && SESSION_PATTERN.test(fromUrl)) return fromUrl;
  let stored = null;
  try { stored = localStorage.getItem('officehours.session'); } catch (e) { /* private mode */ }
  if (stored && SESSION_PATTERN.test(stored)) return stored;
  return newSessionId();
}

function newSessionId() {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  const id = 'web-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  try { localStorage.setItem('officehours.session', id); } catch (e) { /* private mode */ }
  return id;
}

// ---------- connection ----------

function connect() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${scheme}//${location.host}/chat/ws?session=${encodeURIComponent(page.session)}`);
  ws.binaryType = 'arraybuffer';
  page.ws = ws;
  setConnection('wait', page.connects === 0 ? 'Connecting…' : 'Reconnecting…');
  ws.onopen = () => {
    page.connected = true;
    page.connects++;
    page.reconnectAttempt = 0;
    setConnection('ok', 'Connected');
  };
  ws.onmessage = (e) => {
    if (typeof e.data === 'string') {
      let msg;
      try { msg = JSON.parse(e.data); } catch (err) { return; }
      onMessage(msg);
    } else {
      onAudioFrame(e.data);
    }
  };
  ws.onclose = () => {
    if (page.ws !== ws) return;
    const wasConnected = page.connected;
    page.connected = false;
    connectionLost(wasConnected);
    const delay = Math.min(10000, 500 * 2 ** page.reconnectAttempt) * (0.8 + Math.random() * 0.4);
    page.reconnectAttempt++;
    setConnection('bad', `Offline — retrying in ${Math.ceil(delay / 1000)} s`);
    setTimeout(connect, delay);
  };
}

function connectionLost(wasConnected) {
  // turn numbers are per connection: whatever was in flight cannot continue on the next one
  for (const t of page.turns) {
    if (!TERMINAL.has(t.state)) {
      if (t.playId) audio.end(t.playId);
      if (t.framesReceived > 0 && t.state === 'complete') continue; // its audio is all here
      failTurn(t, 'connection_lost', 'The connection was lost during this answer.');
    }
  }
  for (const p of page.pending) failTurn(p, 'connection_lost', 'The question was not answered: the connection was lost.');
  page.pending = [];
  page.byWireNumber.clear();
  if (wasConnected) toast('connection_lost', 'Connection lost. Reconnecting…');
}

function send(msg) {
  if (!page.ws || page.ws.readyState !== WebSocket.OPEN) return false;
  page.ws.send(JSON.stringify(msg));
  return true;
}

// ---------- server messages ----------

function onMessage(m) {
  const turn = m.turnId ? page.byId.get(m.turnId) : null;
  switch (m.type) {
    case 'ready':
      page.demo = Boolean(m.demo);
      page.serverAudio = m.audio || null;
      page.limits = m.limits || null;
      $('demo-badge').hidden = !page.demo;
      break;
    case 'turn-started': onTurnStarted(m); break;
    case 'text':
      if (turn && !TERMINAL.has(turn.state)) {
        turn.text += m.text;
        if (turn.state === 'started') turn.state = 'streaming';
        // the answer is text, never markup
        turn.view.text.append(document.createTextNode(m.text));
        scrollTranscript();
      }
      break;
    case 'tool-call':
      if (turn && !TERMINAL.has(turn.state)) onToolCall(turn, m);
      break;
    case 'tool-result':
      if (turn) onToolResult(turn, m);
      break;
    case 'audio-start':
      if (turn && isAudible(turn)) {
        turn.chunks++;
        audio.chunk(turn.playId, m.chunkIndex, m.encoding, m.sampleRate);
        renderSpeaking();
      }
      break;
    case 'turn-complete':
      if (turn) onTurnComplete(turn, m);
      break;
    case 'turn-cancelled':
      if (turn) {
        turn.cancelReason = m.reason;
        audio.end(turn.playId);
        if (turn.state !== 'interrupted' && !TERMINAL.has(turn.state)) {
          finishTurn(turn, 'cancelled');
          turn.view.meta.textContent = `cancelled (${m.reason})`;
        }
      }
      break;
    case 'interrupted':
      if (turn) turn.trimmed = Boolean(m.trimmed);
      break;
    case 'error': onError(m, turn); break;
    default: break;
  }
}

function takePending(requestId) {
  if (requestId) {
    const i = page.pending.findIndex(p => p.requestId === requestId);
    if (i >= 0) return page.pending.splice(i, 1)[0];
  }
  return page.pending.shift();
}

function onTurnStarted(m) {
  const t = takePending(m.requestId) || newTurn('', {});
  t.turnId = m.turnId;
  t.turnNumber = m.turnNumber;
  t.playId = ++page.playSeq;
  t.state = 'started';
  page.byId.set(t.turnId, t);
  page.byWireNumber.set(t.turnNumber, t);
  page.byPlayId.set(t.playId, t);
  if (t.cancelOnStart) {
    t.bargedIn = true;
    send({type: 'interrupt', turnId: t.turnId, chunkIndex: -1, playedMs: 0});
    finishTurn(t, 'interrupted');
  }
  renderLatency();
  renderSpeaking();
}

/** A tool call shows as a small line above the answer; only its name and status, never its data. */
function onToolCall(turn, m) {
  const call = {callId: m.callId, name: m.name, round: m.round, status: null, durationMs: null};
  call.view = toolLine(m.name);
  turn.tools.push(call);
  $('transcript').insertBefore(call.view.item, turn.view.item);
  scrollTranscript();
}

function onToolResult(turn, m) {
  let call = turn.tools.find((c) => c.callId === m.callId && c.status === null);
  if (!call) { // a result without its call (not run at all): still worth a line
    call = {callId: m.callId, name: m.name, round: null, status: null, durationMs: null, view: toolLine(m.name)};
    turn.tools.push(call);
    $('transcript').insertBefore(call.view.item, turn.view.item);
  }
  call.status = m.status;
  call.durationMs = m.durationMs;
  call.view.status.textContent = m.status === 'ok' ? `→ ok (${Math.round(m.durationMs)} ms)` : `→ ${m.status}`;
  call.view.item.classList.toggle('failed', m.status !== 'ok');
}

/** "checking office hours…" for check_office_hours; "calling book slot…" for others. */
function toolLine(name) {
  const words = String(name || 'tool').replace(/_/g, ' ');
  const label = words.startsWith('check ') ? `checking ${words.slice(6)}…` : `calling ${words}…`;
  const item = document.createElement('li');
  item.className = 'msg msg-tool';
  const status = span('tool-status');
  item.append(span('tool-label', label), status);
  return {item, status};
}

function onTurnComplete(turn, m) {
  turn.metrics = m.metrics || null;
  turn.answerFromCache = Boolean(m.answerFromCache);
  turn.serverComplete = true;
  audio.end(turn.playId);
  for (const f of m.speechFailures || []) toast(f.code, `Part of the answer could not be spoken: ${f.message}`);
  if (TERMINAL.has(turn.state)) { renderLatency(); return; }
  turn.state = 'complete';
  if (turn.framesReceived === 0 || turn.audioDrained) finishTurn(turn, 'done');
  renderLatency();
}

function onError(m, turn) {
  page.errors.push({code: m.code, message: m.message, turnId: m.turnId || null, at: Date.now()});
  if (page.errors.length > 50) page.errors.shift();
  if (!turn && m.requestId && page.pending.some(p => p.requestId === m.requestId)) {
    failTurn(takePending(m.requestId), m.code, m.message);
  } else if (!turn && !m.turnId && !m.requestId && !NOT_ABOUT_A_START.has(m.code) && page.pending.length) {
    failTurn(page.pending.shift(), m.code, m.message);
  } else if (turn && !TERMINAL.has(turn.state)) {
    audio.end(turn.playId);
    failTurn(turn, m.code, m.message);
  }
  const retry = m.retryAfterMs ? ` Try again in ${Math.ceil(m.retryAfterMs / 1000)} s.` : '';
  toast(m.code, (m.message || 'Something went wrong.') + retry);
}

function onAudioFrame(buf) {
  if (buf.byteLength < 12) return;
  const header = new DataView(buf, 0, 12);
  const wire = header.getUint32(0);
  const chunkIndex = header.getUint32(4);
  const turn = page.byWireNumber.get(wire);
  if (!turn || !isAudible(turn)) {
    page.droppedFrames++;
    if (turn) turn.framesDropped++;
    return;
  }
  turn.framesReceived++;
  turn.bytesReceived += buf.byteLength - 12;
  audio.frame(turn.playId, chunkIndex, buf.slice(12));
}

/** A turn's audio is wanted until the user barges in or the turn ends without completing. */
function isAudible(turn) {
  return !turn.bargedIn && turn.state !== 'cancelled' && turn.state !== 'failed' && turn.state !== 'interrupted';
}

// ---------- player events ----------

function onPlayerEvent(m) {
  const turn = page.byPlayId.get(m.turnNumber);
  switch (m.type) {
    case 'status':
      for (const s of m.turns) {
        const t = page.byPlayId.get(s.turnNumber);
        if (!t) continue;
        t.workletFrames = s.frames;
        t.workletBytes = s.bytes;
        t.framesPlayed = s.framesPlayed;
        t.playedMs = s.playedMs;
        t.underruns = s.underruns;
      }
      renderSpeaking();
      break;
    case 'first-audio':
      if (turn && turn.firstAudioAt === null) {
        turn.firstAudioAt = audio.playedAt(m.contextTime);
        turn.firstAudioMs = Math.max(0, turn.firstAudioAt - turn.t0);
        renderLatency();
      }
      break;
    case 'underrun':
      if (turn) { turn.underruns = m.underruns; renderLatency(); }
      break;
    case 'drained':
      if (m.turns) onPlayerEvent({type: 'status', turns: m.turns});
      if (turn) {
        turn.audioDrained = true;
        if (turn.state === 'complete') finishTurn(turn, 'done');
      }
      renderSpeaking();
      break;
    default: break;
  }
}

// ---------- asking ----------

function newTurn(question, {spoken = false, image = null, t0 = performance.now()}) {
  const t = {
    turnId: null, turnNumber: null, playId: null, question, spoken, image: Boolean(image),
    imageBytes: image ? Math.round(image.length * 0.75) : 0, t0, text: '', state: 'sent',
    framesReceived: 0, bytesReceived: 0, framesDropped: 0, workletFrames: 0, workletBytes: 0,
    framesPlayed: 0, playedMs: 0, underruns: 0, chunks: 0, firstAudioAt: null, firstAudioMs: null,
    metrics: null, answerFromCache: false, serverComplete: false, audioDrained: false, bargedIn: false,
    cancelOnStart: false, cancelReason: null, trimmed: null, error: null, clientMetrics: null, tools: [],
  };
  t.view = renderExchange(t, image);
  page.turns.push(t);
  if (page.turns.length > 200) {
    const old = page.turns.shift(); // forget it everywhere, or the maps keep every turn for good
    if (old.turnId) page.byId.delete(old.turnId);
    if (old.playId) page.byPlayId.delete(old.playId);
    if (old.turnNumber && page.byWireNumber.get(old.turnNumber) === old) page.byWireNumber.delete(old.turnNumber);
  }
  return t;
}

/** Sends a question (typed, spoken or about a camera frame); a turn still talking is interrupted first. */
async function ask(text, {spoken = false, image = null, t0 = performance.now()} = {}) {
  text = text.trim();
  if (!text) return false;
  const max = page.limits ? page.limits.maxTextChars : 4000;
  if (text.length > max) {
    toast('text_too_long', `Questions can be at most ${max} characters.`);
    return false;
  }
  if (!page.connected) {
    toast('offline', 'Not connected yet — your question is still in the box.');
    return false;
  }
  await bargeIn(spoken ? 'speech' : 'send');
  const turn = newTurn(text, {spoken, image, t0});
  turn.requestId = 'r' + (++page.requestSeq);
  const msg = {type: 'start', session: page.session, text, requestId: turn.requestId};
  if (image) msg.image = image;
  page.lastStart = {session: page.session, text, hasImage: Boolean(image), imageChars: image ? image.length : 0};
  page.pending.push(turn);
  if (audio.ctx && audio.ctx.state === 'suspended') audio.ctx.resume();
  if (!send(msg)) {
    page.pending.pop();
    failTurn(turn, 'offline', 'Not connected.');
    return false;
  }
  renderSpeaking();
  return true;
}

/** The turn the assistant is answering or speaking, if any. */
function activeTurn() {
  for (let i = page.turns.length - 1; i >= 0; i--) {
    const t = page.turns[i];
    if (!TERMINAL.has(t.state) && !t.bargedIn) return t;
  }
  return null;
}

/**
 * Barge-in: stop playback at once, drop the rest of the turn's audio, and tell the server how much
 * was heard so history keeps only that.
 */
async function bargeIn(trigger) {
  const turn = activeTurn();
  if (!turn) return;
  turn.bargedIn = true;
  const record = {trigger, turnId: turn.turnId, turnNumber: turn.turnNumber, triggerAt: performance.now(),
    triggerContextTime: audio.ctx ? audio.ctx.currentTime : 0, flushedAt: null, silentAt: null, stopMs: null,
    contextStopMs: null, chunkIndex: -1, playedMs: 0, playedMsAtStop: null};
  page.bargeIns.push(record);
  if (page.bargeIns.length > 20) page.bargeIns.shift();
  if (!turn.turnId) { // not started yet: cancel it as soon as it has an id
    turn.cancelOnStart = true;
    return;
  }
  const {position, silent} = audio.flush();
  silent.then((s) => {
    record.silentAt = performance.now();
    record.stopMs = record.silentAt - record.triggerAt;
    // audio-clock time from the trigger to the first silent render quantum: how much of the turn
    // could still be heard; the wall-clock figure adds the browser's thread scheduling
    record.contextStopMs = Math.max(0, (s.contextTime - record.triggerContextTime) * 1000);
    record.timedOut = Boolean(s.timedOut);
  });
  const pos = await position;
  record.flushedAt = performance.now();
  if (pos.turnNumber === turn.playId) {
    record.chunkIndex = pos.chunkIndex;
    record.playedMs = Math.round(pos.playedMs);
  }
  const played = (pos.turns || []).find((s) => s.turnNumber === turn.playId);
  record.playedMsAtStop = played ? played.playedMs : turn.playedMs;
  record.framesPlayedAtStop = played ? played.framesPlayed : turn.framesPlayed;
  if (played) onPlayerEvent({type: 'status', turns: [played]});
  send({type: 'interrupt', turnId: turn.turnId, chunkIndex: record.chunkIndex, playedMs: record.playedMs});
  finishTurn(turn, 'interrupted');
  turn.view.meta.textContent = record.chunkIndex < 0 ? 'interrupted before it spoke' : 'interrupted';
}

function failTurn(turn, code, message) {
  turn.error = {code, message};
  finishTurn(turn, 'failed');
  turn.view.meta.textContent = `not answered: ${message}`;
}

function finishTurn(turn, state) {
  if (TERMINAL.has(turn.state)) return;
  turn.state = state;
  turn.view.item.classList.remove('pending');
  turn.view.item.classList.toggle('interrupted', state === 'interrupted');
  turn.view.item.classList.toggle('failed', state === 'failed');
  // A turn that ends while a tool runs sends no result for it: the line says it was stopped.
  for (const call of turn.tools) {
    if (call.status === null) {
      call.status = 'cancelled';
      call.view.status.textContent = '→ cancelled';
      call.view.item.classList.add('failed');
    }
  }
  if (state === 'done') turn.view.meta.textContent = turn.answerFromCache ? 'answered from cache' : '';
  reportClientMetrics(turn);
  renderLatency();
  renderSpeaking();
}

function reportClientMetrics(turn) {
  if (!turn.turnId || turn.firstAudioMs === null || turn.clientMetrics) return;
  const body = {turnId: turn.turnId, speechEndToFirstAudioMs: Math.round(turn.firstAudioMs * 10) / 10,
    underruns: turn.underruns};
  turn.clientMetrics = 'sending';
  fetch('/chat/client-metrics', {method: 'POST', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify(body), keepalive: true})
    .then((r) => { turn.clientMetrics = r.ok ? 'sent' : `http ${r.status}`; if (r.ok) page.clientMetricsPosted++; })
    .catch(() => { turn.clientMetrics = 'failed'; });
}

// ---------- camera ----------

async function cameraOn() {
  if (page.camera.on) return true;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    toast('camera', 'This browser cannot use a camera here (it needs https or localhost).');
    return false;
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({video: {width: {ideal: 640}, height: {ideal: 480}}, audio: false});
    const video = $('preview');
    video.srcObject = stream;
    await new Promise((resolve) => {
      if (video.readyState >= 2) resolve(); else video.addEventListener('loadeddata', resolve, {once: true});
    });
    await video.play().catch(() => {});
    page.camera = {on: true, width: video.videoWidth, height: video.videoHeight, stream};
  } catch (e) {
    toast('camera', `Camera unavailable: ${e.message || e.name}`);
    return false;
  }
  renderCamera();
  return true;
}

function cameraOff() {
  if (page.camera.stream) for (const track of page.camera.stream.getTracks()) track.stop();
  $('preview').srcObject = null;
  page.camera = {on: false, width: 0, height: 0, stream: null};
  renderCamera();
}

/** The current camera frame as a JPEG data URL, at most 640 pixels wide and under the server's limit. */
function captureFrame() {
  const video = $('preview');
  const scale = Math.min(1, 640 / (video.videoWidth || 640));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(video.videoWidth * scale));
  canvas.height = Math.max(1, Math.round(video.videoHeight * scale));
  canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
  const limit = page.limits ? page.limits.maxImageBytes : 10 * 1024 * 1024;
  let quality = 0.85;
  let url = canvas.toDataURL('image/jpeg', quality);
  while (url.length * 0.75 > limit && quality > 0.3) {
    quality -= 0.2;
    url = canvas.toDataURL('image/jpeg', quality);
  }
  return url;
}

async function askAboutFrame() {
  if (!(await cameraOn())) return false;
  const box = $('text');
  const question = box.value.trim() || DEFAULT_VISION_QUESTION;
  const sent = await ask(question, {image: captureFrame()});
  if (sent) box.value = '';
  return sent;
}

// ---------- rendering ----------

function setConnection(kind, label) {
  const el = $('connection');
  el.className = `pill pill-${kind}`;
  el.textContent = label;
}

function renderExchange(turn, image) {
  $('empty-hint').hidden = true;
  const list = $('transcript');
  const user = document.createElement('li');
  user.className = 'msg msg-user';
  if (image) {
    const img = document.createElement('img');
    img.className = 'msg-thumb';
    img.alt = 'camera frame sent with the question';
    img.src = image;
    user.append(img);
  }
  user.append(span('msg-text', turn.question));
  if (turn.spoken) user.append(span('msg-meta', 'spoken'));
  const item = document.createElement('li');
  item.className = 'msg msg-assistant pending';
  const text = span('msg-text');
  const meta = span('msg-meta');
  item.append(text, meta);
  list.append(user, item);
  scrollTranscript();
  return {item, text, meta};
}

function renderHistoryMessage(m) {
  $('empty-hint').hidden = true;
  if (m.role === 'tool') return; // shown by the line of the call it answers
  const calls = (m.toolCalls || []).map((c) => {
    const line = toolLine(c.name);
    line.status.textContent = '→ done';
    return line.item;
  });
  if (!m.text && calls.length) { $('transcript').append(...calls); return; }
  const li = document.createElement('li');
  li.className = `msg ${m.role === 'user' ? 'msg-user' : 'msg-assistant'}${m.interrupted ? ' interrupted' : ''}`;
  li.append(span('msg-text', m.text));
  if (m.interrupted) li.append(span('msg-meta', 'interrupted'));
  $('transcript').append(li, ...calls);
}

/** A span of plain text (textContent: an answer is never HTML). */
function span(className, text = '') {
  const s = document.createElement('span');
  s.className = className;
  s.textContent = text;
  return s;
}

function scrollTranscript() {
  const list = $('transcript');
  list.scrollTop = list.scrollHeight;
}

function showInterim(text) {
  const el = $('interim');
  el.hidden = !text;
  el.textContent = text;
  $('mic').classList.toggle('hearing', Boolean(text));
}

function renderMic() {
  const s = page.recognizer;
  const mic = $('mic');
  mic.setAttribute('aria-pressed', String(Boolean(s.wanted)));
  mic.disabled = !s.supported || Boolean(s.fatal);
  const note = $('mic-note');
  if (!s.supported) {
    note.textContent = 'Voice input needs a browser with speech recognition (Chrome, Edge, Safari). Typing always works.';
  } else if (s.fatal) {
    note.textContent = `Microphone unavailable (${s.fatal}). Type your question instead.`;
  } else if (s.wanted) {
    note.textContent = s.listening ? 'Listening — just talk. Speaking while the assistant talks interrupts it.' : 'Microphone restarting…';
  } else {
    note.textContent = 'Press the microphone (or M) to talk, Enter to send, Ctrl+Enter to send with the camera frame, Esc to stop the voice.';
  }
}

function renderCamera() {
  const on = page.camera.on;
  $('camera-off').hidden = on;
  $('camera-toggle').textContent = on ? 'Turn off' : 'Turn on';
  $('camera-toggle').setAttribute('aria-pressed', String(on));
  $('ask-frame').disabled = !on;
}

function renderSpeaking() {
  const el = $('speaking');
  const st = audio.ctx ? audio.status() : {playing: false};
  const active = activeTurn();
  let kind = 'quiet';
  let label = 'Idle';
  if (st.playing) { kind = 'live'; label = 'Speaking'; }
  else if (active) { kind = 'wait'; label = active.state === 'complete' ? 'Finishing' : 'Thinking…'; }
  else if (page.recognizer && page.recognizer.listening) { kind = 'ok'; label = 'Listening'; }
  if (el.textContent !== label) {
    el.className = `pill pill-${kind}`;
    el.textContent = label;
  }
}

function fmtMs(v) {
  return v === null || v === undefined ? '—' : `${Math.round(v)} ms`;
}

function renderLatency() {
  const body = $('latency-rows');
  const rows = page.turns.filter((t) => t.turnId).slice(-MAX_LATENCY_ROWS).reverse();
  if (rows.length === 0) return;
  body.replaceChildren(...rows.map((t) => {
    const tr = document.createElement('tr');
    tr.title = t.question;
    const cells = [
      `#${t.turnNumber}${t.spoken ? ' 🎙' : ''}${t.image ? ' 📷' : ''}`,
      fmtMs(t.firstAudioMs),
      fmtMs(t.metrics ? t.metrics.ttftMs : null),
      fmtMs(t.metrics ? t.metrics.ttfaMs : null),
      String(t.underruns),
    ];
    cells.forEach((text, i) => {
      const td = document.createElement('td');
      td.textContent = text;
      if (i === 1 && t.firstAudioMs !== null) td.className = t.firstAudioMs < 1000 ? 'good' : t.firstAudioMs < 2000 ? 'warn' : 'bad';
      if (i === 4 && t.underruns > 0) td.className = 'bad';
      tr.append(td);
    });
    if (t.state === 'failed') tr.className = 'bad';
    return tr;
  }));
}

function toast(code, message) {
  const box = $('toasts');
  const el = document.createElement('div');
  el.className = 'toast';
  el.setAttribute('role', 'alert');
  const c = document.createElement('span');
  c.className = 'toast-code';
  c.textContent = code;
  el.append(c, document.createTextNode(message));
  box.append(el);
  while (box.children.length > 3) box.firstElementChild.remove();
  setTimeout(() => el.remove(), 6000);
}

async function loadHistory() {
  try {
    const r = await fetch(`/chat/history/${encodeURIComponent(page.session)}`);
    if (!r.ok) return;
    const h = await r.json();
    if (page.turns.length === 0) for (const m of h.messages || []) renderHistoryMessage(m);
    scrollTranscript();
  } catch (e) { /* history is a nicety */ }
}

// ---------- wiring ----------

function wire() {
  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    const box = $('text');
    ask(box.value).then((sent) => { if (sent) box.value = ''; });
  });
  $('text').addEventListener('input', (e) => {
    if (e.target.value.trim()) bargeIn('typing');
  });
  $('text').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      askAboutFrame();
    }
  });
  $('mic').addEventListener('click', () => (page.recognizer.wanted ? listener.stop() : listener.start()));
  $('camera-toggle').addEventListener('click', () => (page.camera.on ? cameraOff() : cameraOn()));
  $('ask-frame').addEventListener('click', () => askAboutFrame());
  $('new-session').addEventListener('click', () => {
    bargeIn('new-session');
    page.session = newSessionId();
    $('transcript').replaceChildren($('empty-hint'));
    $('empty-hint').hidden = false;
  });
  document.addEventListener('keydown', (e) => {
    const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
    if (e.key === 'Escape') { bargeIn('escape'); return; }
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'v' || e.key === 'V') { e.preventDefault(); askAboutFrame(); }
    if (e.key === 'm' || e.key === 'M') { e.preventDefault(); $('mic').click(); }
  });
  setInterval(renderSpeaking, 250);
}

function snapshotTurn(t) {
  return {
    turnId: t.turnId, turnNumber: t.turnNumber, question: t.question, spoken: t.spoken, image: t.image,
    imageBytes: t.imageBytes, text: t.text, state: t.state, chunks: t.chunks,
    framesReceived: t.framesReceived, bytesReceived: t.bytesReceived, framesDropped: t.framesDropped,
    workletFrames: t.workletFrames, workletBytes: t.workletBytes, framesPlayed: t.framesPlayed,
    playedMs: t.playedMs, underruns: t.underruns, firstAudioMs: t.firstAudioMs, metrics: t.metrics,
    answerFromCache: t.answerFromCache, serverComplete: t.serverComplete, audioDrained: t.audioDrained,
    bargedIn: t.bargedIn, cancelReason: t.cancelReason, trimmed: t.trimmed, error: t.error,
    clientMetrics: t.clientMetrics,
    tools: t.tools.map((c) => ({callId: c.callId, name: c.name, round: c.round, status: c.status, durationMs: c.durationMs})),
  };
}

/** Read-only status of the page, for tests and for looking under the hood from the console. */
window.officehours = Object.freeze({
  state() {
    const a = audio.ctx ? audio.status() : {contextState: 'none', contextTime: 0, sampleRate: 0, worklet: false, bufferedMs: 0, playing: false};
    return JSON.parse(JSON.stringify({
      connected: page.connected, connects: page.connects, session: page.session, demo: page.demo,
      serverAudio: page.serverAudio, limits: page.limits,
      audio: a, audioContextTime: a.contextTime, playing: a.playing,
      workletFramesReceived: page.turns.reduce((s, t) => s + t.workletFrames, 0),
      droppedFrames: page.droppedFrames, turns: page.turns.map(snapshotTurn), bargeIns: page.bargeIns,
      recognizer: page.recognizer, camera: {on: page.camera.on, width: page.camera.width, height: page.camera.height},
      lastStart: page.lastStart, errors: page.errors, clientMetricsPosted: page.clientMetricsPosted,
    }));
  },
});

async function main() {
  wire();
  renderMic();
  renderCamera();
  try {
    await audio.init();
    startVisualizer($('visualizer'), audio.analyser);
  } catch (e) {
    toast('audio', `No audio output: ${e.message}. Answers still appear as text.`);
  }
  connect();
  loadHistory();
}

main();
