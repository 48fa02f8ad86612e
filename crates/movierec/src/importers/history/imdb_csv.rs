//! IMDb's CSV exports of a viewer's own data.
//!
//! - "Your ratings": `Const,Your Rating,Date Rated,Title,Original Title,URL,Title Type,
//!   IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors`; older exports
//!   lack `Original Title` and write `Title Type` in lower case (`movie`, `tvSeries`).
//!   Ratings are 1–10, read as half stars.
//! - A list or the watchlist: `Position,Const,Created,Modified,Description,Title,
//!   Original Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,
//!   Release Date,Directors,Your Rating,Date Rated`; its films go to the watchlist.
//!
//! Columns are found by name, so either order and either version reads. Series, episodes,
//! games and podcasts are skipped.

use super::record::{
    Entry, Format, FormatReader, HistoryRecord, Row, Sink, csv_rows, imdb_id, no_zip_entries,
    parse_iso, parse_year, stars_of_ten,
};
use crate::importers::ParseError;

/// "Your ratings".
pub(crate) const RATINGS: FormatReader = FormatReader {
    format: Format::new("imdb_ratings", "IMDb ratings"),
    described: "an IMDb ratings export (CSV)",
    detect: |probe| probe.has("Const") && probe.has("Your Rating") && !probe.has("Position"),
    read: |file, text, sink| read(file, text, Kind::Ratings, sink),
    zip_entries: no_zip_entries,
};

/// A list or the watchlist.
pub(crate) const LIST: FormatReader = FormatReader {
    format: Format::new("imdb_list", "IMDb list"),
    described: "an IMDb list or watchlist export (CSV)",
    detect: |probe| probe.has("Const") && probe.has("Position"),
    read: |file, text, sink| read(file, text, Kind::List, sink),
    zip_entries: no_zip_entries,
};

/// Which IMDb export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Ratings,
    List,
}

/// Title types that are films, in both spellings IMDb has used ("tvMovie", "TV Movie").
fn is_film(title_type: Option<&str>) -> bool {
    let Some(kind) = title_type else {
        return true;
    };
    let folded: String = kind
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    matches!(
        folded.as_str(),
        "movie" | "tvmovie" | "video" | "short" | "tvshort" | "tvspecial" | "film"
    )
}

pub(crate) fn read(
    file: &str,
    bytes: &[u8],
    kind: Kind,
    sink: &mut Sink,
) -> Result<(), ParseError> {
    let required: &[&str] = match kind {
        Kind::Ratings => &["Const", "Your Rating", "Title"],
        Kind::List => &["Const", "Title"],
    };
    csv_rows(file, bytes, required, |row| {
        sink.row()?;
        if !is_film(row.get("Title Type")) {
            sink.skip();
            return Ok(());
        }
        sink.push(record(file, row, kind)?)
    })
}

fn record(file: &str, row: &Row<'_>, kind: Kind) -> Result<HistoryRecord, String> {
    let imdb = imdb_id("Const", row.required("Const")?)?;
    let (entry, date) = match kind {
        Kind::Ratings => (
            Entry::Rated(stars_of_ten("Your Rating", row.required("Your Rating")?)?),
            row.get("Date Rated")
                .map(|d| parse_iso("Date Rated", d))
                .transpose()?,
        ),
        Kind::List => (
            Entry::Watchlist,
            row.get("Created")
                .map(|d| parse_iso("Created", d))
                .transpose()?,
        ),
    };
    let title = row.required("Title")?.to_owned();
    let original_title = row
        .get("Original Title")
        .filter(|o| *o != title)
        .map(str::to_owned);
    Ok(HistoryRecord {
        file: file.to_owned(),
        line: row.line,
        entry,
        title,
        original_title,
        year: row.get("Year").map(|y| parse_year("Year", y)).transpose()?,
        imdb_id: Some(imdb),
        tmdb_id: None,
        date,
    })
}

#[cfg(test)]
mod tests {
    use super::super::read_history;
    use super::*;
    use crate::domain::Stars;

    const NEW: &str = "\u{feff}Const,Your Rating,Date Rated,Title,Original Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors
tt0133093,9,2023-05-01,The Matrix,The Matrix,https://www.imdb.com/title/tt0133093/,Movie,8.7,136,1999,\"Action, Sci-Fi\",2100000,1999-03-24,\"Lana Wachowski, Lilly Wachowski\"
tt0211915,8,2023-05-02,Amélie,\"Le fabuleux destin d'Amélie Poulain\",https://www.imdb.com/title/tt0211915/,Movie,8.3,122,2001,\"Comedy, Romance\",800000,2001-04-25,Jean-Pierre Jeunet
tt0903747,10,2023-05-03,Breaking Bad,Breaking Bad,https://www.imdb.com/title/tt0903747/,TV Series,9.5,49,2008,Drama,2000000,2008-01-20,
";

    const OLD: &str = "Const,Your Rating,Date Rated,Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors
tt0060196,1,2019-12-31,\"The Good, the Bad and the Ugly\",https://www.imdb.com/title/tt0060196/,movie,8.8,178,1966,Western,700000,1966-12-23,Sergio Leone
tt0959621,7,2019-12-31,Pilot,https://www.imdb.com/title/tt0959621/,tvEpisode,8.0,58,2008,Drama,30000,2008-01-20,Vince Gilligan
";

    const LIST: &str = "Position,Const,Created,Modified,Description,Title,Original Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors,Your Rating,Date Rated
1,tt1375666,2024-01-02,2024-01-02,,Inception,Inception,https://www.imdb.com/title/tt1375666/,Movie,8.8,148,2010,Sci-Fi,2400000,2010-07-16,Christopher Nolan,,
";

    #[test]
    fn reads_the_current_ratings_export() {
        let history = read_history("ratings.csv", NEW.as_bytes()).unwrap();
        assert_eq!(history.format, RATINGS.format);
        assert_eq!(history.skipped, 1, "the series is skipped");
        let [matrix, amelie] = &history.records[..] else {
            panic!("{:?}", history.records)
        };
        assert_eq!(matrix.entry, Entry::Rated(Stars::parse("4.5").unwrap()));
        assert_eq!(matrix.imdb_id.unwrap().to_string(), "tt0133093");
        assert_eq!(matrix.year, Some(1999));
        assert_eq!(matrix.line, 2);
        assert_eq!(matrix.original_title, None);
        assert_eq!(
            amelie.original_title.as_deref(),
            Some("Le fabuleux destin d'Amélie Poulain")
        );
        assert_eq!(amelie.date, parse_iso("d", "2023-05-02").ok());
    }

    #[test]
    fn reads_the_older_ratings_export() {
        let history = read_history("ratings.csv", OLD.as_bytes()).unwrap();
        assert_eq!(history.format, RATINGS.format);
        assert_eq!(history.skipped, 1);
        assert_eq!(history.records.len(), 1);
        let good = &history.records[0];
        assert_eq!(good.title, "The Good, the Bad and the Ugly");
        assert_eq!(good.entry, Entry::Rated(Stars::MIN));
    }

    #[test]
    fn a_list_goes_to_the_watchlist() {
        let history = read_history("WATCHLIST.csv", LIST.as_bytes()).unwrap();
        assert_eq!(history.format, super::LIST.format);
        assert_eq!(history.records[0].entry, Entry::Watchlist);
        assert_eq!(history.records[0].title, "Inception");
    }

    #[test]
    fn a_bad_row_names_file_line_and_column() {
        let text = OLD.replace("tt0060196,1,", "tt0060196,11,");
        let err = read_history("ratings.csv", text.as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ratings.csv:2: Your Rating: '11' is not a whole number from 1 to 10"
        );
        let text = format!("{OLD}tt1,5,2020-01-01,x\n");
        let err = read_history("ratings.csv", text.as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ratings.csv:4: has 4 fields where the header has 13"
        );
    }
}
