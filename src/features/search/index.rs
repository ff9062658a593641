//! The index: BM25 scores per word and entry, split into shards a query loads
//! on demand, and the same query evaluation the search script runs.
//!
//! Layout (every file a classic script calling `guidepostSearchShard(name,
//! "<JSON text>")`, so it loads with `<script src>` from file:// and under
//! `script-src 'self'`):
//! - `index.js`: the manifest: entry count, which word shards and entry
//!   shards exist, and a content hash per shard (added to each shard's URL,
//!   so a cache never mixes versions);
//! - `w-<prefix>.js`: the words starting with a two-character prefix, each
//!   with its stem, each stem's postings (entry id deltas and impacts,
//!   [`encode_postings`]), and the whole headings starting with the prefix;
//! - `e-<n>.js`: [`ENTRIES_PER_SHARD`] entries each: URL, page title,
//!   heading and snippet (only loaded for the results shown); an entry of the
//!   same page as the entry before it has just `#anchor` and title `0`.
//!
//! Scores are BM25 (k1 = 1.2, b = 0.75) over each entry's words, with the
//! length normalised against a fixed [`PIVOT`] rather than the average
//! length, so that editing one page changes only the shards of the words it
//! touches (the dev server re-emits just those). A
//! title word counts [`TITLE_BOOST`] times and a heading, description or tag
//! word [`HEADING_BOOST`] times, quantised to integers ("impacts") so that
//! the script's sums equal Rust's exactly. A stem keeps its
//! [`MAX_POSTINGS`] best entries, which bounds what a common word loads.

use std::collections::{BTreeMap, HashMap};

use rust_stemmers::Stemmer;
use serde::Serialize;

use super::extract::{Entry, snippet};
use super::tokenize::{stem, words};

/// A page title's words count this many times.
pub(crate) const TITLE_BOOST: u32 = 4;
/// A heading's (and description's, tags') words count this many times.
pub(crate) const HEADING_BOOST: u32 = 3;
/// What a query equal to a whole heading adds to that entry's score (search.js
/// has the same number; the index stores no scores for it).
#[cfg(test)]
pub(crate) const HEADING_MATCH: u32 = 1000;
/// Postings kept per stem (its best-scoring entries).
pub(crate) const MAX_POSTINGS: usize = 80;
/// Entries per entry shard.
pub(crate) const ENTRIES_PER_SHARD: usize = 32;
/// The entry length (weighted words) BM25 normalises against.
pub(crate) const PIVOT: f64 = 64.0;
const K1: f64 = 1.2;
const B: f64 = 0.75;
/// Impacts are BM25 scores times this, rounded (1..=63: one character).
const IMPACT_SCALE: f64 = 2.5;
/// The 64 characters postings are written with.
const DIGITS: &[u8; 64] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";

/// One entry with its words counted: what a document contributes, kept
/// between builds of the dev server.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Counted {
    pub url: String,
    pub title: String,
    pub heading: String,
    pub snippet: String,
    /// Stem and weighted count, sorted by stem.
    pub terms: Vec<(String, u32)>,
    /// Weighted length.
    pub len: u32,
    /// Every word form seen, with its stem.
    pub forms: Vec<(String, String)>,
    /// The heading (or title) as a whole, words joined by spaces, and its
    /// part before a parenthesis (`cio` for "CIO (chief information officer)").
    pub keys: Vec<String>,
}

/// Counts an entry's words (`is_top`: the entry carries the page title).
pub(crate) fn count(
    entry: &Entry,
    is_top: bool,
    stemmer: Option<&Stemmer>,
    snippet_length: usize,
) -> Counted {
    let mut terms: BTreeMap<String, u32> = BTreeMap::new();
    let mut forms: BTreeMap<String, String> = BTreeMap::new();
    let mut len = 0;
    let mut add = |text: &str, weight: u32| {
        for w in words(text) {
            let s = forms
                .entry(w.clone())
                .or_insert_with(|| stem(stemmer, &w))
                .clone();
            *terms.entry(s).or_default() += weight;
            len += weight;
        }
    };
    if is_top {
        add(&entry.title, TITLE_BOOST);
    }
    add(&entry.heading, HEADING_BOOST);
    add(&entry.boosted, HEADING_BOOST);
    add(&entry.text, 1);
    let name = if entry.heading.is_empty() {
        &entry.title
    } else {
        &entry.heading
    };
    let mut keys = vec![words(name).collect::<Vec<_>>().join(" ")];
    if let Some((short, _)) = name.split_once(" (") {
        keys.push(words(short).collect::<Vec<_>>().join(" "));
    }
    keys.retain(|k| !k.is_empty());
    keys.dedup();
    Counted {
        keys,
        url: entry.url.clone(),
        title: entry.title.clone(),
        heading: entry.heading.clone(),
        snippet: snippet(&entry.text, snippet_length),
        terms: terms.into_iter().collect(),
        len,
        forms: forms.into_iter().collect(),
    }
}

/// The shard a word belongs to: its first two characters.
pub(crate) fn shard_key(word: &str) -> String {
    word.chars().take(2).collect()
}

/// A shard key as a file-name part: ASCII letters and digits as they are,
/// anything else as `_` and the hex of its UTF-8 bytes.
fn file_key(key: &str) -> String {
    let mut out = String::new();
    for c in key.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            out.push('_');
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("{b:02x}"));
            }
        }
    }
    out
}

/// The built index: word shards, entry shards, and the queries over them.
#[derive(Debug, Default)]
pub(crate) struct Index {
    /// Word form → (stem id).
    forms: BTreeMap<String, usize>,
    /// Per stem id: postings (entry, impact), by entry.
    postings: Vec<Vec<(u32, u8)>>,
    /// Whole headings and titles ([`Counted::keys`]) → their entries.
    keys: BTreeMap<String, Vec<u32>>,
    entries: Vec<(String, String, String, String)>,
    /// Whether the site uses relative URLs (the script then names `index.html`).
    relative: bool,
}

/// The manifest's JSON.
#[derive(Serialize)]
struct Manifest<'a> {
    v: u32,
    rel: bool,
    n: usize,
    per: usize,
    words: BTreeMap<&'a str, String>,
    entries: Vec<String>,
}

/// A word shard's JSON.
#[derive(Serialize)]
struct WordShard<'a> {
    /// Word, index into `p`.
    w: Vec<(&'a str, usize)>,
    /// Postings, one string per stem (see [`encode_postings`]).
    p: Vec<String>,
    /// Whole headings starting with the prefix, and their entries (deltas).
    h: Vec<(&'a str, Vec<u32>)>,
}

impl Index {
    /// Scores every entry's words (BM25, impacts) and keeps each stem's best.
    pub(crate) fn build(docs: &[&[Counted]], relative: bool) -> Index {
        let entries: Vec<&Counted> = docs.iter().flat_map(|d| d.iter()).collect();
        let n = entries.len();
        let mut by_stem: HashMap<&str, Vec<(u32, u32)>> = HashMap::new();
        for (id, e) in entries.iter().enumerate() {
            for (s, tf) in &e.terms {
                by_stem.entry(s).or_default().push((id as u32, *tf));
            }
        }
        let mut stems: Vec<&str> = by_stem.keys().copied().collect();
        stems.sort_unstable();
        let stem_ids: HashMap<&str, usize> =
            stems.iter().enumerate().map(|(i, s)| (*s, i)).collect();
        let postings: Vec<Vec<(u32, u8)>> = stems
            .iter()
            .map(|s| {
                let list = &by_stem[s];
                let df = list.len() as f64;
                let idf = (1.0 + (n as f64 - df + 0.5) / (df + 0.5)).ln();
                let mut scored: Vec<(u32, u8)> = list
                    .iter()
                    .map(|&(id, tf)| {
                        let tf = tf as f64;
                        let dl = entries[id as usize].len as f64;
                        let score = idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * dl / PIVOT));
                        (id, (score * IMPACT_SCALE).round().clamp(1.0, 63.0) as u8)
                    })
                    .collect();
                if scored.len() > MAX_POSTINGS {
                    scored.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                    scored.truncate(MAX_POSTINGS);
                    scored.sort_unstable();
                }
                scored
            })
            .collect();
        let mut keys: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for (id, e) in entries.iter().enumerate() {
            for k in &e.keys {
                keys.entry(k.clone()).or_default().push(id as u32);
            }
        }
        let mut forms = BTreeMap::new();
        for e in &entries {
            for (w, s) in &e.forms {
                forms.insert(w.clone(), stem_ids[s.as_str()]);
            }
        }
        Index {
            relative,
            keys,
            forms,
            postings,
            entries: entries
                .iter()
                .map(|e| {
                    (
                        e.url.clone(),
                        e.title.clone(),
                        e.heading.clone(),
                        e.snippet.clone(),
                    )
                })
                .collect(),
        }
    }

    /// Entry ids best first for `query`, as the search script ranks them:
    /// each query word matches the indexed words it equals (or, for the
    /// last word while it is being typed, that start with it); an entry
    /// scores the sum over query words of its best impact among their
    /// stems; entries matching more query words come first, then higher
    /// scores, then earlier entries. (The tests' reference for search.js.)
    #[cfg(test)]
    pub(crate) fn query(&self, query: &str) -> Vec<usize> {
        let tokens: Vec<String> = words(query).collect();
        let typing = !query.ends_with(char::is_whitespace);
        let mut totals: HashMap<u32, (u32, u32)> = HashMap::new();
        for (i, t) in tokens.iter().enumerate() {
            let prefix = typing && i + 1 == tokens.len() && t.chars().count() >= 2;
            let mut stems: Vec<usize> = if prefix {
                self.forms
                    .range(t.clone()..)
                    .take_while(|(w, _)| w.starts_with(t.as_str()))
                    .map(|(_, &s)| s)
                    .collect()
            } else {
                self.forms.get(t).into_iter().copied().collect()
            };
            stems.sort_unstable();
            stems.dedup();
            let mut best: HashMap<u32, u32> = HashMap::new();
            for s in stems {
                for &(e, impact) in &self.postings[s] {
                    let b = best.entry(e).or_default();
                    *b = (*b).max(impact as u32);
                }
            }
            for (e, score) in best {
                let t = totals.entry(e).or_default();
                t.0 += 1;
                t.1 += score;
            }
        }
        // A query that is a whole heading puts that heading first.
        if let Some(entries) = self.keys.get(&tokens.join(" ")) {
            for &e in entries {
                let t = totals.entry(e).or_default();
                *t = (tokens.len() as u32, t.1 + HEADING_MATCH);
            }
        }
        let mut ranked: Vec<(u32, (u32, u32))> = totals.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.into_iter().map(|(e, _)| e as usize).collect()
    }

    /// The URL of entry `id`.
    #[cfg(test)]
    pub(crate) fn url(&self, id: usize) -> &str {
        &self.entries[id].0
    }

    /// The index's files (name under the index folder, bytes): the
    /// manifest, the word shards and the entry shards.
    pub(crate) fn files(&self) -> Vec<(String, Vec<u8>)> {
        let mut by_key: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for w in self.forms.keys() {
            by_key.entry(shard_key(w)).or_default().push(w);
        }
        let mut headings: BTreeMap<String, Vec<(&str, Vec<u32>)>> = BTreeMap::new();
        for (k, list) in &self.keys {
            let mut prev = 0;
            let deltas = list
                .iter()
                .map(|&e| {
                    let d = e - prev;
                    prev = e;
                    d
                })
                .collect();
            // In the shard of its first word, which the query loads anyway.
            let key = shard_key(k.split(' ').next().unwrap_or(""));
            headings.entry(key.clone()).or_default().push((k, deltas));
            by_key.entry(key).or_default();
        }
        let mut files = Vec::new();
        let mut manifest = Manifest {
            v: 1,
            rel: self.relative,
            n: self.entries.len(),
            per: ENTRIES_PER_SHARD,
            words: BTreeMap::new(),
            entries: Vec::new(),
        };
        let keys: Vec<(String, String)> = by_key.keys().map(|k| (k.clone(), file_key(k))).collect();
        for ((key, fkey), words) in keys.iter().zip(by_key.values()) {
            let mut local: BTreeMap<usize, usize> = BTreeMap::new();
            let mut shard = WordShard {
                w: Vec::new(),
                p: Vec::new(),
                h: headings.remove(key).unwrap_or_default(),
            };
            for w in words {
                let s = self.forms[*w];
                let next = local.len();
                let l = *local.entry(s).or_insert(next);
                if l == shard.p.len() {
                    shard.p.push(encode_postings(&self.postings[s]));
                }
                shard.w.push((w, l));
            }
            let name = format!("w-{fkey}.js");
            let bytes = script(&name, &serde_json::to_string(&shard).expect("serialisable"));
            manifest.words.insert(key.as_str(), hash_hex(&bytes));
            files.push((name, bytes));
        }
        for (i, chunk) in self.entries.chunks(ENTRIES_PER_SHARD).enumerate() {
            let name = format!("e-{i}.js");
            // Within a shard, an entry of the same page as the one before
            // has just its `#anchor` as URL and 0 for the title.
            let mut page = "";
            let mut title = "";
            let list: Vec<serde_json::Value> = chunk
                .iter()
                .map(|(url, t, heading, snippet)| {
                    let (path, anchor) = url.split_once('#').unwrap_or((url, ""));
                    let url = if path == page && !anchor.is_empty() {
                        serde_json::json!(format!("#{anchor}"))
                    } else {
                        serde_json::json!(url)
                    };
                    let same_title = t == title && !title.is_empty();
                    (page, title) = (path, t.as_str());
                    let t = if same_title {
                        serde_json::json!(0)
                    } else {
                        serde_json::json!(t)
                    };
                    serde_json::json!([url, t, heading, snippet])
                })
                .collect();
            let bytes = script(&name, &serde_json::to_string(&list).expect("serialisable"));
            manifest.entries.push(hash_hex(&bytes));
            files.push((name, bytes));
        }
        let bytes = script(
            "index.js",
            &serde_json::to_string(&manifest).expect("serialisable"),
        );
        files.insert(0, ("index.js".into(), bytes));
        files
    }
}

/// A stem's postings as text, three characters a posting or so: per entry,
/// the distance from the previous entry id as a little-endian base-32
/// varint (a character of the upper half of [`DIGITS`] means more follow),
/// then the impact as one character.
fn encode_postings(list: &[(u32, u8)]) -> String {
    let mut out = String::with_capacity(list.len() * 3);
    let mut prev = 0;
    for &(e, impact) in list {
        let mut v = e - prev;
        prev = e;
        loop {
            let group = (v & 31) as usize;
            v >>= 5;
            if v > 0 {
                out.push(DIGITS[32 + group] as char);
            } else {
                out.push(DIGITS[group] as char);
                break;
            }
        }
        out.push(DIGITS[impact as usize] as char);
    }
    out
}

/// A classic script that hands `json` to the search script as a string.
fn script(name: &str, json: &str) -> Vec<u8> {
    // A single-quoted literal: JSON's many double quotes need no escaping
    // there, only `\` and `'` do (JSON text has no raw line breaks).
    let literal = json.replace('\\', "\\\\").replace('\'', "\\'");
    format!(
        "guidepostSearchShard({},'{literal}');\n",
        serde_json::json!(name)
    )
    .into_bytes()
}

/// FNV-1a of `bytes`, as 8 hex digits (a cache key, not a security measure).
pub(crate) fn hash_hex(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:08x}", (h ^ (h >> 32)) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::search::tokenize::stemmer;

    fn entry(url: &str, title: &str, heading: &str, text: &str) -> Entry {
        Entry {
            url: url.into(),
            title: title.into(),
            heading: heading.into(),
            text: text.into(),
            boosted: String::new(),
        }
    }

    fn index(entries: &[(Entry, bool)]) -> Index {
        let en = stemmer("en");
        let counted: Vec<Counted> = entries
            .iter()
            .map(|(e, top)| count(e, *top, en.as_ref(), 100))
            .collect();
        Index::build(&[&counted], true)
    }

    fn urls(ix: &Index, q: &str) -> Vec<String> {
        ix.query(q)
            .into_iter()
            .map(|i| ix.url(i).to_string())
            .collect()
    }

    #[test]
    fn headings_outrank_body_mentions_and_stems_join_forms() {
        let ix = index(&[
            (
                entry(
                    "/a/",
                    "Roles",
                    "",
                    "The boards meet on many topics, with long discussions of strategy, budgets, risks and people over the year.",
                ),
                true,
            ),
            (
                entry("/g/#board", "Glossary", "Board", "The governing body."),
                false,
            ),
            (entry("/g/#cio", "Glossary", "CIO", "Runs IT."), false),
        ]);
        assert_eq!(urls(&ix, "board "), ["/g/#board", "/a/"]);
        let mut both = urls(&ix, "boards ");
        both.sort();
        assert_eq!(both, ["/a/", "/g/#board"], "one stem");
        assert_eq!(urls(&ix, "bo"), ["/g/#board", "/a/"], "prefix while typing");
        assert!(
            urls(&ix, "bo ").is_empty(),
            "a finished word matches whole words"
        );
        assert_eq!(urls(&ix, "cio"), ["/g/#cio"]);
    }

    #[test]
    fn entries_matching_more_words_come_first() {
        let ix = index(&[
            (
                entry("/1/", "One", "", "security security security security"),
                true,
            ),
            (entry("/2/", "Two", "", "security budget"), true),
        ]);
        assert_eq!(urls(&ix, "security budget"), ["/2/", "/1/"]);
    }

    #[test]
    fn common_words_keep_their_best_postings_only() {
        let many: Vec<(Entry, bool)> = (0..MAX_POSTINGS + 50)
            .map(|i| {
                let text = "word ".repeat(1 + i % 7) + &"filler ".repeat(i % 13);
                (entry(&format!("/{i}/"), "T", "", &text), true)
            })
            .collect();
        let ix = index(&many);
        assert_eq!(ix.query("word ").len(), MAX_POSTINGS);
    }

    #[test]
    fn postings_encode_as_varint_deltas_and_impact_characters() {
        assert_eq!(encode_postings(&[(0, 1), (5, 63), (5 + 32, 10)]), "015_w1a");
        assert_eq!(encode_postings(&[(1000, 2)]), "Ev2");
    }

    #[test]
    fn shards_by_prefix_with_hashes_in_the_manifest() {
        let ix = index(&[
            (entry("/a/", "Über", "", "board boards bold"), true),
            (entry("/b/", "B", "", "cat"), true),
        ]);
        let files = ix.files();
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "index.js",
                "w-b.js",
                "w-bo.js",
                "w-ca.js",
                "w-_c3bcb.js",
                "e-0.js"
            ]
        );
        let text = |n: &str| {
            String::from_utf8(files.iter().find(|f| f.0 == n).unwrap().1.clone()).unwrap()
        };
        let bo = text("w-bo.js");
        assert!(bo.starts_with("guidepostSearchShard(\"w-bo.js\",'"), "{bo}");
        let json = bo
            .trim_start_matches("guidepostSearchShard(\"w-bo.js\",'")
            .trim_end_matches("');\n")
            .replace("\\'", "'")
            .replace("\\\\", "\\");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        // board and boards share one stem (one postings list), bold has its own.
        assert_eq!(
            v["w"],
            serde_json::json!([["board", 0], ["boards", 0], ["bold", 1]])
        );
        let manifest = text("index.js");
        assert!(
            manifest.contains(&hash_hex(text("w-bo.js").as_bytes())),
            "{manifest}"
        );
    }
}
