/* Small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // A second press of a submit button while the first is on its way does nothing
  // (the server is idempotent too: this only spares a confusing second page load).
  function preventDoubleClicks() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (form.dataset.submitting === "true") {
        event.preventDefault();
        return;
      }
      form.dataset.submitting = "true";
      window.setTimeout(function () { form.dataset.submitting = "false"; }, 5000);
    });
  }

  // Character count for long answers, announced politely and not on every key.
  function characterCounts() {
    document.querySelectorAll("textarea[data-character-limit]").forEach(function (area) {
      var limit = parseInt(area.dataset.characterLimit, 10);
      var counter = document.getElementById(area.id + "-count");
      if (!counter) return;
      // The wording comes translated from the server.
      var template = { left: counter.dataset.textLeft, over: counter.dataset.textOver };
      counter.setAttribute("aria-live", "polite");
      var timer;
      function update() {
        var left = limit - area.value.length;
        counter.textContent = (left >= 0 ? template.left : template.over).replace("{n}", Math.abs(left));
        counter.classList.toggle("error-message", left < 0);
      }
      area.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(update, 400);
      });
      update();
    });
  }

  // After inline validation (htmx) mark the inputs of that field valid or invalid.
  function syncInvalidState() {
    document.body.addEventListener("htmx:afterSwap", function (event) {
      var slot = event.detail.target;
      if (!slot.classList.contains("error-slot")) return;
      var group = slot.closest(".form-group");
      var hasError = slot.textContent.trim() !== "";
      group.classList.toggle("form-group--error", hasError);
      group.querySelectorAll("input, textarea").forEach(function (input) {
        if (hasError) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
        input.classList.toggle("input--error", hasError);
      });
    });
  }


  // Display settings saved through htmx: apply the new data-* attributes at once
  // (the server sends them in the HX-Trigger header; the cookie makes them stick).
  function applyDisplaySettings() {
    document.body.addEventListener("yiban:display", function (event) {
      var attributes = event.detail || {};
      Object.keys(attributes).forEach(function (name) {
        if (name.indexOf("data-") === 0) document.documentElement.setAttribute(name, attributes[name]);
      });
    });
  }

  // Reading guide: a band that follows the pointer line by line. It is there only
  // while the guide is on (also when switched on or off in 显示设置 without a reload);
  // it is decoration, hidden from assistive technology.
  function readingGuide() {
    var band = null;
    function update() {
      var on = document.documentElement.dataset.guide === "on";
      if (on && !band) {
        band = document.createElement("div");
        band.className = "reading-guide";
        band.setAttribute("aria-hidden", "true");
        document.body.appendChild(band);
      } else if (!on && band) {
        band.remove();
        band = null;
      }
    }
    update();
    // Registered after applyDisplaySettings' listener, so <html> is already updated.
    document.body.addEventListener("yiban:display", update);
    document.addEventListener("mousemove", function (event) {
      if (!band) return;
      band.style.transform = "translateY(" + Math.max(0, event.clientY - band.offsetHeight / 2) + "px)";
    }, { passive: true });
  }

  // Warning before an idle sign-in ends (WCAG 2.2.1, 2.2.6). The server puts the
  // seconds left on <body data-session-expires-in> and, after each htmx request, in
  // the Yiban-Session-Expires-In header. Someone who typed or clicked since the last
  // request is kept signed in quietly; otherwise a modal dialog says how long is left
  // and "Stay signed in" extends with one press; focus then goes back where it was.
  function sessionTimeout() {
    var body = document.body;
    var template = document.getElementById("session-warning");
    var left = parseInt(body.dataset.sessionExpiresIn, 10);
    if (!template || isNaN(left) || typeof HTMLDialogElement !== "function") return;
    var texts = template.content;
    var dialog = texts.querySelector("dialog").cloneNode(true);
    var message = dialog.querySelector("[data-session-message]");
    var stay = dialog.querySelector("[data-session-extend]");
    var signIn = dialog.querySelector("[data-session-sign-in]");
    var warnBefore = parseInt(dialog.dataset.warnBefore, 10);
    var MARGIN = 5;  // seconds: the page arrives a little after the server counted
    var deadline, contact, active = 0, dismissed = false, ended = false, pending = false;
    var returnTo = null, keyDown = false, closeOnKeyUp = false;
    body.appendChild(dialog);

    function expiresIn(seconds) {
      contact = Date.now();
      deadline = contact + (seconds - MARGIN) * 1000;
      dismissed = false;
    }
    function say(selector) {
      var text = texts.querySelector(selector);
      if (text && message.textContent !== text.textContent) message.textContent = text.textContent;
    }
    function open() {
      if (dialog.open) return;
      returnTo = document.activeElement;
      dialog.showModal();  // focus goes to "Stay signed in" (autofocus)
    }
    function close() {
      // Not while Enter is still held on "Stay signed in": its repeats would then go
      // to the field focus returns to, and send that form.
      if (keyDown) closeOnKeyUp = true;
      else if (dialog.open) dialog.close();
    }
    function end() {
      ended = true;
      // The dialog's name and body say the same thing: no "stay signed in?" over "signed out".
      dialog.querySelector(".session-dialog__title").textContent =
        texts.querySelector("[data-ended-title]").textContent;
      say("[data-ended]");
      stay.hidden = true;
      signIn.hidden = false;
      open();
      signIn.focus();
    }
    function extend() {
      if (pending) return;
      pending = true;
      var headers = JSON.parse(body.getAttribute("data-hx-headers") || "{}");
      fetch(dialog.dataset.extendUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "X-CSRFToken": headers["X-CSRFToken"], "Accept": "application/json" }
      }).then(function (response) {
        if (response.status === 401) return end();
        if (!response.ok) return;  // the dialog stays; another press tries again
        return response.json().then(function (data) {
          expiresIn(data.expires_in);
          close();
        });
      }).catch(function () {}).then(function () { pending = false; });
    }
    function tick() {
      if (ended) return;
      var seconds = (deadline - Date.now()) / 1000;
      if (seconds <= 0) return end();
      if (seconds > warnBefore) return;
      // Once open it stays until answered, even if the time moved meanwhile (opening
      // it takes focus, which may send a field's inline check and so extend).
      if (!dialog.open && active > contact) return extend();  // they are here: no warning
      if (dismissed && !dialog.open) return;
      say('[data-minutes="' + Math.max(1, Math.ceil(seconds / 60)) + '"]');
      open();
    }

    expiresIn(left);
    stay.addEventListener("click", extend);
    dialog.addEventListener("cancel", function () { dismissed = true; });  // Escape
    dialog.addEventListener("keydown", function () { keyDown = true; });
    document.addEventListener("keyup", function () {  // wherever focus is by then
      keyDown = false;
      if (closeOnKeyUp) {
        closeOnKeyUp = false;
        close();
      }
    });
    dialog.addEventListener("close", function () {
      if (returnTo && document.contains(returnTo)) returnTo.focus();
      returnTo = null;
    });
    ["keydown", "pointerdown", "input"].forEach(function (type) {
      document.addEventListener(type, function (event) {
        if (!dialog.contains(event.target)) active = Date.now();
      }, { capture: true, passive: true });
    });
    body.addEventListener("htmx:afterRequest", function (event) {
      var xhr = event.detail.xhr;
      var header = xhr && xhr.getResponseHeader("Yiban-Session-Expires-In");
      if (header && !ended) expiresIn(parseInt(header, 10));
    });
    // Checked against the clock, so a sleeping laptop or a background tab (whose
    // timers the browser slows down) is caught up as soon as it is looked at again.
    document.addEventListener("visibilitychange", tick);
    window.setInterval(tick, 5000);
    tick();
  }

  // A file over the limit is refused at once, before minutes of sending it: the
  // message (the server's own words, with the file's size) goes in the field's error slot.
  function fileSizeCheck() {
    document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
      input.addEventListener("change", function () {
        var file = input.files && input.files[0];
        var slot = document.getElementById(input.id + "-error");
        var group = input.closest(".form-group");
        if (!slot) return;
        var tooBig = file && file.size > parseInt(input.dataset.maxBytes, 10);
        slot.textContent = "";
        if (tooBig) {
          var message = document.createElement("p");
          var prefix = document.createElement("span");
          message.className = "error-message";
          prefix.className = "visually-hidden";
          prefix.textContent = input.dataset.textError + " ";
          message.appendChild(prefix);
          message.appendChild(document.createTextNode(
            input.dataset.textTooBig.replace("{size}", (file.size / 1048576).toFixed(1))));
          slot.appendChild(message);
          input.value = "";
        }
        if (group) group.classList.toggle("form-group--error", !!tooBig);
        input.classList.toggle("input--error", !!tooBig);
        if (tooBig) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
      });
    });
  }

  // 复制 and 打印 on the confirmation: shown only when they can work.
  function keepNumber() {
    var status = document.querySelector("[data-copy-status]");
    document.querySelectorAll("[data-copy-target]").forEach(function (button) {
      if (!navigator.clipboard || !window.isSecureContext) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var text = document.getElementById(button.dataset.copyTarget).textContent.trim();
        navigator.clipboard.writeText(text).then(function () {
          if (status) status.textContent = button.dataset.textCopied;
        });
      });
    });
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    keepNumber();
    fileSizeCheck();
    preventDoubleClicks();
    characterCounts();
    syncInvalidState();
    applyDisplaySettings();
    readingGuide();
    sessionTimeout();
  });

  // Offline entry (static/js/offline.js) is fetched only once the page is usable, and
  // only where it has work: an application's pages (data-offline-code), the signed-out
  // page (it deletes the device copy), and any page while the device holds a copy
  // (offline.js keeps the localStorage flag). Other pages do not pay for it.
  var nonce = document.currentScript && document.currentScript.nonce;
  function offlineHasWork(body) {
    if (body.hasAttribute("data-offline-code") || body.hasAttribute("data-offline-wipe")) return true;
    try { return !!window.localStorage.getItem("yiban-offline"); } catch (e) { return false; }
  }
  window.addEventListener("load", function () {
    var src = document.body.getAttribute("data-offline-script");
    if (!src || !("serviceWorker" in navigator) || !offlineHasWork(document.body)) return;
    var script = document.createElement("script");
    script.src = src;
    script.nonce = nonce;
    document.body.appendChild(script);
  });
})();
