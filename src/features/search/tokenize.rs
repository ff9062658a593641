//! Words of a text, as the index stores them and as a query looks them up.
//!
//! Word boundaries are Unicode's (UAX #29, `unicode-segmentation`), the same
//! rules the browser's `Intl.Segmenter` applies, so the search script splits a
//! query the way the index split the text. Each word is lowercased and then
//! stemmed with the Snowball stemmer of the site's language
//! (`rust-stemmers`). The script never stems: the index ships each word form
//! it saw with its stem, so Rust and JavaScript cannot disagree about stems.
//!
//! Indexing a large site reads millions of words but only tens of thousands
//! of distinct ones, so the index path ([`Vocab`], [`Interner`]) splits ASCII
//! text without allocating, and stems and stores each distinct word once,
//! naming words and stems by `u32` ids.

use std::collections::HashMap;
use std::sync::Mutex;

use rust_stemmers::{Algorithm, Stemmer};
use rustc_hash::FxBuildHasher;
use unicode_segmentation::UnicodeSegmentation;

/// The lowercased words of `text`, in order (as the search script splits a
/// query; the index reads words through [`each_segment`]).
#[cfg(test)]
pub(crate) fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.unicode_words().map(str::to_lowercase)
}

/// Calls `f` with each word of `text` as the segmenter finds it, not yet
/// lowercased: `words` is these, each through `str::to_lowercase`.
///
/// ASCII text takes a fast path that finds the same words as UAX #29: no
/// ASCII character joins across whitespace (spaces form segments of their
/// own, and none is an Extend or Format character), and a chunk between
/// whitespace that is letters and digits with only punctuation other than
/// `_` before and after them is one word (the rules that join across
/// punctuation, WB6/7 and WB11/12, need a letter or digit on both sides of
/// it). Any other chunk, and any non-ASCII text, goes through the segmenter.
pub(crate) fn each_segment<'t>(text: &'t str, mut f: impl FnMut(&'t str)) {
    if !text.is_ascii() {
        text.unicode_words().for_each(f);
        return;
    }
    let last = each_ascii_segment_but_last(text, &mut f);
    each_chunk_segment(last, f);
}

/// How [`scan_chunk`] classes a byte.
#[derive(Clone, Copy, PartialEq)]
enum Byte {
    /// `char::is_whitespace` of ASCII: space and \t, \n, \x0b, \x0c, \r.
    Space,
    LetterOrDigit,
    Underscore,
    /// A byte of a non-ASCII character.
    NotAscii,
    /// Other punctuation.
    Other,
}

const BYTE_CLASS: [Byte; 256] = {
    let mut table = [Byte::Other; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = if b == b' ' || (b >= b'\t' && b <= b'\r') {
            Byte::Space
        } else if b.is_ascii_alphanumeric() {
            Byte::LetterOrDigit
        } else if b == b'_' {
            Byte::Underscore
        } else if b >= 0x80 {
            Byte::NotAscii
        } else {
            Byte::Other
        };
        i += 1;
    }
    table
};

/// How the words of a chunk (text between whitespace) are found.
enum ChunkWords {
    /// No letter or digit: no word (`unicode_words` keeps only segments
    /// with one).
    None,
    /// Letters and digits with only punctuation other than `_` around
    /// them: one word, these bytes of the text.
    One(usize, usize),
    /// Anything else: the segmenter reads the chunk.
    Segmenter,
}

/// Scans the chunk of `b` that starts at `i`, up to ASCII whitespace or the
/// end: where it ends, and how its words are found. One pass: the first
/// and last letter or digit, whether anything else comes between them,
/// whether there is a `_` or a non-ASCII character.
fn scan_chunk(b: &[u8], mut i: usize) -> (usize, ChunkWords) {
    let (mut start, mut end) = (usize::MAX, 0);
    let (mut gap, mut inner, mut segmenter) = (false, false, false);
    while i < b.len() {
        match BYTE_CLASS[b[i] as usize] {
            Byte::Space => break,
            Byte::LetterOrDigit => {
                if start == usize::MAX {
                    start = i;
                } else if gap {
                    inner = true;
                }
                // The whole run in a tight loop: most bytes of most chunks
                // are letters.
                while i < b.len() && BYTE_CLASS[b[i] as usize] == Byte::LetterOrDigit {
                    i += 1;
                }
                end = i;
                continue;
            }
            // `_` joins words, and the segmenter knows every other script.
            Byte::Underscore | Byte::NotAscii => segmenter = true,
            Byte::Other => gap |= start != usize::MAX,
        }
        i += 1;
    }
    let words = if segmenter || inner {
        ChunkWords::Segmenter
    } else if start == usize::MAX {
        ChunkWords::None
    } else {
        ChunkWords::One(start, end)
    };
    (i, words)
}

/// Calls `f` with the words of `text[chunk..end]`, found as `words` says.
fn read_chunk<'t>(
    text: &'t str,
    chunk: usize,
    end: usize,
    words: ChunkWords,
    mut f: impl FnMut(&'t str),
) {
    match words {
        ChunkWords::None => {}
        ChunkWords::One(start, end) => f(&text[start..end]),
        ChunkWords::Segmenter => text[chunk..end].unicode_words().for_each(f),
    }
}

/// [`each_chunk_segment`] of each whitespace-separated chunk of ASCII `text`
/// but the last, in one pass over its bytes (the index reads millions of
/// words, and splitting, then classifying each chunk again, was most of
/// the cost of counting them). Returns the last chunk, not yet read, when
/// `text` does not end in whitespace (while a page is read, that chunk
/// may go on in the next piece of text), else "".
pub(crate) fn each_ascii_segment_but_last<'t>(
    text: &'t str,
    mut f: impl FnMut(&'t str),
) -> &'t str {
    debug_assert!(text.is_ascii());
    let b = text.as_bytes();
    let mut i = 0;
    loop {
        while i < b.len() && BYTE_CLASS[b[i] as usize] == Byte::Space {
            i += 1;
        }
        if i == b.len() {
            return "";
        }
        let (end, words) = scan_chunk(b, i);
        if end == b.len() {
            return &text[i..];
        }
        read_chunk(text, i, end, words, &mut f);
        i = end;
    }
}

/// [`each_segment`] of one chunk of text with no whitespace in it. A text's
/// words are its whitespace-separated chunks' words: a space always breaks
/// words in UAX #29 (the rules that keep a space with what follows it,
/// WB3d and WB4, join only spaces, marks and format characters, none of
/// which is a letter or digit), so a chunk can be read on its own, as the
/// index does while it reads a page.
pub(crate) fn each_chunk_segment<'t>(chunk: &'t str, f: impl FnMut(&'t str)) {
    let (end, words) = scan_chunk(chunk.as_bytes(), 0);
    debug_assert_eq!(end, chunk.len(), "a chunk has no whitespace: {chunk:?}");
    read_chunk(chunk, 0, end, words, f);
}

/// A segment of at most 16 bytes as one number (its bytes, zero-padded:
/// a word has no NUL byte, so two segments never share a number).
fn pack(segment: &str) -> Option<u128> {
    // Whole-word loads (overlapping at the end) rather than bytes copied
    // into a buffer: reading a buffer just written byte by byte as one
    // number stalls the CPU on every word.
    let b = segment.as_bytes();
    let n = b.len();
    let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
    let u32_at = |i: usize| u64::from(u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes")));
    let (lo, hi) = match n {
        0..=3 => (
            b.iter().rev().fold(0u64, |v, &c| (v << 8) | u64::from(c)),
            0,
        ),
        4..=7 => (u32_at(0) | ((u32_at(n - 4) >> ((8 - n) * 8)) << 32), 0),
        8 => (u64_at(0), 0),
        9..=16 => (u64_at(0), u64_at(n - 8) >> ((16 - n) * 8)),
        _ => return None,
    };
    Some(u128::from(lo) | (u128::from(hi) << 64))
}

/// A word segment lowercased as `words` does (`str::to_lowercase`), into `buf`.
pub(crate) fn lowercase_into(segment: &str, buf: &mut String) {
    buf.clear();
    if segment.is_ascii() {
        buf.push_str(segment);
        buf.make_ascii_lowercase();
    } else {
        // `str::to_lowercase`, not per character: a final sigma.
        buf.push_str(&segment.to_lowercase());
    }
}

/// Every word form and stem the index has seen, each with a `u32` id, and
/// each form stemmed once. Shared by the threads that count pages (each
/// through its own [`Interner`]), and kept by the dev server with the
/// counted pages whose ids refer to it.
pub(crate) struct Vocab {
    stemmer: Option<Stemmer>,
    inner: Mutex<VocabInner>,
}

#[derive(Default)]
struct VocabInner {
    /// Form → (form id, stem id).
    ids: HashMap<String, (u32, u32), FxBuildHasher>,
    /// Stem → stem id.
    stem_ids: HashMap<String, u32, FxBuildHasher>,
    /// Per form id: the form and its stem id.
    forms: Vec<(String, u32)>,
    /// Per stem id: the stem.
    stems: Vec<String>,
}

impl Vocab {
    /// An empty vocabulary stemming with the Snowball stemmer of `language`.
    pub(crate) fn new(language: &str) -> Vocab {
        Vocab {
            stemmer: stemmer(language),
            inner: Mutex::new(VocabInner::default()),
        }
    }

    /// The ids of lowercased word `form` and of its stem, adding them if new.
    fn intern(&self, form: &str) -> (u32, u32) {
        if let Some(&ids) = self.lock().ids.get(form) {
            return ids;
        }
        // Stem outside the lock; another thread may add the form meanwhile.
        let s = stem(self.stemmer.as_ref(), form);
        let mut v = self.lock();
        if let Some(&ids) = v.ids.get(form) {
            return ids;
        }
        let stem_id = match v.stem_ids.get(&s) {
            Some(&id) => id,
            None => {
                let id = v.stems.len() as u32;
                v.stems.push(s.clone());
                v.stem_ids.insert(s, id);
                id
            }
        };
        let ids = (v.forms.len() as u32, stem_id);
        v.forms.push((form.to_string(), stem_id));
        v.ids.insert(form.to_string(), ids);
        ids
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VocabInner> {
        self.inner.lock().expect("not poisoned")
    }

    /// Stems and forms by id, for building an index.
    pub(crate) fn snapshot(&self) -> VocabSnapshot<'_> {
        VocabSnapshot { inner: self.lock() }
    }
}

/// A locked view of a [`Vocab`]'s words by id.
pub(crate) struct VocabSnapshot<'a> {
    inner: std::sync::MutexGuard<'a, VocabInner>,
}

impl VocabSnapshot<'_> {
    /// The number of stem ids.
    pub(crate) fn stem_count(&self) -> usize {
        self.inner.stems.len()
    }

    /// Stem `id`.
    #[cfg(test)]
    pub(crate) fn stem(&self, id: u32) -> &str {
        &self.inner.stems[id as usize]
    }

    /// The number of form ids.
    pub(crate) fn form_count(&self) -> usize {
        self.inner.forms.len()
    }

    /// Form `id` and its stem id.
    pub(crate) fn form(&self, id: u32) -> (&str, u32) {
        let (f, s) = &self.inner.forms[id as usize];
        (f, *s)
    }
}

/// One thread's way into a [`Vocab`]: a cache of the word segments it has
/// looked up (as written, so "The" and "the" are two keys of the same ids and
/// most words cost one hash lookup: no lowercasing, no lock), and the
/// counts of the entry being counted, by id.
pub(crate) struct Interner<'v> {
    vocab: &'v Vocab,
    /// Segments of up to 16 bytes, packed into a number ([`pack`]): no
    /// string compare on a hit.
    short: HashMap<u128, (u32, u32), FxBuildHasher>,
    /// Longer segments.
    cache: HashMap<String, (u32, u32), FxBuildHasher>,
    buf: String,
    /// Per stem id: weighted count in the current entry.
    counts: Vec<u32>,
    /// Stem ids counted in the current entry, in first-seen order.
    stems: Vec<u32>,
    /// Per form id: whether the current document has it.
    seen: Vec<bool>,
    /// Form ids of the current document, in first-seen order.
    forms: Vec<u32>,
}

impl<'v> Interner<'v> {
    pub(crate) fn new(vocab: &'v Vocab) -> Interner<'v> {
        Interner {
            vocab,
            short: HashMap::default(),
            cache: HashMap::default(),
            buf: String::new(),
            counts: Vec::new(),
            stems: Vec::new(),
            seen: Vec::new(),
            forms: Vec::new(),
        }
    }

    /// Counts each word of `text` `weight` (at least 1) times into the current entry
    /// (and notes its form for the current document).
    pub(crate) fn add(&mut self, text: &str, weight: u32) {
        each_segment(text, |w| self.add_segment(w, weight));
    }

    /// Counts the words of `chunk`, text with no whitespace in it, like
    /// [`Interner::add`] does.
    pub(crate) fn add_chunk(&mut self, chunk: &str, weight: u32) {
        each_chunk_segment(chunk, |w| self.add_segment(w, weight));
    }

    /// Adds counts taken from this interner before ([`Interner::take`])
    /// to the current entry's.
    pub(crate) fn add_counts(&mut self, terms: &[(u32, u32)]) {
        for &(stem, n) in terms {
            self.count_stem(stem, n);
        }
    }

    /// Counts one word segment (as written) `weight` times.
    pub(crate) fn add_segment(&mut self, w: &str, weight: u32) {
        let (form, stem) = match pack(w) {
            Some(key) => match self.short.get(&key) {
                Some(&ids) => ids,
                None => {
                    let ids = self.intern(w);
                    self.short.insert(key, ids);
                    ids
                }
            },
            None => match self.cache.get(w) {
                Some(&ids) => ids,
                None => {
                    let ids = self.intern(w);
                    self.cache.insert(w.to_string(), ids);
                    ids
                }
            },
        };
        self.count_stem(stem, weight);
        let f = form as usize;
        if f >= self.seen.len() {
            self.seen
                .resize((f + 1).next_power_of_two().max(1024), false);
        }
        if !self.seen[f] {
            self.seen[f] = true;
            self.forms.push(form);
        }
    }

    /// The vocabulary's ids of segment `w`, lowercased.
    fn intern(&mut self, w: &str) -> (u32, u32) {
        lowercase_into(w, &mut self.buf);
        self.vocab.intern(&self.buf)
    }

    fn count_stem(&mut self, stem: u32, n: u32) {
        let s = stem as usize;
        if s >= self.counts.len() {
            self.counts.resize((s + 1).next_power_of_two().max(1024), 0);
        }
        if self.counts[s] == 0 {
            self.stems.push(stem);
        }
        self.counts[s] += n;
    }

    /// The current entry's stem ids with weighted counts (in no particular
    /// order) and its weighted length, leaving the interner ready for the
    /// next entry.
    pub(crate) fn take(&mut self) -> (Vec<(u32, u32)>, u32) {
        let mut len = 0;
        let terms = self
            .stems
            .drain(..)
            .map(|s| {
                let n = std::mem::take(&mut self.counts[s as usize]);
                len += n;
                (s, n)
            })
            .collect();
        (terms, len)
    }

    /// The form ids of the current document's entries (in no particular
    /// order), leaving the interner ready for the next document.
    pub(crate) fn take_forms(&mut self) -> Vec<u32> {
        let forms = std::mem::take(&mut self.forms);
        for &f in &forms {
            self.seen[f as usize] = false;
        }
        forms
    }
}

/// The stemmer for a language code such as `en`, `de-CH` or `pt_BR`
/// (`None`: a language without a Snowball stemmer; words are kept as they are).
pub(crate) fn stemmer(language: &str) -> Option<Stemmer> {
    let code = language
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let algorithm = match code.as_str() {
        "ar" => Algorithm::Arabic,
        "da" => Algorithm::Danish,
        "nl" => Algorithm::Dutch,
        "en" => Algorithm::English,
        "fi" => Algorithm::Finnish,
        "fr" => Algorithm::French,
        "de" => Algorithm::German,
        "el" => Algorithm::Greek,
        "hu" => Algorithm::Hungarian,
        "it" => Algorithm::Italian,
        "no" | "nb" | "nn" => Algorithm::Norwegian,
        "pt" => Algorithm::Portuguese,
        "ro" => Algorithm::Romanian,
        "ru" => Algorithm::Russian,
        "es" => Algorithm::Spanish,
        "sv" => Algorithm::Swedish,
        "ta" => Algorithm::Tamil,
        "tr" => Algorithm::Turkish,
        _ => return None,
    };
    Some(Stemmer::create(algorithm))
}

/// The stem of a lowercased word.
pub(crate) fn stem(stemmer: Option<&Stemmer>, word: &str) -> String {
    match stemmer {
        Some(s) => s.stem(word).into_owned(),
        None => word.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_words_lowercased_without_punctuation() {
        let w: Vec<String> =
            words("The vCISO's board-level role: HIPAA, SOC 2 — Übersicht naïve.").collect();
        assert_eq!(
            w,
            [
                "the",
                "vciso's",
                "board",
                "level",
                "role",
                "hipaa",
                "soc",
                "2",
                "übersicht",
                "naïve"
            ]
        );
    }

    /// The fast path's words equal the segmenter's, on the cases its
    /// reasoning rests on: punctuation around and inside words, `_`,
    /// apostrophes, numbers with separators, controls, non-ASCII text.
    #[test]
    fn each_segment_lowercased_is_words() {
        let texts = [
            "The board's (annual) report: 3.5% of 1,000 budgets; e.g. a.b.c",
            "snake_case _lead trail_ __ -- x-y a:b a'b 'quoted' \"dq\" ...end.",
            "tab\tsep\nline\x0bvt\x0cff\rcr a\x01b ,.;:!? 42nd v2.0.1 ok",
            "CIO (chief information officer) vCISO's  HIPAA/SOC\u{2019}s",
            "Übersicht naïve café — über 2 Mäuse, ÆØÅ ΟΔΟΣ",
            "",
            "   ",
        ];
        let mut buf = String::new();
        for t in texts {
            let mut got = Vec::new();
            each_segment(t, |w| {
                lowercase_into(w, &mut buf);
                got.push(buf.clone());
            });
            let want: Vec<String> = words(t).collect();
            assert_eq!(got, want, "{t:?}");
        }
    }

    /// The one-pass reader finds each chunk's words as the segmenter does,
    /// and hands back the last chunk, unread, unless whitespace ends the text.
    #[test]
    fn ascii_text_is_read_in_one_pass_up_to_its_last_chunk() {
        for (text, last) in [
            ("The board's (annual) report: 3.5% of 1,000", "1,000"),
            ("snake_case _lead trail_ __ -- x-y a:b a'b 'q' ...end. ", ""),
            ("tab\tsep\nline\x0bvt\x0cff\rcr a\x01b v2.0.1 ok\r", ""),
            ("CIO (chief officer) HIPAA/SOC", "HIPAA/SOC"),
            ("word", "word"),
            ("", ""),
            ("  \n", ""),
        ] {
            let mut got = Vec::new();
            let rest = each_ascii_segment_but_last(text, |w| got.push(w.to_lowercase()));
            assert_eq!(rest, last, "{text:?}");
            let read = &text[..text.len() - rest.len()];
            assert_eq!(got, words(read).collect::<Vec<_>>(), "{text:?}");
        }
    }

    /// A segment packs into its bytes, zero-padded, whatever its length.
    #[test]
    fn segments_pack_into_their_bytes() {
        let text = "abcdefghijklmnopq";
        for n in 1..=16 {
            let mut buf = [0u8; 16];
            buf[..n].copy_from_slice(&text.as_bytes()[..n]);
            assert_eq!(pack(&text[..n]), Some(u128::from_le_bytes(buf)), "{n}");
        }
        assert_eq!(pack(text), None);
    }

    #[test]
    fn interned_forms_share_stem_ids_and_entries_tally_by_id() {
        let v = Vocab::new("en");
        let mut a = Interner::new(&v);
        let mut b = Interner::new(&v);
        // A word longer than 16 bytes goes through the other cache.
        a.add("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ", 1);
        assert_eq!(a.take().0.len(), 1);
        assert_eq!(a.take_forms().len(), 1);
        a.add("Boards board", 3);
        a.add("the board", 1);
        let (mut terms, len) = a.take();
        terms.sort();
        a.add("bold", 1);
        assert_eq!(a.take().1, 1, "a new entry");
        let mut forms = a.take_forms();
        forms.sort();
        assert!(a.take_forms().is_empty(), "a new document");
        b.add("boards BOLD", 1);
        let (terms_b, _) = b.take();
        let forms_b = b.take_forms();
        let snap = v.snapshot();
        let stem = |s: &str| {
            (0..snap.stem_count() as u32)
                .find(|&i| snap.stem(i) == s)
                .unwrap()
        };
        let form = |f: &str| {
            (0..snap.form_count() as u32)
                .find(|&i| snap.form(i).0 == f)
                .unwrap()
        };
        assert_eq!(
            (snap.form_count(), snap.stem_count()),
            (5, 4),
            "boards board abc…xyz the bold"
        );
        let mut want = vec![(stem("board"), 7), (stem("the"), 1)];
        want.sort();
        assert_eq!(terms, want);
        assert_eq!(len, 8);
        let mut want = vec![form("boards"), form("board"), form("the"), form("bold")];
        want.sort();
        assert_eq!(forms, want);
        assert!(
            terms_b.contains(&(stem("board"), 1)),
            "one id per stem across interners"
        );
        assert!(forms_b.contains(&form("boards")) && forms_b.contains(&form("bold")));
        assert_eq!(snap.form(form("boards")).1, stem("board"));
    }

    #[test]
    fn english_stems_join_word_forms() {
        let en = stemmer("en-GB");
        let s = |w: &str| stem(en.as_ref(), w);
        assert_eq!(s("boards"), "board");
        assert_eq!(s("reporting"), "report");
        assert_eq!(s("reports"), "report");
        assert_eq!(s("policies"), s("policy"));
        let de = stemmer("de");
        assert_eq!(stem(de.as_ref(), "häuser"), stem(de.as_ref(), "haus"));
        assert!(stemmer("xx").is_none());
        assert_eq!(stem(None, "boards"), "boards");
    }
}
