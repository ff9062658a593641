// Live reload for `guidepost serve`. Served at /__guidepost/reload.js and
// never part of `guidepost build` output. No inline code or styles, so it
// works under `Content-Security-Policy: default-src 'self'`.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.EventSource) return;
  var base = new URL(".", script.src); // …/__guidepost/
  var scrollKey = "guidepost-scroll:" + location.pathname;
  var overlay = null;

  // Back where the reader was before the reload.
  try {
    var saved = sessionStorage.getItem(scrollKey);
    if (saved !== null) {
      sessionStorage.removeItem(scrollKey);
      var xy = JSON.parse(saved);
      window.scrollTo({ left: xy[0], top: xy[1], behavior: "instant" });
    }
  } catch (e) { /* storage may be disabled */ }

  function norm(path) {
    return path.replace(/index\.html$/, "");
  }

  function reload() {
    try {
      sessionStorage.setItem(scrollKey, JSON.stringify([window.scrollX, window.scrollY]));
    } catch (e) { /* storage may be disabled */ }
    location.reload();
  }

  // Swaps changed same-origin stylesheets for fresh copies, without a reload.
  function swapStylesheets(paths) {
    var links = document.querySelectorAll('link[rel~="stylesheet"]');
    Array.prototype.forEach.call(links, function (link) {
      var url = new URL(link.href, location.href);
      if (url.origin !== location.origin || paths.indexOf(url.pathname) === -1) return;
      url.searchParams.set("guidepost-reload", String(Date.now()));
      link.href = url.href;
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function ensureStylesheet() {
    if (document.getElementById("guidepost-overlay-css")) return;
    var link = document.createElement("link");
    link.id = "guidepost-overlay-css";
    link.rel = "stylesheet";
    link.href = new URL("overlay.css", base).href;
    document.head.appendChild(link);
  }

  function clearOverlay() {
    if (overlay) {
      overlay.remove();
      overlay = null;
    }
  }

  // The build errors, built with DOM APIs only (text, never markup).
  function showOverlay(report) {
    clearOverlay();
    ensureStylesheet();
    overlay = el("div", "guidepost-overlay");
    overlay.id = "guidepost-overlay";
    overlay.setAttribute("role", "alertdialog");
    overlay.setAttribute("aria-labelledby", "guidepost-overlay-title");
    var box = el("div", "guidepost-overlay__box");
    var title = el("h2", "guidepost-overlay__title", "Guidepost: the site did not build");
    title.id = "guidepost-overlay-title";
    box.appendChild(title);
    (report.errors || []).forEach(function (d) {
      var item = el("section", "guidepost-overlay__error");
      var where = d.file ? d.file + (d.line ? ":" + d.line + ":" + d.column : "") : "(site)";
      item.appendChild(el("p", "guidepost-overlay__location", where));
      item.appendChild(el("p", "guidepost-overlay__message", d.message));
      if (d.snippet !== null && d.snippet !== undefined) {
        var num = String(d.line || "");
        var pad = num.replace(/./g, " ");
        var caret = pad + " | " + " ".repeat(Math.max(0, (d.column || 1) - 1)) + "^";
        item.appendChild(el("pre", "guidepost-overlay__snippet", num + " | " + d.snippet + "\n" + caret));
      }
      if (d.help) item.appendChild(el("p", "guidepost-overlay__help", "help: " + d.help));
      box.appendChild(item);
    });
    box.appendChild(el("p", "guidepost-overlay__hint",
      "Fix the file and save: this goes away by itself. Below is the last good build."));
    var close = el("button", "guidepost-overlay__close", "Dismiss");
    close.type = "button";
    close.addEventListener("click", clearOverlay);
    box.appendChild(close);
    overlay.appendChild(box);
    document.body.appendChild(overlay);
  }

  var events = new EventSource(new URL("events", base).href);
  // For tests and curious readers: whether the stream is connected.
  window.guidepostLiveReload = { connected: false };
  events.addEventListener("open", function () { window.guidepostLiveReload.connected = true; });
  function changed(e) {
    var paths = [];
    try { paths = JSON.parse(e.data).paths || []; } catch (err) { return; }
    var here = norm(location.pathname);
    if (paths.some(function (p) { return norm(p) === here; })) {
      reload();
      return;
    }
    var css = paths.filter(function (p) { return /\.css$/.test(p); });
    if (css.length) swapStylesheets(css);
    // Other files this page loaded (scripts, images): reload to pick them up.
    var used = performance.getEntriesByType("resource").map(function (r) {
      try { return new URL(r.name).pathname; } catch (err) { return ""; }
    });
    if (paths.some(function (p) { return !/\.css$/.test(p) && used.indexOf(p) !== -1; })) reload();
  }
  events.addEventListener("reload", function (e) {
    clearOverlay();
    changed(e);
  });
  // Files finished after a reload (the search index): reload only a page
  // that loaded one.
  events.addEventListener("files", changed);
  // Named `error` by the server; connection errors have no data and are ignored
  // (EventSource reconnects by itself).
  events.addEventListener("error", function (e) {
    if (typeof e.data !== "string") return;
    try { showOverlay(JSON.parse(e.data)); } catch (err) { /* ignore */ }
  });
})();
