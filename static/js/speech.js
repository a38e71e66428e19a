/* Speech player (语音播报): reads the page's main content sentence by sentence, marks
   the element being read, and reads what is focused or pointed at (指读). Each sentence
   is spoken by the device's own voice for its language when there is one and the
   reader has not chosen the server's voice (显示设置), else by the server's audio.
   No library; never moves focus; no inline styles (classes only, for a strict CSP).
   Without it, the player's link and audio control work on their own. */
(function () {
  "use strict";

  var player = document.querySelector("[data-speech-player]");
  var template = player && player.querySelector("template[data-speech-controls]");
  if (!template || !("content" in template) || !window.fetch || typeof Audio === "undefined") return;

  // Element k of the reading script is elements[k]: the server numbered the elements
  // matching the same selector, less the same skipped ones, in the same order. Taken
  // now, before any other script changes the page.
  var skip = player.dataset.skip;
  var elements = Array.prototype.filter.call(
    document.body.querySelectorAll(player.dataset.readable),
    function (el) { return !el.closest(skip); });
  var indexOf = new Map(elements.map(function (el, k) { return [el, k]; }));

  var text = {
    playing: player.dataset.textPlaying, paused: player.dataset.textPaused,
    finished: player.dataset.textFinished, unavailable: player.dataset.textUnavailable
  };
  var POINT_DELAY = 600;
  var STATUS_LINGERS = 8000;  // ms a "finished" or "unavailable" status stays to be heard
  var CURRENT = "speech-current";
  var synth = player.dataset.voiceSource === "device" && window.speechSynthesis &&
    typeof SpeechSynthesisUtterance !== "undefined" ? window.speechSynthesis : null;

  // ---- the controls replace the link and audio control -----------------------------
  var controls = template.content.firstElementChild.cloneNode(true);
  player.querySelectorAll(".speech-player__fallback, .speech-player__audio").forEach(function (node) {
    node.remove();
  });
  player.appendChild(controls);
  player.classList.add("speech-player--enhanced");
  if (!player.classList.contains("speech-player--on")) {
    controls.classList.add("speech-controls--collapsed");  // one button until first use
  }
  // 长辈版 on a phone: one large 朗读 button stays; the extras (previous/next, speed,
  // 指读, shortcuts) go into the header's 菜单, where base.html left them a place.
  var extras = document.querySelector("[data-speech-extras]");
  if (extras) {
    controls.querySelectorAll("[data-speech-more]").forEach(function (node) { extras.appendChild(node); });
    extras.classList.add("speech-controls");
    extras.hidden = false;
  }
  var panels = extras ? [controls, extras] : [controls];
  var playButton = controls.querySelector("[data-speech-action=play]");
  var pointButton = (extras || controls).querySelector("[data-speech-action=point]");
  var speedSelect = (extras || controls).querySelector("[data-speech-speed]");
  var status = null;        // the live region: in the page only while there is news
  var statusTimer = null;

  // ---- state -----------------------------------------------------------------------
  var audio = new Audio();
  var utterance = null;     // what the device voice is saying, if it is speaking
  var script = null;        // the reading script (JSON), fetched on first use
  var loading = null;
  var mainQueue = [];       // sentence numbers read by continuous reading
  var queue = [];           // sentence numbers being read now
  var pos = 0;              // position in queue
  var mode = "page";        // "page" (连读) or "point" (指读)
  var state = "stopped";    // "stopped", "playing" or "paused"
  var pageResume = 0;       // where continuous reading goes on after a point reading
  var current = null;       // the marked element
  var pointOn = false, pointTimer = null, pointTarget = null;

  function load() {
    if (!loading) {
      loading = fetch(player.dataset.scriptUrl, { credentials: "same-origin",
                                                  headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("reading script: " + response.status);
          return response.json();
        })
        .then(function (data) {
          script = data;
          mainQueue = [];
          data.sentences.forEach(function (s, n) { if (s.main) mainQueue.push(n); });
          if (!mainQueue.length) mainQueue = data.sentences.map(function (s, n) { return n; });
          return data;
        });
      loading.catch(function () { loading = null; });  // try again next time
    }
    return loading;
  }

  // The status is a live region made when reading starts (its text is set a moment
  // later, so screen readers, which watch regions already in the page, hear it) and
  // removed a while after reading stops: no empty live region sits on an idle page.
  function announce(message, lingering) {
    window.clearTimeout(statusTimer);
    if (!status) {
      status = document.createElement("p");
      status.className = "speech-controls__status";
      status.setAttribute("role", "status");
      status.setAttribute("data-speech-status", "");
      controls.appendChild(status);
      statusTimer = window.setTimeout(function () { say(message, lingering); }, 150);
    } else {
      say(message, lingering);
    }
  }

  function say(message, lingering) {
    status.textContent = message;
    if (lingering) statusTimer = window.setTimeout(removeStatus, STATUS_LINGERS);
  }

  function removeStatus() {
    if (status) status.remove();
    status = null;
  }

  function setPlayLabel() {
    var reading = state === "playing" && mode === "page";
    playButton.textContent = reading ? playButton.dataset.textPause
      : (state === "paused" ? playButton.dataset.textContinue : playButton.dataset.textPlay);
  }

  function reveal(el) {
    var box = el.getBoundingClientRect();
    if (box.top >= 0 && box.bottom <= window.innerHeight) return;
    var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    el.scrollIntoView({ block: "center", behavior: still ? "auto" : "smooth" });
  }

  function mark(el, scroll) {
    if (current === el) return;
    if (current) current.classList.remove(CURRENT);
    current = el;
    if (el) {
      el.classList.add(CURRENT);
      if (scroll) reveal(el);
    }
  }

  function speed() { return parseFloat(speedSelect.value) || 1; }

  // ---- the device's voice ------------------------------------------------------------
  // The script names the server's voice of each sentence and the languages a device
  // voice must speak to stand in for it (e.g. zh-CN for Mandarin, zh-HK for Cantonese).
  var deviceVoices = {};
  function deviceVoice(sentence) {
    if (!synth || !script.device_languages) return null;
    var wanted = script.device_languages[sentence.voice] || [];
    if (!(sentence.voice in deviceVoices)) {
      var voices = synth.getVoices() || [];
      deviceVoices[sentence.voice] = null;
      for (var w = 0; w < wanted.length && !deviceVoices[sentence.voice]; w++) {
        var tag = wanted[w].toLowerCase();
        for (var v = 0; v < voices.length; v++) {
          var lang = (voices[v].lang || "").toLowerCase().replace(/_/g, "-");
          if (lang === tag || lang.indexOf(tag + "-") === 0) { deviceVoices[sentence.voice] = voices[v]; break; }
        }
      }
      if (!voices.length) delete deviceVoices[sentence.voice];  // the list may come later
    }
    return deviceVoices[sentence.voice] || null;
  }
  if (synth && synth.addEventListener) {
    synth.addEventListener("voiceschanged", function () { deviceVoices = {}; });
  }

  function speakOnDevice(sentence, voice) {
    var spoken = new SpeechSynthesisUtterance(sentence.speech || sentence.text);
    spoken.voice = voice;
    spoken.lang = voice.lang;
    spoken.rate = speed();
    spoken.onend = function () { if (utterance === spoken) { utterance = null; sentenceEnded(); } };
    spoken.onerror = function (event) {
      if (utterance !== spoken) return;
      utterance = null;
      if (event.error !== "interrupted" && event.error !== "canceled") fail();
    };
    utterance = spoken;
    synth.cancel();
    synth.speak(spoken);
  }

  function silenceDevice() {
    if (utterance) { utterance = null; synth.cancel(); }
  }

  function playAt(i) {
    pos = i;
    var sentence = script.sentences[queue[pos]];
    if (mode === "page") pageResume = pos;
    mark(elements[sentence.element] || null, mode === "page");
    state = "playing";
    setPlayLabel();
    var voice = deviceVoice(sentence);
    if (voice) {
      audio.pause();
      speakOnDevice(sentence, voice);
      return;
    }
    silenceDevice();
    audio.src = sentence.audio;
    audio.defaultPlaybackRate = audio.playbackRate = speed();
    var started = audio.play();
    if (started && started.catch) started.catch(function (error) {
      if (error && error.name !== "AbortError") fail();  // AbortError: the next src came first
    });
    prefetch(i + 1);
  }

  // Ask for the next sentence while this one plays, so there is no gap between them.
  function prefetch(i) {
    if (i < queue.length && !deviceVoice(script.sentences[queue[i]])) {
      fetch(script.sentences[queue[i]].audio, { credentials: "same-origin" }).catch(function () {});
    }
  }

  function pauseOutput() {
    if (utterance) synth.pause(); else audio.pause();
  }

  function resumeOutput() {
    if (utterance) { synth.resume(); return; }
    audio.play().catch(fail);
  }

  function stop() {
    audio.pause();
    silenceDevice();
    state = "stopped";
    mark(null);
    setPlayLabel();
  }

  function fail() {
    stop();
    announce(text.unavailable, true);
  }

  function sentenceEnded() {
    if (pos + 1 < queue.length) {
      playAt(pos + 1);
      return;
    }
    var wasPage = mode === "page";
    stop();
    if (wasPage) {
      pageResume = 0;
      announce(text.finished, true);
    }
  }

  audio.addEventListener("ended", sentenceEnded);
  audio.addEventListener("error", function () { if (state === "playing" && !utterance) fail(); });

  // ---- continuous reading (连读) ------------------------------------------------------
  function readPage(at) {
    controls.classList.remove("speech-controls--collapsed");
    load().then(function () {
      mode = "page";
      queue = mainQueue;
      if (!queue.length) return;
      announce(text.playing);
      playAt(Math.max(0, Math.min(at, queue.length - 1)));
    }, fail);
  }

  function playPause() {
    if (state === "playing" && mode === "page") {
      pauseOutput();
      state = "paused";
      setPlayLabel();
      announce(text.paused);
    } else if (state === "paused") {
      state = "playing";
      setPlayLabel();
      announce(text.playing);
      resumeOutput();
    } else {
      readPage(pageResume);
    }
  }

  function step(delta) {
    if (mode !== "page" || state === "stopped") {
      readPage(pageResume + (state === "stopped" && pageResume === 0 ? 0 : delta));
      return;
    }
    var to = pos + delta;
    if (to < 0) to = 0;
    if (to >= queue.length) to = queue.length - 1;
    if (state === "paused") announce(text.playing);
    playAt(to);
  }

  function changeSpeed(delta) {
    var i = speedSelect.selectedIndex + delta;
    if (i < 0 || i >= speedSelect.options.length) return;
    speedSelect.selectedIndex = i;
    applySpeed();
    announce(speedSelect.options[i].text, state === "stopped");
  }

  // (A device voice takes the new speed from the next sentence on.)
  function applySpeed() { audio.defaultPlaybackRate = audio.playbackRate = speed(); }

  // ---- point to read (指读) -----------------------------------------------------------
  function readableIndex(node) {
    if (!node || node.nodeType !== 1 || player.contains(node)) return null;
    if (node.matches("input, select, textarea") && node.labels && node.labels.length) {
      node = node.labels[0];  // a form control is read by its label
    }
    for (; node && node !== document.body; node = node.parentElement) {
      if (indexOf.has(node)) return indexOf.get(node);
    }
    return null;
  }

  // The sentences of element k; for an element with no text of its own (a status
  // region holding paragraphs, say), those of the elements inside it.
  function sentencesOf(k) {
    var own = [], inside = [], el = elements[k];
    script.sentences.forEach(function (s, n) {
      if (s.element === k) own.push(n);
      else if (el.contains(elements[s.element])) inside.push(n);
    });
    return own.length ? own : inside;
  }

  function readElement(k) {
    load().then(function () {
      var list = sentencesOf(k);
      if (!list.length || !pointOn) return;
      mode = "point";
      queue = list;
      playAt(0);
      setPlayLabel();
    }, fail);
  }

  function pointCandidate(event) {
    if (!pointOn) return;
    var k = readableIndex(event.target);
    if (k === pointTarget) return;
    window.clearTimeout(pointTimer);
    pointTarget = k;
    if (k !== null) pointTimer = window.setTimeout(function () { readElement(k); }, POINT_DELAY);
  }

  function togglePoint() {
    pointOn = !pointOn;
    pointButton.setAttribute("aria-pressed", String(pointOn));
    controls.classList.remove("speech-controls--collapsed");
    window.clearTimeout(pointTimer);
    pointTarget = null;
    if (pointOn) load().catch(function () {});
    else if (mode === "point") stop();
  }

  document.addEventListener("focusin", pointCandidate);
  document.addEventListener("mouseover", pointCandidate);

  // ---- controls and keys ---------------------------------------------------------------
  var actions = {
    play: playPause,
    previous: function () { step(-1); },
    next: function () { step(1); },
    point: togglePoint
  };
  panels.forEach(function (panel) {
    panel.addEventListener("click", function (event) {
      var button = event.target.closest("[data-speech-action]");
      if (button) actions[button.dataset.speechAction]();
    });
  });
  speedSelect.addEventListener("change", applySpeed);

  // Alt+Shift+letter: not used by screen readers (NVDA, JAWS and Narrator use Insert or
  // CapsLock, VoiceOver Control+Option), nor by browsers without an accesskey on the page.
  var keys = {
    KeyR: playPause, KeyN: actions.next, KeyP: actions.previous,
    KeyF: function () { changeSpeed(1); }, KeyS: function () { changeSpeed(-1); },
    KeyZ: togglePoint
  };
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey || event.isComposing) return;
    var action = keys[event.code];
    if (!action) return;
    event.preventDefault();
    action();
  });
})();
