//! A viewer's own history exported from another service (or from this one): the upload
//! limits, and which format a file is in, found by asking each format of [`FORMATS`] in turn.
//! What the formats share is in [`record`]; each format is one file.
//!
//! | format | file | gives |
//! | --- | --- | --- |
//! | [`imdb_csv`] | IMDb "Your ratings" export (`Const,Your Rating,…`) | ratings 1–10 |
//! | [`imdb_csv`] | IMDb list or watchlist export (`Position,Const,…`) | watchlist |
//! | [`letterboxd`] | Letterboxd export `.zip` (or one of its CSV files) | ratings, seen, watchlist |
//! | [`trakt`] | Trakt export `.zip` of JSON (or one of its files) | ratings 1–10, seen, watchlist |
//! | [`netflix`] | `NetflixViewingHistory.csv` or `ViewingActivity.csv` | seen |
//! | [`movierec_export`] | this site's export, CSV or JSON | ratings, seen, watchlist |
//!
//! An upload is at most [`MAX_UPLOAD_BYTES`]; a zip may unpack to at most
//! [`MAX_UNPACKED_BYTES`], counted as the bytes come out of the decompressor (an archive's
//! own size fields are not trusted); all files together hold at most [`MAX_ROWS`] rows, and a
//! title at most [`MAX_TITLE_CHARS`] characters.
//! Uploads are small enough to hold: records are collected into one `Vec` while the rows
//! are streamed out of the file, so a malformed row stops the read at once with its file
//! and line.
//!
//! To read one more format: a file here with its [`record::FormatReader`], and its line in
//! [`FORMATS`].

pub(crate) mod imdb_csv;
pub(crate) mod letterboxd;
pub(crate) mod movierec_export;
pub(crate) mod netflix;
pub(crate) mod record;
pub(crate) mod trakt;

use std::io::{Cursor, Read};

pub use record::{Entry, Format, HistoryRecord, MAX_ROWS, MAX_TITLE_CHARS};
pub use record::{format_date, format_timestamp};

use crate::importers::ParseError;
use record::{FormatReader, Probe, Sink, strip_bom};

/// The largest upload accepted.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;
/// The most a zip upload may unpack to, all entries read together.
pub const MAX_UNPACKED_BYTES: u64 = 100 * 1024 * 1024;

/// Every format, in the order a file is offered to them: the first whose detection
/// recognises a lone file reads it, and the first with entries in a zip reads the zip. This
/// site's export goes before Trakt (its JSON could carry a Trakt file's name) and before
/// Netflix (a header of both).
const FORMATS: &[&FormatReader] = &[
    &imdb_csv::RATINGS,
    &imdb_csv::LIST,
    &letterboxd::READER,
    &movierec_export::READER,
    &trakt::READER,
    &netflix::READER,
];

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
        format!("unknown format; known formats are {}", known_formats()),
    )
}

/// The formats [`read_history`] knows, as the message for an unknown file names them:
/// "a, b, or c".
fn known_formats() -> String {
    let described: Vec<&str> = FORMATS.iter().map(|f| f.described).collect();
    match described.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{}, or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Reads a lone file with the first format that recognises it; `None` when none does.
fn read_file(name: &str, bytes: &[u8], sink: &mut Sink) -> Result<Option<Format>, ParseError> {
    let text = strip_bom(bytes);
    let probe = Probe::new(name, text);
    let Some(reader) = FORMATS.iter().find(|f| (f.detect)(&probe)) else {
        return Ok(None);
    };
    (reader.read)(name, text, sink)?;
    Ok(Some(reader.format))
}

/// Reads the entries of a zip that matter, each under the [`MAX_UNPACKED_BYTES`] cap: those
/// of the first format that has entries in it, or the archive's one file.
fn read_zip(name: &str, bytes: &[u8], sink: &mut Sink) -> Result<Format, ParseError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ParseError::layout(name, format!("is not a readable zip archive ({e})")))?;
    let names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.into_owned())
        .filter(|n| !n.ends_with('/'))
        .collect();
    let mut budget = MAX_UNPACKED_BYTES;
    for reader in FORMATS {
        let entries = (reader.zip_entries)(&names);
        if entries.is_empty() {
            continue;
        }
        for file in &entries {
            let data = unpack(&mut archive, name, file, &mut budget)?;
            (reader.read)(file, strip_bom(&data), sink)?;
        }
        return Ok(reader.format);
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

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write;

    use proptest::prelude::*;
    use zip::write::SimpleFileOptions;

    use super::*;
    use record::tests::cases;

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
    }
}
