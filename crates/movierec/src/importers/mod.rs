//! Parsers of outside formats into plain records, with no database access.
//!
//! - [`titles`]: the one rule by which a film's title is recognised (the title key, its
//!   articles, the year tolerance), shared by every reader and matcher;
//! - [`datasets`]: the public data sets a catalog import loads (MovieLens, IMDb) and the
//!   factors a Spark job wrote;
//! - [`history`]: a viewer's own ratings, watched films and watchlist exported from another
//!   service or from this one, one file per format;
//! - [`media`]: what a media server's webhook says happened to a film (Jellyfin, Plex, Emby).
//!
//! Every reader streams: files of millions of lines are read one line at a time and never held
//! whole, and a line is never held past [`limits::MAX_LINE_BYTES`]. A malformed line, or a
//! field past the bounds of [`limits`], stops the reader with a [`ParseError`] naming the file
//! and line.

pub mod datasets;
pub mod history;
pub(crate) mod limits;
pub(crate) mod media;
pub mod titles;

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

/// Big reads: the inputs are hundreds of megabytes read front to back.
const READ_BUFFER: usize = 256 * 1024;

/// Why a data set could not be read, with the file and 1-based line where it was found.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// A line that does not have the file's format, e.g.
    /// `title.basics.tsv.gz:1234: runtimeMinutes: 'abc' is not a number`.
    #[error("{file}:{line}: {message}")]
    Malformed {
        file: String,
        line: u64,
        message: String,
    },
    /// The file could not be opened or read (a truncated gzip is one); `line` is the line being
    /// read when it failed, if any was.
    #[error("{}: cannot be read", Location { file, line: *line })]
    Io {
        file: String,
        line: Option<u64>,
        #[source]
        source: io::Error,
    },
    /// A folder or archive that is not one of the known layouts, or lacks a file it needs.
    #[error("{file}: {message}")]
    Layout { file: String, message: String },
}

impl ParseError {
    /// The file the error is about, as named in the message.
    pub fn file(&self) -> &str {
        match self {
            Self::Malformed { file, .. } | Self::Io { file, .. } | Self::Layout { file, .. } => {
                file
            }
        }
    }

    /// The 1-based line, when the error is about one.
    pub fn line(&self) -> Option<u64> {
        match self {
            Self::Malformed { line, .. } => Some(*line),
            Self::Io { line, .. } => *line,
            Self::Layout { .. } => None,
        }
    }

    pub(crate) fn io(file: &str, line: Option<u64>, source: io::Error) -> Self {
        Self::Io {
            file: file.to_owned(),
            line,
            source,
        }
    }

    pub(crate) fn layout(file: &str, message: impl Into<String>) -> Self {
        Self::Layout {
            file: file.to_owned(),
            message: message.into(),
        }
    }
}

struct Location<'a> {
    file: &'a str,
    line: Option<u64>,
}

impl fmt::Display for Location<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}", self.file),
            None => f.write_str(self.file),
        }
    }
}

/// A boxed byte stream: a plain file, a gzip stream or an entry of a zip archive.
pub(crate) type Input = Box<dyn BufRead + Send>;

/// Wraps `reader` in a gzip decoder when it starts with gzip's magic bytes, whatever its name.
pub(crate) fn maybe_gunzip<R: Read + Send + 'static>(mut reader: R) -> io::Result<Input> {
    let mut head = [0u8; 2];
    let mut len = 0;
    while len < head.len() {
        match reader.read(&mut head[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let stream = io::Cursor::new(head[..len].to_vec()).chain(reader);
    if head[..len] == [0x1f, 0x8b] {
        Ok(Box::new(BufReader::with_capacity(
            READ_BUFFER,
            MultiGzDecoder::new(BufReader::with_capacity(READ_BUFFER, stream)),
        )))
    } else {
        Ok(Box::new(BufReader::with_capacity(READ_BUFFER, stream)))
    }
}

/// Opens a file that may be gzip-compressed.
pub(crate) fn open_maybe_gzip(path: &Path, name: &str) -> Result<Input, ParseError> {
    let file = File::open(path).map_err(|e| ParseError::io(name, None, e))?;
    maybe_gunzip(file).map_err(|e| ParseError::io(name, Some(1), e))
}

/// The name a file is called by in errors: its file name, or the whole path if it has none.
pub(crate) fn display_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
        .into_owned()
}

/// Lines of a stream, counted from 1, without their `\n` or `\r\n`, read into one reused buffer.
pub(crate) struct Lines {
    input: Input,
    file: String,
    line: u64,
    buf: Vec<u8>,
}

impl Lines {
    pub(crate) fn new(input: Input, file: impl Into<String>) -> Self {
        Self {
            input,
            file: file.into(),
            line: 0,
            buf: Vec::with_capacity(256),
        }
    }

    /// The next line that is not empty, with its number; `None` at the end of the stream.
    pub(crate) fn next_line(&mut self) -> Option<Result<(u64, &[u8]), ParseError>> {
        loop {
            self.buf.clear();
            self.line += 1;
            // One byte past the cap is enough to know the line is too long; the rest of it is
            // never read.
            let cap = limits::MAX_LINE_BYTES as u64 + 1;
            match (&mut self.input).take(cap).read_until(b'\n', &mut self.buf) {
                Ok(0) => return None,
                Ok(n) if n > limits::MAX_LINE_BYTES => {
                    let line = self.line;
                    // Past a line it cannot end, the reader has nothing more to give.
                    self.buf = Vec::new();
                    return Some(Err(self.malformed(line, limits::line_too_long())));
                }
                Ok(_) => {}
                Err(e) => return Some(Err(ParseError::io(&self.file, Some(self.line), e))),
            }
            let mut end = self.buf.len();
            if self.buf[..end].ends_with(b"\n") {
                end -= 1;
            }
            if self.buf[..end].ends_with(b"\r") {
                end -= 1;
            }
            if end > 0 {
                return Some(Ok((self.line, &self.buf[..end])));
            }
        }
    }

    pub(crate) fn malformed(&self, line: u64, message: impl Into<String>) -> ParseError {
        ParseError::Malformed {
            file: self.file.clone(),
            line,
            message: message.into(),
        }
    }
}

/// UTF-8 text as is; anything else read as Latin-1, the encoding of the older MovieLens sets.
pub(crate) fn utf8_or_latin1(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// A field quoted in an error message, cut short so a garbage line cannot flood the log.
pub(crate) fn quoted(text: &str) -> String {
    let mut cut: String = text.chars().take(40).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    format!("'{cut}'")
}

#[cfg(test)]
pub(crate) mod test_support {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;

    pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: Input) -> Vec<(u64, String)> {
        let mut lines = Lines::new(input, "f.txt");
        let mut out = Vec::new();
        while let Some(line) = lines.next_line() {
            let (n, bytes) = line.unwrap();
            out.push((n, String::from_utf8(bytes.to_vec()).unwrap()));
        }
        out
    }

    #[test]
    fn gzip_is_detected_by_its_bytes_not_its_name() {
        let text = b"a\tb\r\n\nc\n";
        let plain = read_all(maybe_gunzip(io::Cursor::new(text.to_vec())).unwrap());
        let zipped = read_all(maybe_gunzip(io::Cursor::new(test_support::gzip(text))).unwrap());
        // Empty lines are skipped but still counted, so later numbers match an editor's.
        assert_eq!(plain, [(1, "a\tb".to_owned()), (3, "c".to_owned())]);
        assert_eq!(plain, zipped);
    }

    #[test]
    fn single_byte_inputs_are_read_as_they_are() {
        for byte in [0x1f_u8, b'x'] {
            let lines = read_all(maybe_gunzip(io::Cursor::new(vec![byte])).unwrap());
            assert_eq!(lines.len(), 1);
            assert_eq!(lines[0].1.as_bytes(), [byte]);
        }
    }

    #[test]
    fn a_truncated_gzip_is_an_io_error_with_its_line() {
        let mut zipped = test_support::gzip(&b"line\n".repeat(10_000));
        zipped.truncate(zipped.len() / 2);
        let mut lines = Lines::new(maybe_gunzip(io::Cursor::new(zipped)).unwrap(), "x.gz");
        let err = std::iter::from_fn(|| lines.next_line().map(|r| r.map(|_| ())))
            .find_map(Result::err)
            .expect("a truncated stream must fail");
        assert!(matches!(err, ParseError::Io { .. }));
        assert_eq!(err.file(), "x.gz");
        assert!(err.line().is_some());
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn latin1_bytes_become_their_characters() {
        assert_eq!(utf8_or_latin1(b"Am\xe9lie"), "Amélie");
        assert_eq!(utf8_or_latin1("Amélie".as_bytes()), "Amélie");
    }

    #[test]
    fn errors_name_file_and_line() {
        let err = ParseError::Malformed {
            file: "title.basics.tsv.gz".into(),
            line: 1234,
            message: "runtimeMinutes: 'abc' is not a number".into(),
        };
        assert_eq!(
            err.to_string(),
            "title.basics.tsv.gz:1234: runtimeMinutes: 'abc' is not a number"
        );
    }
}
