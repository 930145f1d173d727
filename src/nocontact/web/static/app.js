// nocontact: quick exit (button, or Escape pressed three times) and htmx's CSRF header.
// No inline script anywhere: the Content-Security-Policy forbids it.
(function () {
  "use strict";
  // The screen goes blank at once, before the server answers: if it is busy (a long import),
  // whoever walked in must not see the page while the lock request waits its turn.
  function blank() {
    document.title = "Notes";
    document.body.style.visibility = "hidden";
  }
  function quickExit() {
    var form = document.getElementById("quick-exit");
    blank();
    if (form) { form.submit(); } else { window.location.replace("/neutral"); }
  }
  var presses = [];
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") { return; }
    var now = Date.now();
    presses = presses.filter(function (t) { return now - t < 1500; });
    presses.push(now);
    if (presses.length >= 3) { presses = []; quickExit(); }
  });
  document.addEventListener("htmx:configRequest", function (e) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { e.detail.headers["X-CSRF-Token"] = meta.getAttribute("content"); }
  });
  // Confirmations for destructive forms, as a second step after the typed word.
  document.addEventListener("submit", function (e) {
    if (e.target.id === "quick-exit") { blank(); return; }
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); return; }
    if (!e.defaultPrevented) { busy(e.target); }
  });
  // A long form (an import of a big download) says it is working and is not sent twice; the
  // quick exit stays live, since it is its own form.
  function busy(form) {
    var text = form.getAttribute("data-busy");
    if (!text) { return; }
    var status = form.querySelector("[data-busy-status]");
    if (status) { status.textContent = text; status.hidden = false; }
    // How far it has got, asked of the app while the page waits (the file and the messages read so
    // far), so a long import is seen to move. Shown outside the live region: a screen reader is
    // told once that the import runs, not every second and a half. Leaving the page ends it.
    var progress = form.getAttribute("data-progress");
    var line = form.querySelector("[data-busy-progress]");
    if (progress && line) {
      window.setInterval(function () {
        fetch(progress, {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (p) { if (p && p.progress) { line.textContent = p.progress + "."; line.hidden = false; } })
          .catch(function () {});
      }, 1500);
    }
    form.setAttribute("aria-busy", "true");
    window.setTimeout(function () {  // after the browser has taken the form's values
      Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) {
        b.disabled = true;
      });
    }, 0);
  }
  // Figures still being counted (derived.py): reload the page once they may be ready. No meta
  // refresh: a refresh the page itself asks for is what a hostile page would use, and tests forbid it.
  var wait = document.querySelector("[data-reload-after]");
  if (wait) {
    window.setTimeout(function () { window.location.reload(); },
                      1000 * Math.max(1, parseInt(wait.getAttribute("data-reload-after"), 10) || 3));
  }
  // A link to a folded section (Home's "Import your messages" to the steps for each app) opens it.
  if (window.location.hash) {
    var folded = document.getElementById(window.location.hash.slice(1));
    if (folded && folded.tagName === "DETAILS") { folded.open = true; }
  }
  // Template buttons: fill the textarea without leaving the page.
  document.addEventListener("click", function (e) {
    var b = e.target.closest("[data-fill-from]");
    if (!b) { return; }
    var src = document.getElementById(b.getAttribute("data-fill-from"));
    var dst = document.getElementById("boundary-text");
    if (src && dst) { e.preventDefault(); dst.value = src.textContent; dst.focus(); }
  });
})();
