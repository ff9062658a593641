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

use std::collections::BTreeMap;
#[cfg(test)]
use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;

use super::extract::{Entry, snippet};
use super::tokenize::{Interner, VocabSnapshot, each_segment, lowercase_into};
#[cfg(test)]
use super::tokenize::{Vocab, words};

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
/// between builds of the dev server. Words and stems are ids of the
/// [`Vocab`] they were counted with.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Counted {
    pub url: String,
    pub title: String,
    pub heading: String,
    pub snippet: String,
    /// Stem id and weighted count.
    pub terms: Vec<(u32, u32)>,
    /// Weighted length.
    pub len: u32,
    /// The heading (or title) as a whole, words joined by spaces, and its
    /// part before a parenthesis (`cio` for "CIO (chief information officer)").
    pub keys: Vec<String>,
}

/// Counts an entry's words (`is_top`: the entry carries the page title);
/// the word forms it has stay with `interner` for the document
/// ([`Interner::take_forms`]).
pub(crate) fn count(
    entry: Entry,
    is_top: bool,
    interner: &mut Interner<'_>,
    snippet_length: usize,
) -> Counted {
    if is_top {
        interner.add(&entry.title, TITLE_BOOST);
    }
    interner.add(&entry.heading, HEADING_BOOST);
    interner.add(&entry.boosted, HEADING_BOOST);
    interner.add(&entry.text, 1);
    let (terms, len) = interner.take();
    let name = if entry.heading.is_empty() {
        &entry.title
    } else {
        &entry.heading
    };
    let mut keys = vec![joined_words(name)];
    if let Some((short, _)) = name.split_once(" (") {
        keys.push(joined_words(short));
    }
    keys.retain(|k| !k.is_empty());
    keys.dedup();
    Counted {
        keys,
        snippet: snippet(&entry.text, snippet_length),
        url: entry.url,
        title: entry.title,
        heading: entry.heading,
        terms,
        len,
    }
}

/// The words of `text` joined by spaces.
fn joined_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut buf = String::new();
    each_segment(text, |w| {
        lowercase_into(w, &mut buf);
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&buf);
    });
    out
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
pub(crate) struct Index<'a> {
    /// Word forms, sorted, each with the index of its stem in `postings`.
    forms: Vec<(String, usize)>,
    /// Per stem (sorted by stem): postings (entry, impact), by entry.
    postings: Vec<Vec<(u32, u8)>>,
    /// Whole headings and titles ([`Counted::keys`]) → their entries.
    keys: BTreeMap<&'a str, Vec<u32>>,
    entries: Vec<&'a Counted>,
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

/// A word shard's inputs: its key, its words with their stems' places in
/// `postings`, and the whole headings it carries.
type ShardInput<'s> = (&'s String, Vec<(&'s str, usize)>, Vec<(&'s str, Vec<u32>)>);

/// An entry's title in an entry shard, or `0`: the entry before's.
#[derive(Serialize)]
#[serde(untagged)]
enum TitleOrSame<'a> {
    Same(u8),
    Title(&'a str),
}

impl<'a> Index<'a> {
    /// Scores every entry's words (BM25, impacts) and keeps each stem's
    /// best. `docs` are each document's entries and word forms, counted
    /// with `vocab`.
    pub(crate) fn build(
        docs: &[(&'a [Counted], &[u32])],
        vocab: &VocabSnapshot,
        relative: bool,
    ) -> Index<'a> {
        let entries: Vec<&Counted> = docs.iter().flat_map(|d| d.0.iter()).collect();
        let n = entries.len();
        // Postings by stem id in one array (entry, count), each stem's run
        // in entry order: `start[s]..start[s + 1]`.
        let mut start = vec![0usize; vocab.stem_count() + 1];
        for e in &entries {
            for &(s, _) in &e.terms {
                start[s as usize + 1] += 1;
            }
        }
        for s in 1..start.len() {
            start[s] += start[s - 1];
        }
        let mut fill = start.clone();
        let mut all = vec![(0u32, 0u32); start[start.len() - 1]];
        for (id, e) in entries.iter().enumerate() {
            for &(s, tf) in &e.terms {
                all[fill[s as usize]] = (id as u32, tf);
                fill[s as usize] += 1;
            }
        }
        let by_stem = |s: u32| &all[start[s as usize]..start[s as usize + 1]];
        let mut seen = vec![false; vocab.form_count()];
        for &f in docs.iter().flat_map(|d| d.1.iter()) {
            seen[f as usize] = true;
        }
        // Stems in text order: the order of `postings` and of the shards.
        let mut stems: Vec<u32> = (0..vocab.stem_count() as u32)
            .filter(|&s| !by_stem(s).is_empty())
            .collect();
        stems.sort_unstable_by(|&a, &b| vocab.stem(a).cmp(vocab.stem(b)));
        let mut rank = vec![usize::MAX; vocab.stem_count()];
        for (i, &s) in stems.iter().enumerate() {
            rank[s as usize] = i;
        }
        let postings: Vec<Vec<(u32, u8)>> = stems
            .par_iter()
            .map(|&s| {
                let list = by_stem(s);
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
                    // The best by impact, then earlier entry (a total order,
                    // so selecting equals sorting and cutting).
                    scored.select_nth_unstable_by(MAX_POSTINGS - 1, |a, b| {
                        b.1.cmp(&a.1).then(a.0.cmp(&b.0))
                    });
                    scored.truncate(MAX_POSTINGS);
                    scored.sort_unstable();
                }
                scored
            })
            .collect();
        let mut keys: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for (id, e) in entries.iter().enumerate() {
            for k in &e.keys {
                keys.entry(k).or_default().push(id as u32);
            }
        }
        let mut forms: Vec<(String, usize)> = (0..seen.len() as u32)
            .filter(|&f| seen[f as usize])
            .map(|f| {
                let (form, s) = vocab.form(f);
                (form.to_string(), rank[s as usize])
            })
            .collect();
        forms.sort_unstable();
        Index {
            relative,
            keys,
            forms,
            postings,
            entries,
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
            let from = self.forms.partition_point(|(w, _)| w < t);
            let mut stems: Vec<usize> = self.forms[from..]
                .iter()
                .take_while(|(w, _)| {
                    if prefix {
                        w.starts_with(t.as_str())
                    } else {
                        w == t
                    }
                })
                .map(|&(_, s)| s)
                .collect();
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
        if let Some(entries) = self.keys.get(tokens.join(" ").as_str()) {
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
        &self.entries[id].url
    }

    /// The index's files (name under the index folder, bytes): the
    /// manifest, the word shards and the entry shards.
    pub(crate) fn files(&self) -> Vec<(String, Vec<u8>)> {
        let mut by_key: BTreeMap<String, Vec<(&str, usize)>> = BTreeMap::new();
        for (w, s) in &self.forms {
            by_key.entry(shard_key(w)).or_default().push((w, *s));
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
        let mut manifest = Manifest {
            v: 1,
            rel: self.relative,
            n: self.entries.len(),
            per: ENTRIES_PER_SHARD,
            words: BTreeMap::new(),
            entries: Vec::new(),
        };
        let shards: Vec<ShardInput> = by_key
            .iter_mut()
            .map(|(key, words)| {
                let h = headings.remove(key).unwrap_or_default();
                (key, std::mem::take(words), h)
            })
            .collect();
        // Shards are independent: built in parallel, kept in key order.
        let word_files: Vec<(&String, String, Vec<u8>)> = shards
            .into_par_iter()
            .map(|(key, words, h)| {
                let mut local: BTreeMap<usize, usize> = BTreeMap::new();
                let mut shard = WordShard {
                    w: Vec::new(),
                    p: Vec::new(),
                    h,
                };
                for (w, s) in words {
                    let next = local.len();
                    let l = *local.entry(s).or_insert(next);
                    if l == shard.p.len() {
                        shard.p.push(encode_postings(&self.postings[s]));
                    }
                    shard.w.push((w, l));
                }
                let name = format!("w-{}.js", file_key(key));
                let bytes = script(&name, &serde_json::to_string(&shard).expect("serialisable"));
                (key, name, bytes)
            })
            .collect();
        let entry_files: Vec<(String, Vec<u8>)> = self
            .entries
            .par_chunks(ENTRIES_PER_SHARD)
            .enumerate()
            .map(|(i, chunk)| {
                let name = format!("e-{i}.js");
                // Within a shard, an entry of the same page as the one before
                // has just its `#anchor` as URL and 0 for the title.
                let mut page = "";
                let mut title = "";
                let list: Vec<(String, TitleOrSame, &str, &str)> = chunk
                    .iter()
                    .map(|e| {
                        let (path, anchor) = e.url.split_once('#').unwrap_or((&e.url, ""));
                        let url = if path == page && !anchor.is_empty() {
                            format!("#{anchor}")
                        } else {
                            e.url.clone()
                        };
                        let same_title = e.title == title && !title.is_empty();
                        (page, title) = (path, e.title.as_str());
                        let t = if same_title {
                            TitleOrSame::Same(0)
                        } else {
                            TitleOrSame::Title(&e.title)
                        };
                        (url, t, e.heading.as_str(), e.snippet.as_str())
                    })
                    .collect();
                let bytes = script(&name, &serde_json::to_string(&list).expect("serialisable"));
                (name, bytes)
            })
            .collect();
        let mut files = Vec::with_capacity(word_files.len() + entry_files.len() + 1);
        for (key, name, bytes) in word_files {
            manifest.words.insert(key.as_str(), hash_hex(&bytes));
            files.push((name, bytes));
        }
        for (name, bytes) in entry_files {
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

    fn entry(url: &str, title: &str, heading: &str, text: &str) -> Entry {
        Entry {
            url: url.into(),
            title: title.into(),
            heading: heading.into(),
            text: text.into(),
            boosted: String::new(),
        }
    }

    /// Counts `entries` and builds their index (the counted entries leak:
    /// an index borrows them, and these are tests).
    fn index(entries: &[(Entry, bool)]) -> Index<'static> {
        let vocab = Vocab::new("en");
        let mut interner = Interner::new(&vocab);
        let counted: Vec<Counted> = entries
            .iter()
            .map(|(e, top)| count(e.clone(), *top, &mut interner, 100))
            .collect();
        let counted: &'static [Counted] = Vec::leak(counted);
        let forms = interner.take_forms();
        Index::build(&[(counted, &forms)], &vocab.snapshot(), true)
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
