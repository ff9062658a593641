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
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::extract::{Entry, TextSink, push_text, snippet, trim_space};
use super::tokenize::{
    Interner, VocabSnapshot, each_ascii_segment_but_last, each_segment, lowercase_into,
};
#[cfg(test)]
use super::tokenize::{Vocab, words};
#[cfg(doc)]
use super::{extract::html_entries_into, tokenize::each_chunk_segment};

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
/// ([`Interner::take_forms`]). The index reads pages with a
/// [`TextCounter`] instead; this is what it must equal.
#[cfg(test)]
pub(crate) fn count(
    entry: Entry,
    is_top: bool,
    interner: &mut Interner<'_>,
    snippet_length: usize,
) -> Counted {
    interner.add(&entry.text, 1);
    let snippet = snippet(&entry.text, snippet_length);
    counted(entry, snippet, is_top, interner)
}

/// An entry counted, with the words of its text already in `interner`'s
/// current entry: its title (at the top), heading and boosted words are
/// added.
fn counted(entry: Entry, snippet: String, is_top: bool, interner: &mut Interner<'_>) -> Counted {
    if is_top {
        interner.add(&entry.title, TITLE_BOOST);
    }
    interner.add(&entry.heading, HEADING_BOOST);
    interner.add(&entry.boosted, HEADING_BOOST);
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
        snippet,
        url: entry.url,
        title: entry.title,
        heading: entry.heading,
        terms,
        len,
    }
}

/// Counts the words of each entry's text while [`html_entries_into`] reads
/// a page, so that no entry's text is kept whole: only its first
/// characters, for the snippet. The result equals [`count`] of each entry
/// with its text (the unit tests compare them): a text's words are those of
/// its whitespace-separated chunks ([`each_chunk_segment`]), and a chunk
/// may continue across inline elements, so each entry keeps the chunk it
/// has not yet seen the end of.
pub(crate) struct TextCounter<'i, 'v> {
    interner: &'i mut Interner<'v>,
    /// The characters of text a snippet needs: with one more it is cut,
    /// and a trailing space may be trimmed.
    keep: usize,
    /// The entry whose words are in the interner's current counts.
    active: usize,
    texts: Vec<TextCount>,
}

/// What [`TextCounter`] keeps of one entry's text.
#[derive(Default)]
pub(crate) struct TextCount {
    /// The text's start, whitespace collapsed, up to `keep` characters or
    /// a little more.
    start: String,
    start_chars: usize,
    /// The last chunk of text, when no whitespace has ended it yet.
    open: String,
    /// Counts the interner gave back when another entry's text came.
    terms: Vec<(u32, u32)>,
}

impl TextCount {
    /// Whether the entry has any text.
    pub(crate) fn is_empty(&self) -> bool {
        self.start.trim_end_matches(' ').is_empty()
    }
}

impl<'i, 'v> TextCounter<'i, 'v> {
    pub(crate) fn new(interner: &'i mut Interner<'v>, snippet_length: usize) -> Self {
        TextCounter {
            interner,
            keep: snippet_length + 2,
            active: 0,
            texts: vec![TextCount::default()],
        }
    }

    /// Makes `entry` the one the interner counts for.
    fn switch(&mut self, entry: usize) {
        if entry != self.active {
            self.give_back();
            self.active = entry;
        }
    }

    /// Takes the active entry's counts from the interner.
    fn give_back(&mut self) {
        let (terms, _) = self.interner.take();
        let kept = &mut self.texts[self.active].terms;
        if kept.is_empty() {
            *kept = terms;
        } else {
            kept.extend(terms);
        }
    }

    /// Counts `entry`'s open chunk, which whitespace has now ended.
    fn close(&mut self, entry: usize) {
        if !self.texts[entry].open.is_empty() {
            self.switch(entry);
            self.interner.add_chunk(&self.texts[entry].open, 1);
            self.texts[entry].open.clear();
        }
    }

    /// Each entry's counts and text start, with every chunk counted; the
    /// interner is left ready for the entries' headings.
    pub(crate) fn finish(mut self) -> Vec<TextCount> {
        for entry in 0..self.texts.len() {
            self.close(entry);
        }
        self.give_back();
        self.texts
    }
}

impl TextSink for TextCounter<'_, '_> {
    fn open(&mut self, entry: usize) {
        debug_assert_eq!(entry, self.texts.len());
        self.texts.push(TextCount::default());
    }

    fn text<'t>(&mut self, entry: usize, text: &'t str) {
        let t = &mut self.texts[entry];
        // The start grows a few characters at a time until it is long
        // enough ([`push_text`] gives the same text in pieces as whole).
        let mut more = text;
        while t.start_chars < self.keep && !more.is_empty() {
            let want = self.keep - t.start_chars;
            let cut = more.char_indices().nth(want).map_or(more.len(), |(i, _)| i);
            let before = t.start.len();
            push_text(&mut t.start, &more[..cut]);
            t.start_chars += t.start[before..].chars().count();
            more = &more[cut..];
        }
        let is_space = |c: char| c.is_whitespace();
        let mut rest = text;
        if !self.texts[entry].open.is_empty() {
            // The open chunk goes on up to the first whitespace.
            let end = rest.find(is_space).unwrap_or(rest.len());
            self.texts[entry].open.push_str(&rest[..end]);
            rest = &rest[end..];
            if rest.is_empty() {
                return;
            }
            self.close(entry);
        }
        self.switch(entry);
        if rest.is_ascii() {
            let interner = &mut *self.interner;
            let last = each_ascii_segment_but_last(rest, |w| interner.add_segment(w, 1));
            self.texts[entry].open.push_str(last);
            return;
        }
        let ends_open = !rest.ends_with(is_space);
        let mut last = "";
        let mut count = |chunk: &'t str| {
            if !last.is_empty() {
                self.interner.add_chunk(last, 1);
            }
            last = chunk;
        };
        rest.split(is_space)
            .filter(|c| !c.is_empty())
            .for_each(&mut count);
        if ends_open {
            self.texts[entry].open.push_str(last);
        } else if !last.is_empty() {
            self.interner.add_chunk(last, 1);
        }
    }

    fn space(&mut self, entry: usize) {
        self.close(entry);
        let t = &mut self.texts[entry];
        if t.start_chars < self.keep && !t.start.is_empty() && !t.start.ends_with(' ') {
            t.start.push(' ');
            t.start_chars += 1;
        }
    }
}

/// An entry counted by a [`TextCounter`] (its `text` is empty).
pub(crate) fn count_read(
    entry: Entry,
    text: TextCount,
    is_top: bool,
    interner: &mut Interner<'_>,
    snippet_length: usize,
) -> Counted {
    interner.add_counts(&text.terms);
    let mut start = text.start;
    trim_space(&mut start);
    counted(entry, snippet(&start, snippet_length), is_top, interner)
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

/// Index files: each name under the index folder, and its bytes.
pub(crate) type Files = Vec<(String, Arc<Vec<u8>>)>;

/// The built index: every stem's postings, the word forms and whole
/// headings the shards list, and the encoded shards. It owns all of it, so
/// the dev server keeps it and [`Index::update`]s it after an edit, encoding
/// only the shards the edit touched.
#[derive(Debug, Clone, Default)]
pub(crate) struct Index {
    /// Whether the site uses relative URLs (the script then names `index.html`).
    relative: bool,
    /// Per document: its number of entries (entry ids are positions in site
    /// order, so these fix every id).
    layout: Vec<usize>,
    /// Per stem id: every entry with the stem and its weighted count, by
    /// entry (what an update scores a stem from again). Empty when the
    /// index was built for a one-shot build ([`Index::build`]'s `updatable`),
    /// which then never updates.
    counts: Vec<Arc<Vec<(u32, u32)>>>,
    /// Whether `counts` were kept, so that [`Index::update`] can work.
    updatable: bool,
    /// Per entry: its weighted length.
    lens: Vec<u32>,
    /// Per stem id: postings (entry, impact), by entry; empty for a stem no
    /// entry has.
    postings: Vec<Arc<[(u32, u8)]>>,
    /// Per form id: how many documents have the form.
    form_docs: Vec<u32>,
    /// The forms some document has, sorted, each with its stem id.
    forms: Arc<Vec<(String, u32)>>,
    /// Whole headings and titles ([`Counted::keys`]) → their entries.
    keys: Arc<HeadingKeys>,
    /// Word shards by key.
    words: BTreeMap<String, Shard>,
    /// Entry shards, in order.
    entry_shards: Vec<Shard>,
    /// Entry URLs, for the tests' queries.
    #[cfg(test)]
    urls: Vec<String>,
}

/// One encoded shard file and the hash the manifest gives it.
#[derive(Debug, Clone)]
struct Shard {
    bytes: Arc<Vec<u8>>,
    hash: String,
}

impl Shard {
    fn new(bytes: Vec<u8>) -> Shard {
        Shard {
            hash: hash_hex(&bytes),
            bytes: Arc::new(bytes),
        }
    }
}

/// The manifest's JSON.
#[derive(Serialize)]
struct Manifest<'a> {
    v: u32,
    rel: bool,
    n: usize,
    per: usize,
    words: BTreeMap<&'a str, &'a str>,
    entries: Vec<&'a str>,
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

/// An entry's title in an entry shard, or `0`: the entry before's.
#[derive(Serialize)]
#[serde(untagged)]
enum TitleOrSame<'a> {
    Same(u8),
    Title(&'a str),
}

/// Each document's counted entries and the ids of its word forms, in site
/// order (what the index is built from).
pub(crate) type Docs<'d> = [(&'d [Counted], &'d [u32])];

impl Index {
    /// Scores every entry's words (BM25, impacts), keeps each stem's best,
    /// and encodes every shard. `docs` were counted with `vocab`. An index
    /// that will not be [`updated`](Index::update) (`updatable` false: a
    /// one-shot build) lets go of each stem's counts as soon as the stem is
    /// scored: they were as large as the postings (21 MB at 10k pages).
    pub(crate) fn build(
        docs: &Docs,
        vocab: &VocabSnapshot,
        relative: bool,
        updatable: bool,
    ) -> Index {
        let entries: Vec<&Counted> = docs.iter().flat_map(|d| d.0.iter()).collect();
        let lens: Vec<u32> = entries.iter().map(|e| e.len).collect();
        // Three independent parts, each mostly serial: side by side.
        let ((counts, postings), ((form_docs, forms), keys)) = rayon::join(
            || {
                let counts = stem_counts(&entries, vocab.stem_count());
                if updatable {
                    let postings = counts.par_iter().map(|list| rank(list, &lens)).collect();
                    (counts, postings)
                } else {
                    let postings = counts
                        .into_par_iter()
                        .map(|list| rank(&list, &lens))
                        .collect();
                    (Vec::new(), postings)
                }
            },
            || {
                rayon::join(
                    || {
                        let mut form_docs = vec![0u32; vocab.form_count()];
                        for &f in docs.iter().flat_map(|d| d.1.iter()) {
                            form_docs[f as usize] += 1;
                        }
                        let forms = present_forms(&form_docs, vocab);
                        (form_docs, forms)
                    },
                    || heading_keys(&entries),
                )
            },
        );
        let mut index = Index {
            relative,
            layout: docs.iter().map(|d| d.0.len()).collect(),
            forms: Arc::new(forms),
            keys: Arc::new(keys),
            postings,
            counts,
            updatable,
            lens,
            form_docs,
            words: BTreeMap::new(),
            entry_shards: Vec::new(),
            #[cfg(test)]
            urls: entries.iter().map(|e| e.url.clone()).collect(),
        };
        let mut keys: Vec<String> = index.forms.iter().map(|(w, _)| shard_key(w)).collect();
        keys.extend(index.keys.keys().map(|k| heading_shard(k)));
        keys.sort_unstable();
        keys.dedup();
        let (words, entry_shards) = rayon::join(
            || index.word_shards(keys),
            || {
                entries
                    .par_chunks(ENTRIES_PER_SHARD)
                    .enumerate()
                    .map(|(i, chunk)| entry_shard(i, chunk))
                    .collect()
            },
        );
        index.store_words(words);
        index.entry_shards = entry_shards;
        index
    }

    /// This index after `old` became `new` (each document's entries and
    /// forms, counted with `vocab` as this index's were): only the stems,
    /// shards and entries of documents whose counted entries changed are
    /// scored and encoded again. `None` when an entry id moved (a document
    /// or an entry came or went), which needs [`Index::build`]. Equal to
    /// [`Index::build`] of `new` (the dev server's oracle checks it).
    pub(crate) fn update(
        &self,
        old: &Docs,
        new: &Docs,
        vocab: &VocabSnapshot,
        relative: bool,
    ) -> Option<Index> {
        if !self.updatable
            || relative != self.relative
            || old.len() != self.layout.len()
            || new.len() != self.layout.len()
            || new.iter().zip(&self.layout).any(|(d, &n)| d.0.len() != n)
            || old.iter().zip(&self.layout).any(|(d, &n)| d.0.len() != n)
        {
            return None;
        }
        let changed: Vec<usize> = (0..new.len())
            .filter(|&i| !std::ptr::eq(old[i].0, new[i].0) || !std::ptr::eq(old[i].1, new[i].1))
            .collect();
        let mut index = self.clone();
        if changed.is_empty() {
            return Some(index);
        }
        let entries: Vec<&Counted> = new.iter().flat_map(|d| d.0.iter()).collect();
        let first_id: Vec<usize> = self
            .layout
            .iter()
            .scan(0, |at, &n| {
                let first = *at;
                *at += n;
                Some(first)
            })
            .collect();
        let stem_count = vocab.stem_count();
        // The changed documents' entries (their ids are the same before and
        // after), and the counts of their stems now.
        let mut moved = vec![false; entries.len()];
        let mut added: HashMap<u32, Vec<(u32, u32)>> = HashMap::new();
        let mut dirty: Vec<u32> = Vec::new();
        for &i in &changed {
            for (j, e) in new[i].0.iter().enumerate() {
                let id = (first_id[i] + j) as u32;
                moved[id as usize] = true;
                index.lens[id as usize] = e.len;
                for &(s, tf) in &e.terms {
                    added.entry(s).or_default().push((id, tf));
                    dirty.push(s);
                }
            }
            dirty.extend(old[i].0.iter().flat_map(|e| e.terms.iter().map(|t| t.0)));
        }
        dirty.sort_unstable();
        dirty.dedup();
        index.postings.resize(stem_count, Arc::default());
        index.counts.resize(stem_count, Arc::default());
        type Rescored = (u32, Arc<Vec<(u32, u32)>>, Arc<[(u32, u8)]>);
        let rescored: Vec<Rescored> = dirty
            .par_iter()
            .map(|&s| {
                let before = &index.counts[s as usize];
                // Both by entry (the changed entries were added in id
                // order): merged, not sorted.
                let more = added.get(&s).map_or(&[][..], Vec::as_slice);
                let mut list: Vec<(u32, u32)> = Vec::with_capacity(before.len() + more.len());
                let mut rest = more.iter().peekable();
                for &(e, tf) in before.iter() {
                    while let Some(&&m) = rest.peek()
                        && m.0 < e
                    {
                        list.push(m);
                        rest.next();
                    }
                    if !moved[e as usize] {
                        list.push((e, tf));
                    }
                }
                list.extend(rest);
                let kept = &index.postings[s as usize];
                let postings = if list.len() == before.len()
                    && !kept.iter().any(|(e, _)| moved[*e as usize])
                {
                    // Same document frequency, so the same impact for every
                    // entry that did not change, and none of the kept best
                    // changed: the best now are among the kept best and the
                    // changed entries (any other has the kept best ahead of it).
                    let idf = idf(index.lens.len(), list.len());
                    let mut best: Vec<(u32, u8)> = kept.to_vec();
                    best.extend(
                        more.iter()
                            .map(|&(e, tf)| (e, impact(idf, tf, index.lens[e as usize]))),
                    );
                    Arc::from(best_of(best))
                } else {
                    rank(&list, &index.lens)
                };
                (s, Arc::new(list), postings)
            })
            .collect();
        let mut word_keys: Vec<String> = Vec::new();
        let mut changed_stems = vec![false; stem_count];
        for (s, counts, postings) in rescored {
            index.counts[s as usize] = counts;
            if postings != index.postings[s as usize] {
                index.postings[s as usize] = postings;
                changed_stems[s as usize] = true;
            }
        }
        // Forms that came or went.
        index.form_docs.resize(vocab.form_count(), 0);
        let before: Vec<(u32, bool)> = changed
            .iter()
            .flat_map(|&i| old[i].1.iter().chain(new[i].1))
            .map(|&f| (f, index.form_docs[f as usize] > 0))
            .collect();
        for &i in &changed {
            for &f in old[i].1 {
                index.form_docs[f as usize] -= 1;
            }
            for &f in new[i].1 {
                index.form_docs[f as usize] += 1;
            }
        }
        let mut forms_changed = false;
        for (f, was) in before {
            if was != (index.form_docs[f as usize] > 0) {
                forms_changed = true;
                word_keys.push(shard_key(vocab.form(f).0));
            }
        }
        if forms_changed {
            index.forms = Arc::new(present_forms(&index.form_docs, vocab));
        }
        word_keys.extend(
            index
                .forms
                .iter()
                .filter(|(_, s)| changed_stems[*s as usize])
                .map(|(w, _)| shard_key(w)),
        );
        // Whole headings: the changed documents' entries, before and after.
        let keyed = |d: &(&[Counted], &[u32]), first: usize| -> Vec<(u32, String)> {
            d.0.iter()
                .enumerate()
                .flat_map(|(j, e)| e.keys.iter().map(move |k| ((first + j) as u32, k.clone())))
                .collect()
        };
        // The changed documents whose whole headings changed: (before, after).
        let moved: Vec<_> = changed
            .iter()
            .map(|&i| (keyed(&old[i], first_id[i]), keyed(&new[i], first_id[i])))
            .filter(|(was, is)| was != is)
            .collect();
        for (was, is) in &moved {
            word_keys.extend(was.iter().chain(is).map(|(_, k)| heading_shard(k)));
        }
        if !moved.is_empty() {
            // Their entries leave the lists of the keys they had and join
            // those they have (a copy of the map shares every key and list;
            // only the lists touched are copied).
            let mut keys = (*index.keys).clone();
            for (id, k) in moved.iter().flat_map(|(was, _)| was) {
                if let Some(list) = keys.get_mut(k.as_str()) {
                    let l = Arc::make_mut(list);
                    if let Ok(at) = l.binary_search(id) {
                        l.remove(at);
                    }
                    if l.is_empty() {
                        keys.remove(k.as_str());
                    }
                }
            }
            for (id, k) in moved.iter().flat_map(|(_, is)| is) {
                let l = Arc::make_mut(keys.entry(Arc::from(k.as_str())).or_default());
                if let Err(at) = l.binary_search(id) {
                    l.insert(at, *id);
                }
            }
            index.keys = Arc::new(keys);
        }
        word_keys.sort_unstable();
        word_keys.dedup();
        index.encode_words(word_keys);
        // Entry shards holding a changed document's entries.
        let mut shards: Vec<usize> = changed
            .iter()
            .filter(|&&i| self.layout[i] > 0)
            .flat_map(|&i| {
                first_id[i] / ENTRIES_PER_SHARD
                    ..=(first_id[i] + self.layout[i] - 1) / ENTRIES_PER_SHARD
            })
            .collect();
        shards.dedup();
        for i in shards {
            let from = i * ENTRIES_PER_SHARD;
            let to = (from + ENTRIES_PER_SHARD).min(entries.len());
            index.entry_shards[i] = entry_shard(i, &entries[from..to]);
        }
        #[cfg(test)]
        {
            index.urls = entries.iter().map(|e| e.url.clone()).collect();
        }
        Some(index)
    }

    /// Encodes the word shards `keys` (sorted) again from the forms and
    /// headings, dropping those left with neither.
    fn encode_words(&mut self, keys: Vec<String>) {
        let encoded = self.word_shards(keys);
        self.store_words(encoded);
    }

    /// Word shards `keys`, encoded (`None`: a shard left with no word).
    fn word_shards(&self, keys: Vec<String>) -> Vec<(String, Option<Shard>)> {
        keys.into_par_iter()
            .map(|key| {
                let shard = self.word_shard(&key);
                (key, shard)
            })
            .collect()
    }

    /// Keeps encoded word shards, dropping those with no word.
    fn store_words(&mut self, encoded: Vec<(String, Option<Shard>)>) {
        for (key, shard) in encoded {
            match shard {
                Some(s) => self.words.insert(key, s),
                None => self.words.remove(&key),
            };
        }
    }

    /// Word shard `key`: its forms (a run of the sorted forms: they share
    /// their first two characters) with their stems' postings, and the whole
    /// headings whose first word starts with `key`.
    fn word_shard(&self, key: &str) -> Option<Shard> {
        let from = self.forms.partition_point(|(w, _)| w.as_str() < key);
        let forms = self.forms[from..]
            .iter()
            .take_while(|(w, _)| w.starts_with(key))
            .filter(|(w, _)| shard_key(w) == key);
        let mut shard = WordShard {
            w: Vec::new(),
            p: Vec::new(),
            h: Vec::new(),
        };
        let mut local: HashMap<u32, usize> = HashMap::new();
        for (w, s) in forms {
            let next = local.len();
            let l = *local.entry(*s).or_insert(next);
            if l == shard.p.len() {
                shard.p.push(encode_postings(&self.postings[*s as usize]));
            }
            shard.w.push((w, l));
        }
        for (k, list) in self
            .keys
            .range::<str, _>((std::ops::Bound::Included(key), std::ops::Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(key))
            .filter(|(k, _)| heading_shard(k) == key)
        {
            let mut prev = 0;
            let deltas = list
                .iter()
                .map(|&e| {
                    let d = e - prev;
                    prev = e;
                    d
                })
                .collect();
            shard.h.push((k, deltas));
        }
        if shard.w.is_empty() && shard.h.is_empty() {
            return None;
        }
        let name = format!("w-{}.js", file_key(key));
        Some(Shard::new(script(
            &name,
            &serde_json::to_string(&shard).expect("serialisable"),
        )))
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
            let mut stems: Vec<u32> = self.forms[from..]
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
                for &(e, impact) in self.postings[s as usize].iter() {
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
            for &e in entries.iter() {
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
        &self.urls[id]
    }

    /// The index's files (name under the index folder, bytes): the
    /// manifest, the word shards and the entry shards.
    pub(crate) fn files(&self) -> Files {
        let manifest = Manifest {
            v: 1,
            rel: self.relative,
            n: self.layout.iter().sum(),
            per: ENTRIES_PER_SHARD,
            words: self
                .words
                .iter()
                .map(|(k, s)| (k.as_str(), s.hash.as_str()))
                .collect(),
            entries: self.entry_shards.iter().map(|s| s.hash.as_str()).collect(),
        };
        let mut files = Vec::with_capacity(self.words.len() + self.entry_shards.len() + 1);
        files.push((
            "index.js".to_string(),
            Arc::new(script(
                "index.js",
                &serde_json::to_string(&manifest).expect("serialisable"),
            )),
        ));
        for (key, s) in &self.words {
            files.push((format!("w-{}.js", file_key(key)), s.bytes.clone()));
        }
        for (i, s) in self.entry_shards.iter().enumerate() {
            files.push((format!("e-{i}.js"), s.bytes.clone()));
        }
        files
    }
}

/// Per stem id: the entries with the stem and its weighted count there, by entry.
fn stem_counts(entries: &[&Counted], stem_count: usize) -> Vec<Arc<Vec<(u32, u32)>>> {
    let mut len = vec![0usize; stem_count];
    for e in entries {
        for &(s, _) in &e.terms {
            len[s as usize] += 1;
        }
    }
    let mut lists: Vec<Vec<(u32, u32)>> = len.iter().map(|&n| Vec::with_capacity(n)).collect();
    for (id, e) in entries.iter().enumerate() {
        for &(s, tf) in &e.terms {
            lists[s as usize].push((id as u32, tf));
        }
    }
    lists.into_iter().map(Arc::new).collect()
}

/// A stem's postings from its entries' weighted counts (`list`, by entry)
/// and every entry's length (`lens`): BM25 impacts, its [`MAX_POSTINGS`]
/// best, by entry.
fn rank(list: &[(u32, u32)], lens: &[u32]) -> Arc<[(u32, u8)]> {
    let idf = idf(lens.len(), list.len());
    let scored: Vec<(u32, u8)> = list
        .iter()
        .map(|&(id, tf)| (id, impact(idf, tf, lens[id as usize])))
        .collect();
    Arc::from(best_of(scored))
}

/// BM25's inverse document frequency for a stem in `df` of `n` entries.
fn idf(n: usize, df: usize) -> f64 {
    let (n, df) = (n as f64, df as f64);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// The impact of a stem counted `tf` times in an entry of length `len`.
fn impact(idf: f64, tf: u32, len: u32) -> u8 {
    let (tf, dl) = (tf as f64, len as f64);
    let score = idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * dl / PIVOT));
    (score * IMPACT_SCALE).round().clamp(1.0, 63.0) as u8
}

/// The [`MAX_POSTINGS`] best of `scored` (by impact, then earlier entry), by entry.
fn best_of(mut scored: Vec<(u32, u8)>) -> Vec<(u32, u8)> {
    if scored.len() > MAX_POSTINGS {
        // The best by impact, then earlier entry (a total order, so
        // selecting equals sorting and cutting).
        scored.select_nth_unstable_by(MAX_POSTINGS - 1, |a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.truncate(MAX_POSTINGS);
    }
    scored.sort_unstable();
    scored
}

/// The forms some document has (`form_docs[f] > 0`), sorted, with their stems.
fn present_forms(form_docs: &[u32], vocab: &VocabSnapshot) -> Vec<(String, u32)> {
    let mut forms: Vec<(String, u32)> = (0..form_docs.len() as u32)
        .filter(|&f| form_docs[f as usize] > 0)
        .map(|f| {
            let (form, s) = vocab.form(f);
            (form.to_string(), s)
        })
        .collect();
    forms.sort_unstable();
    forms
}

/// Whole headings and titles → their entries, in order (keys and lists
/// shared, so that the dev server's update copies only what it changes).
type HeadingKeys = BTreeMap<Arc<str>, Arc<Vec<u32>>>;

/// Whole headings and titles → their entries.
fn heading_keys(entries: &[&Counted]) -> HeadingKeys {
    // Gathered by hash and sorted once: inserting each of a large site's
    // tens of thousands of keys into a B-tree compared strings all the way
    // down, and was as slow as counting every stem.
    let mut keys: FxHashMap<&str, Vec<u32>> = FxHashMap::default();
    for (id, e) in entries.iter().enumerate() {
        for k in &e.keys {
            keys.entry(k.as_str()).or_default().push(id as u32);
        }
    }
    let mut keys: Vec<(&str, Vec<u32>)> = keys.into_iter().collect();
    keys.sort_unstable_by(|a, b| a.0.cmp(b.0));
    keys.into_iter()
        .map(|(k, list)| (Arc::from(k), Arc::new(list)))
        .collect()
}

/// The word shard a whole heading goes in: its first word's, which the
/// query loads anyway.
fn heading_shard(key: &str) -> String {
    shard_key(key.split(' ').next().unwrap_or(""))
}

/// Entry shard `i` (named `e-<i>.js`) holding `chunk`.
fn entry_shard(i: usize, chunk: &[&Counted]) -> Shard {
    let name = format!("e-{i}.js");
    // Within a shard, an entry of the same page as the one before has just
    // its `#anchor` as URL and 0 for the title.
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
    Shard::new(script(
        &name,
        &serde_json::to_string(&list).expect("serialisable"),
    ))
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
    fn index(entries: &[(Entry, bool)]) -> Index {
        let vocab = Vocab::new("en");
        let mut interner = Interner::new(&vocab);
        let counted: Vec<Counted> = entries
            .iter()
            .map(|(e, top)| count(e.clone(), *top, &mut interner, 100))
            .collect();
        let counted: &'static [Counted] = Vec::leak(counted);
        let forms = interner.take_forms();
        Index::build(&[(counted, &forms)], &vocab.snapshot(), true, true)
    }

    /// Counting a page while it is read ([`TextCounter`]) equals counting
    /// each entry's whole text: words split by inline elements, entities,
    /// texts interrupted by rows and definition lists, non-ASCII words and
    /// whitespace, snippets cut or not, entries left out.
    #[test]
    fn counting_while_reading_equals_counting_whole_texts() {
        use crate::features::search::extract::{html_entries, html_entries_into};
        let long = "word ".repeat(60);
        let pages = [
            "<p>Intro &amp;\u{a0}more <em>gov</em>erning bo<a href=\"#\">ard</a>s.</p>\n<h2 id=\"board\">Board <a class=\"a\" href=\"#board\" aria-hidden=\"true\">#</a></h2>\n<p>The <strong>Board</strong>-level body.</p><h3 id=\"empty\"></h3><h3 id=\"x\">Sub</h3><p>a<br>b\x0b\tc</p>",
            "<h2 id=\"t\">Table</h2><p>before the tab</p><table><caption>C</caption><tr><th>Dimension</th><th>A</th></tr><tr id=\"c-reports-to\"><th scope=\"row\">Reports to</th><td>CEO, <a href=\"/x/\">board</a>s</td></tr></table>le after<p>after</p>",
            "<h2 id=\"g\">Terms</h2><p>Intro.</p><dl>\n<dt id=\"board\">Board</dt>\n<dd>The governing body.</dd>\n<dt>Plain</dt><dd>No id.</dd></dl><p>After the list.</p>",
            "<p>Übersicht naïve café\u{2003}über <b>Mä</b>use, ΟΔΟΣ x\u{202f}y 3.5% snake_case a.b.c</p><h2 id=\"u\">Ünïcode</h2><p>ééé</p>",
            &format!(
                "<p>{long}</p><h2 id=\"l\">Long</h2><p>{long}<i>tail</i>ing</p><h2 id=\"m\">Mixed</h2><p>{}</p>",
                "ä ".repeat(90)
            ),
            "",
            "<script>var x = 1;</script><p>only <code>code</code></p>",
        ];
        for (n, html) in pages.iter().enumerate() {
            let top = entry("/p/", "The Page", "", "");
            let vocab = Vocab::new("en");
            let mut interner = Interner::new(&vocab);
            let whole: Vec<Counted> = html_entries(html, "/p/", "The Page", top.clone())
                .into_iter()
                .enumerate()
                .map(|(i, e)| count(e, i == 0, &mut interner, 40))
                .collect();
            let mut forms_whole = interner.take_forms();
            let mut counter = TextCounter::new(&mut interner, 40);
            let read = html_entries_into(html, "/p/", "The Page", top, &mut counter);
            let read: Vec<Counted> = read
                .into_iter()
                .zip(counter.finish())
                .filter(|(e, t)| !(e.heading.is_empty() && t.is_empty() && e.url.contains('#')))
                .enumerate()
                .map(|(i, (e, t))| count_read(e, t, i == 0, &mut interner, 40))
                .collect();
            let mut forms_read = interner.take_forms();
            let sorted = |mut c: Vec<Counted>| {
                c.iter_mut().for_each(|c| c.terms.sort());
                c
            };
            assert_eq!(sorted(read), sorted(whole), "page {n}");
            forms_whole.sort();
            forms_read.sort();
            assert_eq!(forms_read, forms_whole, "page {n}");
        }
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

    /// Documents of one entry each: `word` `n` times, `filler` `i % 37`
    /// times (`i`: its place), and a word of their own.
    fn counted_docs(vocab: &Vocab, ns: &[usize]) -> Vec<(Vec<Counted>, Vec<u32>)> {
        let mut interner = Interner::new(vocab);
        ns.iter()
            .enumerate()
            .map(|(i, &n)| {
                let text = "word ".repeat(n) + &"filler ".repeat(i % 37) + &format!("own{i}");
                let e = entry(&format!("/{i}/"), "T", "", &text);
                (
                    vec![count(e, true, &mut interner, 100)],
                    interner.take_forms(),
                )
            })
            .collect()
    }

    #[test]
    fn an_update_of_a_common_word_equals_a_build() {
        fn view(d: &[(Vec<Counted>, Vec<u32>)]) -> Vec<(&[Counted], &[u32])> {
            d.iter()
                .map(|(c, f)| (c.as_slice(), f.as_slice()))
                .collect()
        }
        let vocab = Vocab::new("en");
        // `word` in one document of nine (a little more than MAX_POSTINGS),
        // one to six times.
        let ns: Vec<usize> = (0..MAX_POSTINGS * 10)
            .map(|i| if i % 9 == 0 { 1 + (i / 9) % 6 } else { 0 })
            .collect();
        let old = counted_docs(&vocab, &ns);
        let built = Index::build(&view(&old), &vocab.snapshot(), true, true);
        // Each change: one document's `word` count (into the best, out of
        // them, up or down outside them; gone or new: another document
        // frequency, so every impact changes).
        for (doc, n) in [(9, 6), (45, 1), (54, 2), (63, 1), (72, 0), (10, 3)] {
            let mut ns = ns.clone();
            ns[doc] = n;
            let changed = counted_docs(&vocab, &ns).swap_remove(doc);
            // The other documents are the same (not copies): unchanged.
            let mut new = view(&old);
            new[doc] = (changed.0.as_slice(), changed.1.as_slice());
            let updated = built
                .update(&view(&old), &new, &vocab.snapshot(), true)
                .expect("the same entries");
            let fresh = Index::build(&new, &vocab.snapshot(), true, true);
            assert!(
                updated.postings == fresh.postings,
                "doc {doc} with {n}: postings"
            );
            assert!(
                updated.files() == fresh.files(),
                "doc {doc} with {n}: files"
            );
        }
    }

    /// A one-shot build's index lets go of its counts: the same postings
    /// and files, and no update (which needs the counts) is attempted.
    #[test]
    fn an_index_that_will_not_update_writes_the_same_files_and_refuses_updates() {
        let vocab = Vocab::new("en");
        let ns: Vec<usize> = (0..40).map(|i| i % 5).collect();
        let docs = counted_docs(&vocab, &ns);
        let view: Vec<(&[Counted], &[u32])> = docs
            .iter()
            .map(|(c, f)| (c.as_slice(), f.as_slice()))
            .collect();
        let kept = Index::build(&view, &vocab.snapshot(), true, true);
        let once = Index::build(&view, &vocab.snapshot(), true, false);
        assert!(!kept.counts.is_empty() && once.counts.is_empty());
        assert!(kept.postings == once.postings);
        assert!(kept.files() == once.files());
        assert!(kept.update(&view, &view, &vocab.snapshot(), true).is_some());
        assert!(once.update(&view, &view, &vocab.snapshot(), true).is_none());
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
            String::from_utf8(files.iter().find(|f| f.0 == n).unwrap().1.to_vec()).unwrap()
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
