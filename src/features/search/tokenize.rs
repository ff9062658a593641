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
    for chunk in text.split_ascii_whitespace() {
        let b = chunk.as_bytes();
        let Some(start) = b.iter().position(u8::is_ascii_alphanumeric) else {
            // No letter or digit: no word (`unicode_words` keeps only
            // segments with one).
            continue;
        };
        let end = b
            .iter()
            .rposition(u8::is_ascii_alphanumeric)
            .map_or(0, |e| e + 1);
        let plain = b[start..end].iter().all(u8::is_ascii_alphanumeric)
            && !b[..start].contains(&b'_')
            && !b[end..].contains(&b'_');
        if plain {
            f(&chunk[start..end]);
        } else {
            chunk.unicode_words().for_each(&mut f);
        }
    }
}

/// A segment of at most 16 bytes as one number (its bytes, zero-padded:
/// a word has no NUL byte, so two segments never share a number).
fn pack(segment: &str) -> Option<u128> {
    let b = segment.as_bytes();
    if b.len() > 16 {
        return None;
    }
    let mut buf = [0u8; 16];
    buf[..b.len()].copy_from_slice(b);
    Some(u128::from_le_bytes(buf))
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
        let Interner {
            vocab,
            short,
            cache,
            buf,
            counts,
            stems,
            seen,
            forms,
        } = self;
        each_segment(text, |w| {
            let mut intern = || {
                lowercase_into(w, buf);
                vocab.intern(buf)
            };
            let (form, stem) = match pack(w) {
                Some(key) => *short.entry(key).or_insert_with(intern),
                None => match cache.get(w) {
                    Some(&ids) => ids,
                    None => {
                        let ids = intern();
                        cache.insert(w.to_string(), ids);
                        ids
                    }
                },
            };
            let (f, s) = (form as usize, stem as usize);
            if s >= counts.len() {
                counts.resize((s + 1).next_power_of_two().max(1024), 0);
            }
            if counts[s] == 0 {
                stems.push(stem);
            }
            counts[s] += weight;
            if f >= seen.len() {
                seen.resize((f + 1).next_power_of_two().max(1024), false);
            }
            if !seen[f] {
                seen[f] = true;
                forms.push(form);
            }
        });
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
