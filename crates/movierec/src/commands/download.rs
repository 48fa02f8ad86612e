//! Downloads of data set files, with progress: a bar on a terminal, a log line every tenth
//! otherwise.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::io::AsyncWriteExt;

/// A client for data set downloads: a connection must open within a minute, but a dump of
/// a gigabyte may take as long as it takes.
pub fn client() -> anyhow::Result<reqwest::Client> {
    crate::tls::install();
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(60))
        .user_agent(concat!("movierec/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("cannot start an HTTP client")
}

/// A downloaded file.
#[derive(Debug)]
pub struct Downloaded {
    pub path: PathBuf,
    /// The server's `Last-Modified` date as `YYYY-MM-DD`, when it sent one.
    pub date: Option<String>,
}

/// Downloads `url` into `dir`, under the last segment of the URL's path (so errors about
/// its lines name it as its publisher does).
pub async fn fetch(client: &reqwest::Client, url: &str, dir: &Path) -> anyhow::Result<Downloaded> {
    let name = file_name(url);
    let path = dir.join(&name);
    let mut response = client
        .get(url)
        .send()
        .await
        .with_context(|| format!("cannot download {url}"))?;
    if !response.status().is_success() {
        bail!(
            "cannot download {url}: the server answered {}",
            response.status()
        );
    }
    let date = response
        .headers()
        .get(reqwest::header::LAST_MODIFIED)
        .and_then(|v| v.to_str().ok())
        .and_then(http_date);
    let total = response.content_length();
    let progress = Progress::new(&name, total);
    let mut file = tokio::fs::File::create(&path)
        .await
        .with_context(|| format!("cannot write {}", path.display()))?;
    let mut done = 0_u64;
    while let Some(chunk) = response
        .chunk()
        .await
        .with_context(|| format!("the download of {url} broke off"))?
    {
        file.write_all(&chunk)
            .await
            .with_context(|| format!("cannot write {}", path.display()))?;
        done += chunk.len() as u64;
        progress.set(done);
    }
    file.flush().await?;
    if let Some(total) = total
        && done != total
    {
        bail!("the download of {url} broke off after {done} of {total} bytes");
    }
    progress.finish(done);
    Ok(Downloaded { path, date })
}

/// The last path segment of a URL, or `download` if it has none.
fn file_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let name = path.rsplit('/').next().unwrap_or("");
    let safe: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    if safe.is_empty() || safe.chars().all(|c| c == '.') {
        "download".to_owned()
    } else {
        safe
    }
}

/// `YYYY-MM-DD` from an HTTP date such as `Wed, 21 Oct 2015 07:28:00 GMT`.
pub fn http_date(value: &str) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut parts = value.split_whitespace().skip(1);
    let day: u8 = parts.next()?.parse().ok()?;
    let month = parts.next()?;
    let month = MONTHS.iter().position(|m| *m == month)? + 1;
    let year: u16 = parts.next()?.parse().ok()?;
    (1..=31)
        .contains(&day)
        .then(|| format!("{year:04}-{month:02}-{day:02}"))
}

struct Progress {
    bar: ProgressBar,
    terminal: bool,
    name: String,
    total: Option<u64>,
}

impl Progress {
    fn new(name: &str, total: Option<u64>) -> Self {
        let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
        let template = if total.is_some() {
            "{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}"
        } else {
            "{prefix} {spinner} {bytes} {bytes_per_sec}"
        };
        bar.set_style(
            ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix(format!("downloading {name}"));
        if !terminal {
            eprintln!("downloading {name}");
        }
        Self {
            bar,
            terminal,
            name: name.to_owned(),
            total,
        }
    }

    fn set(&self, done: u64) {
        let before = self.bar.position();
        self.bar.set_position(done);
        if self.terminal {
            return;
        }
        // A log line each tenth of the file, or each 100 MB when its size is unknown.
        let step = self.total.map_or(100 << 20, |t| (t / 10).max(1));
        if done / step > before / step {
            match self.total {
                Some(total) => eprintln!("{}: {} of {} MB", self.name, done >> 20, total >> 20),
                None => eprintln!("{}: {} MB", self.name, done >> 20),
            }
        }
    }

    fn finish(&self, done: u64) {
        self.bar.finish_and_clear();
        eprintln!("downloaded {} ({} MB)", self.name, done >> 20);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_files_after_the_url() {
        assert_eq!(
            file_name("https://datasets.imdbws.com/title.basics.tsv.gz"),
            "title.basics.tsv.gz"
        );
        assert_eq!(file_name("http://x/a/b.gz?sig=1#f"), "b.gz");
        assert_eq!(file_name("http://x/"), "download");
        assert_eq!(file_name("http://x/.."), "download");
    }

    #[test]
    fn reads_http_dates() {
        assert_eq!(
            http_date("Wed, 21 Oct 2015 07:28:00 GMT").as_deref(),
            Some("2015-10-21")
        );
        assert_eq!(
            http_date("Sun, 29 Nov 2026 01:02:03 GMT").as_deref(),
            Some("2026-11-29")
        );
        assert_eq!(http_date("yesterday"), None);
        assert_eq!(http_date("Wed, 41 Oct 2015 07:28:00 GMT"), None);
    }
}
