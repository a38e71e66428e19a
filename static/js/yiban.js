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

  // Reading guide: a band that follows the pointer line by line (CSS shows it only
  // when the guide is on; it is decoration, hidden from assistive technology).
  function readingGuide() {
    var band = document.createElement("div");
    band.className = "reading-guide";
    band.setAttribute("aria-hidden", "true");
    document.body.appendChild(band);
    document.addEventListener("mousemove", function (event) {
      if (document.documentElement.dataset.guide !== "on") return;
      band.style.transform = "translateY(" + Math.max(0, event.clientY - band.offsetHeight / 2) + "px)";
    }, { passive: true });
  }

  document.addEventListener("DOMContentLoaded", function () {
    preventDoubleClicks();
    characterCounts();
    syncInvalidState();
    applyDisplaySettings();
    readingGuide();
  });
})();
