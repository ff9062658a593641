//! Words of a text, as the index stores them and as a query looks them up.
//!
//! Word boundaries are Unicode's (UAX #29, `unicode-segmentation`), the same
//! rules the browser's `Intl.Segmenter` applies, so the search script splits a
//! query the way the index split the text. Each word is lowercased and then
//! stemmed with the Snowball stemmer of the site's language
//! (`rust-stemmers`). The script never stems: the index ships each word form
//! it saw with its stem, so Rust and JavaScript cannot disagree about stems.

use rust_stemmers::{Algorithm, Stemmer};
use unicode_segmentation::UnicodeSegmentation;

/// The lowercased words of `text`, in order.
pub(crate) fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.unicode_words().map(str::to_lowercase)
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
