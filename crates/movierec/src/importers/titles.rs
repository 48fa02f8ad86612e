//! The one rule by which a film's title is recognised, for every importer and matcher (data
//! sets, personal histories, the catalog's duplicate finder): [`key`] turns a title into the
//! form two titles are compared in, and [`years_fit`] / [`directors_fit`] say whether the rest
//! of what two sources know allows the same film.

use crate::domain::title::LEADING_ARTICLES;
pub use crate::domain::title::{DIRECTOR_YEAR_TOLERANCE, ENGLISH_ARTICLES, YEAR_TOLERANCE};
use crate::search::text;

/// Words that come before a number of a series' part: the number after them is read as
/// digits ("Part II", "Part Two" and "Part 2" are one).
const NUMBERED: [&str; 5] = ["part", "vol", "volume", "episode", "chapter"];

/// The form two titles are compared in: a trailing article put back in front ("Boot, Das"),
/// folded by [`text::normalise`] (case, accents, punctuation), "&" read as "and" and "and"
/// left out, English articles left out anywhere and other languages' at the start, "Vol."
/// read as "volume", "Ep."/"Pt." as "episode"/"part", and the number after such a word as
/// digits; the words are then joined without spaces, since sources split and join words
/// differently ("Beetle Juice" and "Beetlejuice", "Spider-Man" and "Spiderman"). Empty for a
/// title with no letters or digits.
pub fn key(title: &str) -> String {
    let moved = front_article(title.trim());
    let folded = text::normalise(&moved.replace('&', " and "));
    let mut words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    while words.len() > 1
        && (LEADING_ARTICLES.contains(&words[0]) || ENGLISH_ARTICLES.contains(&words[0]))
    {
        words.remove(0);
    }
    let mut key = String::with_capacity(folded.len());
    let mut after_numbered = false;
    for (i, &word) in words.iter().enumerate() {
        // A title that is only an article ("The", "It") keeps its one word.
        let only = words.len() == 1;
        if !only && (word == "and" || (ENGLISH_ARTICLES.contains(&word) && i + 1 < words.len())) {
            continue;
        }
        // An abbreviation is a part's word only before its number ("Vol. 2"): alone it may be
        // a word of its own, or the joined letters of a key ("é p" → "ep"), and a key must
        // key to itself.
        let numbered = words.get(i + 1).is_some_and(|w| number(w).is_some());
        let word = match word {
            "vol" if numbered => "volume",
            "ep" if numbered => "episode",
            "pt" if numbered => "part",
            "chap" | "ch" if numbered => "chapter",
            w => w,
        };
        let number = if after_numbered { number(word) } else { None };
        match number {
            Some(n) => key.push_str(&n.to_string()),
            None => key.push_str(word),
        }
        after_numbered = NUMBERED.contains(&word);
    }
    key
}

/// The series a title belongs to, as a [`key`]: the title before a subtitle (": …" or
/// " - …") without a trailing part number ("Toy Story 2", "Rocky II", "Star Wars: Episode V -
/// The Empire Strikes Back" and "Ocean's Twelve" → the key of "Toy Story", "Rocky", "Star
/// Wars", "Ocean's"). A title that is only a number keeps its whole key ("2001: A Space
/// Odyssey").
pub fn series(title: &str) -> String {
    let head = title
        .split([':', '(']) // "(" ends a title too: "Alien (Director's Cut)"
        .next()
        .and_then(|h| h.split(" - ").next())
        .unwrap_or(title);
    let folded = text::normalise(&front_article(head.trim()));
    let mut words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    while words.len() > 1 && words.last().is_some_and(|w| number(w).is_some()) {
        words.pop();
        if words.len() > 1 && words.last().is_some_and(|w| NUMBERED.contains(w)) {
            words.pop();
        }
    }
    let stem = key(&words.join(" "));
    if stem.is_empty() || words.iter().all(|w| number(w).is_some()) {
        key(title)
    } else {
        stem
    }
}

/// The words of a title as the title index holds them ([`text::normalise`]d, article moved
/// to the front) without its leading articles: a phrase every spelling of the title contains
/// ("boot" is in both " das boot " and " boot das ").
pub fn search_phrase(title: &str) -> String {
    let folded = text::normalise(&front_article(title.trim()));
    let mut rest = folded.as_str();
    while let Some((first, tail)) = rest.split_once(' ') {
        if !(LEADING_ARTICLES.contains(&first) || ENGLISH_ARTICLES.contains(&first)) {
            break;
        }
        rest = tail;
    }
    rest.to_owned()
}

/// The main part of a title that has a subtitle or a numbered part, folded: "Léon: The
/// Professional" → "leon", "Star Wars Ep. IV: A New Hope" and "Star Wars: Episode IV - A New
/// Hope" → "star wars", "Dune: Part One" → "dune". Services name such films by either part
/// alone (Letterboxd's "Star Wars" of 1977, the catalog's "Léon"), so a matcher may compare
/// one side's [`key`] with the other's main part, never two different subtitles. `None`
/// when the whole title is its main part.
pub fn main_title(title: &str) -> Option<String> {
    let moved = front_article(title.trim());
    // A hyphen only separates with spaces around it: "Spider-Man" is one word.
    let end = [":", " - ", " – ", " — "]
        .iter()
        .filter_map(|sep| moved.find(sep))
        .min()
        .unwrap_or(moved.len());
    let head = text::normalise(&front_article(moved[..end].trim()));
    let mut words: Vec<&str> = head.split(' ').filter(|w| !w.is_empty()).collect();
    // "Star Wars Ep. IV": a numbered part before the subtitle is not the main title either.
    if let [.., marker, n] = words[..]
        && words.len() > 2
        && matches!(
            marker,
            "part" | "pt" | "vol" | "volume" | "episode" | "ep" | "chapter" | "chap" | "ch"
        )
        && number(n).is_some()
    {
        words.truncate(words.len() - 2);
    }
    let main = words.join(" ");
    (!key(&main).is_empty() && key(&main) != key(title)).then_some(main)
}

/// "Matrix, The" → "The Matrix", "Avventura, L'" → "L'Avventura"; other titles as they are.
pub fn front_article(title: &str) -> String {
    if let Some((head, article)) = title.rsplit_once(", ") {
        let folded = text::normalise(article);
        let is_article = ENGLISH_ARTICLES.contains(&folded.as_str())
            || LEADING_ARTICLES.contains(&folded.as_str());
        if is_article && !head.trim().is_empty() && article.len() <= 4 {
            // "L'" joins the word it elides.
            let gap = if article.ends_with('\'') { "" } else { " " };
            return format!("{article}{gap}{head}");
        }
    }
    title.to_owned()
}

/// The number a part's word stands for: digits, a Roman numeral to XX, or an English word to
/// twenty.
fn number(word: &str) -> Option<u32> {
    if let Ok(n) = word.parse::<u32>() {
        return Some(n);
    }
    const WORDS: [&str; 20] = [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    if let Some(i) = WORDS.iter().position(|w| *w == word) {
        return Some(i as u32 + 1);
    }
    roman(word).filter(|&n| n <= 20)
}

/// The value of a lowercase Roman numeral, or `None` when the word is not one.
fn roman(word: &str) -> Option<u32> {
    if word.is_empty() || word.len() > 8 {
        return None;
    }
    let value = |c| match c {
        'i' => Some(1),
        'v' => Some(5),
        'x' => Some(10),
        'l' => Some(50),
        'c' => Some(100),
        _ => None,
    };
    let digits: Vec<u32> = word.chars().map(value).collect::<Option<_>>()?;
    let mut total = 0;
    for (i, &d) in digits.iter().enumerate() {
        if digits.get(i + 1).is_some_and(|&next| next > d) {
            total -= d as i64;
        } else {
            total += d as i64;
        }
    }
    u32::try_from(total).ok().filter(|&n| n > 0)
}

/// Whether two release years may be the same film's; two unknown years fit, one does not.
pub fn years_fit(a: Option<i64>, b: Option<i64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= YEAR_TOLERANCE,
        (None, None) => true,
        _ => false,
    }
}

/// Whether a catalog director (one name, or several joined by commas) fits the data set's
/// directors, by family name: first names change or are spelled differently between
/// sources ("Andy Wachowski", "Lana Wachowski"). Unknown on either side fits: the director
/// only tells films apart when both sides name one.
pub fn directors_fit(catalog: Option<&str>, names: &[String]) -> bool {
    let Some(catalog) = catalog.filter(|d| !d.trim().is_empty()) else {
        return true;
    };
    if names.is_empty() {
        return true;
    }
    let known: Vec<String> = catalog.split(',').filter_map(family_name).collect();
    names
        .iter()
        .filter_map(|name| family_name(name))
        .any(|name| known.contains(&name))
}

/// Whether any year one source knows of a film fits any the other knows, within `tolerance`;
/// two films with no year at all fit.
pub fn any_years_fit(a: &[i64], b: &[i64], tolerance: i64) -> bool {
    if a.is_empty() && b.is_empty() {
        return true;
    }
    a.iter()
        .any(|x| b.iter().any(|y| (x - y).abs() <= tolerance))
}

/// Whether both sides name a director and they share a family name: a stronger sign than
/// a fitting year, which may widen the year window to [`DIRECTOR_YEAR_TOLERANCE`].
pub fn same_director(catalog: Option<&str>, names: &[String]) -> bool {
    let known = catalog.filter(|d| !d.trim().is_empty()).is_some() && !names.is_empty();
    known && directors_fit(catalog, names)
}

/// The last word of a folded name.
fn family_name(name: &str) -> Option<String> {
    text::normalise(name)
        .rsplit(' ')
        .next()
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_agree_across_the_spellings_sources_use() {
        for (a, b) in [
            ("The Matrix", "Matrix"),
            ("Matrix, The", "the matrix"),
            ("Boot, Das", "Das Boot"),
            ("Avventura, L'", "L'avventura"),
            ("Cité des enfants perdus, La", "La cité des enfants perdus"),
            ("Amélie", "AMELIE"),
            (
                "Crouching Tiger, Hidden Dragon",
                "Crouching Tiger: Hidden-Dragon",
            ),
            ("Schindler's List", "Schindlers List"),
            (
                "Star Wars Ep. IV: A New Hope",
                "Star Wars: Episode IV - A New Hope",
            ),
            (
                "Star Wars: Episode 4 - A New Hope",
                "Star Wars: Episode Four: A New Hope",
            ),
            ("Romeo & Juliet", "Romeo and Juliet"),
            ("Kill Bill: Vol. 1", "Kill Bill: Volume 1"),
            ("Kill Bill: Vol. 1", "Kill Bill - Volume I"),
            ("The Godfather: Part II", "Godfather Part 2, The"),
            ("Dune: Part Two", "Dune Part 2"),
            (
                "Harry Potter and the Deathly Hallows: Part 1",
                "Harry Potter & the Deathly Hallows - Pt. I",
            ),
            (
                "Lord of the Rings: The Return of the King",
                "The Lord of the Rings - The Return of the King",
            ),
        ] {
            assert_eq!(key(a), key(b), "{a} / {b}");
        }
        assert_eq!(key("Beetle Juice"), key("Beetlejuice"));
        assert_eq!(key("Spider-Man"), key("Spiderman"));
        assert_eq!(key("Amélie"), "amelie");
        assert_eq!(key("The"), "the");
        assert_eq!(key("Plan A"), "plana");
        assert_eq!(key("Live Free or Die Hard"), "livefreeordiehard");
        assert_eq!(key("*\"'();--"), "");
        assert_ne!(key("Dune"), key("Dune: Part Two"));
        assert_ne!(key("Alien"), key("Aliens"));
        assert_ne!(
            key("The Godfather: Part II"),
            key("The Godfather: Part III")
        );
        assert_ne!(key("Malcolm X"), key("Malcolm 10"));
    }

    #[test]
    fn a_main_title_is_what_comes_before_a_subtitle_or_a_numbered_part() {
        for (title, main) in [
            ("Léon: The Professional", Some("leon")),
            ("Star Wars Ep. IV: A New Hope", Some("star wars")),
            ("Star Wars: Episode IV - A New Hope", Some("star wars")),
            ("Dune: Part One", Some("dune")),
            ("Matrix, The: Reloaded", Some("the matrix")),
            ("Star Wars", None),
            ("Spider-Man", None),
            ("Scream 2", None),
            (": Nothing before", None),
        ] {
            assert_eq!(main_title(title).as_deref(), main, "{title}");
        }
    }

    #[test]
    fn roman_numerals_read_as_numbers() {
        assert_eq!(roman("iv"), Some(4));
        assert_eq!(roman("xix"), Some(19));
        assert_eq!(roman("mix"), None);
        assert_eq!(number("twelve"), Some(12));
        assert_eq!(number("hope"), None);
    }

    #[test]
    fn any_year_of_either_side_may_fit() {
        assert!(any_years_fit(&[1987, 1997], &[1998], 1));
        assert!(!any_years_fit(&[2001], &[1988], 1));
        assert!(any_years_fit(&[2001], &[1988], DIRECTOR_YEAR_TOLERANCE));
        assert!(any_years_fit(&[], &[], 1));
        assert!(!any_years_fit(&[1999], &[], 1));
        assert!(same_director(
            Some("Katsuhiro Otomo"),
            &["Katsuhiro Ôtomo".to_owned()]
        ));
        assert!(!same_director(None, &["Katsuhiro Otomo".to_owned()]));
    }

    proptest::proptest! {
        /// Case, accents and punctuation between words never change a key.
        #[test]
        fn keys_ignore_case_accents_and_punctuation(words in proptest::collection::vec("[a-z]{1,8}", 1..6), sep in "[ :,.!?-]{1,2}") {
            let plain = words.join(" ");
            let noisy = words.iter().map(|w| w.to_uppercase()).collect::<Vec<_>>().join(&sep.replace(", ", " ; "));
            proptest::prop_assert_eq!(key(&plain), key(&noisy));
        }

        /// An English article moved behind the title after a comma gives the same key.
        #[test]
        fn a_trailing_article_is_the_leading_one(words in proptest::collection::vec("[b-z]{2,8}", 1..5), article in "(The|A|An|Les|Das|La|Il)") {
            let title = words.join(" ");
            proptest::prop_assert_eq!(key(&format!("{article} {title}")), key(&format!("{title}, {article}")));
        }

        /// A part's number may be written in digits, Roman numerals or words.
        #[test]
        fn a_part_is_one_number_however_written(words in proptest::collection::vec("[b-z]{3,8}", 1..4), n in 1u32..=20, marker in "(Part|Vol\\.|Volume|Episode|Chapter)") {
            const ROMAN: [&str; 20] = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX"];
            let title = words.join(" ");
            let digits = key(&format!("{title}: {marker} {n}"));
            proptest::prop_assert_eq!(&digits, &key(&format!("{title} - {marker} {}", ROMAN[n as usize - 1])));
        }

        /// A key is its own key: keys can be stored and compared again.
        #[test]
        fn a_key_is_stable(title in "[A-Za-zé&' ,:.-]{0,40}") {
            let once = key(&title);
            proptest::prop_assert_eq!(key(&once), once.clone());
        }
    }

    #[test]
    fn years_fit_within_one() {
        assert!(years_fit(Some(2001), Some(2002)));
        assert!(years_fit(Some(2001), Some(2001)));
        assert!(!years_fit(Some(2001), Some(2003)));
        assert!(years_fit(None, None));
        assert!(!years_fit(Some(2001), None));
    }

    #[test]
    fn directors_tell_films_apart_only_when_both_sides_know_them() {
        let lynch = ["David Lynch".to_owned()];
        assert!(directors_fit(Some("David Lynch"), &lynch));
        assert!(directors_fit(Some("david  lynch"), &lynch));
        assert!(!directors_fit(Some("Denis Villeneuve"), &lynch));
        assert!(directors_fit(None, &lynch));
        assert!(directors_fit(Some("Denis Villeneuve"), &[]));
        let coens = ["Ethan Coen".to_owned(), "Joel Coen".to_owned()];
        assert!(directors_fit(Some("Joel Coen, Ethan Coen"), &coens));
        assert!(directors_fit(Some("Joel Coen"), &coens));
        let wachowskis = ["Lana Wachowski".to_owned(), "Lilly Wachowski".to_owned()];
        assert!(directors_fit(Some("Andy Wachowski"), &wachowskis));
    }

    #[test]
    fn a_series_is_the_title_before_its_subtitle_and_part_number() {
        for (a, b) in [
            ("Toy Story", "Toy Story 2"),
            ("Toy Story", "Toy Story 3"),
            ("Rocky", "Rocky II"),
            (
                "Star Wars",
                "Star Wars: Episode V - The Empire Strikes Back",
            ),
            ("Ocean's Eleven", "Ocean's Twelve"),
            ("Matrix, The", "The Matrix Reloaded"),
            ("Kill Bill: Vol. 1", "Kill Bill: Vol. 2"),
        ] {
            if a.starts_with("Matrix") {
                // A subtitle without a colon is a different title.
                assert_ne!(series(a), series(b), "{a} / {b}");
            } else {
                assert_eq!(series(a), series(b), "{a} / {b}");
            }
        }
        assert_ne!(series("Alien"), series("Heat"));
        assert_ne!(series("2001: A Space Odyssey"), series("2010"));
        assert_eq!(
            series("2001: A Space Odyssey"),
            key("2001: A Space Odyssey")
        );
        assert_eq!(series("Se7en"), key("Se7en"));
    }
}
