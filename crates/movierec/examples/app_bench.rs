//! Figures for the app, run by `bench/app.sh`:
//!
//! 1. training time of the default model on the embedded catalog with its critic ratings, as the
//!    training job runs it (read from the database, hold out 5 %, fit, store);
//! 2. latency of the recommendations page (`GET /` logged in) over sequential requests against
//!    a local server with synthetic users, after a training that includes them;
//! 3. a movie night of four of those users: its picks beside one user's recommendations, both
//!    computed afresh (the issue's budget: four times one user's).
//!
//! Everything runs on 127.0.0.1 with a temporary database.
//!
//! ```sh
//! cargo run --release -p movierec --example app_bench -- [--users 50] [--ratings 20] \
//!     [--requests 1000] [--trainings 5]
//! ```

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use movierec::config::Config;
use movierec::http_server::ServerLimits;
use movierec::jobs::TrainingConfig;
use movierec::services::accounts::HashingLimits;
use movierec::services::training::{RunOptions, train_and_store};
use movierec::startup::Application;
use movierec_engine::NoProgress;
use reqwest::{Client, redirect};

struct Args {
    users: usize,
    ratings: usize,
    requests: usize,
    trainings: usize,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        users: 50,
        ratings: 20,
        requests: 1000,
        trainings: 5,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value: usize = it
            .next()
            .with_context(|| format!("{flag} needs a number"))?
            .parse()
            .with_context(|| format!("{flag} needs a number"))?;
        match flag.as_str() {
            "--users" => args.users = value,
            "--ratings" => args.ratings = value,
            "--requests" => args.requests = value,
            "--trainings" => args.trainings = value,
            other => bail!("unknown flag {other}"),
        }
    }
    if args.users == 0 || args.requests == 0 || args.trainings == 0 {
        bail!("--users, --requests and --trainings must be at least 1");
    }
    Ok(args)
}

/// SplitMix64: reproducible synthetic users without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    movierec::tls::install();
    let args = parse_args()?;
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());

    // 1. Training on the catalog alone, before the server exists to disturb it.
    let pool = movierec::store::connect(&url).await?;
    movierec::services::catalog::seed::load_catalog(&pool).await?;
    let params = movierec_engine::Params::default();
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..args.trainings {
        let started = Instant::now();
        let trained =
            train_and_store(&pool, params.clone(), RunOptions::default(), NoProgress).await?;
        times.push(started.elapsed());
        last = Some(trained);
    }
    pool.close().await;
    times.sort();
    let trained = last.context("no training ran")?;
    println!(
        "training, catalog critic ratings ({} ratings, {} users, {} movies; {} {} epochs, {} factors, all cores):",
        trained.n_ratings,
        trained.model.n_users(),
        trained.model.n_items(),
        params.algorithm.name(),
        params.epochs,
        params.factors
    );
    println!(
        "  job end to end median {:.1} ms, min {:.1} ms over {} runs; fit alone {:.1} ms (last run); held-out RMSE {:.4}",
        ms(percentile(&times, 0.5)),
        ms(times[0]),
        times.len(),
        trained.fit_seconds * 1000.0,
        trained.holdout_rmse.unwrap_or(f64::NAN)
    );

    // 2. A local server with synthetic users.
    let config = Config {
        bind: "127.0.0.1:0".into(),
        database_url: url,
        database_pool: movierec::store::PoolLimits::default(),
        secure_cookies: false,
        training: TrainingConfig {
            retrain_after: 0,
            retrain_interval: Duration::from_secs(3600),
            epochs: None,
            learning_rate: None,
            poll_interval: Duration::from_secs(3600),
            lease: movierec::jobs::lease::LeaseConfig::default(),
        },
        trusted_proxies: Vec::new(),
        hashing: HashingLimits::default(),
        server: ServerLimits::default(),
        registration: None,
        // Every synthetic user registers from this one address.
        registrations_per_hour: 0,
        providers: movierec::providers::ProvidersConfig::default(),
        enrich_per_hour: 0,
        media_servers: movierec::config::MediaServersConfig::default(),
        radarr: Default::default(),
    };
    let app = Application::build(config).await?;
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until(std::future::pending()));

    let movies = movierec::catalog::embedded()?;
    let mut rng = Rng(42);
    let mut clients = Vec::with_capacity(args.users);
    for u in 0..args.users {
        let client = Client::builder()
            .cookie_store(true)
            .redirect(redirect::Policy::none())
            .build()?;
        let name = format!("bench{u}");
        let password = "bench password 1234";
        let form = [
            ("username", name.as_str()),
            ("password", password),
            ("confirm", password),
        ];
        let status = client
            .post(format!("{address}/register"))
            .form(&form)
            .send()
            .await?
            .status();
        if status.as_u16() != 303 {
            bail!("registering {name} answered {status}");
        }
        for _ in 0..args.ratings {
            let movie = &movies[rng.below(movies.len())];
            let stars = format!("{}", (rng.below(10) + 1) as f64 / 2.0);
            client
                .post(format!("{address}/movies/{}/rating", movie.id))
                .form(&[("stars", stars.as_str())])
                .send()
                .await?;
        }
        clients.push(client);
    }

    // Train with the users in, as the site would after they rated.
    let before = clients[0]
        .get(format!("{address}/api/v1/model"))
        .send()
        .await?
        .json::<serde_json::Value>()
        .await?["version"]
        .as_i64();
    let response = clients[0]
        .post(format!("{address}/api/v1/model/train"))
        .send()
        .await?;
    if response.status().as_u16() != 202 {
        bail!("training did not start: {}", response.status());
    }
    let model = loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let status: serde_json::Value = clients[0]
            .get(format!("{address}/api/v1/model"))
            .send()
            .await?
            .json()
            .await?;
        if let Some(error) = status["training"]["error"].as_str() {
            bail!("training failed: {error}");
        }
        if status["training"]["running"] == false && status["version"].as_i64() > before {
            break status;
        }
    };
    println!(
        "training in the server with {} synthetic users ({} ratings): fit {:.1} ms",
        args.users,
        model["n_ratings"],
        model["fit_seconds"].as_f64().unwrap_or(f64::NAN) * 1000.0
    );

    // Measure the page people get once the model knows them, not onboarding or the fallback.
    let page = clients[0]
        .get(format!("{address}/"))
        .send()
        .await?
        .text()
        .await?;
    if !page.contains("data-source=\"model\"") {
        bail!("the home page does not show model picks; rate more movies per user (--ratings)");
    }

    // 3. A movie night of four beside one user's recommendations, both computed afresh: each
    //    user's first recommendations after the training (nothing cached yet; client 0's were
    //    just read), and each night's picks (never cached), over the same JSON API.
    let get = |client: &Client, path: String| {
        let client = client.clone();
        async move {
            let started = Instant::now();
            let response = client.get(path).send().await?;
            let status = response.status();
            response.bytes().await?;
            if !status.is_success() {
                bail!("GET answered {status}");
            }
            anyhow::Ok(started.elapsed())
        }
    };
    let mut own = Vec::new();
    for client in &clients[1..] {
        own.push(get(client, format!("{address}/api/v1/recommendations?n=10")).await?);
    }
    let mut nights = Vec::new();
    for (g, group) in clients.chunks_exact(4).enumerate() {
        let names: Vec<String> = (1..4).map(|m| format!("bench{}", g * 4 + m)).collect();
        let created: serde_json::Value = group[0]
            .post(format!("{address}/api/v1/nights"))
            .header("Origin", &address)
            .json(&serde_json::json!({ "members": names }))
            .send()
            .await?
            .json()
            .await?;
        let night = created["id"].as_i64().context("no night id")?;
        for member in &group[1..] {
            let status = member
                .post(format!("{address}/api/v1/nights/{night}/join"))
                .header("Origin", &address)
                .send()
                .await?
                .status();
            if !status.is_success() {
                bail!("joining night {night} answered {status}");
            }
        }
        let picks: serde_json::Value = group[0]
            .get(format!("{address}/api/v1/nights/{night}/picks?n=10"))
            .send()
            .await?
            .json()
            .await?;
        if picks["source"] != "model" {
            bail!("night {night} is not picked by the model: {picks}");
        }
        for _ in 0..3 {
            nights.push(
                get(
                    &group[0],
                    format!("{address}/api/v1/nights/{night}/picks?n=10"),
                )
                .await?,
            );
        }
    }
    own.sort();
    nights.sort();
    if own.is_empty() || nights.is_empty() {
        bail!("--users must be at least 4 for the movie-night figures");
    }
    let (own_median, night_median) = (percentile(&own, 0.5), percentile(&nights, 0.5));
    println!(
        "one user's recommendations, computed afresh (GET /api/v1/recommendations?n=10, {} users): median {:.2} ms, p99 {:.2} ms",
        own.len(),
        ms(own_median),
        ms(percentile(&own, 0.99))
    );
    println!(
        "a movie night of 4, its picks (GET /api/v1/nights/{{id}}/picks?n=10, {} nights x 3): median {:.2} ms, p99 {:.2} ms; {:.2}x one user's (budget 4x)",
        nights.len() / 3,
        ms(night_median),
        ms(percentile(&nights, 0.99)),
        night_median.as_secs_f64() / own_median.as_secs_f64()
    );

    let mut latencies = Vec::with_capacity(args.requests);
    for i in 0..args.requests {
        let client = &clients[i % clients.len()];
        let started = Instant::now();
        let response = client.get(format!("{address}/")).send().await?;
        let status = response.status();
        response.bytes().await?;
        latencies.push(started.elapsed());
        if !status.is_success() {
            bail!("GET / answered {status}");
        }
    }
    latencies.sort();
    println!(
        "recommendations page GET / logged in, {} sequential requests over {} users: median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        args.requests,
        args.users,
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(*latencies.last().context("no requests")?)
    );
    Ok(())
}
