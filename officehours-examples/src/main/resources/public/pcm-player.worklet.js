// OfficeHours PCM player: an AudioWorklet processor that plays 16-bit little-endian PCM frames
// gaplessly from a ring buffer, resampled to the AudioContext's rate as they arrive.
//
// Why a worklet: frames come from the network in bursts (the server sends faster than real time)
// and several small AudioBufferSourceNodes scheduled back to back click and drift; a ring buffer
// read on the audio thread plays chunk after chunk without a gap, and it can be emptied within one
// render quantum (128 samples, under 3 ms) when the user barges in.
//
// Messages from the page:
//   {type:'chunk', turnNumber, chunkIndex, sampleRate}      a speech chunk starts (audio-start)
//   {type:'frame', turnNumber, chunkIndex, bytes}           PCM bytes (ArrayBuffer, transferred)
//   {type:'end', turnNumber}                                no more audio of the turn will come
//   {type:'flush', id}                                      stop now: drop everything buffered
// Messages to the page:
//   {type:'first-audio', turnNumber, contextTime}           the turn's first sample was rendered
//   {type:'underrun', turnNumber, contextTime, underruns}   ran dry while the turn still had audio to come
//   {type:'drained', turnNumber, contextTime}               the ended turn has played to its last sample
//   {type:'flushed', id, contextTime, turnNumber, chunkIndex, playedMs, turns}   buffer dropped; where it was
//   {type:'silent', id, contextTime}                        the first quantum rendered after the flush
//   {type:'status', contextTime, bufferedMs, playing, turns:[...]}   about every 40 ms while busy

const INITIAL_SECONDS = 30;
// Bounded: a runaway sender cannot take the tab's memory; samples beyond are counted, not kept.
const MAX_SECONDS = 180;
const STATUS_EVERY_QUANTA = Math.max(1, Math.round(sampleRate * 0.04 / 128));
const MAX_TURNS_KEPT = 16;

class PcmPlayer extends AudioWorkletProcessor {
  constructor() {
    super();
    this.ring = new Float32Array(Math.round(sampleRate * INITIAL_SECONDS));
    this.writePos = 0; // absolute count of samples ever written
    this.readPos = 0;  // absolute count of samples ever rendered
    this.marks = [];   // chunk starts still ahead of the read position: {pos, turnNumber, chunkIndex}
    this.frameEnds = []; // {pos, turnNumber}: a frame counts as played once its last sample is rendered
    this.current = null; // the chunk being rendered: {turnNumber, chunkIndex, played}
    this.input = null;   // the chunk being written: {turnNumber, chunkIndex, step, phase, prev, carry}
    this.turns = new Map();
    this.flushedTurns = new Set();
    this.overflowSamples = 0;
    this.silentFor = null;
    this.quanta = 0;
    this.wasPlaying = false;
    this.port.onmessage = (e) => this.onMessage(e.data);
  }

  turn(n) {
    let t = this.turns.get(n);
    if (!t) {
      t = {turnNumber: n, frames: 0, bytes: 0, framesPlayed: 0, samplesPlayed: 0, underruns: 0,
           rejectedFrames: 0, ended: false, dry: false, drained: false, firstAudio: false};
      this.turns.set(n, t);
      if (this.turns.size > MAX_TURNS_KEPT) {
        this.turns.delete(this.turns.keys().next().value);
      }
    }
    return t;
  }

  onMessage(m) {
    switch (m.type) {
      case 'chunk': this.startChunk(m.turnNumber, m.chunkIndex, m.sampleRate); break;
      case 'frame': this.write(m); break;
      case 'end': {
        const t = this.turn(m.turnNumber);
        t.ended = true;
        break;
      }
      case 'flush': this.flush(m.id); break;
    }
  }

  startChunk(turnNumber, chunkIndex, rate) {
    if (this.flushedTurns.has(turnNumber)) {
      return;
    }
    this.input = {turnNumber, chunkIndex, step: (rate || sampleRate) / sampleRate, phase: 0, prev: null, carry: null};
    this.marks.push({pos: this.writePos, turnNumber, chunkIndex});
    this.turn(turnNumber);
  }

  write(m) {
    const t = this.turn(m.turnNumber);
    if (this.flushedTurns.has(m.turnNumber)) {
      t.rejectedFrames++;
      return;
    }
    if (!this.input || this.input.turnNumber !== m.turnNumber || this.input.chunkIndex !== m.chunkIndex) {
      // a frame without its audio-start: keep the last rate rather than drop audio
      this.startChunk(m.turnNumber, m.chunkIndex, this.input ? this.input.step * sampleRate : sampleRate);
    }
    t.frames++;
    t.bytes += m.bytes.byteLength;
    t.drained = false;
    let bytes = new Uint8Array(m.bytes);
    const inp = this.input;
    if (inp.carry !== null) { // a sample split across two frames
      const joined = new Uint8Array(bytes.length + 1);
      joined[0] = inp.carry;
      joined.set(bytes, 1);
      bytes = joined;
      inp.carry = null;
    }
    if (bytes.length % 2 === 1) {
      inp.carry = bytes[bytes.length - 1];
    }
    const count = bytes.length >> 1;
    const view = new DataView(bytes.buffer, bytes.byteOffset, count * 2);
    const src = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      src[i] = view.getInt16(i * 2, true) / 32768;
    }
    this.resampleInto(inp, src);
    this.frameEnds.push({pos: this.writePos, turnNumber: m.turnNumber});
  }

  // Linear interpolation over the chunk's sample stream; the last source sample of a frame is kept
  // so the next frame continues without a seam.
  resampleInto(inp, src) {
    const seqLen = src.length + (inp.prev === null ? 0 : 1);
    if (seqLen === 0) {
      return;
    }
    const at = (i) => (inp.prev === null ? src[i] : (i === 0 ? inp.prev : src[i - 1]));
    let t = inp.phase;
    const estimate = Math.ceil((seqLen - t) / inp.step) + 1;
    this.reserve(estimate);
    while (t + 1 < seqLen) {
      const i = Math.floor(t);
      const f = t - i;
      this.push(at(i) * (1 - f) + at(i + 1) * f);
      t += inp.step;
    }
    inp.phase = t - (seqLen - 1);
    inp.prev = at(seqLen - 1);
  }

  reserve(n) {
    const used = this.writePos - this.readPos;
    if (used + n <= this.ring.length) {
      return;
    }
    const max = Math.round(sampleRate * MAX_SECONDS);
    if (this.ring.length >= max) {
      return;
    }
    const bigger = new Float32Array(Math.min(max, Math.max(this.ring.length * 2, used + n)));
    for (let p = this.readPos; p < this.writePos; p++) {
      bigger[p % bigger.length] = this.ring[p % this.ring.length];
    }
    this.ring = bigger;
  }

  push(sample) {
    if (this.writePos - this.readPos >= this.ring.length) {
      this.overflowSamples++;
      return;
    }
    this.ring[this.writePos % this.ring.length] = sample;
    this.writePos++;
  }

  flush(id) {
    const cur = this.current;
    const answer = {type: 'flushed', id, contextTime: currentTime,
      turnNumber: cur ? cur.turnNumber : -1,
      chunkIndex: cur ? cur.chunkIndex : -1,
      playedMs: cur ? (cur.played / sampleRate) * 1000 : 0};
    // every turn with audio still buffered or still to come is cut off here: its later frames are refused
    for (const m of this.marks) this.flushedTurns.add(m.turnNumber);
    if (cur) this.flushedTurns.add(cur.turnNumber);
    if (this.input) this.flushedTurns.add(this.input.turnNumber);
    for (const t of this.turns.values()) {
      if (!t.ended) this.flushedTurns.add(t.turnNumber);
    }
    this.writePos = this.readPos;
    this.marks = [];
    this.frameEnds = [];
    this.current = null;
    this.input = null;
    for (const n of this.flushedTurns) {
      const t = this.turns.get(n);
      if (t) { t.ended = true; t.dry = false; }
    }
    answer.turns = this.snapshot();
    this.port.postMessage(answer);
    this.silentFor = id; // the next render quantum is the first without the flushed audio

  }

  snapshot() {
    const out = [];
    for (const t of this.turns.values()) {
      out.push({turnNumber: t.turnNumber, frames: t.frames, bytes: t.bytes, framesPlayed: t.framesPlayed,
        samplesPlayed: t.samplesPlayed, playedMs: (t.samplesPlayed / sampleRate) * 1000,
        underruns: t.underruns, rejectedFrames: t.rejectedFrames, flushed: this.flushedTurns.has(t.turnNumber)});
    }
    return out;
  }

  process(inputs, outputs) {
    const out = outputs[0];
    const ch0 = out[0];
    const n = ch0.length;
    const take = Math.min(n, this.writePos - this.readPos);
    let done = 0;
    while (done < take) {
      while (this.marks.length && this.marks[0].pos <= this.readPos) {
        const m = this.marks.shift();
        this.current = {turnNumber: m.turnNumber, chunkIndex: m.chunkIndex, played: 0};
      }
      let seg = take - done;
      if (this.marks.length) seg = Math.min(seg, this.marks[0].pos - this.readPos);
      const len = this.ring.length;
      for (let i = 0; i < seg; i++) {
        ch0[done + i] = this.ring[(this.readPos + i) % len];
      }
      if (this.current) {
        const t = this.turn(this.current.turnNumber);
        this.current.played += seg;
        if (!t.firstAudio) {
          t.firstAudio = true;
          this.port.postMessage({type: 'first-audio', turnNumber: t.turnNumber,
            contextTime: currentTime + done / sampleRate});
        }
        t.samplesPlayed += seg;
        t.dry = false;
      }
      this.readPos += seg;
      done += seg;
    }
    for (let i = take; i < n; i++) ch0[i] = 0;
    for (let c = 1; c < out.length; c++) out[c].set(ch0);
    while (this.frameEnds.length && this.frameEnds[0].pos <= this.readPos) {
      const t = this.turns.get(this.frameEnds.shift().turnNumber);
      if (t) t.framesPlayed++;
    }
    if (take < n && this.current) {
      const t = this.turn(this.current.turnNumber);
      if (!t.ended && t.samplesPlayed > 0 && !t.dry) {
        t.dry = true;
        t.underruns++;
        this.port.postMessage({type: 'underrun', turnNumber: t.turnNumber, contextTime: currentTime, underruns: t.underruns});
      } else if (t.ended && !t.drained && this.writePos === this.readPos) {
        t.drained = true;
        this.port.postMessage({type: 'drained', turnNumber: t.turnNumber, contextTime: currentTime + take / sampleRate,
          turns: this.snapshot()});
      }
    }
    if (this.silentFor !== null) {
      this.port.postMessage({type: 'silent', id: this.silentFor, contextTime: currentTime});
      this.silentFor = null;
    }
    const playing = take > 0;
    this.quanta++;
    const every = playing ? STATUS_EVERY_QUANTA : STATUS_EVERY_QUANTA * 25;
    if (playing !== this.wasPlaying || this.quanta % every === 0) {
      this.port.postMessage({type: 'status', contextTime: currentTime,
        bufferedMs: ((this.writePos - this.readPos) / sampleRate) * 1000, playing,
        overflowSamples: this.overflowSamples, turns: this.snapshot()});
    }
    this.wasPlaying = playing;
    return true;
  }
}

registerProcessor('officehours-pcm-player', PcmPlayer);
