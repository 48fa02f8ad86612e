//! Text folding, trigrams and string similarity: the pure pieces of title search.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds a title or a query to the form both are compared in: lowercase, accents removed
/// ("Amélie" → "amelie"), apostrophes dropped ("Schindler's" → "schindlers"), any other
/// run of non-alphanumeric characters turned into one space, no leading or trailing space.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    // Compatibility decomposition splits "é" into "e" + accent and "³" into "3".
    for c in text.nfkd().flat_map(char::to_lowercase) {
        if is_combining_mark(c) || matches!(c, '\'' | '’' | '`') {
            continue;
        }
        if let Some(folded) = fold_letter(c) {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push_str(folded);
        } else if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out
}

/// Letters that Unicode does not decompose but a reader treats as plain Latin.
fn fold_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'ł' => "l",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'ı' => "i",
        // As in "Ri¢hie Ri¢h".
        '¢' => "c",
        _ => return None,
    })
}

/// The text as stored in the search index: normalised and padded with a space at each
/// end, so that "up" yields the trigrams " up" and "up " and short words are findable.
pub fn padded(normalised: &str) -> String {
    format!(" {normalised} ")
}

/// The distinct trigrams of an already padded text, sorted.
pub fn trigrams(padded: &str) -> Vec<[char; 3]> {
    let chars: Vec<char> = padded.chars().collect();
    let mut grams: Vec<[char; 3]> = chars.windows(3).map(|w| [w[0], w[1], w[2]]).collect();
    grams.sort_unstable();
    grams.dedup();
    grams
}

/// Words so common in titles that their trigrams select most of the catalog; they are
/// left out of the candidate lookup when the query has other words (the ranking still sees
/// them).
const STOP_WORDS: [&str; 12] = [
    "the", "a", "an", "of", "and", "in", "on", "to", "at", "by", "for", "with",
];

/// Whether `word` (normalised) is one of the [`STOP_WORDS`].
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word)
}

/// The trigrams the candidate step looks up: those of each padded query word, stop words
/// aside unless nothing else is left, sorted and distinct. Empty when the query has no
/// letters or digits at all.
pub fn index_trigrams(normalised_query: &str) -> Vec<[char; 3]> {
    let words: Vec<&str> = normalised_query
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect();
    let content: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !STOP_WORDS.contains(w))
        .collect();
    let chosen = if content.is_empty() { words } else { content };
    let mut grams: Vec<[char; 3]> = chosen
        .iter()
        .flat_map(|word| trigrams(&padded(word)))
        .collect();
    grams.sort_unstable();
    grams.dedup();
    grams
}

/// |A ∩ B| / |A ∪ B| of two sorted, distinct lists (as [`trigrams`] returns them);
/// 0 for two empty lists.
pub fn jaccard(a: &[[char; 3]], b: &[[char; 3]]) -> f64 {
    // One integer per trigram, ordered as the characters are: a comparison is one
    // instruction rather than up to three.
    let key = |g: &[char; 3]| (u64::from(g[0]) << 42) | (u64::from(g[1]) << 21) | u64::from(g[2]);
    let (mut i, mut j, mut common) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match key(&a[i]).cmp(&key(&b[j])) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - common;
    if union == 0 {
        0.0
    } else {
        common as f64 / union as f64
    }
}

/// Edit distance in characters, an adjacent transposition counting as one edit ("matirx" is
/// one edit from "matrix"): the optimal string alignment distance, Levenshtein's with
/// Damerau's swaps, the typo people make most when typing fast.
pub fn edit_distance(a: &str, b: &str) -> usize {
    // Folded titles are nearly always ASCII and short: ranking compares thousands of word
    // pairs per search, so that case runs on bytes with its rows on the stack.
    const SHORT: usize = 64;
    if a.is_ascii() && b.is_ascii() && b.len() < SHORT {
        let mut rows = [[0usize; SHORT]; 3];
        return alignment(a.as_bytes(), b.as_bytes(), &mut rows, b.len() + 1);
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0; b.len() + 1]; 3];
    let [r0, r1, r2] = &mut rows[..] else {
        unreachable!("three rows")
    };
    alignment_rows(&a, &b, [r0, r1, r2])
}

/// One word compared with many: the [`edit_distance`] from it to any text, by the
/// bit-parallel algorithm of Myers (1999) in Hyyrö's form, with Hyyrö's (2001) term for
/// adjacent transpositions, which handles all the word's characters in one machine word per
/// character of the text. Ranking compares each query
/// word with every word of hundreds of candidate titles, so the per-word table is built once.
///
/// Words that are not ASCII or longer than 64 bytes fall back to [`edit_distance`].
#[derive(Debug, Clone)]
pub struct WordDistance {
    word: String,
    /// The word's length in characters.
    chars: usize,
    /// For each byte, the positions in the word that hold it; `None` when the fast path does
    /// not apply.
    positions: Option<Box<[u64; 256]>>,
}

impl WordDistance {
    /// Prepares `word` for comparing.
    pub fn new(word: &str) -> Self {
        let positions = (word.is_ascii() && !word.is_empty() && word.len() <= 64).then(|| {
            let mut table = Box::new([0u64; 256]);
            for (i, byte) in word.bytes().enumerate() {
                table[usize::from(byte)] |= 1 << i;
            }
            table
        });
        Self {
            word: word.to_owned(),
            chars: word.chars().count(),
            positions,
        }
    }

    /// The word compared.
    pub fn word(&self) -> &str {
        &self.word
    }

    /// Its length in characters.
    pub fn chars(&self) -> usize {
        self.chars
    }

    /// The edit distance from the word to `text`, in characters.
    pub fn to(&self, text: &str) -> usize {
        let Some(positions) = self.positions.as_deref().filter(|_| text.is_ascii()) else {
            return edit_distance(&self.word, text);
        };
        let last = 1u64 << (self.word.len() - 1);
        // Column by column: bit i of `plus`/`minus` says the distance grows/shrinks by one
        // going down from row i to row i + 1.
        let (mut plus, mut minus) = (u64::MAX, 0u64);
        let mut distance = self.word.len();
        // The previous text character's match bits and the previous column's diagonal zeros:
        // a swap of two neighbours is a diagonal step two columns back.
        let (mut previous_equal, mut previous_diagonal) = (0u64, 0u64);
        for byte in text.bytes() {
            let equal = positions[usize::from(byte)];
            let vertical = equal | minus;
            let swapped = ((!previous_diagonal & equal) << 1) & previous_equal;
            let diagonal = ((equal & plus).wrapping_add(plus) ^ plus) | equal | swapped;
            previous_equal = equal;
            previous_diagonal = diagonal | minus;
            let mut up = minus | !(diagonal | plus);
            let mut down = plus & diagonal;
            if up & last != 0 {
                distance += 1;
            } else if down & last != 0 {
                distance -= 1;
            }
            // Row 0 of the table is 0, 1, 2, …: the first row always grows by one.
            up = (up << 1) | 1;
            down <<= 1;
            plus = down | !(vertical | up);
            minus = up & vertical;
        }
        distance
    }
}

/// [`edit_distance`] of `a` and `b` on `rows`, each at least `width` (`b.len() + 1`) long.
fn alignment<T: PartialEq, const N: usize>(
    a: &[T],
    b: &[T],
    rows: &mut [[usize; N]; 3],
    width: usize,
) -> usize {
    let [r0, r1, r2] = rows;
    alignment_rows(a, b, [&mut r0[..width], &mut r1[..width], &mut r2[..width]])
}

/// The dynamic programme of [`edit_distance`] over three rows (`b.len() + 1` long): the one
/// before the previous row is what a transposition steps back to.
fn alignment_rows<T: PartialEq>(a: &[T], b: &[T], rows: [&mut [usize]; 3]) -> usize {
    let [mut before, mut previous, mut current] = rows;
    for (j, cell) in previous.iter_mut().enumerate() {
        *cell = j;
    }
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            let mut best = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
            if i > 0 && j > 0 && *ca == b[j - 1] && a[i - 1] == *cb {
                best = best.min(before[j - 1] + 1);
            }
            current[j + 1] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_and_punctuation() {
        assert_eq!(
            normalise("Le Fabuleux destin d'Amélie Poulain"),
            "le fabuleux destin damelie poulain"
        );
        assert_eq!(normalise("The Godfather: Part II"), "the godfather part ii");
        assert_eq!(normalise("  Léon  "), "leon");
        assert_eq!(normalise("Die Fälscher"), "die falscher");
        assert_eq!(normalise("Alien³"), "alien3");
        assert_eq!(normalise("Ri¢hie Ri¢h"), "richie rich");
        assert_eq!(normalise("STRAẞE Æon Œuvre"), "strasse aeon oeuvre");
        assert_eq!(normalise("Schindler's List"), "schindlers list");
        assert_eq!(
            normalise("I Love You … Don't Touch Me!"),
            "i love you dont touch me"
        );
        assert_eq!(normalise("'; DROP TABLE movies; --"), "drop table movies");
        assert_eq!(normalise("*\"'();--"), "");
    }

    #[test]
    fn trigrams_include_word_edges() {
        assert_eq!(trigrams(&padded("up")), [[' ', 'u', 'p'], ['u', 'p', ' ']]);
        assert_eq!(
            trigrams(" aaaa "),
            [[' ', 'a', 'a'], ['a', 'a', ' '], ['a', 'a', 'a']]
        );
        assert!(trigrams(&padded("")).is_empty());
    }

    #[test]
    fn lookup_trigrams_cover_each_word_with_its_edges() {
        assert_eq!(index_trigrams("up"), [[' ', 'u', 'p'], ['u', 'p', ' ']]);
        assert_eq!(index_trigrams("up up"), index_trigrams("up"));
        assert!(index_trigrams("").is_empty());
    }

    #[test]
    fn lookup_trigrams_skip_stop_words_unless_nothing_else_is_left() {
        let grams = index_trigrams("the lord of the rings");
        assert!(grams.contains(&['l', 'o', 'r']) && grams.contains(&['n', 'g', 's']));
        assert!(!grams.contains(&['t', 'h', 'e']) && !grams.contains(&[' ', 'o', 'f']));
        assert!(index_trigrams("the").contains(&['t', 'h', 'e']));
    }

    #[test]
    fn jaccard_is_shared_over_all() {
        let a = trigrams(&padded("godfater"));
        let b = trigrams(&padded("godfather"));
        let j = jaccard(&a, &b);
        assert!(j > 0.4 && j < 1.0, "{j}");
        assert!((jaccard(&a, &a) - 1.0).abs() < f64::EPSILON);
        assert!(jaccard(&a, &trigrams(&padded("zzz"))).abs() < f64::EPSILON);
    }

    #[test]
    fn the_word_distance_agrees_with_the_plain_one_at_the_edges() {
        let long = "ab".repeat(32);
        for (word, text) in [
            ("godfater", "godfather"),
            ("kitten", "sitting"),
            ("a", ""),
            ("abc", "abc"),
            ("leon", "léon"),
            ("léon", "leon"),
            ("", "abc"),
            (long.as_str(), "ba"),
            (long.as_str(), long.as_str()),
            ("x", long.as_str()),
        ] {
            assert_eq!(
                WordDistance::new(word).to(text),
                edit_distance(word, text),
                "{word} / {text}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn the_word_distance_is_the_edit_distance(
            word in "[a-e ]{0,70}",
            text in "[a-eé]{0,70}",
        ) {
            proptest::prop_assert_eq!(WordDistance::new(&word).to(&text), edit_distance(&word, &text));
        }
    }

    #[test]
    fn edit_distance_counts_single_character_edits() {
        assert_eq!(edit_distance("matirx", "matrix"), 1, "a swap is one edit");
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(
            edit_distance("ca", "abc"),
            3,
            "no edit twice on one stretch"
        );
        assert_eq!(WordDistance::new("matirx").to("matrix"), 1);
        assert_eq!(WordDistance::new("ca").to("abc"), 3);
        assert_eq!(edit_distance("godfater", "godfather"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("léon", "leon"), 1);
        let long = "a".repeat(70);
        assert_eq!(edit_distance("b", &long), 70);
        assert_eq!(edit_distance(&long, "ab"), 69);
    }
}
