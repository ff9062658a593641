/*! guidepost-embed.js: sizes iframes that show Guidepost embed pages.
 *
 * Add it once to the page that frames the embed pages, from the Guidepost
 * site itself:
 *     <script src="https://docs.example.org/js/guidepost-embed.js" defer></script>
 * and mark each frame: <iframe src="…/embed/…" data-guidepost-embed …>.
 * Every marked frame then takes the height of its content, after load and
 * after each step of a guide. A message is only accepted from the frame's
 * own window and from the origin of its src (or the opaque origin "null"
 * of a frame sandboxed without allow-same-origin, or opened from file://).
 * Without this script a frame keeps its height attribute and scrolls.
 *
 * MIT License. Copyright (c) the Guidepost authors.
 * Permission is hereby granted, free of charge, to any person obtaining a
 * copy of this software, to deal in it without restriction, subject to this
 * notice being included in all copies. THE SOFTWARE IS PROVIDED "AS IS",
 * WITHOUT WARRANTY OF ANY KIND.
 */
(function () {
  "use strict";

  function originOf(frame) {
    try {
      return new URL(frame.getAttribute("src") || "", window.location.href).origin;
    } catch (e) {
      return "";
    }
  }

  function opaque(frame) {
    var sandbox = frame.getAttribute("sandbox");
    return (sandbox !== null && !/(^|\s)allow-same-origin(\s|$)/.test(sandbox)) || originOf(frame) === "null";
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.type !== "guidepost:embed-height" || typeof data.height !== "number") {
      return;
    }
    var frames = document.querySelectorAll("iframe[data-guidepost-embed]");
    for (var i = 0; i < frames.length; i++) {
      var frame = frames[i];
      if (frame.contentWindow !== event.source) {
        continue;
      }
      var expected = opaque(frame) ? "null" : originOf(frame);
      if (event.origin !== expected) {
        return;
      }
      var height = Math.min(Math.max(Math.ceil(data.height), 40), 20000);
      if (frame.getAttribute("height") !== String(height)) {
        frame.setAttribute("height", String(height));
      }
      return;
    }
  });
})();
