//! GroupLens's MovieLens data sets, from a folder or the `.zip` as published (whose files sit
//! under a top folder such as `ml-25m/`).
//!
//! | layout | sets | movies | ratings |
//! | --- | --- | --- | --- |
//! | [`Layout::Ml100k`] | ml-100k | `u.item`: `|`-separated, Latin-1, 19 genre flags | `u.data`: tab-separated |
//! | [`Layout::Ml1m`] | ml-1m, ml-10m | `movies.dat`: `::`-separated, Latin-1 | `ratings.dat` |
//! | [`Layout::Csv`] | ml-latest-small, ml-latest, ml-20m, ml-25m, ml-32m | `movies.csv` (+ `links.csv`) | `ratings.csv` |
//!
//! ```no_run
//! use movierec::importers::datasets::movielens::MovieLensSet;
//! # fn main() -> Result<(), movierec::importers::ParseError> {
//! let set = MovieLensSet::open("ml-32m.zip".as_ref())?;
//! for movie in set.movies()? {
//!     let movie = movie?;
//!     println!("{} ({:?}) {:?}", movie.title, movie.year, movie.imdb_id);
//! }
//! let mut count = 0_u64;
//! for rating in set.ratings()? {
//!     rating?;
//!     count += 1;
//! }
//! # Ok(())
//! # }
//! ```

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use flate2::CrcReader;
use flate2::read::DeflateDecoder;
use zip::{CompressionMethod, ZipArchive};

use crate::domain::{ImdbId, Stars};
use crate::importers::{Input, Lines, ParseError, display_name, quoted, utf8_or_latin1};
use crate::importers::{limits, titles};

/// How a MovieLens set lays out its files; see the module's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// ml-100k: `u.item`, `u.data`.
    Ml100k,
    /// ml-1m and ml-10m: `movies.dat`, `ratings.dat`.
    Ml1m,
    /// ml-latest-small, ml-latest, ml-20m, ml-25m, ml-32m: `movies.csv`, `links.csv`, `ratings.csv`.
    Csv,
}

impl Layout {
    const ALL: [Layout; 3] = [Layout::Csv, Layout::Ml1m, Layout::Ml100k];

    pub fn movies_file(self) -> &'static str {
        match self {
            Self::Ml100k => "u.item",
            Self::Ml1m => "movies.dat",
            Self::Csv => "movies.csv",
        }
    }

    pub fn ratings_file(self) -> &'static str {
        match self {
            Self::Ml100k => "u.data",
            Self::Ml1m => "ratings.dat",
            Self::Csv => "ratings.csv",
        }
    }
}

/// A MovieLens movie, its title normalised by [`parse_title`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movie {
    pub movie_id: u32,
    /// "The Matrix" for MovieLens's "Matrix, The (1999)".
    pub title: String,
    /// The title in the original language when MovieLens gives one in parentheses.
    pub original_title: Option<String>,
    /// Other titles: MovieLens's "(a.k.a. …)" and any further bracketed name.
    pub aka: Vec<String>,
    pub year: Option<u16>,
    /// MovieLens's genres (`Sci-Fi`, `Children`…); none for "(no genres listed)".
    pub genres: Vec<String>,
    /// From `links.csv`; the older layouts have none.
    pub imdb_id: Option<ImdbId>,
    pub tmdb_id: Option<u32>,
}

impl Movie {
    /// The other titles MovieLens gives the film: its original title and its "a.k.a.".
    pub fn alternatives(&self) -> impl Iterator<Item = &str> {
        self.original_title
            .iter()
            .chain(&self.aka)
            .map(String::as_str)
    }
}

/// One rating, 16 bytes: ml-32m's 32 million fit in half a gigabyte if a caller must hold them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rating {
    pub user_id: u32,
    pub movie_id: u32,
    pub stars: Stars,
    /// Seconds since 1970 (MovieLens's ratings are from 1995 on).
    pub timestamp: u32,
}

/// One row of `links.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    pub movie_id: u32,
    pub imdb_id: Option<ImdbId>,
    pub tmdb_id: Option<u32>,
}

/// A stream of records that stops after its first error.
pub type Records<T> = Box<dyn Iterator<Item = Result<T, ParseError>> + Send>;

/// A MovieLens set found in a folder or a zip archive.
pub struct MovieLensSet {
    source: Source,
    layout: Layout,
    name: String,
}

enum Source {
    /// The folder that holds the files.
    Folder(PathBuf),
    Zip {
        path: PathBuf,
        /// The set's files by their name inside the set's folder of the archive.
        entries: HashMap<String, ZipEntry>,
    },
}

struct ZipEntry {
    name: String,
    data_start: u64,
    compressed_size: u64,
    size: u64,
    crc32: u32,
    method: CompressionMethod,
}

impl MovieLensSet {
    /// Opens a folder or `.zip` holding a set: its files directly, or under one folder
    /// (`ml-25m/…`) as GroupLens's archives have them. The layout is found from the file names.
    pub fn open(path: &Path) -> Result<Self, ParseError> {
        let shown = path.display().to_string();
        let meta = fs::metadata(path).map_err(|e| ParseError::io(&shown, None, e))?;
        if meta.is_dir() {
            Self::open_folder(path, &shown)
        } else {
            Self::open_zip(path, &shown)
        }
    }

    fn open_folder(path: &Path, shown: &str) -> Result<Self, ParseError> {
        let mut names = Vec::new();
        let read_dir = |dir: &Path| -> Result<Vec<(String, bool)>, ParseError> {
            fs::read_dir(dir)
                .and_then(|entries| {
                    entries
                        .map(|e| {
                            let e = e?;
                            Ok((
                                e.file_name().to_string_lossy().into_owned(),
                                e.file_type()?.is_dir(),
                            ))
                        })
                        .collect()
                })
                .map_err(|e| ParseError::io(shown, None, e))
        };
        for (name, is_dir) in read_dir(path)? {
            if is_dir {
                for (inner, inner_is_dir) in read_dir(&path.join(&name))? {
                    if !inner_is_dir {
                        names.push(format!("{name}/{inner}"));
                    }
                }
            } else {
                names.push(name);
            }
        }
        let (layout, dir) = detect(names.iter().map(String::as_str), shown)?;
        let folder = if dir.is_empty() {
            path.to_owned()
        } else {
            path.join(&dir)
        };
        Ok(Self {
            name: display_name(&folder),
            source: Source::Folder(folder),
            layout,
        })
    }

    fn open_zip(path: &Path, shown: &str) -> Result<Self, ParseError> {
        let file = File::open(path).map_err(|e| ParseError::io(shown, None, e))?;
        let mut archive = ZipArchive::new(BufReader::new(file)).map_err(|e| {
            ParseError::layout(shown, format!("not a folder nor a zip archive ({e})"))
        })?;
        let names: Vec<String> = archive
            .file_names()
            .filter_map(Result::ok)
            .map(|n| n.into_owned())
            .filter(|n| !n.ends_with('/'))
            .collect();
        let (layout, dir) = detect(names.iter().map(String::as_str), shown)?;
        let mut entries = HashMap::new();
        for file_name in [
            "u.item",
            "u.data",
            "movies.dat",
            "ratings.dat",
            "movies.csv",
            "links.csv",
            "ratings.csv",
        ] {
            let full = if dir.is_empty() {
                file_name.to_owned()
            } else {
                format!("{dir}/{file_name}")
            };
            if !names.contains(&full) {
                continue;
            }
            let bad = |e: zip::result::ZipError| {
                ParseError::layout(&full, format!("unreadable in {shown}: {e}"))
            };
            let entry = archive.by_name(&full).map_err(bad)?;
            if entry.encrypted() {
                return Err(ParseError::layout(&full, "is encrypted"));
            }
            let data_start = entry
                .data_start()
                .ok_or_else(|| ParseError::layout(&full, "has no data"))?;
            entries.insert(
                file_name.to_owned(),
                ZipEntry {
                    name: full.clone(),
                    data_start,
                    compressed_size: entry.compressed_size(),
                    size: entry.size(),
                    crc32: entry.crc32(),
                    method: entry.compression(),
                },
            );
        }
        let name = match dir.rsplit('/').next() {
            Some(last) if !last.is_empty() => last.to_owned(),
            _ => path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| shown.to_owned()),
        };
        Ok(Self {
            source: Source::Zip {
                path: path.to_owned(),
                entries,
            },
            layout,
            name,
        })
    }

    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The set's name: its folder's name (`ml-25m`), else the archive's.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The movies, with their IMDb and TMDB ids when the set has `links.csv`. The links
    /// (under 100,000 rows) are read first; the movies stream.
    pub fn movies(&self) -> Result<Records<Movie>, ParseError> {
        let file = self.layout.movies_file();
        let (input, name) = self.open_file(file)?.ok_or_else(|| self.missing(file))?;
        Ok(match self.layout {
            Layout::Ml100k => line_records(Lines::new(input, name), parse_u_item),
            Layout::Ml1m => line_records(Lines::new(input, name), parse_movies_dat),
            Layout::Csv => {
                let mut links = HashMap::new();
                if let Some(records) = self.links()? {
                    for link in records {
                        let link = link?;
                        links.insert(link.movie_id, link);
                    }
                }
                movies_csv(input, name, links)
            }
        })
    }

    /// The rows of `links.csv`, if the set has one.
    pub fn links(&self) -> Result<Option<Records<Link>>, ParseError> {
        if self.layout != Layout::Csv {
            return Ok(None);
        }
        let Some((input, name)) = self.open_file("links.csv")? else {
            return Ok(None);
        };
        Ok(Some(with_header(
            Lines::new(input, name),
            "movieId,imdbId,tmdbId",
            parse_link,
        )))
    }

    /// The ratings, streamed; each line becomes a 16-byte [`Rating`] without a `String` in between.
    pub fn ratings(&self) -> Result<Records<Rating>, ParseError> {
        let file = self.layout.ratings_file();
        let (input, name) = self.open_file(file)?.ok_or_else(|| self.missing(file))?;
        let lines = Lines::new(input, name);
        Ok(match self.layout {
            Layout::Ml100k => line_records(lines, |l| parse_rating(l, "\t")),
            Layout::Ml1m => line_records(lines, |l| parse_rating(l, "::")),
            Layout::Csv => with_header(lines, "userId,movieId,rating,timestamp", |l| {
                parse_rating(l, ",")
            }),
        })
    }

    fn missing(&self, file: &str) -> ParseError {
        ParseError::layout(file, format!("is missing from {}", self.name))
    }

    /// Opens one of the set's files with the name errors call it by, or `None` if absent.
    fn open_file(&self, file: &str) -> Result<Option<(Input, String)>, ParseError> {
        match &self.source {
            Source::Folder(dir) => {
                let path = dir.join(file);
                match File::open(&path) {
                    Ok(f) => Ok(Some((
                        Box::new(BufReader::with_capacity(crate::importers::READ_BUFFER, f)),
                        file.to_owned(),
                    ))),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(ParseError::io(file, None, e)),
                }
            }
            Source::Zip { path, entries } => {
                let Some(entry) = entries.get(file) else {
                    return Ok(None);
                };
                let input = open_zip_entry(path, entry)?;
                Ok(Some((input, entry.name.clone())))
            }
        }
    }
}

/// Reads an entry of the archive through its own file handle, so the stream owns everything it
/// reads from and can outlive the archive's index. The CRC and size are checked at the end.
fn open_zip_entry(path: &Path, entry: &ZipEntry) -> Result<Input, ParseError> {
    let io_err = |e| ParseError::io(&entry.name, None, e);
    let mut file = File::open(path).map_err(io_err)?;
    file.seek(SeekFrom::Start(entry.data_start))
        .map_err(io_err)?;
    let raw =
        BufReader::with_capacity(crate::importers::READ_BUFFER, file).take(entry.compressed_size);
    let data: Box<dyn Read + Send> = match entry.method {
        CompressionMethod::Stored => Box::new(raw),
        CompressionMethod::Deflated => Box::new(DeflateDecoder::new(raw)),
        other => {
            return Err(ParseError::layout(
                &entry.name,
                format!("is compressed with {other}; only deflate is supported"),
            ));
        }
    };
    Ok(Box::new(BufReader::with_capacity(
        crate::importers::READ_BUFFER,
        Checked {
            inner: CrcReader::new(data),
            crc32: entry.crc32,
            size: entry.size,
        },
    )))
}

struct Checked<R> {
    inner: CrcReader<R>,
    crc32: u32,
    size: u64,
}

impl<R: Read> Read for Checked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            let crc = self.inner.crc();
            // `amount` counts modulo 2^32, as the zip format's own size field does without zip64.
            if crc.sum() != self.crc32 || u64::from(crc.amount()) != self.size % (1 << 32) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the archive's entry is corrupt (checksum or size differs)",
                ));
            }
        }
        Ok(n)
    }
}

/// Finds the layout from the files' names (`dir/file` or `file`), taking the shallowest folder
/// that holds a layout's movies and ratings files. Returns the layout and that folder.
fn detect<'a>(
    names: impl Iterator<Item = &'a str>,
    shown: &str,
) -> Result<(Layout, String), ParseError> {
    let mut files_by_dir: HashMap<&str, Vec<&str>> = HashMap::new();
    for name in names {
        let (dir, file) = name.rsplit_once('/').unwrap_or(("", name));
        files_by_dir.entry(dir).or_default().push(file);
    }
    let mut found: Option<(usize, Layout, &str)> = None;
    for (dir, files) in &files_by_dir {
        let depth = if dir.is_empty() {
            0
        } else {
            dir.split('/').count()
        };
        for layout in Layout::ALL {
            if files.contains(&layout.movies_file())
                && files.contains(&layout.ratings_file())
                && found.is_none_or(|(d, _, _)| depth < d)
            {
                found = Some((depth, layout, dir));
            }
        }
    }
    found
        .map(|(_, layout, dir)| (layout, dir.to_owned()))
        .ok_or_else(|| {
            ParseError::layout(
                shown,
                "is not a MovieLens set: found none of u.item + u.data (ml-100k), \
                 movies.dat + ratings.dat (ml-1m), movies.csv + ratings.csv (ml-latest, ml-25m, ml-32m)",
            )
        })
}

/// Parses each non-empty line with `parse`, naming file and line on failure, and stops there.
fn line_records<T: Send + 'static>(
    mut lines: Lines,
    parse: impl Fn(&str) -> Result<T, String> + Send + 'static,
) -> Records<T> {
    let mut failed = false;
    Box::new(std::iter::from_fn(move || {
        if failed {
            return None;
        }
        let result = match lines.next_line()? {
            Err(e) => Err(e),
            Ok((number, bytes)) => {
                let text = utf8_or_latin1(bytes);
                parse(&text).map_err(|message| lines.malformed(number, message))
            }
        };
        failed = result.is_err();
        Some(result)
    }))
}

/// Like [`line_records`] after checking that the first line is `header`.
fn with_header<T: Send + 'static>(
    mut lines: Lines,
    header: &'static str,
    parse: impl Fn(&str) -> Result<T, String> + Send + 'static,
) -> Records<T> {
    let error = match lines.next_line() {
        // A byte-order mark is allowed: the file may have been saved by a spreadsheet.
        Some(Ok((1, first)))
            if first.strip_prefix(b"\xef\xbb\xbf").unwrap_or(first) == header.as_bytes() =>
        {
            return line_records(lines, parse);
        }
        Some(Err(e)) => e,
        _ => lines.malformed(1, format!("the first line must be the header {header}")),
    };
    Box::new(std::iter::once(Err(error)))
}

fn split_exact<'a, const N: usize>(line: &'a str, sep: &str) -> Result<[&'a str; N], String> {
    let mut fields = [""; N];
    let mut count = 0;
    for field in line.split(sep) {
        if count < N {
            fields[count] = field;
        }
        count += 1;
    }
    if count == N {
        Ok(fields)
    } else {
        Err(format!(
            "{count} fields separated by '{sep}' where {N} are expected"
        ))
    }
}

fn id(column: &str, field: &str) -> Result<u32, String> {
    let field = field.trim();
    field
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 0 && field.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| format!("{column}: {} is not an id", quoted(field)))
}

fn parse_rating(line: &str, sep: &str) -> Result<Rating, String> {
    let [user, movie, rating, timestamp] = split_exact::<4>(line, sep)?;
    let value: f64 = rating
        .trim()
        .parse()
        .map_err(|_| format!("rating: {} is not a number", quoted(rating)))?;
    let stars = Stars::from_f64(value).map_err(|e| format!("rating: {}: {e}", quoted(rating)))?;
    let timestamp = timestamp.trim();
    Ok(Rating {
        user_id: id("userId", user)?,
        movie_id: id("movieId", movie)?,
        stars,
        timestamp: timestamp
            .parse()
            .ok()
            .filter(|_| timestamp.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                format!(
                    "timestamp: {} is not a number of seconds",
                    quoted(timestamp)
                )
            })?,
    })
}

fn parse_link(line: &str) -> Result<Link, String> {
    let [movie, imdb, tmdb] = split_exact::<3>(line, ",")?;
    let imdb = imdb.trim();
    let tmdb = tmdb.trim();
    Ok(Link {
        movie_id: id("movieId", movie)?,
        imdb_id: if imdb.is_empty() {
            None
        } else {
            Some(ImdbId::parse(imdb).map_err(|e| format!("imdbId: {e}"))?)
        },
        tmdb_id: if tmdb.is_empty() {
            None
        } else {
            Some(id("tmdbId", tmdb)?)
        },
    })
}

/// ml-100k's genre flags, in `u.genre`'s order.
const U_ITEM_GENRES: [&str; 19] = [
    "unknown",
    "Action",
    "Adventure",
    "Animation",
    "Children",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
];

/// `id|title|release date|video release date|IMDb URL|` and 19 genre flags.
fn parse_u_item(line: &str) -> Result<Movie, String> {
    let fields = split_exact::<24>(line, "|")?;
    let mut genres = Vec::new();
    for (flag, genre) in fields[5..].iter().zip(U_ITEM_GENRES) {
        match *flag {
            "0" => {}
            // "unknown" is the absence of a genre, as "(no genres listed)" is in later sets.
            "1" if genre == "unknown" => {}
            "1" => genres.push(genre.to_owned()),
            other => return Err(format!("{genre}: {} is not 0 or 1", quoted(other))),
        }
    }
    let mut movie = movie_from(id("movie id", fields[0])?, fields[1], genres)?;
    if movie.year.is_none() {
        // The release date, "01-Jan-1995", knows the year of the few titles without one.
        movie.year = fields[2]
            .rsplit('-')
            .next()
            .and_then(|y| y.parse().ok())
            .map(|y| limits::year("release date", y))
            .transpose()?;
    }
    Ok(movie)
}

/// `id::title::genres`; the title may hold anything but the separator, so it is what lies
/// between the first and the last.
fn parse_movies_dat(line: &str) -> Result<Movie, String> {
    let (movie, rest) = line
        .split_once("::")
        .ok_or("3 fields separated by '::' are expected")?;
    let (title, genres) = rest
        .rsplit_once("::")
        .ok_or("3 fields separated by '::' are expected")?;
    movie_from(id("MovieID", movie)?, title, genres_of(genres))
}

/// `movies.csv`, read line by line like the set's other files (so a line is capped, and ends
/// in `\r\n` or `\n` alike), each line split as one CSV record. MovieLens never breaks a line
/// inside a quoted title, and the csv crate's own line count lags behind on `\r\n`.
fn movies_csv(input: Input, file: String, links: HashMap<u32, Link>) -> Records<Movie> {
    const HEADER: &str = "movieId,title,genres";
    let mut lines = Lines::new(input, file);
    let mut record = csv::ByteRecord::new();
    let mut header_read = false;
    let mut failed = false;
    Box::new(std::iter::from_fn(move || {
        if failed {
            return None;
        }
        let result =
            loop {
                let (number, bytes) = match lines.next_line() {
                    None if header_read => return None,
                    None => {
                        break Err(lines
                            .malformed(1, format!("the first line must be the header {HEADER}")));
                    }
                    Some(Err(e)) => break Err(e),
                    Some(Ok(line)) => line,
                };
                if let Err(message) = csv_record(bytes, &mut record) {
                    break Err(lines.malformed(number, message));
                }
                if !header_read {
                    let first = record
                        .get(0)
                        .map(|f| f.strip_prefix(b"\xef\xbb\xbf").unwrap_or(f));
                    let header: Vec<&[u8]> = record.iter().skip(1).collect();
                    if number != 1
                        || record.len() != 3
                        || first != Some(b"movieId")
                        || header != [b"title" as &[u8], b"genres"]
                    {
                        break Err(lines
                            .malformed(1, format!("the first line must be the header {HEADER}")));
                    }
                    header_read = true;
                    continue;
                }
                break parse_movie_record(&record, &links).map_err(|m| lines.malformed(number, m));
            };
        failed = result.is_err();
        Some(result)
    }))
}

/// Splits one line as a CSV record into `record`.
fn csv_record(line: &[u8], record: &mut csv::ByteRecord) -> Result<(), String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(line);
    match reader.read_byte_record(record) {
        Ok(true) => {}
        Ok(false) => record.clear(),
        Err(e) => return Err(format!("not a CSV record ({e})")),
    }
    // A lone carriage return ends a record for the csv crate: it would split the line.
    match reader.read_byte_record(&mut csv::ByteRecord::new()) {
        Ok(false) => Ok(()),
        _ => Err("a carriage return in the middle of the line".into()),
    }
}

fn parse_movie_record(
    record: &csv::ByteRecord,
    links: &HashMap<u32, Link>,
) -> Result<Movie, String> {
    if record.len() != 3 {
        return Err(format!("{} fields where movies.csv has 3", record.len()));
    }
    let movie_id = id("movieId", &utf8_or_latin1(&record[0]))?;
    let mut movie = movie_from(
        movie_id,
        &utf8_or_latin1(&record[1]),
        genres_of(&utf8_or_latin1(&record[2])),
    )?;
    if let Some(link) = links.get(&movie_id) {
        movie.imdb_id = link.imdb_id;
        movie.tmdb_id = link.tmdb_id;
    }
    Ok(movie)
}

fn genres_of(field: &str) -> Vec<String> {
    field
        .split('|')
        .map(str::trim)
        .filter(|g| !g.is_empty() && *g != "(no genres listed)")
        // ml-1m says "Children's", the later sets "Children".
        .map(|g| {
            if g == "Children's" {
                "Children".to_owned()
            } else {
                g.to_owned()
            }
        })
        .collect()
}

/// A movie from its id, its title as MovieLens writes it and its genres, each within the
/// bounds of [`limits`].
fn movie_from(movie_id: u32, raw_title: &str, genres: Vec<String>) -> Result<Movie, String> {
    limits::genres("genres", &genres)?;
    let parts = parse_title(raw_title);
    if parts.title.is_empty() {
        return Err("the title is empty".into());
    }
    limits::title("title", &parts.title)?;
    if let Some(original) = &parts.original_title {
        limits::title("title (the original in parentheses)", original)?;
    }
    for aka in &parts.aka {
        limits::title("title (its a.k.a.)", aka)?;
    }
    parts.year.map(|y| limits::year("year", y)).transpose()?;
    Ok(Movie {
        movie_id,
        title: parts.title,
        original_title: parts.original_title,
        aka: parts.aka,
        year: parts.year,
        genres,
        imdb_id: None,
        tmdb_id: None,
    })
}

/// A MovieLens title taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TitleParts {
    pub title: String,
    pub original_title: Option<String>,
    pub aka: Vec<String>,
    pub year: Option<u16>,
}

/// The most "a.k.a." and further bracketed names one title is read for.
const MAX_OTHER_TITLES: usize = 4;

/// Takes a MovieLens title apart: "Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)" is
/// "Amelie", originally "Le Fabuleux destin d'Amélie Poulain", from 2001; "Matrix, The (1999)"
/// is "The Matrix". Titles without a year, and with spaces after it, are taken as they come.
pub fn parse_title(raw: &str) -> TitleParts {
    let mut rest = raw.trim();
    let mut year = None;
    if let Some((before, inside)) = trailing_parens(rest)
        && let Some(y) = year_of(inside)
        && !before.trim().is_empty()
    {
        year = Some(y);
        rest = before.trim_end();
    }
    let mut original_title = None;
    let mut aka = Vec::new();
    // "Léon: The Professional (a.k.a. The Professional) (Léon)": every trailing group is
    // another title, an original one or an "a.k.a.", so none is left in the display title.
    // At most a few: MovieLens writes one to three; more is not a title.
    while aka.len() < MAX_OTHER_TITLES
        && let Some((before, inside)) = trailing_parens(rest)
        && !before.trim().is_empty()
        && !inside.trim().is_empty()
    {
        let inside = inside.trim();
        match inside
            .strip_prefix("a.k.a. ")
            .or_else(|| inside.strip_prefix("a.k.a.: "))
            .or_else(|| inside.strip_prefix("aka "))
        {
            Some(other) => aka.push(move_article(other.trim())),
            // The last group is the original title; one before it another name ("Seven
            // Samurai (The Magnificent Seven) (Shichinin no samurai)").
            None if original_title.is_none() => original_title = Some(move_article(inside)),
            None => aka.push(move_article(inside)),
        }
        rest = before.trim_end();
    }
    TitleParts {
        title: move_article(rest),
        original_title,
        aka,
        year,
    }
}

/// `(before, inside)` for text ending in a balanced parenthesised group.
fn trailing_parens(text: &str) -> Option<(&str, &str)> {
    let body = text.strip_suffix(')')?;
    let mut depth = 0_usize;
    for (i, c) in body.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' if depth == 0 => return Some((&text[..i], &body[i + 1..])),
            '(' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// "1995", and for series "1975-1979", "2007-" or "2010–2013": the first year.
fn year_of(inside: &str) -> Option<u16> {
    let inside = inside.trim();
    let digits = inside.get(..4)?;
    let tail = &inside[4..];
    let range_ok = tail.is_empty()
        || tail
            .strip_prefix('-')
            .or_else(|| tail.strip_prefix('–'))
            .is_some_and(|end| {
                end.is_empty() || (end.len() == 4 && end.bytes().all(|b| b.is_ascii_digit()))
            });
    (digits.bytes().all(|b| b.is_ascii_digit()) && range_ok)
        .then(|| digits.parse().ok())
        .flatten()
}

/// "Matrix, The" → "The Matrix": MovieLens moves articles to the end.
fn move_article(title: &str) -> String {
    titles::front_article(title)
}

#[cfg(test)]
mod tests;
