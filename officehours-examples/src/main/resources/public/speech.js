// Speech input of the OfficeHours page through the Web Speech API.
//
// Test seam: when `window.OfficeHoursRecognizer` is a constructor defined before this module runs,
// it is used instead of the browser's SpeechRecognition. It must behave like SpeechRecognition:
// properties continuous, interimResults, lang; methods start(), stop(), abort(); and it calls
// onstart, onspeechstart, onspeechend, onresult (an event with resultIndex and results, a list of
// results each with isFinal and [0].transcript), onerror ({error}) and onend.

const SENTENCE_END = /[.!?…。！？]["')\]]*\s*$/;
const FATAL_ERRORS = new Set(['not-allowed', 'service-not-allowed', 'audio-capture', 'language-not-supported']);
const QUIET_ERRORS = new Set(['no-speech', 'aborted']);

export function recognizerConstructor() {
  return window.OfficeHoursRecognizer || window.SpeechRecognition || window.webkitSpeechRecognition || null;
}

/**
 * Listens continuously and turns results into utterances: one is sent when its result is final, or
 * earlier when an interim result ending in sentence punctuation stays unchanged for `earlyMs`;
 * either way an utterance is sent once. Restarts itself after `end` and after errors, with backoff.
 */
export class Listener {
  constructor({onInterim, onUtterance, onSpeechStart, onState, earlyMs = 700}) {
    this.Ctor = recognizerConstructor();
    this.onInterim = onInterim;
    this.onUtterance = onUtterance;
    this.onSpeechStart = onSpeechStart;
    this.onState = onState;
    this.earlyMs = earlyMs;
    this.wanted = false;
    this.listening = false;
    this.rec = null;
    this.errors = 0;
    this.restarts = 0;
    this.lastError = null;
    this.fatal = null;
    this.timer = null;
    this.restartTimer = null;
    this.speechEndAt = null;
    this.resetUtterance();
  }

  get supported() { return this.Ctor !== null; }

  resetUtterance() {
    clearTimeout(this.timer);
    this.timer = null;
    this.utterance = {startedAt: null, interim: '', sentEarly: false, sentText: '', heard: false};
  }

  start() {
    if (!this.supported || this.fatal) return;
    this.wanted = true;
    this.open();
  }

  stop() {
    this.wanted = false;
    clearTimeout(this.restartTimer);
    this.resetUtterance();
    this.onInterim('');
    if (this.rec) {
      try { this.rec.stop(); } catch (e) { /* already stopped */ }
    }
    this.changed();
  }

  open() {
    if (this.listening || !this.wanted) return;
    if (!this.rec) {
      const r = new this.Ctor();
      r.continuous = true;
      r.interimResults = true;
      r.lang = navigator.language || 'en-US';
      r.onstart = () => { this.listening = true; this.changed(); };
      r.onspeechstart = () => this.heard();
      r.onspeechend = () => { this.speechEndAt = performance.now(); };
      r.onresult = (e) => this.result(e);
      r.onerror = (e) => this.error(e.error || 'unknown');
      r.onend = () => this.ended();
      this.rec = r;
    }
    try {
      this.rec.start();
      this.listening = true;
    } catch (e) {
      // InvalidStateError: it is running already
    }
    this.changed();
  }

  heard() {
    if (!this.utterance.heard) {
      this.utterance.heard = true;
      this.utterance.startedAt = performance.now();
      this.onSpeechStart();
    }
  }

  result(e) {
    this.errors = 0;
    let interim = '';
    const finals = [];
    for (let i = e.resultIndex; i < e.results.length; i++) {
      const r = e.results[i];
      const text = r[0] ? r[0].transcript : '';
      if (r.isFinal) finals.push(text); else interim += text;
    }
    const u = this.utterance;
    if (finals.length) {
      const text = finals.join(' ').replace(/\s+/g, ' ').trim();
      // after an early send, only the words spoken since then are still to be sent
      const rest = u.sentEarly ? this.after(u.sentText, text) : text;
      if (rest) this.heard();
      const startedAt = this.utterance.startedAt;
      this.resetUtterance();
      this.onInterim('');
      if (rest) this.send(rest, startedAt);
      return;
    }
    const full = interim.replace(/\s+/g, ' ').trim();
    const text = u.sentEarly ? this.after(u.sentText, full) : full;
    if (text) this.heard(); // speaking on after an early send interrupts its answer, like any speech
    u.interim = full;
    this.onInterim(text);
    clearTimeout(this.timer);
    this.timer = null;
    if (text && !u.sentEarly && SENTENCE_END.test(text)) {
      this.timer = setTimeout(() => {
        this.timer = null;
        if (!u.sentEarly && u.interim === full && this.utterance === u) {
          u.sentEarly = true;
          u.sentText = full;
          u.heard = false; // words after this are a new start of speech
          this.onInterim('');
          this.send(full, u.startedAt);
        }
      }, this.earlyMs);
    }
  }

  /** The words of `text` after `prefix` (what was sent early), or '' when the recogniser only repeated it. */
  after(prefix, text) {
    if (!prefix) return text;
    const norm = s => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
    const p = norm(prefix);
    const words = text.split(' ');
    for (let i = 1; i <= words.length; i++) {
      if (norm(words.slice(0, i).join(' ')) === p) return words.slice(i).join(' ').trim();
    }
    // the recogniser reworded what was sent ("what's" -> "what is"): the words beyond as many as
    // were sent are still new; when there are no more, it only repeated them
    const sentWords = p.split(' ').filter(Boolean).length;
    const textWords = norm(text).split(' ').filter(Boolean).length;
    // (two or more extra words: one may be the rewording itself)
    return textWords >= sentWords + 2 ? words.slice(Math.min(words.length, sentWords)).join(' ').trim() : '';
  }

  send(text, startedAt) {
    // speech end as the recogniser reported it, when it belongs to this utterance
    const now = performance.now();
    const end = this.speechEndAt !== null && startedAt !== null && this.speechEndAt >= startedAt ? this.speechEndAt : now;
    this.speechEndAt = null;
    this.onUtterance(text, end);
  }

  error(code) {
    this.lastError = code;
    if (FATAL_ERRORS.has(code)) {
      this.fatal = code;
      this.wanted = false;
    } else if (!QUIET_ERRORS.has(code)) {
      this.errors++;
    }
    this.changed();
  }

  ended() {
    this.listening = false;
    // a session that ends without a final result ends its utterance: the next one starts afresh
    // (an interim result never sent is dropped with it, as the recogniser dropped it)
    this.resetUtterance();
    if (this.wanted) {
      // Chrome ends a session after some silence or a network hiccup: come back, slower after errors
      const delay = this.errors === 0 ? 250 : Math.min(8000, 500 * 2 ** (this.errors - 1));
      clearTimeout(this.restartTimer);
      this.restartTimer = setTimeout(() => { this.restarts++; this.open(); }, delay);
    }
    this.changed();
  }

  changed() {
    this.onState(this.state());
  }

  state() {
    return {supported: this.supported, wanted: this.wanted, listening: this.listening, restarts: this.restarts,
      errors: this.errors, lastError: this.lastError, fatal: this.fatal, interim: this.utterance.interim,
      custom: Boolean(window.OfficeHoursRecognizer)};
  }
}
