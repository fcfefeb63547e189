//! The body metric of the article evaluation: word 4-shingle precision and recall.
//!
//! Words are Unicode words (UAX #29, `unicode_words`), lowercased; a text's shingles are the
//! set of its runs of [`SHINGLE`] consecutive words (a text of fewer words is one shingle of
//! them all, none when it has no word). Precision is the share of the extraction's shingles
//! found in the reference, recall the share of the reference's found in the extraction; an
//! empty extraction scores 0 for both.

use std::collections::HashSet;

use unicode_segmentation::UnicodeSegmentation;

/// Words per shingle.
pub const SHINGLE: usize = 4;

/// A text's shingles.
pub fn shingles(text: &str) -> HashSet<Vec<String>> {
    let words: Vec<String> = text.unicode_words().map(str::to_lowercase).collect();
    if words.is_empty() {
        return HashSet::new();
    }
    if words.len() < SHINGLE {
        return HashSet::from([words]);
    }
    words.windows(SHINGLE).map(<[String]>::to_vec).collect()
}

/// Precision and recall of `extracted` against `reference`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    pub precision: f64,
    pub recall: f64,
}

impl Score {
    pub fn of(extracted: &str, reference: &str) -> Score {
        let (ext, reference) = (shingles(extracted), shingles(reference));
        if ext.is_empty() || reference.is_empty() {
            return Score {
                precision: 0.0,
                recall: 0.0,
            };
        }
        let common = ext.intersection(&reference).count() as f64;
        Score {
            precision: common / ext.len() as f64,
            recall: common / reference.len() as f64,
        }
    }

    pub fn f1(&self) -> f64 {
        f1(self.precision, self.recall)
    }
}

/// The harmonic mean of a precision and a recall (0 when both are).
pub fn f1(precision: f64, recall: f64) -> f64 {
    if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shingle(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn shingles_are_runs_of_four_lowercased_words() {
        let got = shingles("The cat, sat on\nTHE mat.");
        let want = HashSet::from([
            shingle(&["the", "cat", "sat", "on"]),
            shingle(&["cat", "sat", "on", "the"]),
            shingle(&["sat", "on", "the", "mat"]),
        ]);
        assert_eq!(got, want);
        assert_eq!(
            shingles("Two words"),
            HashSet::from([shingle(&["two", "words"])])
        );
        assert!(shingles(" — … ").is_empty());
        // A repeated run counts once.
        assert_eq!(shingles("a b c d a b c d").len(), 4);
    }

    #[test]
    fn precision_and_recall_count_shared_shingles() {
        // Extraction: 3 shingles, 2 of them among the reference's 4.
        let score = Score::of("a b c d e x", "a b c d e f g");
        assert_eq!(
            score,
            Score {
                precision: 2.0 / 3.0,
                recall: 0.5
            }
        );
        assert!((score.f1() - 4.0 / 7.0).abs() < 1e-12);
        let same = Score::of("One two three four five.", "one two three four five");
        assert_eq!(same.f1(), 1.0);
        let none = Score::of("", "one two three four");
        assert_eq!((none.precision, none.recall, none.f1()), (0.0, 0.0, 0.0));
    }
}
