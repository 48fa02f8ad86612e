//! Resident memory of the server under a burst of simultaneous log-ins, run by
//! `bench/login_burst.sh`.
//!
//! For each configuration, starts `movierec serve` as a child process on 127.0.0.1 with a
//! temporary database, creates the accounts directly in that database, then sends every
//! log-in at once, each from its own client (a distinct address in `X-Forwarded-For`, the
//! server trusting 127.0.0.1 as its proxy, so no per-address limit applies). It samples the
//! server's RSS from `/proc` every 20 ms and prints it before the burst, at its peak, and
//! after the settle time.
//!
//! ```sh
//! cargo build --release -p movierec --bin movierec --example login_burst
//! target/release/examples/login_burst --server target/release/movierec [--logins 300] [--settle-secs 30]
//! ```

mod common;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use common::{Server, memory_mib};
use movierec::domain::Password;
use movierec::services::accounts::{Hasher, HashingLimits};
use reqwest::{Client, redirect};

const PASSWORD: &str = "burst password 1234";

struct Args {
    server: PathBuf,
    logins: usize,
    settle: Duration,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        server: PathBuf::from("target/release/movierec"),
        logins: 300,
        settle: Duration::from_secs(30),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--server" => args.server = value.into(),
            "--logins" => args.logins = value.parse()?,
            "--settle-secs" => args.settle = Duration::from_secs(value.parse()?),
            _ => bail!("unknown flag {flag}"),
        }
    }
    Ok(args)
}

async fn start(args: &Args, concurrent_hashes: usize) -> anyhow::Result<Server> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("burst.db").display());
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = Command::new(&args.server)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .args(["--database-url", &url, "--trusted-proxies", "127.0.0.1"])
        .args(["--max-concurrent-hashes", &concurrent_hashes.to_string()])
        // Long enough that no log-in of the burst is turned away, for both servers.
        .args(["--hash-wait-ms", "600000", "--log", "error"])
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
        if started.elapsed() > Duration::from_secs(60) {
            bail!("the server did not come up");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The accounts go straight into the database: registering them over HTTP would be
    // a burst of its own.
    let pool = movierec::store::connect(&url).await?;
    let hasher = Hasher::new(&HashingLimits::default());
    let hash = hasher
        .hash(&Password::parse(PASSWORD.into(), &[]).map_err(anyhow::Error::msg)?)
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    for i in 0..args.logins {
        let name = format!("burst{i}");
        let stamp = movierec::services::membership::new_session_stamp()?;
        movierec::store::users::create(&pool, &name, &name, &hash, &stamp, true).await?;
    }
    pool.close().await;
    Ok(server)
}

struct Figures {
    before: f64,
    peak: f64,
    settled: f64,
    seconds: f64,
    logged_in: usize,
    refused: usize,
    /// Any other answer, or no answer.
    failed: usize,
}

async fn burst(args: &Args, server: &Server) -> anyhow::Result<Figures> {
    let pid = server.child.id();
    let (before, _) = memory_mib(pid)?;
    let clients: Vec<Client> = (0..args.logins)
        .map(|_| Client::builder().redirect(redirect::Policy::none()).build())
        .collect::<Result<_, _>>()?;
    let started = Instant::now();
    let mut logins = tokio::task::JoinSet::new();
    for (i, client) in clients.into_iter().enumerate() {
        let url = format!("{}/login", server.address);
        let origin = server.address.clone();
        logins.spawn(async move {
            let name = format!("burst{i}");
            let forwarded = format!("10.{}.{}.{}", i / 65536 % 256, i / 256 % 256, i % 256);
            client
                .post(url)
                .header("Origin", origin)
                .header("X-Forwarded-For", forwarded)
                .form(&[("username", name.as_str()), ("password", PASSWORD)])
                .send()
                .await
                .map(|r| r.status().as_u16())
        });
    }
    let mut peak = before;
    let (mut logged_in, mut refused, mut other) = (0, 0, 0);
    while !logins.is_empty() {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(20)) => {
                peak = peak.max(memory_mib(pid)?.0);
            }
            Some(done) = logins.join_next() => match done? {
                Ok(303) => logged_in += 1,
                Ok(503) => refused += 1,
                _ => other += 1,
            },
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    // The kernel's own high-water mark catches a peak between two samples.
    peak = peak.max(memory_mib(pid)?.1);
    tokio::time::sleep(args.settle).await;
    let (settled, _) = memory_mib(pid)?;
    Ok(Figures {
        before,
        peak,
        settled,
        seconds,
        logged_in,
        refused,
        failed: other,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    movierec::tls::install();
    let args = parse_args()?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{} simultaneous log-ins, RSS in MiB (VmRSS; peak includes VmHWM), settled = {} s after the burst",
        args.logins,
        args.settle.as_secs()
    );
    println!(
        "| server | hashes at once | before | peak | settled | burst s | logged in | 503 | other |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut peaks = vec![];
    for (label, concurrent) in [
        ("movierec (default)", cores),
        ("unbounded (peer)", args.logins),
    ] {
        let server = start(&args, concurrent).await?;
        let f = burst(&args, &server).await?;
        println!(
            "| {label} | {concurrent} | {:.0} | {:.0} | {:.0} | {:.1} | {} | {} | {} |",
            f.before, f.peak, f.settled, f.seconds, f.logged_in, f.refused, f.failed
        );
        peaks.push((f.peak, f.settled));
    }
    println!(
        "peak: unbounded / default = {:.1}x; settled: {:.1}x",
        peaks[1].0 / peaks[0].0,
        peaks[1].1 / peaks[0].1
    );
    Ok(())
}
