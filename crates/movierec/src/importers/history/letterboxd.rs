//! Letterboxd's export: a `.zip` whose top folder holds
//! `ratings.csv` (`Date,Name,Year,Letterboxd URI,Rating`, 0.5–5 stars),
//! `watched.csv` and `watchlist.csv` (`Date,Name,Year,Letterboxd URI`) and
//! `diary.csv` (`Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date`).
//! Files may start with a byte-order mark. There are no IMDb or TMDB ids, so every film is
//! matched by title and year. The archive's sub-folders (`deleted/`, `lists/`, `likes/`)
//! are not the viewer's current history and are left alone.

use super::record::{
    Entry, Format, FormatReader, HistoryRecord, Sink, base_name, csv_rows, parse_iso, parse_year,
    stars,
};
use crate::importers::ParseError;

pub(crate) const READER: FormatReader = FormatReader {
    format: Format::new("letterboxd", "Letterboxd"),
    described: "a Letterboxd export (.zip, or its ratings.csv, watched.csv, watchlist.csv or \
        diary.csv)",
    detect: |probe| probe.has("Letterboxd URI") && probe.has("Name"),
    read: read_csv,
    zip_entries,
};

/// The files read from the archive, in the order they are read.
pub const FILES: &[&str] = &["ratings.csv", "diary.csv", "watched.csv", "watchlist.csv"];

/// The export's files at the archive's root; ratings before the rest, so a rated film's
/// rating is read first.
fn zip_entries(names: &[String]) -> Vec<String> {
    FILES
        .iter()
        .filter(|file| names.iter().any(|n| n == *file))
        .map(|file| (*file).to_owned())
        .collect()
}

/// Reads one of the export's CSV files; which one is told by its name, or for a file
/// renamed by the viewer, by its columns (a rating column means ratings, else watched).
pub(crate) fn read_csv(file: &str, bytes: &[u8], sink: &mut Sink) -> Result<(), ParseError> {
    let name = base_name(file).to_ascii_lowercase();
    let watchlist = name.contains("watchlist");
    csv_rows(file, bytes, &["Date", "Name", "Letterboxd URI"], |row| {
        sink.row()?;
        let entry = if watchlist {
            Entry::Watchlist
        } else {
            match row.get("Rating") {
                Some(rating) => Entry::Rated(stars("Rating", rating)?),
                None => Entry::Seen,
            }
        };
        // The diary's "Watched Date" is when it was seen; "Date" is when it was logged.
        let date = match row.get("Watched Date") {
            Some(d) => Some(parse_iso("Watched Date", d)?),
            None => row.get("Date").map(|d| parse_iso("Date", d)).transpose()?,
        };
        sink.push(HistoryRecord {
            file: file.to_owned(),
            line: row.line,
            entry,
            title: row.required("Name")?.to_owned(),
            original_title: None,
            year: row.get("Year").map(|y| parse_year("Year", y)).transpose()?,
            imdb_id: None,
            tmdb_id: None,
            date,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::super::read_history;
    use super::super::tests::zip_of;
    use super::*;
    use crate::domain::Stars;

    const RATINGS: &str = "\u{feff}Date,Name,Year,Letterboxd URI,Rating
2024-01-05,\"Crouching Tiger, Hidden Dragon\",2000,https://boxd.it/1a,4.5
2024-01-06,Solaris,2002,https://boxd.it/2b,3
";
    const WATCHED: &str = "Date,Name,Year,Letterboxd URI
2024-01-07,Solaris,1972,https://boxd.it/3c
";
    const WATCHLIST: &str = "Date,Name,Year,Letterboxd URI
2024-01-08,Amélie,2001,https://boxd.it/4d
";
    const DIARY: &str = "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date
2024-01-09,Heat,1995,https://boxd.it/5e,,Yes,,2024-01-01
";

    #[test]
    fn reads_every_file_of_the_export() {
        let zip = zip_of(&[
            ("profile.csv", b"Date Joined,Username\n2020-01-01,x\n"),
            ("ratings.csv", RATINGS.as_bytes()),
            ("watched.csv", WATCHED.as_bytes()),
            ("watchlist.csv", WATCHLIST.as_bytes()),
            ("diary.csv", DIARY.as_bytes()),
            ("deleted/ratings.csv", b"not, even, csv\"\n"),
        ]);
        let history = read_history("letterboxd-me-2024.zip", &zip).unwrap();
        assert_eq!(history.format, READER.format);
        let summary: Vec<(&str, Option<u16>, Entry, &str, u64)> = history
            .records
            .iter()
            .map(|r| (r.title.as_str(), r.year, r.entry, r.file.as_str(), r.line))
            .collect();
        let stars = |s| Entry::Rated(Stars::parse(s).unwrap());
        assert_eq!(
            summary,
            [
                (
                    "Crouching Tiger, Hidden Dragon",
                    Some(2000),
                    stars("4.5"),
                    "ratings.csv",
                    2
                ),
                ("Solaris", Some(2002), stars("3"), "ratings.csv", 3),
                ("Heat", Some(1995), Entry::Seen, "diary.csv", 2),
                ("Solaris", Some(1972), Entry::Seen, "watched.csv", 2),
                ("Amélie", Some(2001), Entry::Watchlist, "watchlist.csv", 2),
            ]
        );
        // The diary's watched date wins over its logging date.
        assert_eq!(history.records[2].date, parse_iso("d", "2024-01-01").ok());
    }

    #[test]
    fn a_bad_rating_names_file_and_line() {
        let zip = zip_of(&[("ratings.csv", RATINGS.replace(",3\n", ",7\n").as_bytes())]);
        let err = read_history("export.zip", &zip).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ratings.csv:3: Rating: A rating is between 0.5 and 5 stars."
        );
    }

    #[test]
    fn a_lone_watchlist_file_reads_by_its_name() {
        let history = read_history("watchlist.csv", WATCHLIST.as_bytes()).unwrap();
        assert_eq!(history.format, READER.format);
        assert_eq!(history.records[0].entry, Entry::Watchlist);
    }
}
