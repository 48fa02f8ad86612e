//! Netflix viewing history, in its two shapes:
//!
//! - `NetflixViewingHistory.csv` from the account page: `Title,Date`, the date in the
//!   account's locale (`1/31/24`, `31/01/2024`, `31.01.24`, `2024-01-31`);
//! - `ViewingActivity.csv` from a data request: `Profile Name,Start Time,Duration,
//!   Attributes,Title,Supplemental Video Type,Device Type,Bookmark,Latest Bookmark,Country`;
//!   trailers, teasers and every row with a supplemental type are skipped.
//!
//! Everything is a watched film (Netflix has no ratings to export); series episodes
//! (`Show: Season 1: Episode`) are skipped. There are no ids and no years.

use super::record::{
    Entry, Format, FormatReader, HistoryRecord, Sink, csv_rows, epoch, no_zip_entries, parse_iso,
};
use crate::importers::ParseError;

pub(crate) const READER: FormatReader = FormatReader {
    format: Format::new("netflix", "Netflix viewing history"),
    described: "Netflix viewing history (NetflixViewingHistory.csv or ViewingActivity.csv)",
    detect: |probe| {
        (probe.has("Title") && probe.has("Date") && probe.column_count() == 2)
            || (probe.has("Profile Name") && probe.has("Title") && probe.has("Start Time"))
    },
    read,
    zip_entries: no_zip_entries,
};

/// Words that name the part of a series between a show's name and an episode's.
const SERIES_PARTS: &[&str] = &[
    "season",
    "series",
    "limited series",
    "miniseries",
    "part",
    "volume",
    "vol",
    "chapter",
    "book",
    "collection",
    "episode",
];

/// Whether a Netflix title names an episode: `Show: Season 2: Title`, `Show: Part 1: …`,
/// `Show: Limited Series: …`. A film's title has at most one such part (`Dune: Part Two`).
pub fn is_episode(title: &str) -> bool {
    let parts: Vec<&str> = title.split(": ").collect();
    parts.len() >= 3
        && parts[1..parts.len().min(3)].iter().any(|part| {
            let lower = part.trim().to_lowercase();
            SERIES_PARTS.iter().any(|word| {
                lower == *word
                    || lower
                        .strip_prefix(word)
                        .is_some_and(|rest| rest.starts_with(' ') && rest.len() < 12)
            })
        })
}

/// In which order a file's short dates put day and month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DayOrder {
    MonthFirst,
    DayFirst,
}

/// The order the file's dates use: a first number above 12 means day first, a second one
/// above 12 month first; otherwise `/` means the US order and `.` or `-` day first.
fn day_order<'a>(dates: impl Iterator<Item = &'a str>) -> DayOrder {
    let mut slash = false;
    for date in dates {
        let parts: Vec<&str> = date.split(['/', '.', '-']).collect();
        if parts.len() != 3 || parts[0].len() == 4 {
            continue;
        }
        slash |= date.contains('/');
        let (a, b) = (parts[0].parse::<u32>(), parts[1].parse::<u32>());
        match (a, b) {
            (Ok(a), _) if a > 12 => return DayOrder::DayFirst,
            (_, Ok(b)) if b > 12 => return DayOrder::MonthFirst,
            _ => {}
        }
    }
    if slash {
        DayOrder::MonthFirst
    } else {
        DayOrder::DayFirst
    }
}

fn short_date(text: &str, order: DayOrder) -> Result<i64, String> {
    let bad = || format!("Date: '{text}' is not a date");
    if text.len() >= 10 && text.as_bytes()[4] == b'-' {
        return parse_iso("Date", text);
    }
    let parts: Vec<u32> = text
        .split(['/', '.', '-'])
        .map(|p| p.trim().parse::<u32>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    let [a, b, y] = parts[..] else {
        return Err(bad());
    };
    let (month, day) = match order {
        DayOrder::MonthFirst => (a, b),
        DayOrder::DayFirst => (b, a),
    };
    let year = match y {
        0..=69 => 2000 + i64::from(y),
        70..=99 => 1900 + i64::from(y),
        _ => i64::from(y),
    };
    epoch(year, month, day, 0).ok_or_else(bad)
}

pub(crate) fn read(file: &str, bytes: &[u8], sink: &mut Sink) -> Result<(), ParseError> {
    let header = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    if String::from_utf8_lossy(header).contains("Profile Name") {
        return read_activity(file, bytes, sink);
    }
    // A first pass learns the locale's day order from the dates themselves.
    let mut dates = Vec::new();
    let _ = csv_rows(file, bytes, &["Title", "Date"], |row| {
        if let Some(d) = row.get("Date") {
            dates.push(d.to_owned());
        }
        Ok(())
    });
    let order = day_order(dates.iter().map(String::as_str));
    csv_rows(file, bytes, &["Title", "Date"], |row| {
        sink.row()?;
        let title = row.required("Title")?;
        if is_episode(title) {
            sink.skip();
            return Ok(());
        }
        let date = row.get("Date").map(|d| short_date(d, order)).transpose()?;
        sink.push(seen(file, row.line, title, date))
    })
}

fn read_activity(file: &str, bytes: &[u8], sink: &mut Sink) -> Result<(), ParseError> {
    csv_rows(file, bytes, &["Start Time", "Title"], |row| {
        sink.row()?;
        let title = row.required("Title")?;
        let extra = row.get("Supplemental Video Type").is_some()
            || row
                .get("Attributes")
                .is_some_and(|a| a.to_lowercase().contains("autoplay"));
        if extra || is_episode(title) {
            sink.skip();
            return Ok(());
        }
        let date = row
            .get("Start Time")
            .map(|d| parse_iso("Start Time", d))
            .transpose()?;
        sink.push(seen(file, row.line, title, date))
    })
}

fn seen(file: &str, line: u64, title: &str, date: Option<i64>) -> HistoryRecord {
    HistoryRecord {
        file: file.to_owned(),
        line,
        entry: Entry::Seen,
        title: title.to_owned(),
        original_title: None,
        year: None,
        imdb_id: None,
        tmdb_id: None,
        date,
    }
}

#[cfg(test)]
mod tests {
    use super::super::read_history;
    use super::*;

    #[test]
    fn episodes_are_told_from_films() {
        for episode in [
            "Breaking Bad: Season 1: Pilot",
            "Stranger Things: Stranger Things 2: Chapter One: MADMAX",
            "The Queen's Gambit: Limited Series: Openings",
            "Money Heist: Part 1: Episode 1",
            "Dark: Season 3: Deja-vu",
            "Avatar: The Last Airbender: Book One: Water: The Boy in the Iceberg",
        ] {
            assert!(is_episode(episode), "{episode}");
        }
        for film in [
            "Star Wars: Episode IV - A New Hope",
            "Mission: Impossible - Dead Reckoning Part One",
            "Roma",
            "Glass Onion: A Knives Out Mystery",
            "Kill Bill: Volume 1",
            "Dune: Part Two",
        ] {
            assert!(!is_episode(film), "{film}");
        }
    }

    #[test]
    fn reads_the_account_page_history_in_its_locale() {
        let us = "Title,Date\n\"Breaking Bad: Season 1: Pilot\",1/20/23\nRoma,12/5/22\n\"Glass Onion: A Knives Out Mystery\",1/2/23\n";
        let history = read_history("NetflixViewingHistory.csv", us.as_bytes()).unwrap();
        assert_eq!(history.format, READER.format);
        assert_eq!(history.skipped, 1);
        assert_eq!(history.records.len(), 2);
        assert_eq!(history.records[0].title, "Roma");
        assert_eq!(history.records[0].entry, Entry::Seen);
        assert_eq!(history.records[0].date, parse_iso("d", "2022-12-05").ok());

        let uk = "Title,Date\nRoma,05/12/2022\nHeat,20/01/2023\n";
        let history = read_history("NetflixViewingHistory.csv", uk.as_bytes()).unwrap();
        assert_eq!(history.records[0].date, parse_iso("d", "2022-12-05").ok());

        let bad = "Title,Date\nRoma,soon\n";
        let err = read_history("NetflixViewingHistory.csv", bad.as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "NetflixViewingHistory.csv:2: Date: 'soon' is not a date"
        );
    }

    #[test]
    fn reads_the_data_request_activity_skipping_extras() {
        let text = "Profile Name,Start Time,Duration,Attributes,Title,Supplemental Video Type,Device Type,Bookmark,Latest Bookmark,Country
Ann,2023-01-02 20:00:00,01:50:00,,Roma,,TV,01:50:00,01:50:00,GB (United Kingdom)
Ann,2023-01-02 19:58:00,00:02:00,,Roma (Trailer),TRAILER,TV,00:02:00,00:02:00,GB (United Kingdom)
Ann,2023-01-03 20:00:00,00:45:00,,Dark: Season 1: Secrets,,TV,00:45:00,00:45:00,GB (United Kingdom)
";
        let history = read_history("ViewingActivity.csv", text.as_bytes()).unwrap();
        assert_eq!(history.format, READER.format);
        assert_eq!(history.skipped, 2);
        assert_eq!(history.records.len(), 1);
        assert_eq!(history.records[0].title, "Roma");
        assert_eq!(history.records[0].line, 2);
    }
}
