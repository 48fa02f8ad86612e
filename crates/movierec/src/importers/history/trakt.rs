//! Trakt's export: a `.zip` of JSON files, at its root or under a `<user>/` folder.
//!
//! - `ratings-movies.json`: `[{"rated_at": "…", "rating": 10, "type": "movie", "movie":
//!   {"title": "TRON: Legacy", "year": 2010, "ids": {"trakt": 1, "imdb": "tt1104001",
//!   "tmdb": 20526}}}, …]`, ratings 1–10;
//! - `lists-watchlist.json` (`listed_at`) and `watchlist-movies.json`: the watchlist;
//! - `watched-history*.json` (`watched_at`, one entry per play) and `watched-movies.json`
//!   (`last_watched_at`): seen.
//!
//! Entries about shows, seasons and episodes are skipped. Each entry of a file's top-level
//! array is read on its own, so an error names the line the entry starts on.

use serde::Deserialize;

use super::record::{
    Entry, Format, FormatReader, HistoryRecord, Items, Sink, base_name, imdb_id, parse_iso,
    stars_of_ten,
};
use crate::importers::ParseError;

pub(crate) const READER: FormatReader = FormatReader {
    format: Format::new("trakt", "Trakt"),
    described: "a Trakt export (.zip of JSON, or one of its JSON files)",
    detect: |probe| {
        probe.is_json() && (file_kind(base_name(probe.name)).is_some() || looks_like(probe.text))
    },
    read: |file, text, sink| {
        let kind = file_kind(base_name(file)).unwrap_or(FileKind::Unknown);
        read(file, kind, text, sink)
    },
    zip_entries,
};

/// The export's files, at the archive's root or in one folder, in the archive's order.
fn zip_entries(names: &[String]) -> Vec<String> {
    names
        .iter()
        .filter(|n| n.matches('/').count() <= 1)
        .filter(|n| file_kind(base_name(n)).is_some())
        .cloned()
        .collect()
}

/// What a Trakt file holds, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Ratings,
    Watchlist,
    Watched,
    /// A lone JSON file under another name: each entry says what it is by its fields.
    Unknown,
}

/// The kind of a file Trakt's export names so; `None` for its other files (shows, comments).
pub fn file_kind(name: &str) -> Option<FileKind> {
    let name = name.to_ascii_lowercase();
    if !name.ends_with(".json") {
        return None;
    }
    if name == "ratings-movies.json" {
        Some(FileKind::Ratings)
    } else if name == "lists-watchlist.json" || name == "watchlist-movies.json" {
        Some(FileKind::Watchlist)
    } else if name.starts_with("watched-history") || name == "watched-movies.json" {
        Some(FileKind::Watched)
    } else {
        None
    }
}

/// Whether a lone JSON file looks like a Trakt list: an array whose first entry has a
/// `movie`, `show` or `episode`.
pub(crate) fn looks_like(bytes: &[u8]) -> bool {
    let mut items = Items::new(bytes);
    match items.next() {
        Some(Ok((_, value))) => {
            let entry: Result<serde_json::Value, _> = serde_json::from_slice(value);
            entry.is_ok_and(|v| {
                ["movie", "show", "episode"]
                    .iter()
                    .any(|k| v.get(k).is_some())
            })
        }
        _ => false,
    }
}

#[derive(Debug, Deserialize)]
struct Item {
    #[serde(rename = "type")]
    kind: Option<String>,
    rating: Option<serde_json::Value>,
    rated_at: Option<String>,
    listed_at: Option<String>,
    watched_at: Option<String>,
    last_watched_at: Option<String>,
    movie: Option<Movie>,
}

#[derive(Debug, Deserialize)]
struct Movie {
    title: Option<String>,
    year: Option<serde_json::Value>,
    ids: Option<Ids>,
}

#[derive(Debug, Deserialize)]
struct Ids {
    imdb: Option<String>,
    tmdb: Option<serde_json::Value>,
}

pub(crate) fn read(
    file: &str,
    kind: FileKind,
    bytes: &[u8],
    sink: &mut Sink,
) -> Result<(), ParseError> {
    let malformed = |line: u64, message: String| ParseError::Malformed {
        file: file.to_owned(),
        line,
        message,
    };
    for item in Items::new(bytes) {
        let (line, value) = item.map_err(|(line, m)| malformed(line, m))?;
        sink.row().map_err(|m| malformed(line, m))?;
        let item: Item = serde_json::from_slice(value).map_err(|e| {
            malformed(
                line + e.line().saturating_sub(1) as u64,
                format!("not a Trakt entry ({e})"),
            )
        })?;
        match record(file, line, kind, item).map_err(|m| malformed(line, m))? {
            Some(record) => sink.push(record).map_err(|m| malformed(line, m))?,
            None => sink.skip(),
        }
    }
    Ok(())
}

fn record(
    file: &str,
    line: u64,
    kind: FileKind,
    item: Item,
) -> Result<Option<HistoryRecord>, String> {
    let is_movie = item.kind.as_deref().is_none_or(|k| k == "movie");
    let Some(movie) = item.movie.filter(|_| is_movie) else {
        return Ok(None);
    };
    let kind = match kind {
        FileKind::Unknown if item.rating.is_some() => FileKind::Ratings,
        FileKind::Unknown if item.listed_at.is_some() => FileKind::Watchlist,
        FileKind::Unknown => FileKind::Watched,
        known => known,
    };
    let (entry, date) = match kind {
        FileKind::Ratings => {
            let rating = item.rating.ok_or_else(|| "rating: is missing".to_owned())?;
            (
                Entry::Rated(stars_of_ten("rating", &rating.to_string())?),
                item.rated_at,
            )
        }
        FileKind::Watchlist => (Entry::Watchlist, item.listed_at),
        FileKind::Watched | FileKind::Unknown => {
            (Entry::Seen, item.watched_at.or(item.last_watched_at))
        }
    };
    let ids = movie.ids;
    let imdb = ids
        .as_ref()
        .and_then(|i| i.imdb.as_deref())
        .filter(|i| !i.is_empty())
        .map(|i| imdb_id("movie.ids.imdb", i))
        .transpose()?;
    let tmdb = match ids.and_then(|i| i.tmdb) {
        None | Some(serde_json::Value::Null) => None,
        Some(value) => Some(
            value
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("movie.ids.tmdb: {value} is not a TMDB id"))?,
        ),
    };
    let year = match movie.year {
        None | Some(serde_json::Value::Null) => None,
        Some(value) => Some(super::record::parse_year("movie.year", &value.to_string())?),
    };
    let title = movie.title.unwrap_or_default();
    if title.trim().is_empty() && imdb.is_none() && tmdb.is_none() {
        return Err("movie: has neither a title nor ids".into());
    }
    Ok(Some(HistoryRecord {
        file: file.to_owned(),
        line,
        entry,
        title,
        original_title: None,
        year,
        imdb_id: imdb,
        tmdb_id: tmdb,
        date: date
            .filter(|d| !d.is_empty())
            .map(|d| parse_iso("date", &d))
            .transpose()?,
    }))
}

#[cfg(test)]
mod tests {
    use super::super::read_history;
    use super::super::tests::zip_of;
    use super::*;
    use crate::domain::Stars;

    const RATINGS: &str = r#"[
  {
    "rated_at": "2015-03-01T10:20:30.000Z",
    "rating": 10,
    "type": "movie",
    "movie": {"title": "TRON: Legacy", "year": 2010, "ids": {"trakt": 1, "slug": "tron-legacy-2010", "imdb": "tt1104001", "tmdb": 20526}}
  },
  {
    "rated_at": "2015-03-02T10:20:30.000Z",
    "rating": 7,
    "type": "movie",
    "movie": {"title": "Heat", "year": 1995, "ids": {"trakt": 2, "imdb": null, "tmdb": 949}}
  }
]"#;

    const HISTORY: &str = r#"[
  {"id": 1, "watched_at": "2020-01-01T20:00:00.000Z", "action": "scrobble", "type": "episode",
   "episode": {"season": 1, "number": 1}, "show": {"title": "Breaking Bad"}},
  {"id": 2, "watched_at": "2020-01-02T20:00:00.000Z", "action": "watch", "type": "movie",
   "movie": {"title": "Alien", "year": 1979, "ids": {"imdb": "tt0078748", "tmdb": 348}}}
]"#;

    const WATCHLIST: &str = r#"[{"rank": 1, "id": 9, "listed_at": "2021-05-05T00:00:00.000Z", "notes": null, "type": "movie",
  "movie": {"title": "Dune", "year": 2021, "ids": {"imdb": "tt1160419", "tmdb": 438631}}},
 {"rank": 2, "listed_at": "2021-05-05T00:00:00.000Z", "type": "show", "show": {"title": "Dark"}}]"#;

    #[test]
    fn reads_an_export_under_a_user_folder() {
        let zip = zip_of(&[
            ("someone/ratings-movies.json", RATINGS.as_bytes()),
            ("someone/watched-history-1.json", HISTORY.as_bytes()),
            ("someone/lists-watchlist.json", WATCHLIST.as_bytes()),
            ("someone/ratings-shows.json", b"[1, 2"),
        ]);
        let history = read_history("trakt.zip", &zip).unwrap();
        assert_eq!(history.format, READER.format);
        assert_eq!(history.skipped, 2, "the episode and the show");
        let mut got: Vec<(String, Entry, Option<u32>, u64)> = history
            .records
            .iter()
            .map(|r| (r.title.clone(), r.entry, r.tmdb_id, r.line))
            .collect();
        got.sort_by(|a, b| a.0.cmp(&b.0));
        let stars = |s| Entry::Rated(Stars::parse(s).unwrap());
        assert_eq!(
            got,
            [
                ("Alien".to_owned(), Entry::Seen, Some(348), 4),
                ("Dune".to_owned(), Entry::Watchlist, Some(438631), 1),
                ("Heat".to_owned(), stars("3.5"), Some(949), 8),
                ("TRON: Legacy".to_owned(), stars("5"), Some(20526), 2),
            ]
        );
        let tron = history
            .records
            .iter()
            .find(|r| r.title == "TRON: Legacy")
            .unwrap();
        assert_eq!(tron.imdb_id.unwrap().to_string(), "tt1104001");
        assert_eq!(tron.date, parse_iso("d", "2015-03-01T10:20:30Z").ok());
    }

    #[test]
    fn a_bad_entry_names_its_line() {
        let text = RATINGS.replace("\"rating\": 7", "\"rating\": 7.5");
        let err = read_history("ratings-movies.json", text.as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ratings-movies.json:8: rating: '7.5' is not a whole number from 1 to 10"
        );
        let err = read_history("ratings-movies.json", b"[{\"rating\": 1},\n{").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("ratings-movies.json:2: not JSON"),
            "{err}"
        );
    }
}
