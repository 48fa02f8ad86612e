//! The app under attack: concurrent guessing, lockout by strangers, hashing floods, slow
//! clients, spoofed addresses, weak passwords and protocol edge cases.

use std::time::{Duration, Instant};

use movierec::domain::IpNet;
use reqwest::Client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{TestApp, assert_redirects_to, client, spawn_app, spawn_app_with};

const PASSWORD: &str = "correct horse battery";

/// A log-in from `client`, optionally through a proxy that names `forwarded_for`.
async fn log_in_as(
    app: &TestApp,
    client: &Client,
    username: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let mut request = client
        .post(app.url("/login"))
        .header("Origin", &app.address)
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[("username", username), ("password", password)]);
    if let Some(address) = forwarded_for {
        request = request.header("X-Forwarded-For", address);
    }
    request.send().await.expect("request sent")
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

#[tokio::test]
async fn concurrent_guesses_never_pass_the_limit() {
    let app = spawn_app().await;
    app.register("gina", PASSWORD).await;
    app.logout().await;

    // 60 guesses at once from a browser the account does not know.
    let attacker = client();
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..60 {
        let (url, origin, attacker) = (app.url("/login"), app.address.clone(), attacker.clone());
        guesses.spawn(async move {
            let guess = format!("guess number {i}");
            attacker
                .post(url)
                .header("Origin", origin)
                .form(&[("username", "gina"), ("password", guess.as_str())])
                .send()
                .await
                .expect("request sent")
                .status()
                .as_u16()
        });
    }
    let statuses = guesses.join_all().await;
    // 401 means the password was checked; 429 means it was refused before that.
    assert!(count(&statuses, 401) <= 5, "{statuses:?}");
    assert_eq!(
        count(&statuses, 401) + count(&statuses, 429),
        60,
        "{statuses:?}"
    );
    // The right password from that browser is refused too, without being checked.
    let response = log_in_as(&app, &attacker, "gina", PASSWORD, None).await;
    assert_eq!(response.status().as_u16(), 429);
    assert!(response.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn strangers_guesses_do_not_lock_the_owner_out_of_their_browser() {
    let app = spawn_app().await;
    app.register("hana", PASSWORD).await;
    app.logout().await;

    let stranger = client();
    let mut statuses = vec![];
    for i in 0..10 {
        let guess = format!("wrong guess {i}");
        statuses.push(
            log_in_as(&app, &stranger, "hana", &guess, None)
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses[..5], [401; 5], "{statuses:?}");
    assert_eq!(statuses[5..], [429; 5], "{statuses:?}");

    // The owner's browser has logged in before: it has an allowance of its own.
    assert_redirects_to(&app.login("hana", PASSWORD).await, "/");
    app.logout().await;
    // Another unknown browser shares the throttled allowance, right password or not.
    let other = client();
    assert_eq!(
        log_in_as(&app, &other, "hana", PASSWORD, None)
            .await
            .status()
            .as_u16(),
        429
    );

    // The known browser's own allowance is limited as well.
    for _ in 0..5 {
        assert_eq!(
            app.login("hana", "wrong again 123").await.status().as_u16(),
            401
        );
    }
    assert_eq!(app.login("hana", PASSWORD).await.status().as_u16(), 429);
}

#[tokio::test]
async fn hashing_past_capacity_is_answered_503_with_retry_after() {
    let app = spawn_app_with(|config| {
        config.hashing.concurrent = 1;
        config.hashing.max_wait = Duration::from_millis(1);
        config.trusted_proxies = vec![IpNet::parse("127.0.0.1/32").unwrap()];
    })
    .await;
    let mut logins = tokio::task::JoinSet::new();
    for i in 0..30 {
        let (url, origin) = (app.url("/login"), app.address.clone());
        logins.spawn(async move {
            let name = format!("nobody{i}");
            let response = Client::new()
                .post(url)
                .header("Origin", origin)
                // Each from its own address, so that no per-address limit applies.
                .header("X-Forwarded-For", format!("192.0.2.{i}"))
                .form(&[("username", name.as_str()), ("password", "whatever it is")])
                .send()
                .await
                .expect("request sent");
            let retry_after = response.headers().get("retry-after").cloned();
            (response.status().as_u16(), retry_after)
        });
    }
    let answers = logins.join_all().await;
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert!(count(&statuses, 503) >= 1, "{statuses:?}");
    assert!(count(&statuses, 401) >= 1, "{statuses:?}");
    assert_eq!(
        count(&statuses, 503) + count(&statuses, 401),
        30,
        "{statuses:?}"
    );
    assert!(
        answers
            .iter()
            .filter(|(s, _)| *s == 503)
            .all(|(_, retry)| retry.is_some())
    );
    // A 503 is not held against the account: the attempt was never checked.
    app.register("ivan", PASSWORD).await;
    app.logout().await;
    assert_redirects_to(&app.login("ivan", PASSWORD).await, "/");
}

/// Reads until the server closes the connection; how long that took.
async fn time_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(
            limit.saturating_sub(started.elapsed()),
            stream.read(&mut buf),
        )
        .await
        {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn slow_and_idle_connections_are_closed() {
    let app = spawn_app_with(|config| {
        config.server.header_timeout = Duration::from_secs(1);
        config.server.idle_timeout = Duration::from_secs(1);
    })
    .await;
    let address = app.address.trim_start_matches("http://").to_owned();

    // Half a request line, then nothing.
    let mut half = TcpStream::connect(&address).await.unwrap();
    half.write_all(b"GET / HT").await.unwrap();
    let closed = time_until_closed(&mut half, Duration::from_secs(10)).await;
    assert!(
        closed.is_some_and(|t| t < Duration::from_secs(5)),
        "{closed:?}"
    );

    // A header byte every 300 ms never completes the head in time.
    let mut drip = TcpStream::connect(&address).await.unwrap();
    let started = Instant::now();
    let mut cut_off = false;
    for byte in b"GET / HTTP/1.1\r\nHost: x\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".iter() {
        if drip.write_all(&[*byte]).await.is_err() {
            cut_off = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        if started.elapsed() > Duration::from_secs(8) {
            break;
        }
    }
    if !cut_off {
        cut_off = time_until_closed(&mut drip, Duration::from_secs(2))
            .await
            .is_some();
    }
    assert!(cut_off, "a dripping client kept its connection");
    assert!(started.elapsed() < Duration::from_secs(8));

    // A complete request is answered; the connection then idles and is closed.
    let mut idle = TcpStream::connect(&address).await.unwrap();
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = vec![0u8; 4096];
    let n = idle.read(&mut answer).await.unwrap();
    assert!(String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 200"));
    let closed = time_until_closed(&mut idle, Duration::from_secs(10)).await;
    assert!(
        closed.is_some_and(|t| t < Duration::from_secs(5)),
        "{closed:?}"
    );
}

#[tokio::test]
async fn per_address_limits_follow_trusted_proxies_only() {
    let trusted = spawn_app_with(|config| {
        config.trusted_proxies = vec![IpNet::parse("127.0.0.1/32").unwrap()];
    })
    .await;
    let via_proxy = client();
    // Twenty failures (different accounts, so only the address limit counts) from one
    // client address behind the proxy.
    for i in 0..20 {
        let name = format!("victim{i}");
        let response = log_in_as(
            &trusted,
            &via_proxy,
            &name,
            "wrong guess 1",
            Some("203.0.113.7"),
        )
        .await;
        assert_eq!(response.status().as_u16(), 401, "attempt {i}");
    }
    let blocked = log_in_as(
        &trusted,
        &via_proxy,
        "victim99",
        "wrong guess 1",
        Some("203.0.113.7"),
    );
    assert_eq!(blocked.await.status().as_u16(), 429);
    // Another visitor behind the same proxy is not affected.
    let other = log_in_as(
        &trusted,
        &via_proxy,
        "victim99",
        "wrong guess 1",
        Some("203.0.113.8"),
    );
    assert_eq!(other.await.status().as_u16(), 401);
    // The proxy appends the real address; what the client wrote itself is ignored.
    let spoofed = log_in_as(
        &trusted,
        &via_proxy,
        "victim98",
        "wrong guess 1",
        Some("198.51.100.1, 203.0.113.7"),
    );
    assert_eq!(spoofed.await.status().as_u16(), 429);

    // IPv6 clients are one client per /64.
    for i in 0..20 {
        let address = format!("2001:db8:5:6::{i:x}");
        let name = format!("six{i}");
        let response = log_in_as(&trusted, &via_proxy, &name, "wrong guess 1", Some(&address));
        assert_eq!(response.await.status().as_u16(), 401, "attempt {i}");
    }
    let same_64 = log_in_as(
        &trusted,
        &via_proxy,
        "six99",
        "x",
        Some("2001:db8:5:6:ffff::1"),
    );
    assert_eq!(same_64.await.status().as_u16(), 429);
    let next_64 = log_in_as(&trusted, &via_proxy, "six99", "x", Some("2001:db8:5:7::1"));
    assert_eq!(next_64.await.status().as_u16(), 401);

    // Without trusted proxies the header changes nothing: a new name each time does not
    // get a new allowance.
    let direct = spawn_app().await;
    let spoofer = client();
    for i in 0..20 {
        let (name, address) = (format!("victim{i}"), format!("198.51.100.{i}"));
        let response = log_in_as(&direct, &spoofer, &name, "wrong guess 1", Some(&address)).await;
        assert_eq!(response.status().as_u16(), 401, "attempt {i}");
    }
    let response = log_in_as(&direct, &spoofer, "victim99", "x", Some("198.51.100.200")).await;
    assert_eq!(response.status().as_u16(), 429);
}

#[tokio::test]
async fn common_passwords_are_refused() {
    let app = spawn_app().await;
    for weak in ["password", "12345678", "        ", "jessica1"] {
        let response = app.register("julia", weak).await;
        assert_eq!(response.status().as_u16(), 422, "{weak:?}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains("This password is too easy to guess."),
            "{weak:?}"
        );
    }
    let response = app.register("julia", "julia1234").await;
    assert_eq!(
        response.status().as_u16(),
        422,
        "a password made of the username"
    );
    assert_eq!(app.login("julia", "password").await.status().as_u16(), 401);
    assert_redirects_to(&app.register("julia", PASSWORD).await, "/");
}

#[tokio::test]
async fn oversized_bodies_are_answered_413() {
    let app = spawn_app().await;
    app.register("kurt", PASSWORD).await;
    let big = "x".repeat(100 * 1024);
    let response = app
        .post_form(
            "/login",
            &[("username", "kurt"), ("password", big.as_str())],
        )
        .await;
    assert_eq!(response.status().as_u16(), 413);
    assert!(response.text().await.unwrap().contains("too large"));

    let response = app
        .client
        .put(app.url("/api/v1/me/ratings/1"))
        .header("Origin", &app.address)
        .header("Content-Type", "application/json")
        .body(format!(r#"{{"rating": 4, "pad": "{big}"}}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
}

#[tokio::test]
async fn a_json_body_must_be_an_object() {
    let app = spawn_app().await;
    app.register("lena", PASSWORD).await;
    let put = |body: &'static str| {
        app.client
            .put(app.url("/api/v1/me/ratings/1"))
            .header("Origin", &app.address)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
    };
    let response = put("[4]").await.unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("body: ")
    );
    let ratings: serde_json::Value = app.get("/api/v1/me/ratings").await.json().await.unwrap();
    assert_eq!(ratings["total"], 0, "nothing was stored");
    assert_eq!(
        put(r#"{"rating": 4}"#).await.unwrap().status().as_u16(),
        200
    );
}

#[tokio::test]
async fn ids_past_the_64_bit_range_are_refused_as_the_schema_says() {
    let app = spawn_app().await;
    let document: serde_json::Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let mut id_params = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        // Parameters may sit on the path or on each operation.
        let operations = item.as_object().unwrap().values().filter(|o| o.is_object());
        let lists = operations
            .chain([item])
            .filter_map(|o| o["parameters"].as_array());
        for list in lists {
            for param in list {
                if param["in"] == "path" {
                    id_params += 1;
                    assert_eq!(param["schema"]["maximum"], i64::MAX, "{path}");
                    assert_eq!(param["schema"]["format"], "int64", "{path}");
                }
            }
        }
    }
    assert!(id_params >= 3);
    let response = app.get("/api/v1/movies/9223372036854775808").await;
    assert_eq!(response.status().as_u16(), 400);
    let response = app.get("/api/v1/movies/9223372036854775807").await;
    assert_eq!(response.status().as_u16(), 404);
}

#[tokio::test]
async fn personal_answers_are_never_cached() {
    let app = spawn_app().await;
    app.register("mona", PASSWORD).await;
    for path in [
        "/",
        "/my/ratings",
        "/my/watchlist",
        "/api/v1/me/ratings",
        "/api/v1/recommendations",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert_eq!(
            response
                .headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap()),
            Some("no-store"),
            "{path}"
        );
    }
    // Static files keep their own, long-lived policy.
    let css = app.get("/static/style.css").await;
    let policy = css
        .headers()
        .get("cache-control")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(policy.contains("max-age"), "{policy}");
}

/// `GET /health` over a new connection from `from` (any loopback address); the status
/// line, or why there was none.
async fn health_from(from: &str, app_address: &str) -> Result<String, String> {
    let socket = tokio::net::TcpSocket::new_v4().map_err(|e| e.to_string())?;
    socket
        .bind(format!("{from}:0").parse().unwrap())
        .map_err(|e| e.to_string())?;
    let mut stream = socket
        .connect(app_address.parse().unwrap())
        .await
        .map_err(|e| e.to_string())?;
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .await
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&answer);
    Ok(text.lines().next().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn one_address_cannot_hold_every_connection() {
    let app = spawn_app_with(|config| {
        config.server.max_connections = 16;
        config.server.max_connections_per_address = 8;
    })
    .await;
    let address = app.address.trim_start_matches("http://").to_owned();

    // One client opens 40 connections and sends nothing: far more than the server has.
    let mut held = Vec::new();
    for _ in 0..40 {
        held.push(TcpStream::connect(&address).await.unwrap());
    }
    // Only 8 stay open; the others are answered 503 and closed at once instead of taking
    // (or queueing for) a slot.
    let mut closed = 0;
    let mut refusals = 0;
    for stream in &mut held {
        let mut buf = [0u8; 256];
        match tokio::time::timeout(Duration::from_millis(500), stream.read(&mut buf)).await {
            Err(_) => {}
            Ok(Ok(n)) => {
                closed += 1;
                refusals += usize::from(buf[..n].starts_with(b"HTTP/1.1 503"));
            }
            Ok(Err(_)) => closed += 1,
        }
    }
    assert_eq!(closed, 32, "all but 8 of 40 closed at once");
    assert!(refusals > 0, "the refused are told why");

    // Another client is answered at once: the idle connections hold 8 of 16 slots.
    let started = Instant::now();
    let status =
        tokio::time::timeout(Duration::from_secs(3), health_from("127.0.0.2", &address)).await;
    assert_eq!(
        status.map_err(|_| "timed out".to_owned()).and_then(|s| s),
        Ok("HTTP/1.1 200 OK".to_owned())
    );
    assert!(started.elapsed() < Duration::from_secs(2));

    // The capped client itself gets in again once its connections close.
    let first_client =
        tokio::time::timeout(Duration::from_secs(3), health_from("127.0.0.1", &address)).await;
    assert!(
        !matches!(&first_client, Ok(Ok(line)) if line.starts_with("HTTP/1.1 200")),
        "still over its cap: {first_client:?}"
    );
    drop(held);
    let mut answered = None;
    for _ in 0..20 {
        if let Ok(line) = health_from("127.0.0.1", &address).await
            && line.starts_with("HTTP/1.1 200")
        {
            answered = Some(line);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(answered.as_deref(), Some("HTTP/1.1 200 OK"));
}
