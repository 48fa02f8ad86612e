//! What every history format shares, and nothing else: the records a format produces, the
//! [`Sink`] they go into (it enforces [`MAX_ROWS`] and [`MAX_TITLE_CHARS`]), the
//! [`FormatReader`] a format describes itself with, and the pieces the parsers use (CSV rows
//! by column name, JSON arrays entry by entry, ids, ratings and dates). A leaf: the format
//! files import this module and never the dispatcher in [`super`].

use serde::{Deserialize, Serialize};

use crate::domain::{ImdbId, Stars};
use crate::importers::{ParseError, quoted};

/// The most rows an upload may hold, all files together.
pub const MAX_ROWS: usize = 100_000;
pub use crate::domain::MAX_TITLE_CHARS;

/// Which service a file came from, as the API reports it and people read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    key: &'static str,
    label: &'static str,
}

impl Format {
    pub(crate) const fn new(key: &'static str, label: &'static str) -> Self {
        Self { key, label }
    }

    /// A stable key, as the API reports it.
    pub fn key(self) -> &'static str {
        self.key
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        self.label
    }
}

/// How one format is told apart and read: each format file has one, and the dispatcher's
/// table lists them in the order they are tried.
pub(crate) struct FormatReader {
    pub(crate) format: Format,
    /// How the message for an unknown file names the format ("a Trakt export (…)").
    pub(crate) described: &'static str,
    /// Whether a lone file (not an archive) is in this format.
    pub(crate) detect: fn(&Probe<'_>) -> bool,
    /// Reads a lone file or an archive's entry, named `file`, its byte-order mark removed.
    pub(crate) read: fn(file: &str, text: &[u8], sink: &mut Sink) -> Result<(), ParseError>,
    /// The entries of a zip archive this format reads, in the order they are read; none when
    /// the archive is not this format's export.
    pub(crate) zip_entries: fn(names: &[String]) -> Vec<String>,
}

/// [`FormatReader::zip_entries`] of a format that has no archive of its own.
pub(crate) fn no_zip_entries(_names: &[String]) -> Vec<String> {
    Vec::new()
}

/// What detection looks at in a lone file: its name, its text and, for a CSV file, the
/// columns of its header row.
pub(crate) struct Probe<'a> {
    pub(crate) name: &'a str,
    pub(crate) text: &'a [u8],
    /// `None` for a JSON file.
    columns: Option<Vec<String>>,
}

impl<'a> Probe<'a> {
    /// `text` without its byte-order mark.
    pub(crate) fn new(name: &'a str, text: &'a [u8]) -> Self {
        let columns = (!starts_json(text)).then(|| split_header(&header_line(text)));
        Self {
            name,
            text,
            columns,
        }
    }

    pub(crate) fn is_json(&self) -> bool {
        self.columns.is_none()
    }

    /// Whether a CSV file's header has `column`, ignoring case.
    pub(crate) fn has(&self, column: &str) -> bool {
        self.columns
            .iter()
            .flatten()
            .any(|c| c.eq_ignore_ascii_case(column))
    }

    /// How many columns a CSV file's header has.
    pub(crate) fn column_count(&self) -> usize {
        self.columns.as_ref().map_or(0, Vec::len)
    }
}

/// Whether a file is JSON (an array or an object) rather than CSV, by its first character.
pub(crate) fn starts_json(text: &[u8]) -> bool {
    let first = text.iter().find(|b| !b.is_ascii_whitespace());
    matches!(first, Some(b'[' | b'{'))
}

/// What a row says about a film. Reports keep and show it as two fields of the row,
/// `list` (`rating`, `seen` or `watchlist`) and `rating` (the stars, or null), so a row
/// that holds one flattens it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "EntryFields", try_from = "EntryFields")]
pub enum Entry {
    Rated(Stars),
    /// Watched, without a rating.
    Seen,
    Watchlist,
}

impl Entry {
    /// The list the film goes to, as reports name it.
    pub fn list(self) -> &'static str {
        match self {
            Self::Rated(_) => "rating",
            Self::Seen => "seen",
            Self::Watchlist => "watchlist",
        }
    }

    /// The stars of a rating.
    pub fn stars(self) -> Option<Stars> {
        match self {
            Self::Rated(stars) => Some(stars),
            Self::Seen | Self::Watchlist => None,
        }
    }
}

/// [`Entry`] as reports write it.
#[derive(Serialize, Deserialize)]
struct EntryFields {
    list: String,
    rating: Option<f64>,
}

impl From<Entry> for EntryFields {
    fn from(entry: Entry) -> Self {
        Self {
            list: entry.list().to_owned(),
            rating: entry.stars().map(Stars::value),
        }
    }
}

impl TryFrom<EntryFields> for Entry {
    type Error = String;

    fn try_from(fields: EntryFields) -> Result<Self, String> {
        match (fields.list.as_str(), fields.rating) {
            ("rating", Some(stars)) => Stars::from_f64(stars).map(Self::Rated),
            ("rating", None) => Err("a rating without its stars".to_owned()),
            ("seen", _) => Ok(Self::Seen),
            ("watchlist", _) => Ok(Self::Watchlist),
            (other, _) => Err(format!("no list is called {other:?}")),
        }
    }
}

/// One film of a viewer's history, as the file names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRecord {
    /// The file (inside the archive, if any) and the 1-based line the row starts on.
    pub file: String,
    pub line: u64,
    pub entry: Entry,
    pub title: String,
    /// The title in the film's own language, when the file gives another one.
    pub original_title: Option<String>,
    pub year: Option<u16>,
    pub imdb_id: Option<ImdbId>,
    pub tmdb_id: Option<u32>,
    /// When it was rated, watched or listed, in seconds since 1970, when the file says.
    pub date: Option<i64>,
}

/// Where parsers put what they read; it enforces [`MAX_ROWS`].
#[derive(Debug, Default)]
pub(crate) struct Sink {
    pub(super) records: Vec<HistoryRecord>,
    pub(super) skipped: u64,
    rows: usize,
}

impl Sink {
    /// Counts one row, refusing the row past the limit.
    pub(crate) fn row(&mut self) -> Result<(), String> {
        self.rows += 1;
        if self.rows > MAX_ROWS {
            return Err(format!("the upload holds more than {MAX_ROWS} rows"));
        }
        Ok(())
    }

    /// Takes one record, refusing one whose title is past [`MAX_TITLE_CHARS`]: the one
    /// place every format's records pass, so no title of any length reaches matching.
    pub(crate) fn push(&mut self, record: HistoryRecord) -> Result<(), String> {
        let fields = [
            ("title", Some(&record.title)),
            ("original title", record.original_title.as_ref()),
        ];
        for (field, value) in fields {
            if let Some(value) = value {
                crate::domain::check_title_length(field, value)?;
            }
        }
        self.records.push(record);
        Ok(())
    }

    pub(crate) fn skip(&mut self) {
        self.skipped += 1;
    }
}

/// The name after the last `/`.
pub(crate) fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The bytes without a leading UTF-8 byte-order mark.
pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

fn header_line(text: &[u8]) -> String {
    let end = text.iter().position(|&b| b == b'\n').unwrap_or(text.len());
    String::from_utf8_lossy(&text[..end]).into_owned()
}

fn split_header(line: &str) -> Vec<String> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(line.as_bytes())
        .records()
        .next()
        .and_then(Result::ok)
        .map(|r| r.iter().map(|f| f.trim().to_owned()).collect())
        .unwrap_or_default()
}

/// One CSV row with its columns looked up by header name.
pub(crate) struct Row<'a> {
    pub(crate) line: u64,
    columns: &'a [String],
    record: &'a csv::StringRecord,
}

impl Row<'_> {
    /// The trimmed value of `column` (matched ignoring case); `None` when absent or empty.
    pub(crate) fn get(&self, column: &str) -> Option<&str> {
        let i = self
            .columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(column))?;
        self.record.get(i).map(str::trim).filter(|v| !v.is_empty())
    }

    /// Like [`Row::get`], an error naming the column when it is missing.
    pub(crate) fn required(&self, column: &str) -> Result<&str, String> {
        self.get(column)
            .ok_or_else(|| format!("{column}: is empty"))
    }
}

/// Calls `each` on every row of a CSV file with a header row; a row `each` refuses, or one
/// that is not CSV, stops the read with the file and line.
pub(crate) fn csv_rows(
    file: &str,
    bytes: &[u8],
    required: &[&str],
    mut each: impl FnMut(&Row<'_>) -> Result<(), String>,
) -> Result<(), ParseError> {
    let malformed = |line: u64, message: String| ParseError::Malformed {
        file: file.to_owned(),
        line,
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(strip_bom(bytes));
    let columns: Vec<String> = reader
        .headers()
        .map_err(|e| malformed(1, csv_message(&e)))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    for column in required {
        if !columns.iter().any(|c| c.eq_ignore_ascii_case(column)) {
            return Err(malformed(
                1,
                format!("the header lacks the column {}", quoted(column)),
            ));
        }
    }
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                let line = record.position().map_or(0, csv::Position::line);
                let row = Row {
                    line,
                    columns: &columns,
                    record: &record,
                };
                each(&row).map_err(|m| malformed(line, m))?;
            }
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                return Err(malformed(line, csv_message(&e)));
            }
        }
    }
}

fn csv_message(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("has {len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "is not UTF-8 text".to_owned(),
        _ => error.to_string(),
    }
}

/// A release year as files write it.
pub(crate) fn parse_year(field: &str, text: &str) -> Result<u16, String> {
    text.trim()
        .parse::<u16>()
        .ok()
        .filter(|y| crate::catalog::YEAR_RANGE.contains(y))
        .ok_or_else(|| format!("{field}: {} is not a year", quoted(text)))
}

/// A rating on a 1–10 scale (IMDb, Trakt) in half stars: 7 → 3.5.
pub(crate) fn stars_of_ten(field: &str, text: &str) -> Result<Stars, String> {
    text.trim()
        .parse::<u8>()
        .ok()
        .filter(|r| (1..=10).contains(r))
        .and_then(|r| Stars::from_f64(f64::from(r) / 2.0).ok())
        .ok_or_else(|| {
            format!(
                "{field}: {} is not a whole number from 1 to 10",
                quoted(text)
            )
        })
}

/// A rating in stars, 0.5 to 5 in halves (Letterboxd, this site).
pub(crate) fn stars(field: &str, text: &str) -> Result<Stars, String> {
    Stars::parse(text).map_err(|e| format!("{field}: {e}"))
}

pub(crate) fn imdb_id(field: &str, text: &str) -> Result<ImdbId, String> {
    if !text.trim().starts_with("tt") {
        return Err(format!("{field}: {} is not an IMDb id", quoted(text)));
    }
    ImdbId::parse(text).map_err(|e| format!("{field}: {e}"))
}

/// One entry of [`Items`]: its first line and bytes, or the line and reason it cannot be read.
pub(crate) type ItemResult<'a> = Result<(u64, &'a [u8]), (u64, String)>;

/// The entries of a JSON file's top-level array, each as its bytes with the line it starts
/// on, found without parsing the whole file into one value.
pub(crate) struct Items<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u64,
    state: State,
}

#[derive(PartialEq)]
enum State {
    Start,
    First,
    Next,
    Done,
}

impl<'a> Items<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            pos: 0,
            line: 1,
            state: State::Start,
        }
    }

    fn skip_space(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            if !b.is_ascii_whitespace() {
                break;
            }
            if b == b'\n' {
                self.line += 1;
            }
            self.pos += 1;
        }
    }

    fn fail(&mut self, message: &str) -> Option<ItemResult<'a>> {
        self.state = State::Done;
        Some(Err((self.line, message.to_owned())))
    }
}

impl<'a> Iterator for Items<'a> {
    type Item = ItemResult<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.skip_space();
            let byte = self.bytes.get(self.pos).copied();
            match self.state {
                State::Done => return None,
                State::Start => {
                    if byte != Some(b'[') {
                        return self.fail("the file is not a JSON array");
                    }
                    self.pos += 1;
                    self.state = State::First;
                }
                State::First | State::Next => {
                    if byte == Some(b']') {
                        self.state = State::Done;
                        self.pos += 1;
                        self.skip_space();
                        if self.pos < self.bytes.len() {
                            return self.fail("text follows the end of the array");
                        }
                        return None;
                    }
                    if self.state == State::Next {
                        if byte != Some(b',') {
                            return self.fail("expected ',' or ']' between entries");
                        }
                        self.pos += 1;
                        self.skip_space();
                    }
                    let start = self.pos;
                    let line = self.line;
                    let mut stream = serde_json::Deserializer::from_slice(&self.bytes[start..])
                        .into_iter::<serde::de::IgnoredAny>();
                    match stream.next() {
                        Some(Ok(_)) => {}
                        Some(Err(e)) => {
                            self.state = State::Done;
                            let at = line + e.line().saturating_sub(1) as u64;
                            return Some(Err((at, format!("not JSON ({e})"))));
                        }
                        None => return self.fail("the array is not closed"),
                    }
                    let end = start + stream.byte_offset();
                    self.line += self.bytes[start..end]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count() as u64;
                    self.pos = end;
                    self.state = State::Next;
                    return Some(Ok((line, &self.bytes[start..end])));
                }
            }
        }
    }
}

/// The moment of `secs` (seconds since 1970); one out of the calendar's range (past the year
/// 9999) is read as 1970, as no file or row of ours holds one.
fn moment(secs: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// The day of a moment (seconds since 1970, UTC), as `YYYY-MM-DD`.
pub fn format_date(secs: i64) -> String {
    let date = moment(secs).date();
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// A moment as ISO 8601 in UTC, to the second: `2024-01-31T20:15:00Z`.
pub fn format_timestamp(secs: i64) -> String {
    let (h, m, s) = moment(secs).to_hms();
    format!("{}T{h:02}:{m:02}:{s:02}Z", format_date(secs))
}

/// Seconds since 1970 of a valid calendar date and time of day (UTC).
pub(crate) fn epoch(year: i64, month: u32, day: u32, secs_of_day: i64) -> Option<i64> {
    if !(1800..=2200).contains(&year) {
        return None;
    }
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    let year = i32::try_from(year).ok()?;
    let date = time::Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()?;
    Some(date.midnight().assume_utc().unix_timestamp() + secs_of_day)
}

/// An ISO 8601 date or date-time as the services write them: `2024-01-31`,
/// `2024-01-31T20:15:00Z`, `2024-01-31T20:15:00.000Z`, `2024-01-31 20:15:00`, with an
/// optional `+hh:mm` offset.
pub(crate) fn parse_iso(field: &str, text: &str) -> Result<i64, String> {
    iso(text.trim()).ok_or_else(|| format!("{field}: {} is not a date", quoted(text)))
}

fn iso(text: &str) -> Option<i64> {
    let number = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let date = text.get(..10)?;
    let mut parts = date.split('-');
    let year = number(parts.next()?)?;
    let month = u32::try_from(number(parts.next()?)?).ok()?;
    let day = u32::try_from(number(parts.next()?)?).ok()?;
    let rest = &text[10..];
    if rest.is_empty() {
        return epoch(year, month, day, 0);
    }
    let rest = rest.strip_prefix(['T', ' '])?;
    let (clock, offset) = match rest.find(['Z', '+', '-']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let clock = clock.split('.').next()?;
    let mut hms = clock.split(':');
    let h = number(hms.next()?)?;
    let m = number(hms.next()?)?;
    let s = hms.next().map_or(Some(0), number)?;
    if h > 23 || m > 59 || s > 60 || hms.next().is_some() {
        return None;
    }
    let offset_secs = match offset {
        "" | "Z" => 0,
        _ => {
            let sign = if offset.starts_with('-') { -1 } else { 1 };
            let digits = offset[1..].replace(':', "");
            if digits.len() != 4 {
                return None;
            }
            let value = number(&digits)?;
            sign * ((value / 100) * 3600 + (value % 100) * 60)
        }
    };
    Some(epoch(year, month, day, h * 3600 + m * 60 + s)? - offset_secs)
}

#[cfg(test)]
pub(crate) mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn dates_in_the_services_spellings() {
        assert_eq!(iso("1970-01-02"), Some(86_400));
        assert_eq!(iso("2024-02-29T12:00:00Z"), Some(1_709_208_000));
        assert_eq!(iso("2024-02-29T12:00:00.000Z"), Some(1_709_208_000));
        assert_eq!(iso("2024-02-29 12:00:00"), Some(1_709_208_000));
        assert_eq!(iso("2024-02-29T14:00:00+02:00"), Some(1_709_208_000));
        assert_eq!(iso("2023-02-29"), None);
        assert_eq!(iso("2024-13-01"), None);
        assert_eq!(iso("2024-01-01T25:00:00Z"), None);
        assert_eq!(format_date(1_709_208_000), "2024-02-29");
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(format_timestamp(1_709_208_001), "2024-02-29T12:00:01Z");
        assert_eq!(iso(&format_timestamp(1_709_208_001)), Some(1_709_208_001));
    }

    #[test]
    fn items_split_the_array_and_count_lines() {
        let items: Vec<(u64, String)> = Items::new(b" [ 1,\n\"a,]\" ,\n\n{\"b\": [2]} ] ")
            .map(|r| r.map(|(l, b)| (l, String::from_utf8(b.to_vec()).unwrap())))
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            items,
            [
                (1, "1".to_owned()),
                (2, "\"a,]\"".to_owned()),
                (4, "{\"b\": [2]}".to_owned())
            ]
        );
        assert!(Items::new(b"[1 2]").any(|r| r.is_err()));
        assert!(Items::new(b"[1] x").any(|r| r.is_err()));
        assert_eq!(Items::new(b"[]").count(), 0);
    }

    /// Cases per property: 512, or `PROPTEST_CASES` for a longer run.
    pub(crate) fn cases() -> u32 {
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(512)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases()))]

        #[test]
        fn arbitrary_dates_never_panic(text in "\\PC{0,40}") {
            let _ = iso(&text);
        }

        #[test]
        fn dates_round_trip(days in -60_000_i64..80_000) {
            let secs = days * 86_400;
            prop_assert_eq!(iso(&format_date(secs)), Some(secs));
        }
    }
}
