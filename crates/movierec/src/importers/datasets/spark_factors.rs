//! Factors written by the Spark job (`spark/als.py`): a folder per side, holding the CSV part
//! files Spark's writer makes (`part-00000-….csv`, with a `_SUCCESS` marker beside them), each
//! with the header `id,features` and one row per user or item: its index in the exported model
//! and its factors separated by spaces.
//!
//! ```text
//! id,features
//! 0,0.1273 -0.0412 0.3301
//! 1,-0.2011 0.0050 0.1188
//! ```
//!
//! [`read_holdout`] reads back the held-out sample the export wrote beside them.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use crate::importers::{ParseError, READ_BUFFER};

/// One row: an index in the exported model and its factors.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorRow {
    pub index: u32,
    pub factors: Vec<f32>,
}

/// Every row of the part files under `dir`, in file order, all of one length.
pub fn read_dir(dir: &Path) -> Result<Vec<FactorRow>, ParseError> {
    let parts = part_files(dir)?;
    let mut rows = Vec::new();
    let mut width: Option<(usize, String, u64)> = None;
    for path in parts {
        let name = path.display().to_string();
        let file = File::open(&path).map_err(|e| ParseError::io(&name, None, e))?;
        for (row, line) in read_part(&name, BufReader::with_capacity(READ_BUFFER, file))? {
            match &width {
                None => width = Some((row.factors.len(), name.clone(), line)),
                Some((k, first_file, first_line)) if *k != row.factors.len() => {
                    return Err(ParseError::Malformed {
                        file: name,
                        line,
                        message: format!(
                            "{} factors, but {first_file}:{first_line} has {k}",
                            row.factors.len()
                        ),
                    });
                }
                Some(_) => {}
            }
            rows.push(row);
        }
    }
    Ok(rows)
}

/// The CSV part files of a Spark output folder, sorted by name. A folder without a `_SUCCESS`
/// marker is a job that did not finish, and is refused.
fn part_files(dir: &Path) -> Result<Vec<PathBuf>, ParseError> {
    let name = dir.display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|e| ParseError::io(&name, None, e))?;
    let mut parts = Vec::new();
    let mut finished = false;
    for entry in entries {
        let path = entry.map_err(|e| ParseError::io(&name, None, e))?.path();
        let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if file_name == "_SUCCESS" {
            finished = true;
        } else if file_name.starts_with("part-") && file_name.ends_with(".csv") {
            parts.push(path);
        }
    }
    if !finished {
        return Err(ParseError::layout(
            &name,
            "no _SUCCESS marker: the Spark job did not finish writing this folder",
        ));
    }
    if parts.is_empty() {
        return Err(ParseError::layout(&name, "no part-*.csv files"));
    }
    parts.sort();
    Ok(parts)
}

/// The rows of one part file, each with its 1-based line.
fn read_part(file: &str, input: impl std::io::Read) -> Result<Vec<(FactorRow, u64)>, ParseError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(input);
    let headers = reader
        .headers()
        .map_err(|e| csv_error(file, e))?
        .iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    if headers != ["id", "features"] {
        return Err(ParseError::Malformed {
            file: file.to_owned(),
            line: 1,
            message: format!(
                "expected the header `id,features`, found `{}`",
                headers.join(",")
            ),
        });
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(file, e))?;
        let line = record.position().map_or(0, |p| p.line());
        let malformed = |message: String| ParseError::Malformed {
            file: file.to_owned(),
            line,
            message,
        };
        let index = record[0]
            .trim()
            .parse::<u32>()
            .map_err(|_| malformed(format!("id: '{}' is not an index", &record[0])))?;
        let factors = record[1]
            .split_ascii_whitespace()
            .map(|x| match x.parse::<f32>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => Err(malformed(format!("features: '{x}' is not a finite number"))),
            })
            .collect::<Result<Vec<f32>, _>>()?;
        if factors.is_empty() {
            return Err(malformed("features: empty".to_owned()));
        }
        rows.push((FactorRow { index, factors }, line));
    }
    Ok(rows)
}

/// The export's held-out sample, `user,item,rating` by model index, as the export wrote it.
pub fn read_holdout(path: &Path) -> Result<Vec<(u32, u32, f32)>, ParseError> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|e| ParseError::io(&name, None, e))?;
    let mut reader = csv::Reader::from_reader(BufReader::with_capacity(READ_BUFFER, file));
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(&name, e))?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or("");
        let (Ok(user), Ok(item), Ok(rating)) = (
            field(0).parse::<u32>(),
            field(1).parse::<u32>(),
            field(2).parse::<f32>(),
        ) else {
            return Err(ParseError::Malformed {
                file: name,
                line,
                message: "expected `user,item,rating` (two indices and a number)".to_owned(),
            });
        };
        rows.push((user, item, rating));
    }
    Ok(rows)
}

fn csv_error(file: &str, e: csv::Error) -> ParseError {
    let line = e.position().map_or(0, |p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(source) => ParseError::io(file, Some(line), source),
        kind => ParseError::Malformed {
            file: file.to_owned(),
            line,
            message: format!("{kind:?}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn reads_every_part_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "part-00001-x.csv", "id,features\n2,0.5 -1E-2\n");
        write(
            dir.path(),
            "part-00000-x.csv",
            "id,features\n0,1 2\n1,3 4\n",
        );
        write(dir.path(), "_SUCCESS", "");
        write(dir.path(), ".part-00000-x.csv.crc", "junk");
        let rows = read_dir(dir.path()).unwrap();
        let indices: Vec<u32> = rows.iter().map(|r| r.index).collect();
        assert_eq!(indices, [0, 1, 2]);
        assert_eq!(rows[2].factors, [0.5, -0.01]);
    }

    #[test]
    fn an_unfinished_job_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "part-00000-x.csv", "id,features\n0,1 2\n");
        let err = read_dir(dir.path()).unwrap_err().to_string();
        assert!(err.contains("_SUCCESS"), "{err}");
    }

    #[test]
    fn a_bad_number_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "part-00000-x.csv",
            "id,features\n0,1 2\n1,3 NaN\n",
        );
        write(dir.path(), "_SUCCESS", "");
        let err = read_dir(dir.path()).unwrap_err();
        assert_eq!(err.line(), Some(3));
        assert!(
            err.to_string().contains("'NaN' is not a finite number"),
            "{err}"
        );
    }

    #[test]
    fn rows_of_different_lengths_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "part-00000-x.csv", "id,features\n0,1 2\n1,3\n");
        write(dir.path(), "_SUCCESS", "");
        let err = read_dir(dir.path()).unwrap_err();
        assert_eq!(err.line(), Some(3));
        assert!(err.to_string().contains("1 factors"), "{err}");
    }

    #[test]
    fn a_wrong_header_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "part-00000-x.csv", "user,factors\n0,1 2\n");
        write(dir.path(), "_SUCCESS", "");
        let err = read_dir(dir.path()).unwrap_err();
        assert_eq!(err.line(), Some(1));
    }
}
