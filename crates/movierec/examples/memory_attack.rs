//! Resident memory of the server under the inputs an attacker would send, run by
//! `bench/memory.sh`.
//!
//! Each case starts `movierec serve` as a child process on 127.0.0.1 with a temporary
//! database, sends its requests, samples the server's RSS from `/proc` every 20 ms, and
//! prints the resident memory before, at its peak (the kernel's high-water mark included)
//! and after the settle time, with how long the requests took and how they were answered:
//!
//! - `long title`: a history upload, a small zip holding one IMDb ratings row whose title is
//!   `--title-mib` MiB long;
//! - `big report`: a zip of a Letterboxd `ratings.csv` with `--report-rows` rows of films no
//!   catalog holds, previewed, applied, then its report page viewed 8 times at once;
//! - `parallel uploads`: `--uploads` uploads of a 0.9 MB Letterboxd CSV at once;
//! - `poster bombs`: a member opens 10 movie pages at once while the TMDB stand-in (a
//!   local server speaking TMDB's format) answers every poster with an 8000 × 8000 PNG.
//!
//! ```sh
//! cargo build --release -p movierec --bin movierec --example memory_attack
//! target/release/examples/memory_attack --server target/release/movierec [--settle-secs 10]
//! ```

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::Router;
use axum::extract::{Path, Query};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use common::{Server, memory_mib};
use reqwest::{Client, redirect};
use serde_json::json;

const PASSWORD: &str = "memory attack password 1234";

struct Args {
    server: PathBuf,
    settle: Duration,
    title_mib: usize,
    report_rows: usize,
    uploads: usize,
    only: Option<String>,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        server: PathBuf::from("target/release/movierec"),
        settle: Duration::from_secs(10),
        title_mib: 20,
        report_rows: 90_000,
        uploads: 30,
        only: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--server" => args.server = value.into(),
            "--settle-secs" => args.settle = Duration::from_secs(value.parse()?),
            "--title-mib" => args.title_mib = value.parse()?,
            "--report-rows" => args.report_rows = value.parse()?,
            "--uploads" => args.uploads = value.parse()?,
            "--only" => args.only = Some(value),
            _ => bail!("unknown flag {flag}"),
        }
    }
    Ok(args)
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

async fn start(args: &Args, extra: &[String]) -> anyhow::Result<Server> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("attack.db").display());
    let port = free_port()?;
    let child = Command::new(&args.server)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .args(["--database-url", &url, "--log", "error"])
        .args(extra)
        .stdout(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", args.server.display()))?;
    let server = Server {
        child,
        address: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    };
    let started = Instant::now();
    while reqwest::get(format!("{}/health", server.address))
        .await
        .is_err()
    {
        if started.elapsed() > Duration::from_secs(120) {
            bail!("the server did not come up");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(server)
}

fn client() -> anyhow::Result<Client> {
    Ok(Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .timeout(Duration::from_secs(600))
        .build()?)
}

/// A signed-in client of its own account.
async fn signed_in(server: &Server, name: &str) -> anyhow::Result<Client> {
    let client = client()?;
    let response = client
        .post(format!("{}/register", server.address))
        .header("Origin", &server.address)
        .form(&[
            ("username", name),
            ("password", PASSWORD),
            ("confirm", PASSWORD),
        ])
        .send()
        .await?;
    if response.status().as_u16() != 303 {
        bail!("registering {name}: {}", response.status());
    }
    Ok(client)
}

/// A history upload as a browser's form sends it; the answer's status and location.
async fn upload(
    client: &Client,
    address: &str,
    file_name: &str,
    bytes: Vec<u8>,
) -> anyhow::Result<(u16, Option<String>)> {
    let boundary = "----movierecmemoryattack";
    let mut body = Vec::with_capacity(bytes.len() + 512);
    write!(
        body,
        "--{boundary}\r\nContent-Disposition: form-data; name=\"conflicts\"\r\n\r\nkeep_mine\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )?;
    body.extend_from_slice(&bytes);
    write!(body, "\r\n--{boundary}--\r\n")?;
    let response = client
        .post(format!("{address}/my/import"))
        .header("Origin", address)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await?;
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned);
    let body = response.text().await?;
    if std::env::var_os("MEMORY_ATTACK_DEBUG").is_some() {
        eprintln!("{status}: {}", &body[..body.len().min(3000)]);
    }
    Ok((status, location))
}

fn zip_of(name: &str, text: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file(name, options)?;
    zip.write_all(text)?;
    zip.finish()?;
    Ok(out.into_inner())
}

/// Letterboxd's `ratings.csv` of `rows` films no catalog holds, each title `title_len` long.
fn letterboxd_csv(rows: usize, title_len: usize, seed: usize) -> Vec<u8> {
    let mut text = String::from("Date,Name,Year,Letterboxd URI,Rating\n");
    for i in 0..rows {
        let stem = format!("Unknown film {seed} {i} ");
        let pad = title_len.saturating_sub(stem.len());
        text.push_str(&format!(
            "2024-01-01,{stem}{},1999,https://boxd.it/{seed}x{i},3.5\n",
            "z".repeat(pad)
        ));
    }
    text.into_bytes()
}

struct Figures {
    before: f64,
    peak: f64,
    settled: f64,
    seconds: f64,
    answers: String,
}

/// Runs `work` while sampling the server's memory.
async fn measure<F>(args: &Args, server: &Server, work: F) -> anyhow::Result<Figures>
where
    F: std::future::Future<Output = anyhow::Result<String>>,
{
    let pid = server.child.id();
    let (before, _) = memory_mib(pid)?;
    let started = Instant::now();
    let mut peak = before;
    tokio::pin!(work);
    let answers = loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(20)) => {
                peak = peak.max(memory_mib(pid)?.0);
            }
            done = &mut work => break done?,
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    peak = peak.max(memory_mib(pid)?.1);
    tokio::time::sleep(args.settle).await;
    let (settled, _) = memory_mib(pid)?;
    Ok(Figures {
        before,
        peak,
        settled,
        seconds,
        answers,
    })
}

async fn long_title(args: &Args) -> anyhow::Result<Figures> {
    let server = start(args, &[]).await?;
    let client = signed_in(&server, "longtitle").await?;
    let title = "a".repeat(args.title_mib * 1024 * 1024);
    let csv = format!(
        "Const,Your Rating,Date Rated,Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors\n\
         tt9999999,8,2024-01-01,{title},https://www.imdb.com/title/tt9999999/,Movie,7.0,100,1999,Drama,10,1999-01-01,Someone\n"
    );
    let zip = zip_of("imdb-ratings.csv", csv.as_bytes())?;
    let zip_kib = zip.len() / 1024;
    measure(args, &server, async {
        let (status, location) = upload(&client, &server.address, "ratings.zip", zip).await?;
        let mut answers = format!("{zip_kib} KiB zip: upload {status}");
        // A kept preview is viewed again: it must not cost the upload again.
        if let Some(location) = location.filter(|_| status == 303) {
            let started = Instant::now();
            let view = client
                .get(format!("{}{location}", server.address))
                .send()
                .await?;
            let status = view.status().as_u16();
            view.bytes().await?;
            answers.push_str(&format!(
                ", view {status} in {:.1} s",
                started.elapsed().as_secs_f64()
            ));
        }
        Ok(answers)
    })
    .await
}

async fn big_report(args: &Args) -> anyhow::Result<Figures> {
    let server = start(args, &[]).await?;
    let client = signed_in(&server, "bigreport").await?;
    let zip = zip_of("ratings.csv", &letterboxd_csv(args.report_rows, 300, 0))?;
    let zip_kib = zip.len() / 1024;
    measure(args, &server, async {
        let (status, location) = upload(&client, &server.address, "letterboxd.zip", zip).await?;
        let Some(location) = location.filter(|_| status == 303) else {
            return Ok(format!("{zip_kib} KiB zip: upload {status}"));
        };
        let apply = client
            .post(format!("{}{location}/apply", server.address))
            .header("Origin", &server.address)
            .form(&[("conflicts", "keep_mine")])
            .send()
            .await?;
        let applied = apply.status().as_u16();
        apply.bytes().await?;
        let mut views = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let url = format!("{}{location}", server.address);
            let client = client.clone();
            views.spawn(async move {
                let response = client.get(url).send().await?;
                Ok::<_, anyhow::Error>(response.bytes().await?.len())
            });
        }
        let mut page = 0;
        while let Some(done) = views.join_next().await {
            page = page.max(done??);
        }
        Ok(format!(
            "{zip_kib} KiB zip: upload {status}, apply {applied}, report page {:.1} MB",
            page as f64 / 1e6
        ))
    })
    .await
}

async fn parallel_uploads(args: &Args) -> anyhow::Result<Figures> {
    // Every uploader registers from 127.0.0.1.
    let accounts = (args.uploads + 1).to_string();
    let server = start(args, &["--registrations-per-hour".into(), accounts]).await?;
    let mut clients = Vec::new();
    for i in 0..args.uploads {
        clients.push(signed_in(&server, &format!("uploader{i}")).await?);
    }
    // About 0.9 MB each: 12,000 rows of a 60-character title.
    let files: Vec<Vec<u8>> = (0..args.uploads)
        .map(|i| letterboxd_csv(12_000, 60, i))
        .collect();
    let kib = files[0].len() / 1024;
    measure(args, &server, async {
        let mut uploads = tokio::task::JoinSet::new();
        for (client, file) in clients.into_iter().zip(files) {
            let address = server.address.clone();
            uploads.spawn(async move {
                let (status, _) = upload(&client, &address, "ratings.csv", file).await?;
                Ok::<_, anyhow::Error>(status)
            });
        }
        let mut counts = std::collections::BTreeMap::new();
        while let Some(done) = uploads.join_next().await {
            *counts.entry(done??).or_insert(0) += 1;
        }
        let answers: Vec<String> = counts.iter().map(|(s, n)| format!("{n}× {s}")).collect();
        Ok(format!("{kib} KiB each: {}", answers.join(", ")))
    })
    .await
}

/// An 8000 × 8000 PNG of one colour: a few hundred kilobytes that decode to 192 MB.
fn poster_bomb() -> anyhow::Result<Vec<u8>> {
    let image = image::RgbImage::from_pixel(8000, 8000, image::Rgb([40, 40, 40]));
    let mut out = Vec::new();
    image.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)?;
    Ok(out)
}

/// A stand-in for TMDB's API and image host on 127.0.0.1 that knows every IMDb id and
/// gives every film the same poster.
async fn tmdb_stand_in(poster: Vec<u8>) -> anyhow::Result<String> {
    let find = |Path(imdb_id): Path<String>| async move {
        let id: i64 = imdb_id.trim_start_matches("tt").parse().unwrap_or(1);
        axum::Json(json!({
            "movie_results": [{"adult": false, "id": id, "title": "Film", "original_title": "Film",
                "poster_path": format!("/{imdb_id}.png"), "release_date": "1994-09-23",
                "vote_average": 7.5, "vote_count": 1000, "genre_ids": [18], "overview": ""}],
            "person_results": [], "tv_results": [], "tv_episode_results": [], "tv_season_results": []
        }))
    };
    // A catalog film without an IMDb id is looked up by title and year: the first hit is
    // it, whatever its year.
    let search = |Query(q): Query<std::collections::HashMap<String, String>>| async move {
        let title = q.get("query").cloned().unwrap_or_default();
        let year = q.get("year").cloned().unwrap_or_else(|| "1994".into());
        axum::Json(
            json!({"page": 1, "total_pages": 1, "total_results": 1, "results": [{
            "adult": false, "id": 1, "title": title, "original_title": title,
            "poster_path": "/1.png", "release_date": format!("{year}-01-01"),
            "vote_average": 7.5, "vote_count": 1000, "genre_ids": [18], "overview": ""}]}),
        )
    };
    let movie = |Path(id): Path<i64>| async move {
        let imdb_id = format!("tt{id:07}");
        axum::Json(json!({
            "adult": false, "id": id, "imdb_id": imdb_id, "title": "Film", "original_title": "Film",
            "overview": "", "runtime": 100, "release_date": "1994-09-23",
            "poster_path": format!("/{imdb_id}.png"), "genres": [{"id": 18, "name": "Drama"}],
            "credits": {"cast": [], "crew": []}
        }))
    };
    let configuration = || async {
        axum::Json(
            json!({"images": {"secure_base_url": "https://image.tmdb.org/t/p/",
            "poster_sizes": ["w92", "w154", "w185", "w342", "w500", "w780", "original"]},
            "change_keys": []}),
        )
    };
    let image = move |Path((_size, _file)): Path<(String, String)>| {
        let poster = poster.clone();
        async move { ([(header::CONTENT_TYPE, "image/png")], poster).into_response() }
    };
    let app = Router::new()
        .route("/3/configuration", get(configuration))
        .route("/3/find/{id}", get(find))
        .route("/3/search/movie", get(search))
        .route("/3/movie/{id}", get(movie))
        .route("/img/{size}/{file}", get(image));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(address)
}

async fn poster_bombs(args: &Args) -> anyhow::Result<Figures> {
    let stand_in = tmdb_stand_in(poster_bomb()?).await?;
    let server = start(
        args,
        &[
            "--tmdb-api-key".into(),
            "0123456789abcdef0123456789abcdef".into(),
            "--tmdb-url".into(),
            stand_in.clone(),
            "--tmdb-image-url".into(),
            format!("{stand_in}/img"),
            "--provider-rate".into(),
            "40".into(),
        ],
    )
    .await?;
    // Details and posters are fetched on a signed-in member's page view.
    let visitor = signed_in(&server, "posterviewer").await?;
    measure(args, &server, async {
        let mut views = tokio::task::JoinSet::new();
        for id in 1..=10 {
            let url = format!("{}/movies/{id}", server.address);
            let visitor = visitor.clone();
            views.spawn(async move {
                let response = visitor.get(url).send().await?;
                let status = response.status().as_u16();
                response.bytes().await?;
                Ok::<_, anyhow::Error>(status)
            });
        }
        let mut counts = std::collections::BTreeMap::new();
        while let Some(done) = views.join_next().await {
            *counts.entry(done??).or_insert(0) += 1;
        }
        let answers: Vec<String> = counts.iter().map(|(s, n)| format!("{n}× {s}")).collect();
        Ok(format!("10 movie pages: {}", answers.join(", ")))
    })
    .await
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    movierec::tls::install();
    let args = parse_args()?;
    println!(
        "RSS in MiB (VmRSS; peak includes VmHWM), settled = {} s after the requests",
        args.settle.as_secs()
    );
    println!("| case | before | peak | settled | seconds | answers |");
    println!("|---|---:|---:|---:|---:|---|");
    for label in [
        "long title",
        "big report",
        "parallel uploads",
        "poster bombs",
    ] {
        if args.only.as_deref().is_some_and(|only| only != label) {
            continue;
        }
        let figures = match label {
            "long title" => long_title(&args).await,
            "big report" => big_report(&args).await,
            "parallel uploads" => parallel_uploads(&args).await,
            _ => poster_bombs(&args).await,
        };
        match figures {
            Ok(f) => println!(
                "| {label} | {:.0} | {:.0} | {:.0} | {:.1} | {} |",
                f.before, f.peak, f.settled, f.seconds, f.answers
            ),
            Err(e) => println!("| {label} | | | | | failed: {e:#} |"),
        }
    }
    Ok(())
}
