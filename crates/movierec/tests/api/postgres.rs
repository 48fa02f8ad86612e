//! The whole suite again on PostgreSQL: this test runs this test binary once more with
//! [`DATABASE_ENV`] set, so `cargo test` covers both backends. Without a PostgreSQL server
//! it says so and passes, unless `MOVIEREC_REQUIRE_POSTGRES` is set (as in CI), where that
//! fails.

use std::process::Command;

use sqlx::Connection;
use sqlx::postgres::PgConnection;

use crate::helpers::{DATABASE_ENV, on_postgres, postgres_admin_url};

#[tokio::test]
async fn the_suite_passes_on_postgresql() {
    if on_postgres() {
        // This is the PostgreSQL run itself.
        return;
    }
    let url = postgres_admin_url();
    if let Err(e) = PgConnection::connect(&url).await {
        assert!(
            std::env::var_os("MOVIEREC_REQUIRE_POSTGRES").is_none(),
            "MOVIEREC_REQUIRE_POSTGRES is set but PostgreSQL is not reachable at {url}: {e}"
        );
        eprintln!("PostgreSQL not reachable at {url}: the PostgreSQL run was skipped ({e})");
        return;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(exe)
            .env(DATABASE_ENV, "postgres")
            .args(["--skip", "postgres::the_suite_passes_on_postgresql"])
            .output()
            .expect("the test binary runs")
    })
    .await
    .expect("the run finishes");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the suite failed on PostgreSQL:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The run's summary line, so a passing run still shows what it covered.
    if let Some(summary) = stdout.lines().rev().find(|l| l.starts_with("test result:")) {
        eprintln!("on PostgreSQL: {summary}");
    }
}
