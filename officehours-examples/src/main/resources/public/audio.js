// Audio output of the OfficeHours page: one AudioContext, an AudioWorklet ring buffer for PCM, a
// scheduled-buffer path for compressed chunks (MP3, Opus, ...) and for browsers without AudioWorklet,
// and an AnalyserNode for the visualizer. Both paths report the same events to the page:
//   first-audio {turnNumber, contextTime}, underrun {turnNumber, underruns}, drained {turnNumber},
//   status {contextTime, bufferedMs, playing, turns:[{turnNumber, frames, bytes, framesPlayed, playedMs, underruns}]}
// "turnNumber" here is the page's play id of a turn (unique for the page's life), not the wire number.

const FLUSH_TIMEOUT_MS = 250;

export class AudioOut {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.ctx = null;
    this.worklet = null;
    this.scheduled = null;
    this.analyser = null;
    this.flushes = new Map();
    this.flushSeq = 0;
    this.pcmPath = new Map(); // play id -> 'worklet' | 'scheduled'
    this.lastStatus = {contextTime: 0, bufferedMs: 0, playing: false, turns: []};
  }

  async init() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) {
      throw new Error('this browser has no Web Audio');
    }
    this.ctx = new Ctx({latencyHint: 'interactive'});
    this.output = this.ctx.createGain();
    this.analyser = this.ctx.createAnalyser();
    this.analyser.fftSize = 256;
    this.analyser.smoothingTimeConstant = 0.75;
    this.output.connect(this.analyser);
    this.analyser.connect(this.ctx.destination);
    this.scheduled = new ScheduledPlayer(this.ctx, this.output, (m) => this.fromPlayer(m));
    // AudioWorklet needs a secure context (https or localhost); elsewhere PCM takes the scheduled path
    if (this.ctx.audioWorklet) {
      try {
        await this.ctx.audioWorklet.addModule('/pcm-player.worklet.js');
        this.worklet = new AudioWorkletNode(this.ctx, 'officehours-pcm-player',
          {numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1]});
        this.worklet.connect(this.output);
        this.worklet.port.onmessage = (e) => this.fromPlayer(e.data);
      } catch (e) {
        console.warn('AudioWorklet unavailable, PCM plays through scheduled buffers', e);
        this.worklet = null;
      }
    }
    const resume = () => { if (this.ctx.state === 'suspended') this.ctx.resume(); };
    for (const ev of ['pointerdown', 'keydown', 'touchstart']) {
      document.addEventListener(ev, resume, {capture: true, passive: true});
    }
    resume();
  }

  get usesWorklet() { return this.worklet !== null; }

  fromPlayer(m) {
    if (m.type === 'flushed' || m.type === 'silent') {
      const f = this.flushes.get(m.id);
      if (f) f[m.type](m);
      return;
    }
    if (m.type === 'status') {
      if (m.source !== 'scheduled') this.lastStatus = m;
    }
    this.onEvent(m);
  }

  /** A speech chunk of a turn starts (audio-start). */
  chunk(playId, chunkIndex, encoding, sampleRate) {
    if (!this.ctx) return;
    if (encoding === 'pcm_s16le' && this.worklet) {
      this.pcmPath.set(playId, 'worklet');
      this.worklet.port.postMessage({type: 'chunk', turnNumber: playId, chunkIndex, sampleRate});
    } else {
      this.pcmPath.set(playId, 'scheduled');
      this.scheduled.chunk(playId, chunkIndex, encoding, sampleRate);
    }
  }

  /** Audio bytes of the turn's current chunk (the ArrayBuffer is handed over). */
  frame(playId, chunkIndex, bytes) {
    if (!this.ctx) return;
    if (this.pcmPath.get(playId) === 'worklet') {
      this.worklet.port.postMessage({type: 'frame', turnNumber: playId, chunkIndex, bytes}, [bytes]);
    } else {
      this.scheduled.frame(playId, chunkIndex, bytes);
    }
  }

  /** No more audio of the turn will come: running dry from now on is the end, not an underrun. */
  end(playId) {
    if (!this.ctx) return;
    // Only the player that has the turn hears of its end: the worklet would otherwise start
    // reporting an empty turn of that id, and its status would overwrite the scheduled player's.
    if (this.pcmPath.get(playId) === 'worklet') {
      this.worklet.port.postMessage({type: 'end', turnNumber: playId});
    } else {
      this.scheduled.end(playId);
    }
  }

  /**
   * Stops all playback at once (barge-in). Resolves with where playback was: {turnNumber, chunkIndex,
   * playedMs, contextTime, turns} as soon as the player has dropped its buffer; `silent` resolves
   * when the audio thread has rendered its first silent quantum.
   */
  flush() {
    const id = ++this.flushSeq;
    if (!this.ctx) {
      const none = {turnNumber: -1, chunkIndex: -1, playedMs: 0, contextTime: 0};
      return {position: Promise.resolve(none), silent: Promise.resolve(none)};
    }
    const sched = this.scheduled.flush();
    if (!this.worklet) {
      const now = {contextTime: this.ctx.currentTime};
      return {position: Promise.resolve({...sched, ...now}), silent: Promise.resolve(now)};
    }
    let flushed;
    let silent;
    const position = new Promise((resolve) => { flushed = resolve; });
    const silence = new Promise((resolve) => { silent = resolve; });
    const timer = setTimeout(() => {
      flushed({turnNumber: -1, chunkIndex: -1, playedMs: 0, contextTime: this.ctx.currentTime, timedOut: true});
      silent({contextTime: this.ctx.currentTime, timedOut: true});
    }, FLUSH_TIMEOUT_MS);
    this.flushes.set(id, {
      flushed: (m) => {
        // the compressed path may have been the one playing
        flushed(m.turnNumber === -1 && sched.turnNumber !== -1 ? {...sched, contextTime: m.contextTime} : m);
      },
      silent: (m) => { clearTimeout(timer); this.flushes.delete(id); silent(m); },
    });
    this.worklet.port.postMessage({type: 'flush', id});
    return {position, silent: silence};
  }

  /** Wall-clock (performance.now) time at which something rendered at `contextTime` reaches the speaker. */
  playedAt(contextTime) {
    const ctxNow = this.ctx.currentTime;
    const outputLatency = Number.isFinite(this.ctx.outputLatency) ? this.ctx.outputLatency : 0;
    return performance.now() + (contextTime - ctxNow + outputLatency) * 1000;
  }

  status() {
    const s = this.lastStatus;
    return {
      contextState: this.ctx ? this.ctx.state : 'none',
      contextTime: this.ctx ? this.ctx.currentTime : 0,
      sampleRate: this.ctx ? this.ctx.sampleRate : 0,
      worklet: this.usesWorklet,
      bufferedMs: s.bufferedMs + this.scheduled.bufferedMs(),
      playing: Boolean(s.playing) || this.scheduled.playing(),
    };
  }
}

/**
 * Plays audio as AudioBufferSourceNodes scheduled back to back: compressed chunks are decoded whole
 * (decodeAudioData needs a complete file) in arrival order; PCM frames, on browsers without
 * AudioWorklet, become one buffer each.
 */
class ScheduledPlayer {
  constructor(ctx, destination, emit) {
    this.ctx = ctx;
    this.destination = destination;
    this.emit = emit;
    this.turns = new Map();
    this.sources = new Set();
    this.segments = []; // {turnNumber, chunkIndex, start, end, offsetMs}
    this.nextTime = 0;
    this.pending = null; // compressed chunk being collected: {turnNumber, chunkIndex, encoding, parts, frames}
    this.decodeChain = Promise.resolve();
    this.epoch = 0;
    this.flushedTurns = new Set();
  }

  turn(n) {
    let t = this.turns.get(n);
    if (!t) {
      t = {turnNumber: n, frames: 0, bytes: 0, framesPlayed: 0, playedMs: 0, underruns: 0, ended: false,
           firstAudio: false, scheduledMs: {}, live: 0, drained: false};
      this.turns.set(n, t);
      if (this.turns.size > 16) this.turns.delete(this.turns.keys().next().value);
    }
    return t;
  }

  chunk(turnNumber, chunkIndex, encoding, sampleRate) {
    this.closeChunk();
    const t = this.turn(turnNumber);
    t.drained = false;
    this.current = {turnNumber, chunkIndex, encoding, sampleRate};
    if (encoding !== 'pcm_s16le') {
      this.pending = {turnNumber, chunkIndex, encoding, parts: [], frames: 0};
    }
  }

  frame(turnNumber, chunkIndex, bytes) {
    if (this.flushedTurns.has(turnNumber)) return;
    const t = this.turn(turnNumber);
    t.frames++;
    t.bytes += bytes.byteLength;
    if (this.pending && this.pending.turnNumber === turnNumber && this.pending.chunkIndex === chunkIndex) {
      this.pending.parts.push(bytes);
      this.pending.frames++;
      this.status();
      return;
    }
    const rate = this.current ? this.current.sampleRate : 24000;
    const view = new DataView(bytes, 0, bytes.byteLength & ~1);
    const n = view.byteLength >> 1;
    if (n === 0) { t.framesPlayed++; return; }
    const buf = this.ctx.createBuffer(1, n, rate);
    const data = buf.getChannelData(0);
    for (let i = 0; i < n; i++) data[i] = view.getInt16(i * 2, true) / 32768;
    this.schedule(turnNumber, chunkIndex, buf, 1);
  }

  closeChunk() {
    const p = this.pending;
    this.pending = null;
    if (!p || p.parts.length === 0) return;
    const total = p.parts.reduce((s, b) => s + b.byteLength, 0);
    const whole = new Uint8Array(total);
    let at = 0;
    for (const b of p.parts) { whole.set(new Uint8Array(b), at); at += b.byteLength; }
    const epoch = this.epoch;
    // decode in parallel, schedule in order
    const decoded = this.ctx.decodeAudioData(whole.buffer).catch((e) => {
      console.warn('could not decode chunk', p.chunkIndex, e);
      return null;
    });
    this.decodeChain = this.decodeChain.then(() => decoded).then((buf) => {
      if (epoch !== this.epoch || this.flushedTurns.has(p.turnNumber)) return;
      if (buf) {
        this.schedule(p.turnNumber, p.chunkIndex, buf, p.frames);
      } else {
        this.turn(p.turnNumber).framesPlayed += p.frames;
      }
    });
  }

  schedule(turnNumber, chunkIndex, buf, frames) {
    const t = this.turn(turnNumber);
    const now = this.ctx.currentTime;
    if (t.firstAudio && !t.ended && this.nextTime < now && t.live === 0) {
      t.underruns++;
      this.emit({type: 'underrun', turnNumber, underruns: t.underruns, contextTime: now});
    }
    const start = Math.max(this.nextTime, now + 0.01);
    const src = this.ctx.createBufferSource();
    src.buffer = buf;
    src.connect(this.destination);
    const offsetMs = t.scheduledMs[chunkIndex] || 0;
    t.scheduledMs[chunkIndex] = offsetMs + buf.duration * 1000;
    const seg = {turnNumber, chunkIndex, start, end: start + buf.duration, offsetMs, src};
    this.segments.push(seg);
    this.sources.add(src);
    t.live++;
    src.onended = () => {
      this.sources.delete(src);
      if (seg.cancelled) return;
      t.live--;
      t.framesPlayed += frames;
      t.playedMs += buf.duration * 1000;
      this.segments = this.segments.filter((s) => s !== seg);
      this.maybeDrained(t);
      this.status();
    };
    src.start(start);
    this.nextTime = start + buf.duration;
    if (!t.firstAudio) {
      t.firstAudio = true;
      this.emit({type: 'first-audio', turnNumber, contextTime: start});
    }
    this.status();
  }

  maybeDrained(t) {
    if (t.ended && t.live === 0 && !t.drained && !(this.pending && this.pending.turnNumber === t.turnNumber)) {
      t.drained = true;
      this.emit({type: 'drained', turnNumber: t.turnNumber, contextTime: this.ctx.currentTime, source: 'scheduled'});
    }
  }

  end(turnNumber) {
    if (!this.turns.has(turnNumber)) return;
    const t = this.turn(turnNumber);
    t.ended = true;
    if (this.pending && this.pending.turnNumber === turnNumber) this.closeChunk();
    this.decodeChain = this.decodeChain.then(() => this.maybeDrained(t));
  }

  flush() {
    const now = this.ctx.currentTime;
    const playing = this.segments.find((s) => s.start <= now && now < s.end);
    const answer = playing
      ? {turnNumber: playing.turnNumber, chunkIndex: playing.chunkIndex, playedMs: playing.offsetMs + (now - playing.start) * 1000}
      : {turnNumber: -1, chunkIndex: -1, playedMs: 0};
    for (const s of this.segments) {
      s.cancelled = true;
      this.flushedTurns.add(s.turnNumber);
      const t = this.turns.get(s.turnNumber);
      if (t) {
        t.live--;
        if (s.start < now) t.playedMs += (now - s.start) * 1000;
      }
      try { s.src.stop(); } catch (e) { /* not started yet */ }
    }
    if (this.pending) this.flushedTurns.add(this.pending.turnNumber);
    for (const t of this.turns.values()) if (!t.ended) this.flushedTurns.add(t.turnNumber);
    this.segments = [];
    this.pending = null;
    this.epoch++;
    this.nextTime = 0;
    this.status();
    return answer;
  }

  bufferedMs() {
    return Math.max(0, (this.nextTime - this.ctx.currentTime) * 1000);
  }

  playing() {
    const now = this.ctx.currentTime;
    return this.segments.some((s) => s.start <= now + 0.02 && now < s.end);
  }

  status() {
    const turns = [];
    for (const t of this.turns.values()) {
      turns.push({turnNumber: t.turnNumber, frames: t.frames, bytes: t.bytes, framesPlayed: t.framesPlayed,
        playedMs: t.playedMs, underruns: t.underruns, flushed: this.flushedTurns.has(t.turnNumber)});
    }
    this.emit({type: 'status', source: 'scheduled', contextTime: this.ctx.currentTime,
      bufferedMs: this.bufferedMs(), playing: this.playing(), turns});
  }
}

/** Draws the output's frequency spectrum as bars; a quiet baseline when nothing plays. */
export function startVisualizer(canvas, analyser) {
  const g = canvas.getContext('2d');
  const bins = new Uint8Array(analyser.frequencyBinCount);
  const draw = () => {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
    const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    analyser.getByteFrequencyData(bins);
    g.clearRect(0, 0, w, h);
    const count = 48; // speech lives in the lower bins
    const gap = 3 * dpr;
    const bw = (w - gap * (count - 1)) / count;
    const grad = g.createLinearGradient(0, h, 0, 0);
    grad.addColorStop(0, '#6c8cff');
    grad.addColorStop(1, '#38d6c4');
    g.fillStyle = grad;
    for (let i = 0; i < count; i++) {
      const v = bins[i + 1] / 255;
      const bh = Math.max(2 * dpr, v * (h - 6 * dpr));
      const x = i * (bw + gap);
      const y = (h - bh) / 2;
      g.globalAlpha = 0.35 + 0.65 * v;
      g.beginPath();
      if (g.roundRect) g.roundRect(x, y, bw, bh, Math.min(bw / 2, 4 * dpr)); else g.rect(x, y, bw, bh);
      g.fill();
    }
    g.globalAlpha = 1;
    requestAnimationFrame(draw);
  };
  requestAnimationFrame(draw);
}
