//! Facts about film titles that every layer shares: how far apart two sources' years may be
//! for the same film, and which words are articles. The rule built on them (the title key)
//! is `importers::titles`.

/// How far apart two release years may be for the same film: data sets disagree by one
/// around New Year and between festival and theatrical releases.
pub const YEAR_TOLERANCE: i64 = 1;

/// How far apart the years may be when both sides name the same director: the embedded
/// catalog sometimes gives a US release years after the original one (Akra 1988 / 2001).
pub const DIRECTOR_YEAR_TOLERANCE: i64 = 15;

/// English articles, left out wherever they stand: sources write, drop or move them as they
/// please ("Matrix, The", "Lord of the Rings", "Star Wars: Episode IV - A New Hope"). The one
/// list of them: search ranking and the library order of titles read it too.
pub const ENGLISH_ARTICLES: [&str; 3] = ["the", "a", "an"];

/// Articles of the other common languages, left out at the start of a title (after a
/// trailing ", Das" is moved there): "Das Boot" and "Boot, Das" share a key, while "Die" in
/// "Live Free or Die Hard" stays.
pub const LEADING_ARTICLES: [&str; 27] = [
    "le", "la", "les", "l", "il", "lo", "gli", "i", "el", "los", "las", "der", "die", "das", "den",
    "det", "de", "het", "een", "un", "une", "una", "ein", "eine", "o", "os", "as",
];
