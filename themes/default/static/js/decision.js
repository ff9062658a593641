/* Guidepost decision guide: runs the guide in place, without reloading pages.
 *
 * Every step of a guide is a static page (the guide works without this file).
 * Here, following an answer, "Back", "Change" or "Start again" fetches that
 * step's page and swaps its [data-decision-view] into this one, so:
 * - the address bar always shows the step's own URL (a permalink that reloads
 *   to the same step, with JavaScript or without);
 * - browser back and forward move between steps (History API);
 * - focus moves to the new step's heading and the change is announced in an
 *   aria-live region;
 * - everything is a plain link, so the keyboard works as usual.
 * Where fetch cannot work (opened from disk over file://, or in a frame
 * sandboxed without allow-same-origin) nothing is fetched: links are
 * followed as plain page loads, and the new page puts focus on its heading
 * just as an in-place step would. If fetching fails anyway (offline), the
 * link is followed the same way.
 *
 * In another site's frame (an embedded guide) each step replaces the
 * current history entry instead of adding one, so the host page's Back
 * button is left alone, whether steps are fetched or loaded as pages.
 */
(function () {
  "use strict";
  var root = document.querySelector("[data-decision]");
  if (!root) {
    return;
  }
  var STEP_KEY = "guidepost-decision-step";

  /* Pages can be fetched over HTTP(S), not from file:// (Chromium refuses
   * and logs console errors, Firefox treats each file as its own origin). */
  function canFetchPages() {
    return window.location.protocol === "http:" || window.location.protocol === "https:";
  }

  /* Remembers, for the page about to load, that it is a step of the guide
   * reached by following one of its links. */
  function rememberFullPageStep(url) {
    try {
      window.sessionStorage.setItem(STEP_KEY, new URL(url, window.location.href).href);
    } catch (e) {
      /* Storage disabled: the step loads without moving focus. */
    }
  }

  /* After a full page load to a step, focus goes to the step's heading (as
   * after an in-place step), so keyboard users do not start from the top. */
  function focusStepAfterFullPageLoad() {
    var expected = null;
    try {
      expected = window.sessionStorage.getItem(STEP_KEY);
      window.sessionStorage.removeItem(STEP_KEY);
    } catch (e) {
      return;
    }
    if (expected !== window.location.href) {
      return;
    }
    var heading = root.querySelector("[data-decision-heading]");
    if (heading) {
      heading.focus();
    }
  }

  /* Without fetch, steps are plain page loads: focus follows to the new
   * page's heading, and in a frame the page replaces the history entry. */
  function followAsPages(container) {
    container.addEventListener("click", function (event) {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
        return;
      }
      var link = event.target.closest ? event.target.closest("a[data-decision-link]") : null;
      if (!link) {
        return;
      }
      rememberFullPageStep(link.href);
      if (inFrame()) {
        event.preventDefault();
        window.location.replace(link.href);
      }
    });
  }

  focusStepAfterFullPageLoad();
  if (!canFetchPages() || !fetchCanWork() || !window.fetch || !window.DOMParser || !window.history || !history.pushState) {
    followAsPages(root);
    return;
  }
  var framed = inFrame();
  var pinned = false;
  var live = root.querySelector("[data-decision-live]");
  var cache = {};
  var current = 0;

  function load(url) {
    if (!cache[url]) {
      cache[url] = fetch(url, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) {
          throw new Error("HTTP " + r.status);
        }
        return r.text().then(function (text) {
          return { text: text, url: r.url || url };
        });
      });
      cache[url].catch(function () {
        delete cache[url];
      });
    }
    return cache[url];
  }

  function absolutize(view, base) {
    ["href", "src"].forEach(function (attr) {
      var links = view.querySelectorAll("[" + attr + "]");
      for (var i = 0; i < links.length; i++) {
        var v = links[i].getAttribute(attr);
        if (v && v.charAt(0) !== "#") {
          links[i].setAttribute(attr, new URL(v, base).href);
        }
      }
    });
  }

  /* Framing and URLs (see the header): kept apart from the in-place logic. */

  // True inside a frame (a cross-origin parent may even refuse the check).
  function inFrame() {
    try {
      return window.self !== window.top;
    } catch (e) {
      return true;
    }
  }

  // fetch of the step pages needs a real origin: not file://, and not a
  // sandboxed frame without allow-same-origin (whose origin is "null").
  function fetchCanWork() {
    return window.location.protocol !== "file:" && window.origin !== "null";
  }

  // Changing the address with the History API changes the base of every
  // relative URL on the page, so before the first change every relative
  // href and src outside the swapped view (header, footer, stylesheet,
  // favicon) is pinned to the absolute URL it means now.
  function pinUrls() {
    if (pinned) {
      return;
    }
    pinned = true;
    absolutize(document, window.location.href);
  }

  // Records a step in the history: a new entry on the site itself; in a
  // frame the current entry is replaced (the host's Back button stays its own).
  function record(url) {
    pinUrls();
    if (framed) {
      history.replaceState({ decision: true }, "", url);
    } else {
      history.pushState({ decision: true }, "", url);
    }
  }

  function announce(text) {
    if (!live) {
      return;
    }
    live.textContent = "";
    window.setTimeout(function () {
      live.textContent = text;
    }, 100);
  }

  function show(page, url, push) {
    var doc = new DOMParser().parseFromString(page.text, "text/html");
    var next = doc.querySelector("[data-decision-view]");
    var now = root.querySelector("[data-decision-view]");
    if (!next || !now) {
      rememberFullPageStep(url);
      window.location.assign(url);
      return;
    }
    absolutize(next, page.url);
    var view = document.importNode(next, true);
    now.parentNode.replaceChild(view, now);
    document.title = doc.title;
    if (push) {
      record(url);
    }
    var heading = view.querySelector("[data-decision-heading]");
    if (heading) {
      heading.focus();
      var progress = view.querySelector("[data-decision-progress]");
      announce(heading.textContent + (progress ? ". " + progress.textContent : ""));
    }
  }

  function go(url, push) {
    var ticket = ++current;
    return load(url).then(
      function (page) {
        if (ticket === current) {
          show(page, url, push);
        }
      },
      function () {
        rememberFullPageStep(url);
        window.location.assign(url);
      }
    );
  }

  root.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    var link = event.target.closest ? event.target.closest("a[data-decision-link]") : null;
    if (!link || link.origin !== window.location.origin) {
      return;
    }
    event.preventDefault();
    go(link.href, true);
  });

  history.replaceState({ decision: true }, "", window.location.href);
  window.addEventListener("popstate", function (event) {
    if (event.state && event.state.decision) {
      go(window.location.href, false);
    }
  });
})();
