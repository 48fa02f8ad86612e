//! This site's own export, written here and read back by [`super::read_history`].
//!
//! - CSV in the format Letterboxd imports: `imdbID,Title,Year,Rating,WatchedDate,Tags`.
//!   A rating has its stars and the day it was given; a film seen but not rated has no
//!   rating; a watchlist film has the tag `watchlist` and neither. Any other file in
//!   Letterboxd's import format (with `imdbID`, `Title` and `Rating` columns) reads too.
//! - JSON: an array with one entry per line, `{"list": "rating" | "seen" | "watchlist",
//!   "imdb_id", "tmdb_id", "title", "year", "rating", "date"}`, dates to the second.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::record::{
    Entry, Format, FormatReader, HistoryRecord, Items, Sink, format_date, format_timestamp,
    imdb_id, no_zip_entries, parse_iso, parse_year, stars,
};
use crate::domain::{ImdbId, Stars};
use crate::importers::ParseError;

pub(crate) const READER: FormatReader = FormatReader {
    format: Format::new("movierec", "movierec export"),
    described: "a movierec export (CSV or JSON)",
    detect: |probe| {
        if probe.is_json() {
            is_json(probe.text)
        } else {
            probe.has("imdbID") && probe.has("Title") && probe.has("Rating")
        }
    },
    read: |file, text, sink| {
        if super::record::starts_json(text) {
            read_json(file, text, sink)
        } else {
            read_csv(file, text, sink)
        }
    },
    zip_entries: no_zip_entries,
};

/// The tag that marks a watchlist row of the CSV.
pub const WATCHLIST_TAG: &str = "watchlist";

/// The CSV's header row.
pub const CSV_HEADER: [&str; 6] = ["imdbID", "Title", "Year", "Rating", "WatchedDate", "Tags"];

/// One film of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportEntry {
    pub entry: Entry,
    pub imdb_id: Option<ImdbId>,
    pub tmdb_id: Option<u32>,
    pub title: String,
    pub year: Option<u16>,
    /// Seconds since 1970.
    pub date: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonEntry {
    list: String,
    imdb_id: Option<String>,
    tmdb_id: Option<u32>,
    title: String,
    year: Option<u16>,
    rating: Option<f64>,
    date: Option<String>,
}

/// The characters a spreadsheet takes as the start of a formula (or that it strips before
/// looking for one), after OWASP's advice on CSV injection.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell as written to the CSV: one that a spreadsheet would run as a formula is prefixed
/// with `'`, which makes it text. Catalog titles come from data sets and providers, so a
/// title such as `=HYPERLINK(…)` is not trusted to stay inert in the viewer's spreadsheet.
fn inert_cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A cell as read back: the `'` [`inert_cell`] added is taken off again, so a title such as
/// `-2+3` survives the round trip. A `'` before any other character is the title's own.
fn cell_text(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => text,
    }
}

/// The export as CSV.
pub fn write_csv(entries: &[ExportEntry]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = writer.write_record(CSV_HEADER);
    for e in entries {
        let (rating, date, tags) = match e.entry {
            Entry::Rated(stars) => (stars.to_string(), e.date.map(format_date), ""),
            Entry::Seen => (String::new(), e.date.map(format_date), ""),
            Entry::Watchlist => (String::new(), None, WATCHLIST_TAG),
        };
        let cells = [
            e.imdb_id.map(|i| i.to_string()).unwrap_or_default(),
            e.title.clone(),
            e.year.map(|y| y.to_string()).unwrap_or_default(),
            rating,
            date.unwrap_or_default(),
            tags.to_owned(),
        ];
        // Only the title can start with a formula character today; every cell goes through
        // the same gate so a column added later cannot forget it.
        let _ = writer.write_record(cells.iter().map(|c| inert_cell(c).into_owned()));
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// The export as JSON, one entry per line so an error in an edited file names its line.
pub fn write_json(entries: &[ExportEntry]) -> String {
    let lines: Vec<String> = entries
        .iter()
        .map(|e| {
            let (list, rating) = match e.entry {
                Entry::Rated(stars) => ("rating", Some(stars.value())),
                Entry::Seen => ("seen", None),
                Entry::Watchlist => ("watchlist", None),
            };
            serde_json::to_string(&JsonEntry {
                list: list.to_owned(),
                imdb_id: e.imdb_id.map(|i| i.to_string()),
                tmdb_id: e.tmdb_id,
                title: e.title.clone(),
                year: e.year,
                rating,
                date: e.date.map(format_timestamp),
            })
            .unwrap_or_default()
        })
        .collect();
    if lines.is_empty() {
        "[]\n".to_owned()
    } else {
        format!("[\n{}\n]\n", lines.join(",\n"))
    }
}

/// Whether a JSON file is this site's export: an array whose first entry has a `list`.
pub(crate) fn is_json(bytes: &[u8]) -> bool {
    match Items::new(bytes).next() {
        Some(Ok((_, first))) => serde_json::from_slice::<serde_json::Value>(first)
            .is_ok_and(|v| v.get("list").is_some() && v.get("movie").is_none()),
        // An empty array is an empty export.
        None => bytes.iter().filter(|b| !b.is_ascii_whitespace()).eq(b"[]"),
        Some(Err(_)) => false,
    }
}

pub(crate) fn read_json(file: &str, bytes: &[u8], sink: &mut Sink) -> Result<(), ParseError> {
    let malformed = |line: u64, message: String| ParseError::Malformed {
        file: file.to_owned(),
        line,
        message,
    };
    for item in Items::new(bytes) {
        let (line, value) = item.map_err(|(line, m)| malformed(line, m))?;
        sink.row().map_err(|m| malformed(line, m))?;
        let entry: JsonEntry = serde_json::from_slice(value)
            .map_err(|e| malformed(line, format!("not an export entry ({e})")))?;
        let record = json_record(file, line, entry).map_err(|m| malformed(line, m))?;
        sink.push(record).map_err(|m| malformed(line, m))?;
    }
    Ok(())
}

fn json_record(file: &str, line: u64, e: JsonEntry) -> Result<HistoryRecord, String> {
    let entry = match (e.list.as_str(), e.rating) {
        ("rating", Some(r)) => {
            Entry::Rated(Stars::from_f64(r).map_err(|m| format!("rating: {m}"))?)
        }
        ("rating", None) => return Err("rating: is missing".into()),
        ("seen", _) => Entry::Seen,
        ("watchlist", _) => Entry::Watchlist,
        (other, _) => {
            return Err(format!(
                "list: '{other}' is none of rating, seen, watchlist"
            ));
        }
    };
    Ok(HistoryRecord {
        file: file.to_owned(),
        line,
        entry,
        title: e.title,
        original_title: None,
        year: e
            .year
            .map(|y| parse_year("year", &y.to_string()))
            .transpose()?,
        imdb_id: e.imdb_id.map(|i| imdb_id("imdb_id", &i)).transpose()?,
        tmdb_id: e.tmdb_id.filter(|&t| t > 0),
        date: e.date.map(|d| parse_iso("date", &d)).transpose()?,
    })
}

pub(crate) fn read_csv(file: &str, bytes: &[u8], sink: &mut Sink) -> Result<(), ParseError> {
    csv_rows_with(file, bytes, sink)
}

fn csv_rows_with(file: &str, bytes: &[u8], sink: &mut Sink) -> Result<(), ParseError> {
    super::record::csv_rows(file, bytes, &["Title"], |row| {
        sink.row()?;
        let watchlist = row
            .get("Tags")
            .is_some_and(|t| t.split(',').any(|t| t.trim() == WATCHLIST_TAG));
        let entry = match (watchlist, row.get("Rating")) {
            (_, Some(r)) => Entry::Rated(stars("Rating", r)?),
            (true, None) => Entry::Watchlist,
            (false, None) => Entry::Seen,
        };
        sink.push(HistoryRecord {
            file: file.to_owned(),
            line: row.line,
            entry,
            title: cell_text(row.get("Title").unwrap_or_default()).to_owned(),
            original_title: None,
            year: row.get("Year").map(|y| parse_year("Year", y)).transpose()?,
            imdb_id: row
                .get("imdbID")
                .map(|i| imdb_id("imdbID", i))
                .transpose()?,
            tmdb_id: row
                .get("tmdbID")
                .map(|t| {
                    t.parse::<u32>()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or_else(|| format!("tmdbID: '{t}' is not a TMDB id"))
                })
                .transpose()?,
            date: row
                .get("WatchedDate")
                .map(|d| parse_iso("WatchedDate", d))
                .transpose()?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::super::read_history;
    use super::*;

    fn entries() -> Vec<ExportEntry> {
        vec![
            ExportEntry {
                entry: Entry::Rated(Stars::parse("4.5").unwrap()),
                imdb_id: Some(ImdbId::parse("tt0133093").unwrap()),
                tmdb_id: Some(603),
                title: "The Matrix".into(),
                year: Some(1999),
                date: Some(1_700_000_000 - 1_700_000_000 % 86_400),
            },
            ExportEntry {
                entry: Entry::Seen,
                imdb_id: None,
                tmdb_id: None,
                title: "Crouching Tiger, \"Hidden\" Dragon".into(),
                year: Some(2000),
                date: Some(86_400 * 20_000),
            },
            ExportEntry {
                entry: Entry::Watchlist,
                imdb_id: None,
                tmdb_id: None,
                title: "Amélie".into(),
                year: None,
                date: None,
            },
        ]
    }

    fn back(history: &super::super::History) -> Vec<ExportEntry> {
        history
            .records
            .iter()
            .map(|r| ExportEntry {
                entry: r.entry,
                imdb_id: r.imdb_id,
                tmdb_id: r.tmdb_id,
                title: r.title.clone(),
                year: r.year,
                date: r.date,
            })
            .collect()
    }

    #[test]
    fn csv_reads_back_as_written() {
        let csv = write_csv(&entries());
        assert!(csv.starts_with("imdbID,Title,Year,Rating,WatchedDate,Tags\n"));
        let history = read_history("movierec-ratings.csv", csv.as_bytes()).unwrap();
        assert_eq!(history.format, READER.format);
        let mut expected = entries();
        // The CSV has no TMDB ids.
        expected[0].tmdb_id = None;
        assert_eq!(back(&history), expected);
    }

    #[test]
    fn formula_cells_are_made_text_and_read_back_whole() {
        let titles = [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1:A2)",
            "\tTabbed",
            "\rReturned",
            "'Quoted' already",
            "Plain, with a comma",
        ];
        let entries: Vec<ExportEntry> = titles
            .iter()
            .map(|title| ExportEntry {
                entry: Entry::Seen,
                imdb_id: None,
                tmdb_id: None,
                title: (*title).to_owned(),
                year: Some(2001),
                date: None,
            })
            .collect();
        let csv = write_csv(&entries);
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let cells: Vec<String> = reader.records().map(|r| r.unwrap()[1].to_owned()).collect();
        assert_eq!(
            cells,
            [
                "'=HYPERLINK(\"http://x\",\"y\")",
                "'+cmd|' /C calc'!A0",
                "'-2+3",
                "'@SUM(A1:A2)",
                "'\tTabbed",
                "'\rReturned",
                "'Quoted' already",
                "Plain, with a comma",
            ]
        );
        // Quoted as CSV needs: the formula's quotes are doubled inside a quoted cell.
        assert!(
            csv.contains(",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",2001,"),
            "{csv}"
        );
        let history = read_history("movierec-ratings.csv", csv.as_bytes()).unwrap();
        let read: Vec<&str> = history.records.iter().map(|r| r.title.as_str()).collect();
        assert_eq!(read, titles);
    }

    #[test]
    fn json_reads_back_as_written() {
        let json = write_json(&entries());
        let history = read_history("movierec.json", json.as_bytes()).unwrap();
        assert_eq!(history.format, READER.format);
        assert_eq!(back(&history), entries());
        assert_eq!(history.records[2].line, 4);
        let empty = read_history("movierec.json", write_json(&[]).as_bytes()).unwrap();
        assert!(empty.records.is_empty());
    }

    #[test]
    fn a_bad_json_entry_names_its_line() {
        let json = write_json(&entries()).replace("\"rating\":4.5", "\"rating\":6.0");
        let err = read_history("movierec.json", json.as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "movierec.json:2: rating: A rating is between 0.5 and 5 stars."
        );
    }
}
