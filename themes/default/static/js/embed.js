/* Guidepost embed page: tells the page that frames it how tall the content
 * is, so the host's guidepost-embed.js can size the <iframe> to it (no inner
 * scrollbar). Sends { type: "guidepost:embed-height", height } to the parent
 * on load and whenever the content changes size (a guide step, a narrower
 * frame). The height is no secret, so any parent may read it; the host
 * script checks where a message comes from. Does nothing outside a frame.
 */
(function () {
  "use strict";
  if (window.parent === window) {
    return;
  }
  var content = document.querySelector("[data-embed-content]") || document.body;
  var last = -1;

  function post() {
    var height = Math.ceil(content.getBoundingClientRect().height);
    if (height === last) {
      return;
    }
    last = height;
    window.parent.postMessage({ type: "guidepost:embed-height", height: height }, "*");
  }

  if (window.ResizeObserver) {
    new ResizeObserver(post).observe(content);
  }
  window.addEventListener("load", post);
  post();
})();
