//! IMDb's non-commercial data sets: tab-separated, UTF-8, first line a header, `\N` for null,
//! usually gzip-compressed (detected by the bytes, not the name).
//!
//! The files are not CSV: a title may contain `"` and nothing is quoted, so lines are split on
//! tabs and nothing else.
//!
//! ```no_run
//! use movierec::importers::datasets::imdb::{ImdbReader, TitleBasics};
//! # fn main() -> Result<(), movierec::importers::ParseError> {
//! for title in ImdbReader::<TitleBasics>::open("title.basics.tsv.gz".as_ref())? {
//!     let title = title?;
//!     if title.is_feature_film() {
//!         println!("{} {}", title.tconst, title.primary_title);
//!     }
//! }
//! # Ok(())
//! # }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::marker::PhantomData;
use std::path::Path;

use crate::domain::ImdbId;
use crate::importers::{
    Lines, ParseError, display_name, limits, maybe_gunzip, open_maybe_gzip, quoted,
};

/// IMDb's `titleType`. The ones the app tells apart are variants; any other is kept by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TitleType {
    Movie,
    Short,
    TvMovie,
    TvSeries,
    TvEpisode,
    TvMiniSeries,
    TvSpecial,
    TvShort,
    TvPilot,
    Video,
    VideoGame,
    Other(String),
}

impl TitleType {
    fn parse(text: &str) -> Self {
        match text {
            "movie" => Self::Movie,
            "short" => Self::Short,
            "tvMovie" => Self::TvMovie,
            "tvSeries" => Self::TvSeries,
            "tvEpisode" => Self::TvEpisode,
            "tvMiniSeries" => Self::TvMiniSeries,
            "tvSpecial" => Self::TvSpecial,
            "tvShort" => Self::TvShort,
            "tvPilot" => Self::TvPilot,
            "video" => Self::Video,
            "videoGame" => Self::VideoGame,
            other => Self::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Movie => "movie",
            Self::Short => "short",
            Self::TvMovie => "tvMovie",
            Self::TvSeries => "tvSeries",
            Self::TvEpisode => "tvEpisode",
            Self::TvMiniSeries => "tvMiniSeries",
            Self::TvSpecial => "tvSpecial",
            Self::TvShort => "tvShort",
            Self::TvPilot => "tvPilot",
            Self::Video => "video",
            Self::VideoGame => "videoGame",
            Self::Other(name) => name,
        }
    }
}

impl fmt::Display for TitleType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An IMDb person id such as `nm0000229`, held as its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NameId(u32);

impl NameId {
    pub fn parse(input: &str) -> Result<Self, String> {
        input
            .strip_prefix("nm")
            .filter(|d| !d.is_empty() && d.len() <= 10 && d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse::<u32>().ok())
            .filter(|n| *n > 0)
            .map(Self)
            .ok_or_else(|| format!("{} is not an IMDb name id", quoted(input)))
    }

    pub fn number(self) -> u32 {
        self.0
    }
}

impl fmt::Display for NameId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "nm{:07}", self.0)
    }
}

/// A row of `title.basics`.
#[derive(Debug, Clone, PartialEq)]
pub struct TitleBasics {
    pub tconst: ImdbId,
    pub title_type: TitleType,
    pub primary_title: String,
    pub original_title: String,
    pub is_adult: bool,
    pub start_year: Option<u16>,
    pub end_year: Option<u16>,
    pub runtime_minutes: Option<u32>,
    pub genres: Vec<String>,
}

impl TitleBasics {
    /// A feature film as the catalog means it: `titleType` movie and not adult.
    pub fn is_feature_film(&self) -> bool {
        self.title_type == TitleType::Movie && !self.is_adult
    }
}

/// A row of `title.ratings`: IMDb's users' weighted average (1–10) and their number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TitleRating {
    pub tconst: ImdbId,
    pub average_rating: f32,
    pub num_votes: u32,
}

/// A row of `title.crew`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TitleCrew {
    pub tconst: ImdbId,
    pub directors: Vec<NameId>,
    pub writers: Vec<NameId>,
}

/// A row of `name.basics`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameBasics {
    pub nconst: NameId,
    pub primary_name: String,
    pub birth_year: Option<u16>,
    pub death_year: Option<u16>,
    pub primary_profession: Vec<String>,
    pub known_for_titles: Vec<ImdbId>,
}

/// One of IMDb's files: its usual name, header, and how a row becomes a record.
pub trait ImdbRecord: Sized {
    /// The file's name as IMDb publishes it, without `.gz`.
    const FILE: &'static str;
    /// The columns of the header line, in order.
    const COLUMNS: &'static [&'static str];
    /// Parses the tab-separated fields of one line (exactly `COLUMNS.len()` of them).
    fn from_fields(fields: &[&str]) -> Result<Self, String>;
}

impl ImdbRecord for TitleBasics {
    const FILE: &'static str = "title.basics.tsv";
    const COLUMNS: &'static [&'static str] = &[
        "tconst",
        "titleType",
        "primaryTitle",
        "originalTitle",
        "isAdult",
        "startYear",
        "endYear",
        "runtimeMinutes",
        "genres",
    ];

    fn from_fields(f: &[&str]) -> Result<Self, String> {
        let title_type = TitleType::parse(required("titleType", f[1])?);
        // Only films reach the catalog: an episode's or a game's long title (the line itself
        // is bounded) must not refuse the whole dump.
        let is_film = title_type == TitleType::Movie;
        let title = |column: &str, field: &str| {
            required(column, field)
                .and_then(|t| {
                    if is_film {
                        limits::title(column, t)
                    } else {
                        Ok(t)
                    }
                })
                .map(str::to_owned)
        };
        let year = |column: &str, field: &str| {
            optional_number(column, field)?
                .map(|y| limits::year(column, y))
                .transpose()
        };
        let genres: Vec<&str> = list(f[8]).collect();
        limits::genres("genres", &genres)?;
        Ok(Self {
            tconst: title_id("tconst", f[0])?,
            title_type,
            primary_title: title("primaryTitle", f[2])?,
            original_title: title("originalTitle", f[3])?,
            is_adult: match f[4] {
                "0" => false,
                "1" => true,
                other => return Err(format!("isAdult: {} is not 0 or 1", quoted(other))),
            },
            start_year: year("startYear", f[5])?,
            end_year: year("endYear", f[6])?,
            runtime_minutes: optional_number("runtimeMinutes", f[7])?
                .map(|m| limits::runtime("runtimeMinutes", m))
                .transpose()?,
            genres: genres.into_iter().map(str::to_owned).collect(),
        })
    }
}

impl ImdbRecord for TitleRating {
    const FILE: &'static str = "title.ratings.tsv";
    const COLUMNS: &'static [&'static str] = &["tconst", "averageRating", "numVotes"];

    fn from_fields(f: &[&str]) -> Result<Self, String> {
        let average_rating: f32 = f[1]
            .parse()
            .ok()
            .filter(|r| (1.0..=10.0).contains(r))
            .ok_or_else(|| format!("averageRating: {} is not from 1 to 10", quoted(f[1])))?;
        Ok(Self {
            tconst: title_id("tconst", f[0])?,
            average_rating,
            num_votes: number("numVotes", f[2])?,
        })
    }
}

impl ImdbRecord for TitleCrew {
    const FILE: &'static str = "title.crew.tsv";
    const COLUMNS: &'static [&'static str] = &["tconst", "directors", "writers"];

    fn from_fields(f: &[&str]) -> Result<Self, String> {
        Ok(Self {
            tconst: title_id("tconst", f[0])?,
            directors: name_ids("directors", f[1])?,
            writers: name_ids("writers", f[2])?,
        })
    }
}

impl ImdbRecord for NameBasics {
    const FILE: &'static str = "name.basics.tsv";
    const COLUMNS: &'static [&'static str] = &[
        "nconst",
        "primaryName",
        "birthYear",
        "deathYear",
        "primaryProfession",
        "knownForTitles",
    ];

    fn from_fields(f: &[&str]) -> Result<Self, String> {
        Ok(Self {
            nconst: NameId::parse(f[0]).map_err(|e| format!("nconst: {e}"))?,
            // A handful of real rows have no name; keep them rather than refuse the dump.
            primary_name: limits::title("primaryName", nullable(f[1]).unwrap_or_default())?
                .to_owned(),
            birth_year: optional_number("birthYear", f[2])?,
            death_year: optional_number("deathYear", f[3])?,
            primary_profession: list(f[4]).map(str::to_owned).collect(),
            known_for_titles: list(f[5])
                .map(|id| title_id("knownForTitles", id))
                .collect::<Result<_, _>>()?,
        })
    }
}

const NULL: &str = "\\N";

fn nullable(field: &str) -> Option<&str> {
    (field != NULL).then_some(field)
}

fn required<'a>(column: &str, field: &'a str) -> Result<&'a str, String> {
    nullable(field)
        .filter(|f| !f.is_empty())
        .ok_or_else(|| format!("{column} is empty"))
}

fn number<T: std::str::FromStr>(column: &str, field: &str) -> Result<T, String> {
    // `parse` alone would take a leading '+'.
    if field.is_empty() || !field.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{column}: {} is not a number", quoted(field)));
    }
    field
        .parse()
        .map_err(|_| format!("{column}: {} is out of range", quoted(field)))
}

fn optional_number<T: std::str::FromStr>(column: &str, field: &str) -> Result<Option<T>, String> {
    nullable(field).map(|f| number(column, f)).transpose()
}

fn title_id(column: &str, field: &str) -> Result<ImdbId, String> {
    if !field.starts_with("tt") {
        return Err(format!(
            "{column}: {} is not an IMDb title id",
            quoted(field)
        ));
    }
    ImdbId::parse(field).map_err(|e| format!("{column}: {e}"))
}

/// A comma-separated list, empty for `\N`.
fn list(field: &str) -> impl Iterator<Item = &str> {
    nullable(field)
        .into_iter()
        .flat_map(|f| f.split(','))
        .filter(|item| !item.is_empty())
}

fn name_ids(column: &str, field: &str) -> Result<Vec<NameId>, String> {
    list(field)
        .map(|id| NameId::parse(id).map_err(|e| format!("{column}: {e}")))
        .collect()
}

/// Streams the records of one IMDb file, checking its header first.
pub struct ImdbReader<T> {
    lines: Lines,
    record: PhantomData<fn() -> T>,
    failed: bool,
}

impl<T: ImdbRecord> ImdbReader<T> {
    /// Opens a file, plain or gzip; errors name it by its file name.
    pub fn open(path: &Path) -> Result<Self, ParseError> {
        let name = display_name(path);
        let input = open_maybe_gzip(path, &name)?;
        Self::start(Lines::new(input, name))
    }

    /// Reads from any stream, plain or gzip; `file` names it in errors.
    pub fn from_reader<R: Read + Send + 'static>(
        reader: R,
        file: &str,
    ) -> Result<Self, ParseError> {
        let input = maybe_gunzip(reader).map_err(|e| ParseError::io(file, Some(1), e))?;
        Self::start(Lines::new(input, file))
    }

    fn start(mut lines: Lines) -> Result<Self, ParseError> {
        let expected = T::COLUMNS.join("\t");
        match lines.next_line() {
            Some(Ok((1, header))) if header == expected.as_bytes() => {}
            Some(Err(e)) => return Err(e),
            _ => {
                return Err(lines.malformed(
                    1,
                    format!(
                        "the first line must be the header of {}: {}",
                        T::FILE,
                        T::COLUMNS.join(" ")
                    ),
                ));
            }
        }
        Ok(Self {
            lines,
            record: PhantomData,
            failed: false,
        })
    }

    fn parse_next(&mut self) -> Option<Result<T, ParseError>> {
        let (number, bytes) = match self.lines.next_line()? {
            Ok(line) => line,
            Err(e) => return Some(Err(e)),
        };
        let Ok(text) = std::str::from_utf8(bytes) else {
            return Some(Err(self.lines.malformed(number, "not valid UTF-8")));
        };
        let mut fields = [""; 9];
        let mut count = 0;
        for field in text.split('\t') {
            if count < fields.len() {
                fields[count] = field;
            }
            count += 1;
        }
        if count != T::COLUMNS.len() {
            return Some(Err(self.lines.malformed(
                number,
                format!(
                    "{count} tab-separated fields where {} has {}",
                    T::FILE,
                    T::COLUMNS.len()
                ),
            )));
        }
        Some(
            T::from_fields(&fields[..count])
                .map_err(|message| self.lines.malformed(number, message)),
        )
    }
}

impl<T: ImdbRecord> Iterator for ImdbReader<T> {
    type Item = Result<T, ParseError>;

    /// After an error the reader stops: a broken dump is refused, not skipped over.
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let item = self.parse_next();
        self.failed = matches!(item, Some(Err(_)));
        item
    }
}

/// Reads `title.ratings` into a map, keeping only titles with at least `min_votes` votes
/// (about 1.5 million rows in the full dump, a few tens of megabytes in memory).
pub fn ratings_by_title(
    ratings: impl Iterator<Item = Result<TitleRating, ParseError>>,
    min_votes: u32,
) -> Result<HashMap<ImdbId, TitleRating>, ParseError> {
    let mut map = HashMap::new();
    for rating in ratings {
        let rating = rating?;
        if rating.num_votes >= min_votes {
            map.insert(rating.tconst, rating);
        }
    }
    Ok(map)
}

/// The feature films of a `title.basics` stream that have a rating in `ratings` (see
/// [`ratings_by_title`]), with that rating. Errors pass through.
pub fn feature_films<'a>(
    basics: impl Iterator<Item = Result<TitleBasics, ParseError>> + 'a,
    ratings: &'a HashMap<ImdbId, TitleRating>,
) -> impl Iterator<Item = Result<(TitleBasics, TitleRating), ParseError>> + 'a {
    basics.filter_map(move |title| match title {
        Ok(title) if title.is_feature_film() => ratings.get(&title.tconst).map(|r| Ok((title, *r))),
        Ok(_) => None,
        Err(e) => Some(Err(e)),
    })
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use proptest::prelude::*;

    use super::*;
    use crate::importers::test_support::gzip;

    const BASICS: &str = "tconst\ttitleType\tprimaryTitle\toriginalTitle\tisAdult\tstartYear\tendYear\truntimeMinutes\tgenres
tt0000001\tshort\tCarmencita\tCarmencita\t0\t1894\t\\N\t1\tDocumentary,Short
tt0114709\tmovie\tToy Story\tToy Story\t0\t1995\t\\N\t81\tAdventure,Animation,Comedy
tt0062622\tmovie\t2001: A Space Odyssey\t2001: A Space Odyssey\t0\t1968\t\\N\t149\tAdventure,Sci-Fi
tt0111161\tmovie\tThe \"Shawshank\" Redemption\t\"Shawshank\"\t0\t1994\t\\N\t142\tDrama
tt0903747\ttvSeries\tBreaking Bad\tBreaking Bad\t0\t2008\t2013\t49\tCrime,Drama,Thriller
tt9999998\tmovie\tAdult Film\tAdult Film\t1\t2001\t\\N\t\\N\t\\N
tt15239678\tmovie\tDune: Part Two\tDune: Part Two\t0\t2024\t\\N\t166\tAction,Adventure,Drama
tt0000502\tmovie\tBohemios\tBohemios\t0\t1905\t\\N\t100\t\\N
";

    const RATINGS: &str = "tconst\taverageRating\tnumVotes
tt0000001\t5.7\t2071
tt0114709\t8.3\t1100000
tt0062622\t8.3\t750000
tt0111161\t9.3\t3000000
tt9999998\t6.0\t5000
tt15239678\t8.5\t600000
tt0000502\t4.4\t18
";

    const CREW: &str = "tconst\tdirectors\twriters
tt0000001\tnm0005690\t\\N
tt0114709\tnm0005124\tnm0005124,nm0230032,nm0004056
tt0062622\tnm0000040\tnm0000040,nm0002009
";

    const NAMES: &str =
        "nconst\tprimaryName\tbirthYear\tdeathYear\tprimaryProfession\tknownForTitles
nm0000040\tStanley Kubrick\t1928\t1999\tdirector,writer,producer\ttt0062622,tt0066921
nm0005124\tJohn Lasseter\t1957\t\\N\tproducer,writer,director\ttt0114709
nm0000001\tFred Astaire\t1899\t1987\t\\N\t\\N
";

    fn read<T: ImdbRecord>(text: &str) -> Result<Vec<T>, ParseError> {
        ImdbReader::<T>::from_reader(Cursor::new(text.as_bytes().to_vec()), T::FILE)?.collect()
    }

    #[test]
    fn reads_title_basics_with_nulls_and_quotes() {
        let rows: Vec<TitleBasics> = read(BASICS).unwrap();
        assert_eq!(rows.len(), 8);
        let toy = &rows[1];
        assert_eq!(toy.tconst.to_string(), "tt0114709");
        assert_eq!(toy.title_type, TitleType::Movie);
        assert_eq!(toy.primary_title, "Toy Story");
        assert_eq!(toy.start_year, Some(1995));
        assert_eq!(toy.end_year, None);
        assert_eq!(toy.runtime_minutes, Some(81));
        assert_eq!(toy.genres, ["Adventure", "Animation", "Comedy"]);
        // Quotes are text, not CSV quoting.
        assert_eq!(rows[3].primary_title, "The \"Shawshank\" Redemption");
        assert_eq!(rows[3].original_title, "\"Shawshank\"");
        assert_eq!(rows[4].title_type, TitleType::TvSeries);
        assert_eq!(rows[4].end_year, Some(2013));
        assert!(rows[5].is_adult);
        assert_eq!(rows[5].runtime_minutes, None);
        assert!(rows[5].genres.is_empty());
        assert_eq!(rows[6].tconst.to_string(), "tt15239678");
    }

    #[test]
    fn gzip_and_plain_give_the_same_records() {
        let plain: Vec<TitleBasics> = read(BASICS).unwrap();
        let zipped: Vec<TitleBasics> =
            ImdbReader::from_reader(Cursor::new(gzip(BASICS.as_bytes())), "title.basics.tsv.gz")
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
        assert_eq!(plain, zipped);
    }

    #[test]
    fn opens_files_by_path_whatever_their_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("basics.dump");
        std::fs::write(&path, gzip(BASICS.as_bytes())).unwrap();
        let count = ImdbReader::<TitleBasics>::open(&path).unwrap().count();
        assert_eq!(count, 8);
        let missing = ImdbReader::<TitleBasics>::open(&dir.path().join("nope.tsv.gz"));
        let err = missing.err().unwrap();
        assert!(matches!(err, ParseError::Io { .. }));
        assert_eq!(err.file(), "nope.tsv.gz");
    }

    #[test]
    fn reads_ratings_crew_and_names() {
        let ratings: Vec<TitleRating> = read(RATINGS).unwrap();
        assert_eq!(ratings.len(), 7);
        assert_eq!(ratings[1].average_rating, 8.3);
        assert_eq!(ratings[1].num_votes, 1_100_000);

        let crew: Vec<TitleCrew> = read(CREW).unwrap();
        assert_eq!(crew[0].writers, []);
        assert_eq!(crew[1].directors.len(), 1);
        assert_eq!(crew[1].directors[0].to_string(), "nm0005124");
        assert_eq!(crew[1].writers.len(), 3);

        let names: Vec<NameBasics> = read(NAMES).unwrap();
        assert_eq!(names[0].primary_name, "Stanley Kubrick");
        assert_eq!(names[0].death_year, Some(1999));
        assert_eq!(names[0].known_for_titles.len(), 2);
        assert_eq!(names[1].death_year, None);
        assert!(names[2].primary_profession.is_empty());
        assert!(names[2].known_for_titles.is_empty());
    }

    #[test]
    fn feature_films_with_enough_votes() {
        let ratings = ratings_by_title(
            read::<TitleRating>(RATINGS).unwrap().into_iter().map(Ok),
            1000,
        )
        .unwrap();
        let basics = read::<TitleBasics>(BASICS).unwrap().into_iter().map(Ok);
        let kept: Vec<String> = feature_films(basics, &ratings)
            .map(|r| r.unwrap().0.primary_title)
            .collect();
        // Not the short, the series, the adult film, nor the film with 18 votes.
        assert_eq!(
            kept,
            [
                "Toy Story",
                "2001: A Space Odyssey",
                "The \"Shawshank\" Redemption",
                "Dune: Part Two"
            ]
        );
    }

    #[test]
    fn a_bad_field_names_file_line_and_column() {
        let text = BASICS.replace("\t81\t", "\tabc\t");
        let err = read::<TitleBasics>(&text).unwrap_err();
        assert_eq!(
            err.to_string(),
            "title.basics.tsv:3: runtimeMinutes: 'abc' is not a number"
        );
        assert_eq!(err.line(), Some(3));
    }

    #[test]
    fn stops_at_the_first_error() {
        let text = format!("{RATINGS}tt0000003\tten\t5\ntt0000004\t5.0\t7\n");
        let results: Vec<_> =
            ImdbReader::<TitleRating>::from_reader(Cursor::new(text.into_bytes()), "r")
                .unwrap()
                .collect();
        assert_eq!(results.len(), 8);
        assert_eq!(results[7].as_ref().unwrap_err().line(), Some(9));
    }

    #[test]
    fn refuses_wrong_headers_and_field_counts() {
        let err = read::<TitleRating>(BASICS).unwrap_err();
        assert_eq!(err.line(), Some(1));
        let err =
            read::<TitleRating>("tconst\taverageRating\tnumVotes\ntt0000001\t5.0\n").unwrap_err();
        assert_eq!(err.line(), Some(2));
        assert!(err.to_string().contains("2 tab-separated fields"), "{err}");
        let err =
            read::<TitleCrew>("tconst\tdirectors\twriters\ntt0000001\tnm12,x\t\\N\n").unwrap_err();
        assert!(err.to_string().contains("directors: 'x'"), "{err}");
        let err = read::<TitleBasics>("").unwrap_err();
        assert_eq!(err.line(), Some(1));
    }

    #[test]
    fn refuses_bad_values() {
        for (line, column) in [
            ("tt1\tmovie\tA\tA\t2\t2000\t\\N\t90\tDrama", "isAdult"),
            ("tt1\tmovie\tA\tA\t0\t+2000\t\\N\t90\tDrama", "startYear"),
            ("tt1\tmovie\tA\tA\t0\t99999\t\\N\t90\tDrama", "startYear"),
            ("nm1\tmovie\tA\tA\t0\t2000\t\\N\t90\tDrama", "tconst"),
            (
                "tt1\tmovie\t\\N\tA\t0\t2000\t\\N\t90\tDrama",
                "primaryTitle",
            ),
        ] {
            let text = format!("{}\n{line}\n", TitleBasics::COLUMNS.join("\t"));
            let err = read::<TitleBasics>(&text).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with(&format!("title.basics.tsv:2: {column}")),
                "{err}"
            );
        }
        for bad in ["0.5", "10.5", "NaN", "x"] {
            let text = format!("tconst\taverageRating\tnumVotes\ntt1\t{bad}\t3\n");
            assert!(read::<TitleRating>(&text).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_long_title_of_a_row_that_is_no_film_does_not_refuse_the_dump() {
        let long = "x".repeat(2_000);
        let text = format!(
            "{}\ntt2\ttvEpisode\t{long}\t{long}\t0\t2000\t\\N\t20\tDrama\n",
            TitleBasics::COLUMNS.join("\t")
        );
        let rows = read::<TitleBasics>(&text).unwrap();
        assert_eq!(rows[0].title_type, TitleType::TvEpisode);
        assert!(!rows[0].is_feature_film());
    }

    #[test]
    fn refuses_values_past_the_catalog_s_bounds() {
        let long = "x".repeat(501);
        let many = vec!["Drama"; 31].join(",");
        for (line, message) in [
            (
                format!("tt1\tmovie\t{long}\tA\t0\t2000\t\\N\t90\tDrama"),
                "primaryTitle: longer than 500 characters (501 bytes)",
            ),
            (
                format!("tt1\tmovie\tA\t{long}\t0\t2000\t\\N\t90\tDrama"),
                "originalTitle: longer than 500 characters (501 bytes)",
            ),
            (
                "tt1\tmovie\tA\tA\t0\t1200\t\\N\t90\tDrama".to_owned(),
                "startYear: 1200 is not a year from 1870 to 2200",
            ),
            (
                "tt1\tmovie\tA\tA\t0\t2000\t9000\t90\tDrama".to_owned(),
                "endYear: 9000 is not a year from 1870 to 2200",
            ),
            (
                "tt1\tmovie\tA\tA\t0\t2000\t\\N\t4000000000\tDrama".to_owned(),
                "runtimeMinutes: 4000000000 minutes is more than 144000",
            ),
            (
                "tt1\tmovie\tA\tA\t0\t2000\t\\N\t-90\tDrama".to_owned(),
                "runtimeMinutes: '-90' is not a number",
            ),
            (
                format!("tt1\tmovie\tA\tA\t0\t2000\t\\N\t90\t{many}"),
                "genres: 31 genres, more than 30",
            ),
        ] {
            let text = format!("{}\n{line}\n", TitleBasics::COLUMNS.join("\t"));
            let err = read::<TitleBasics>(&text).unwrap_err();
            assert_eq!(err.to_string(), format!("title.basics.tsv:2: {message}"));
        }
        let text = "tconst\taverageRating\tnumVotes\ntt1\t5.0\t-3\n";
        assert_eq!(
            read::<TitleRating>(text).unwrap_err().to_string(),
            "title.ratings.tsv:2: numVotes: '-3' is not a number"
        );
        let text = format!(
            "{}\nnm1\t{long}\t\\N\t\\N\t\\N\t\\N\n",
            NameBasics::COLUMNS.join("\t")
        );
        assert!(
            read::<NameBasics>(&text)
                .unwrap_err()
                .to_string()
                .starts_with("name.basics.tsv:2: primaryName: longer than 500")
        );
    }

    #[test]
    fn a_line_past_the_cap_is_refused_before_it_is_read_whole() {
        let mut text = format!("{}\ntt1\tmovie\t", TitleBasics::COLUMNS.join("\t"));
        text.push_str(&"x".repeat(5 << 20));
        text.push_str("\tA\t0\t2000\t\\N\t90\tDrama\n");
        let zipped = gzip(text.as_bytes());
        let err = read_bytes::<TitleBasics>(zipped).unwrap_err();
        assert_eq!(
            err.to_string(),
            "title.basics.tsv:2: the line is longer than 1048576 bytes"
        );
    }

    fn read_bytes<T: ImdbRecord>(bytes: Vec<u8>) -> Result<Vec<T>, ParseError> {
        ImdbReader::<T>::from_reader(Cursor::new(bytes), T::FILE)?.collect()
    }

    fn check_errors<T: ImdbRecord>(bytes: Vec<u8>) -> Result<(), TestCaseError> {
        let lines = bytes.split(|b| *b == b'\n').count() as u64;
        let results: Vec<Result<T, ParseError>> =
            match ImdbReader::<T>::from_reader(Cursor::new(bytes), "dump.tsv") {
                Ok(reader) => reader.collect(),
                Err(e) => vec![Err(e)],
            };
        for err in results.iter().filter_map(|r| r.as_ref().err()) {
            prop_assert_eq!(err.file(), "dump.tsv");
            let line = err.line().unwrap_or(0);
            prop_assert!((1..=lines.max(1)).contains(&line), "{} of {}", line, lines);
        }
        Ok(())
    }

    /// Lines made of plausible fields, so parsing gets past the header and the field count.
    fn tsv_lines(columns: usize) -> impl Strategy<Value = Vec<u8>> {
        let field = prop_oneof![
            Just("\\N".to_owned()),
            "tt[0-9]{1,9}",
            "nm[0-9]{1,9}(,nm[0-9]{0,3})?",
            "[0-9]{0,6}(\\.[0-9])?",
            "[a-zA-Z\" ,]{0,12}",
            any::<String>(),
        ];
        proptest::collection::vec(
            proptest::collection::vec(field, columns - 1..=columns + 1),
            0..8,
        )
        .prop_map(|rows| {
            rows.iter()
                .map(|r| r.join("\t"))
                .collect::<Vec<_>>()
                .join("\n")
                .into_bytes()
        })
    }

    fn with_header<T: ImdbRecord>(body: Vec<u8>) -> Vec<u8> {
        let mut bytes = T::COLUMNS.join("\t").into_bytes();
        bytes.push(b'\n');
        bytes.extend(body);
        bytes
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            check_errors::<TitleBasics>(bytes.clone())?;
            check_errors::<TitleRating>(bytes.clone())?;
            check_errors::<TitleCrew>(bytes.clone())?;
            check_errors::<NameBasics>(gzip(&bytes))?;
            check_errors::<NameBasics>(bytes)?;
        }

        #[test]
        fn arbitrary_rows_never_panic(
            basics in tsv_lines(9), ratings in tsv_lines(3), crew in tsv_lines(3), names in tsv_lines(6),
        ) {
            check_errors::<TitleBasics>(with_header::<TitleBasics>(basics))?;
            check_errors::<TitleRating>(with_header::<TitleRating>(ratings))?;
            check_errors::<TitleCrew>(with_header::<TitleCrew>(crew))?;
            check_errors::<NameBasics>(with_header::<NameBasics>(names))?;
        }
    }
}
