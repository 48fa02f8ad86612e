//! A viewer's own history exported from another service (or from this one): what every
//! history parser produces, the upload limits, format detection, and the pieces the parsers
//! share (zip entries read under a cap, CSV rows by column name, dates).
//!
//! | format | file | gives |
//! | --- | --- | --- |
//! | [`Format::ImdbRatings`] | IMDb "Your ratings" export (`Const,Your Rating,…`) | ratings 1–10 |
//! | [`Format::ImdbList`] | IMDb list or watchlist export (`Position,Const,…`) | watchlist |
//! | [`Format::Letterboxd`] | Letterboxd export `.zip` (or one of its CSV files) | ratings, seen, watchlist |
//! | [`Format::Trakt`] | Trakt export `.zip` of JSON (or one of its files) | ratings 1–10, seen, watchlist |
//! | [`Format::Netflix`] | `NetflixViewingHistory.csv` or `ViewingActivity.csv` | seen |
//! | [`Format::Movierec`] | this site's export, CSV or JSON | ratings, seen, watchlist |
//!
//! An upload is at most [`MAX_UPLOAD_BYTES`]; a zip may unpack to at most
//! [`MAX_UNPACKED_BYTES`], counted as the bytes come out of the decompressor (an archive's
//! own size fields are not trusted); all files together hold at most [`MAX_ROWS`] rows, and a title at most
//! [`MAX_TITLE_CHARS`] characters.
//! Uploads are small enough to hold: records are collected into one `Vec` while the rows
//! are streamed out of the file, so a malformed row stops the read at once with its file
//! and line.

use std::io::{Cursor, Read};

use crate::domain::{ImdbId, Stars};

use super::{ParseError, quoted};

/// The largest upload accepted.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;
/// The most a zip upload may unpack to, all entries read together.
pub const MAX_UNPACKED_BYTES: u64 = 100 * 1024 * 1024;
/// The most rows an upload may hold, all files together.
pub const MAX_ROWS: usize = 100_000;
pub use crate::domain::MAX_TITLE_CHARS;

/// The formats [`read_history`] knows, named in the message for an unknown one.
pub const KNOWN_FORMATS: &str = "an IMDb ratings export (CSV), an IMDb list or watchlist \
    export (CSV), a Letterboxd export (.zip, or its ratings.csv, watched.csv, watchlist.csv or \
    diary.csv), a Trakt export (.zip of JSON, or one of its JSON files), Netflix viewing \
    history (NetflixViewingHistory.csv or ViewingActivity.csv), or a movierec export (CSV or \
    JSON)";

/// Which service a file came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    ImdbRatings,
    ImdbList,
    Letterboxd,
    Trakt,
    Netflix,
    Movierec,
}

impl Format {
    /// A stable key, as the API reports it.
    pub fn key(self) -> &'static str {
        match self {
            Self::ImdbRatings => "imdb_ratings",
            Self::ImdbList => "imdb_list",
            Self::Letterboxd => "letterboxd",
            Self::Trakt => "trakt",
            Self::Netflix => "netflix",
            Self::Movierec => "movierec",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Self::ImdbRatings => "IMDb ratings",
            Self::ImdbList => "IMDb list",
            Self::Letterboxd => "Letterboxd",
            Self::Trakt => "Trakt",
            Self::Netflix => "Netflix viewing history",
            Self::Movierec => "movierec export",
        }
    }
}

/// What a row says about a film.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Rated(Stars),
    /// Watched, without a rating.
    Seen,
    Watchlist,
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

/// Everything read from an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    pub format: Format,
    pub records: Vec<HistoryRecord>,
    /// Rows left out on purpose: series, episodes, trailers and other extras.
    pub skipped: u64,
}

/// Reads an upload named `name` (the name only helps tell a lone file's kind apart, e.g.
/// Letterboxd's `watchlist.csv` from its `watched.csv`).
pub fn read_history(name: &str, bytes: &[u8]) -> Result<History, ParseError> {
    let shown = if name.trim().is_empty() {
        "upload"
    } else {
        name
    };
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(ParseError::layout(
            shown,
            format!(
                "is larger than the {} MB an upload may be",
                MAX_UPLOAD_BYTES / (1024 * 1024)
            ),
        ));
    }
    let mut sink = Sink::default();
    let format = if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        read_zip(shown, bytes, &mut sink)?
    } else {
        read_file(shown, bytes, &mut sink)?.ok_or_else(|| unknown(shown))?
    };
    Ok(History {
        format,
        records: sink.records,
        skipped: sink.skipped,
    })
}

fn unknown(file: &str) -> ParseError {
    ParseError::layout(
        file,
        format!("unknown format; known formats are {KNOWN_FORMATS}"),
    )
}

/// Where parsers put what they read; it enforces [`MAX_ROWS`].
#[derive(Debug, Default)]
pub(crate) struct Sink {
    records: Vec<HistoryRecord>,
    skipped: u64,
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

/// Reads a lone file; `None` when it is none of the known formats.
fn read_file(name: &str, bytes: &[u8], sink: &mut Sink) -> Result<Option<Format>, ParseError> {
    let text = strip_bom(bytes);
    let first = text.iter().find(|b| !b.is_ascii_whitespace());
    if matches!(first, Some(b'[' | b'{')) {
        if super::movierec_export::is_json(text) {
            super::movierec_export::read_json(name, text, sink)?;
            return Ok(Some(Format::Movierec));
        }
        if let Some(kind) = super::trakt::file_kind(base_name(name))
            .or_else(|| super::trakt::looks_like(text).then_some(super::trakt::FileKind::Unknown))
        {
            super::trakt::read(name, kind, text, sink)?;
            return Ok(Some(Format::Trakt));
        }
        return Ok(None);
    }
    let header = header_line(text);
    let columns: Vec<String> = split_header(&header);
    let has = |c: &str| columns.iter().any(|h| h.eq_ignore_ascii_case(c));
    if has("Const") && has("Your Rating") && !has("Position") {
        super::imdb_csv::read(name, text, super::imdb_csv::Kind::Ratings, sink)?;
        Ok(Some(Format::ImdbRatings))
    } else if has("Const") && has("Position") {
        super::imdb_csv::read(name, text, super::imdb_csv::Kind::List, sink)?;
        Ok(Some(Format::ImdbList))
    } else if has("Letterboxd URI") && has("Name") {
        super::letterboxd::read_csv(name, text, sink)?;
        Ok(Some(Format::Letterboxd))
    } else if has("imdbID") && has("Title") && has("Rating") {
        super::movierec_export::read_csv(name, text, sink)?;
        Ok(Some(Format::Movierec))
    } else if (has("Title") && has("Date") && columns.len() == 2)
        || (has("Profile Name") && has("Title") && has("Start Time"))
    {
        super::netflix::read(name, text, sink)?;
        Ok(Some(Format::Netflix))
    } else {
        Ok(None)
    }
}

/// Reads the entries of a zip that matter, each under the [`MAX_UNPACKED_BYTES`] cap.
fn read_zip(name: &str, bytes: &[u8], sink: &mut Sink) -> Result<Format, ParseError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ParseError::layout(name, format!("is not a readable zip archive ({e})")))?;
    let names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.into_owned())
        .filter(|n| !n.ends_with('/'))
        .collect();
    let letterboxd: Vec<&String> = names
        .iter()
        .filter(|n| super::letterboxd::FILES.contains(&n.as_str()))
        .collect();
    let trakt: Vec<(&String, super::trakt::FileKind)> = names
        .iter()
        .filter(|n| n.matches('/').count() <= 1)
        .filter_map(|n| Some((n, super::trakt::file_kind(base_name(n))?)))
        .collect();
    let mut budget = MAX_UNPACKED_BYTES;
    if !letterboxd.is_empty() {
        // Ratings before the rest, so a rated film's rating is read first.
        for file in super::letterboxd::FILES {
            if letterboxd.iter().any(|n| n.as_str() == *file) {
                let data = unpack(&mut archive, name, file, &mut budget)?;
                super::letterboxd::read_csv(file, strip_bom(&data), sink)?;
            }
        }
        return Ok(Format::Letterboxd);
    }
    if !trakt.is_empty() {
        for (file, kind) in trakt {
            let data = unpack(&mut archive, name, file, &mut budget)?;
            super::trakt::read(file, kind, strip_bom(&data), sink)?;
        }
        return Ok(Format::Trakt);
    }
    // A zip holding one file of another format.
    if let [only] = &names[..] {
        let data = unpack(&mut archive, name, only, &mut budget)?;
        return read_file(only, &data, sink)?.ok_or_else(|| unknown(only));
    }
    Err(unknown(name))
}

/// An entry's bytes, taking them from `budget`; a bigger entry is refused once the
/// decompressor has produced one byte more than the budget, whatever its header claims.
fn unpack(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    zip_name: &str,
    entry: &str,
    budget: &mut u64,
) -> Result<Vec<u8>, ParseError> {
    let file = archive
        .by_name(entry)
        .map_err(|e| ParseError::layout(entry, format!("cannot be read from the archive ({e})")))?;
    let mut data = Vec::new();
    file.take(budget.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| ParseError::io(entry, None, e))?;
    let used = data.len() as u64;
    if used > *budget {
        return Err(ParseError::layout(
            zip_name,
            format!(
                "unpacks to more than {} MB; that is not an export",
                MAX_UNPACKED_BYTES / (1024 * 1024)
            ),
        ));
    }
    *budget -= used;
    Ok(data)
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

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The day of a moment (seconds since 1970, UTC), as `YYYY-MM-DD`.
pub fn format_date(secs: i64) -> String {
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// A moment as ISO 8601 in UTC, to the second: `2024-01-31T20:15:00Z`.
pub fn format_timestamp(secs: i64) -> String {
    let of_day = secs.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        format_date(secs),
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// Seconds since 1970 of a valid calendar date and time of day (UTC).
pub(crate) fn epoch(year: i64, month: u32, day: u32, secs_of_day: i64) -> Option<i64> {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1800..=2200).contains(&year) || day == 0 || day > days_in_month {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + secs_of_day)
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
    use std::io::Write;

    use proptest::prelude::*;
    use zip::write::SimpleFileOptions;

    use super::*;

    pub(crate) fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        for (name, data) in files {
            writer.start_file(*name, options).unwrap();
            writer.write_all(data).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

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
    fn an_unknown_file_lists_the_known_formats() {
        let err = read_history("notes.csv", b"a,b,c\n1,2,3\n").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("notes.csv: unknown format; known formats are"));
        assert!(
            text.contains("Letterboxd") && text.contains("Trakt"),
            "{text}"
        );
        let err = read_history("x.zip", &zip_of(&[("a.txt", b"hi")])).unwrap_err();
        assert!(err.to_string().contains("unknown format"), "{err}");
    }

    #[test]
    fn a_zip_bomb_is_refused_by_what_it_unpacks_to() {
        // 101 MB of zeros deflate to about 100 KB.
        let zeros = vec![0u8; (MAX_UNPACKED_BYTES + 1024 * 1024) as usize];
        let bomb = zip_of(&[("ratings.csv", &zeros)]);
        assert!(bomb.len() < MAX_UPLOAD_BYTES);
        let err = read_history("letterboxd.zip", &bomb).unwrap_err();
        assert!(
            err.to_string().contains("unpacks to more than 100 MB"),
            "{err}"
        );
    }

    #[test]
    fn an_oversized_upload_is_refused_before_it_is_read() {
        let big = vec![b'a'; MAX_UPLOAD_BYTES + 1];
        let err = read_history("big.csv", &big).unwrap_err();
        assert!(err.to_string().contains("larger than the 20 MB"), "{err}");
    }

    #[test]
    fn too_many_rows_are_refused() {
        let mut text = String::from("Title,Date\n");
        for i in 0..=MAX_ROWS {
            text.push_str(&format!("Film {i},1/2/21\n"));
        }
        let err = read_history("NetflixViewingHistory.csv", text.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("more than 100000 rows"), "{err}");
    }

    /// Every parser behind [`read_history`], reached by names and headers that route to it.
    pub(crate) fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
        let headers: [&[u8]; 8] = [
            b"",
            b"Const,Your Rating,Date Rated,Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors\n",
            b"Position,Const,Created,Modified,Description,Title,Original Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors,Your Rating,Date Rated\n",
            b"Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n",
            b"Title,Date\n",
            b"Profile Name,Start Time,Duration,Attributes,Title,Supplemental Video Type,Device Type,Bookmark,Latest Bookmark,Country\n",
            b"imdbID,Title,Year,Rating,WatchedDate,Tags\n",
            b"[",
        ];
        for header in headers {
            let mut input = header.to_vec();
            input.extend_from_slice(bytes);
            for name in ["upload", "ratings-movies.json", "watchlist.csv"] {
                if let Err(e) = read_history(name, &input) {
                    prop_assert!(!e.to_string().is_empty());
                }
            }
        }
        for name in ["ratings.csv", "ratings-movies.json", "a.csv"] {
            let zipped = zip_of(&[(name, bytes)]);
            let _ = read_history("x.zip", &zipped);
        }
        Ok(())
    }

    /// Cases per property: 512, or `PROPTEST_CASES` for a longer run.
    fn cases() -> u32 {
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(512)
    }

    /// Rows of fields that look like the formats' own (ids, ratings, dates, years, quoted
    /// titles, JSON pieces) or are anything at all, under any of the headers.
    fn rows() -> impl Strategy<Value = Vec<u8>> {
        let field = prop_oneof![
            Just(String::new()),
            Just("tt0133093".to_owned()),
            Just("7".to_owned()),
            Just("4.5".to_owned()),
            Just("2024-01-31".to_owned()),
            Just("1/31/24".to_owned()),
            Just("1999".to_owned()),
            Just("\"A, \"\"B\"\"\"".to_owned()),
            Just("Show: Season 1: Pilot".to_owned()),
            Just("{\"movie\": {\"title\": 1}}".to_owned()),
            any::<String>(),
        ];
        proptest::collection::vec(proptest::collection::vec(field, 1..20), 0..6).prop_map(|rows| {
            rows.iter()
                .map(|r| r.join(","))
                .collect::<Vec<_>>()
                .join("\n")
                .into_bytes()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases()))]

        #[test]
        fn arbitrary_rows_never_panic(bytes in rows()) {
            check(&bytes)?;
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            check(&bytes)?;
        }

        #[test]
        fn arbitrary_text_never_panics(text in "[a-zA-Z0-9 ,\"\\[\\]{}:./\\-\n]{0,300}") {
            check(text.as_bytes())?;
        }

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
