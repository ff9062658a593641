/* Guidepost site search.
 *
 * Loads the index Guidepost wrote under search/ on demand, one small
 * classic script at a time (<script src>, so it works from file://, in a
 * sandboxed iframe and under Content-Security-Policy: default-src 'self';
 * no eval, modules, WebAssembly or workers). Each shard calls
 * guidepostSearchShard(name, "<JSON text>").
 *
 * The ranking is the one Index::query computes in Rust (src/features/search/
 * index.rs): query words are split like the index split the text (Unicode
 * word boundaries, lowercased), each matches the indexed words it equals (the
 * last word, while typed, the words it starts), an entry scores the sum over
 * query words of its best impact, and entries matching more words come first.
 */
(function () {
  "use strict";

  var forms = document.querySelectorAll("form[data-search]");
  if (!forms.length || !window.URL || !window.Promise) {
    return;
  }
  var MAX_RESULTS = 10;
  var HEADING_MATCH = 1000; /* index::HEADING_MATCH */
  var arrived = {};
  var loading = {};
  var manifest = null;
  var indexUrl = new URL("index.js", forms[0].action);
  var rootUrl = new URL("../", indexUrl);
  var segmenter = null;
  try {
    segmenter = new Intl.Segmenter(document.documentElement.lang || undefined, { granularity: "word" });
  } catch (e) {
    segmenter = null;
  }

  window.guidepostSearchShard = function (name, text) {
    arrived[name] = JSON.parse(text);
  };

  function load(name, hash) {
    if (!loading[name]) {
      loading[name] = new Promise(function (resolve, reject) {
        var url = new URL(name, indexUrl);
        if (hash && url.protocol !== "file:") {
          url.search = "v=" + hash;
        }
        var s = document.createElement("script");
        s.src = url.href;
        s.async = true;
        s.onload = function () {
          if (arrived[name] === undefined) {
            reject(new Error("search: " + name + " did not load"));
          } else {
            resolve(arrived[name]);
          }
        };
        s.onerror = function () {
          delete loading[name];
          reject(new Error("search: cannot load " + url.href));
        };
        document.head.appendChild(s);
      });
    }
    return loading[name];
  }

  function loadManifest() {
    return load("index.js", null).then(function (m) {
      manifest = m;
      return m;
    });
  }

  /* Unicode words, lowercased (UAX #29, like unicode-segmentation). */
  function words(text) {
    var out = [];
    if (segmenter) {
      var it = segmenter.segment(text)[Symbol.iterator]();
      for (var r = it.next(); !r.done; r = it.next()) {
        if (r.value.isWordLike) {
          out.push(r.value.segment.toLowerCase());
        }
      }
    } else {
      out = (text.toLowerCase().match(/[\p{L}\p{N}_]+(?:['.][\p{L}\p{N}_]+)*/gu) || []);
    }
    return out;
  }

  function segments(text) {
    var out = [];
    if (segmenter) {
      var it = segmenter.segment(text)[Symbol.iterator]();
      for (var r = it.next(); !r.done; r = it.next()) {
        out.push({ text: r.value.segment, word: r.value.isWordLike });
      }
    } else {
      out.push({ text: text, word: false });
    }
    return out;
  }

  function chars(s) {
    return Array.from(s);
  }

  function fileKey(key) {
    var out = "";
    chars(key).forEach(function (c) {
      if (/^[a-z0-9]$/.test(c)) {
        out += c;
      } else {
        out += "_";
        new TextEncoder().encode(c).forEach(function (b) {
          out += (b < 16 ? "0" : "") + b.toString(16);
        });
      }
    });
    return out;
  }

  /* Postings as written by index::encode_postings: per entry a base-32
     varint of the id delta (upper-half characters: more follow), then the
     impact as one character. Returns [entry, impact, entry, impact, ...]. */
  var DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";
  function decodePostings(text) {
    var out = [];
    var e = 0;
    var i = 0;
    while (i < text.length) {
      var v = 0;
      var scale = 1;
      var c;
      do {
        c = DIGITS.indexOf(text.charAt(i++));
        v += (c & 31) * scale;
        scale *= 32;
      } while (c >= 32);
      e += v;
      out.push(e, DIGITS.indexOf(text.charAt(i++)));
    }
    return out;
  }

  function wordShard(token) {
    var key = chars(token).slice(0, 2).join("");
    var hash = manifest.words[key];
    if (!hash) {
      return Promise.resolve(null);
    }
    return load("w-" + fileKey(key) + ".js", hash).then(function (shard) {
      if (!shard.decoded) {
        shard.p = shard.p.map(decodePostings);
        shard.decoded = true;
      }
      return shard;
    });
  }

  /* Entry ids best first, with the stems each query word matched. */
  function rank(query) {
    var tokens = words(query);
    var typing = !/\s$/.test(query);
    return Promise.all(tokens.map(wordShard)).then(function (shards) {
      var totals = new Map();
      var matched = [];
      tokens.forEach(function (t, i) {
        var shard = shards[i];
        var prefix = typing && i === tokens.length - 1 && chars(t).length >= 2;
        var lists = new Set();
        if (shard) {
          shard.w.forEach(function (pair) {
            if (prefix ? pair[0].indexOf(t) === 0 : pair[0] === t) {
              lists.add(shard.p[pair[1]]);
            }
          });
        }
        matched.push({ token: t, prefix: prefix, lists: lists, shard: shard });
        var best = new Map();
        lists.forEach(function (flat) {
          for (var k = 0; k < flat.length; k += 2) {
            var e = flat[k];
            var prev = best.get(e) || 0;
            if (flat[k + 1] > prev) {
              best.set(e, flat[k + 1]);
            }
          }
        });
        best.forEach(function (score, e) {
          var t2 = totals.get(e) || [0, 0];
          totals.set(e, [t2[0] + 1, t2[1] + score]);
        });
      });
      /* A query that is a whole heading puts that heading first. */
      var whole = tokens.join(" ");
      if (shards[0] && shards[0].h) {
        shards[0].h.forEach(function (pair) {
          if (pair[0] === whole) {
            var e = 0;
            pair[1].forEach(function (d) {
              e += d;
              var t2 = totals.get(e) || [0, 0];
              totals.set(e, [tokens.length, t2[1] + HEADING_MATCH]);
            });
          }
        });
      }
      var ranked = Array.from(totals.entries());
      ranked.sort(function (a, b) {
        return b[1][0] - a[1][0] || b[1][1] - a[1][1] || a[0] - b[0];
      });
      return { ids: ranked.map(function (r) { return r[0]; }), matched: matched };
    });
  }

  /* An entry shard with each entry's page URL and title filled in (the
     file stores "#anchor" and 0 for an entry of the page before it). */
  var decoded = {};
  function entry(id) {
    var n = Math.floor(id / manifest.per);
    return load("e-" + n + ".js", manifest.entries[n]).then(function (list) {
      if (!decoded[n]) {
        var page = "";
        var title = "";
        decoded[n] = list.map(function (e) {
          var url = e[0].charAt(0) === "#" ? page + e[0] : e[0];
          title = e[1] === 0 ? title : e[1];
          page = url.split("#")[0];
          return [url, title, e[2], e[3]];
        });
      }
      return decoded[n][id % manifest.per];
    });
  }

  function entryUrl(path) {
    var hashAt = path.indexOf("#");
    var p = hashAt < 0 ? path : path.slice(0, hashAt);
    var anchor = hashAt < 0 ? "" : path.slice(hashAt);
    p = p.replace(/^\//, "");
    if ((manifest.rel || rootUrl.protocol === "file:") && (p === "" || /\/$/.test(p))) {
      p += "index.html";
    }
    return new URL(p + anchor, rootUrl).href;
  }

  /* Whether a word of a result should be highlighted. */
  function highlighter(matched) {
    return function (w) {
      w = w.toLowerCase();
      return matched.some(function (m) {
        if (m.prefix ? w.indexOf(m.token) === 0 : w === m.token) {
          return true;
        }
        if (!m.shard) {
          return false;
        }
        return m.shard.w.some(function (pair) {
          return pair[0] === w && m.lists.has(m.shard.p[pair[1]]);
        });
      });
    };
  }

  function appendMarked(parent, text, hit) {
    segments(text).forEach(function (s) {
      if (s.word && hit(s.text)) {
        var mark = document.createElement("mark");
        mark.textContent = s.text;
        parent.appendChild(mark);
      } else {
        parent.appendChild(document.createTextNode(s.text));
      }
    });
  }

  function setup(form) {
    var input = form.querySelector("input[name=q]");
    var panel = form.querySelector(".search__panel");
    var status = panel.querySelector(".search__status");
    var list = panel.querySelector(".search__results");
    var seq = 0;

    function links() {
      return Array.prototype.slice.call(list.querySelectorAll("a"));
    }

    function close() {
      panel.hidden = true;
    }

    function open() {
      panel.hidden = false;
    }

    function show(query) {
      var mine = ++seq;
      if (!words(query).length) {
        list.textContent = "";
        status.textContent = "";
        close();
        return Promise.resolve();
      }
      return (manifest ? Promise.resolve(manifest) : loadManifest())
        .then(function () { return rank(query); })
        .then(function (r) {
          var top = r.ids.slice(0, MAX_RESULTS);
          return Promise.all(top.map(entry)).then(function (entries) {
            if (mine !== seq) {
              return;
            }
            var hit = highlighter(r.matched);
            list.textContent = "";
            entries.forEach(function (e) {
              var li = document.createElement("li");
              li.className = "search__result";
              var a = document.createElement("a");
              a.className = "search__result-link";
              a.href = entryUrl(e[0]);
              var title = document.createElement("span");
              title.className = "search__result-title";
              appendMarked(title, e[2] || e[1], hit);
              a.appendChild(title);
              if (e[2]) {
                var page = document.createElement("span");
                page.className = "search__result-page";
                page.textContent = e[1];
                a.appendChild(page);
              }
              if (e[3]) {
                var snip = document.createElement("span");
                snip.className = "search__result-snippet";
                appendMarked(snip, e[3], hit);
                a.appendChild(snip);
              }
              li.appendChild(a);
              list.appendChild(li);
            });
            var n = r.ids.length;
            status.textContent = n === 0 ? "No results for “" + query.trim() + "”."
              : (n === 1 ? "1 result" : n + " results") +
                (n > top.length ? ", showing the best " + top.length : "") + ".";
            open();
          });
        })
        .catch(function (err) {
          if (mine === seq) {
            status.textContent = "Search is not available: " + err.message;
            open();
          }
        });
    }

    form.guidepostSearch = show;
    input.addEventListener("input", function () {
      show(input.value);
    });
    input.addEventListener("focus", function () {
      if (!manifest) {
        loadManifest().catch(function () {});
      }
      if (list.children.length && input.value) {
        open();
      }
    });
    form.addEventListener("submit", function (ev) {
      var first = links()[0];
      if (first && !panel.hidden) {
        ev.preventDefault();
        first.click();
      }
    });
    form.addEventListener("keydown", function (ev) {
      var all = links();
      var at = all.indexOf(document.activeElement);
      if (ev.key === "Escape") {
        if (!panel.hidden) {
          ev.preventDefault();
          close();
          input.focus();
        } else if (document.activeElement === input && input.value) {
          ev.preventDefault();
          input.value = "";
          show("");
        }
      } else if (ev.key === "ArrowDown" && all.length) {
        ev.preventDefault();
        open();
        all[Math.min(at + 1, all.length - 1)].focus();
      } else if (ev.key === "ArrowUp" && at >= 0) {
        ev.preventDefault();
        (at === 0 ? input : all[at - 1]).focus();
      }
    });
    form.addEventListener("focusout", function () {
      setTimeout(function () {
        if (!form.contains(document.activeElement)) {
          close();
        }
      }, 0);
    });
  }

  Array.prototype.forEach.call(forms, setup);

  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey) {
      return;
    }
    var t = ev.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) {
      return;
    }
    ev.preventDefault();
    forms[0].querySelector("input[name=q]").focus();
  });

  /* The search page: show the results for ?q= at once. */
  if (document.querySelector("[data-search-page]")) {
    var q = new URLSearchParams(window.location.search).get("q");
    if (q) {
      var input = forms[0].querySelector("input[name=q]");
      input.value = q;
      forms[0].guidepostSearch(q).then(function () {
        input.focus();
      });
    }
  }
})();
