// Stands in for the browser's speech service in page tests (installed before the page's scripts
// run): the test says what "was heard" through window.__speech, and the page receives it through
// its documented seam, window.OfficeHoursRecognizer, exactly as from SpeechRecognition.
(() => {
  const all = [];
  const fire = (r, name, event) => { if (typeof r[name] === 'function') r[name](event || {}); };
  class ScriptedRecognizer {
    constructor() {
      this.continuous = false;
      this.interimResults = false;
      this.lang = 'en-US';
      this.running = false;
      this.results = [];
      this.finals = 0;
      all.push(this);
    }
    start() {
      if (this.running) throw new DOMException('recognition has already started', 'InvalidStateError');
      this.running = true;
      this.results = [];
      this.finals = 0;
      window.__speech.starts++;
      setTimeout(() => fire(this, 'onstart'), 0);
    }
    stop() {
      if (!this.running) return;
      this.running = false;
      setTimeout(() => fire(this, 'onend'), 0);
    }
    abort() { this.stop(); }
  }
  const live = () => {
    const r = all.find((x) => x.running);
    if (!r) throw new Error('the page is not listening');
    return r;
  };
  const emit = (text, isFinal) => {
    const r = live();
    const index = r.finals;
    const result = Object.assign([{transcript: text, confidence: 0.93}], {isFinal});
    r.results[index] = result;
    r.results.length = index + 1;
    if (isFinal) r.finals++;
    fire(r, 'onresult', {resultIndex: index, results: r.results.slice()});
  };
  window.__speech = {
    starts: 0,
    listening: () => all.some((x) => x.running),
    speechStart: () => fire(live(), 'onspeechstart'),
    speechEnd: () => fire(live(), 'onspeechend'),
    interim: (text) => emit(text, false),
    final: (text) => emit(text, true),
    // what Chrome does after a while of silence or a network hiccup
    end: () => { const r = live(); r.running = false; fire(r, 'onend'); },
    error: (code) => { const r = live(); fire(r, 'onerror', {error: code}); r.running = false; fire(r, 'onend'); },
  };
  window.OfficeHoursRecognizer = ScriptedRecognizer;
})();
