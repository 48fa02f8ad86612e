//! `movierec copy`: a populated site to the other backend and back, exactly.

use crate::helpers::{TestApp, TestDatabase, catalog_ids, on_postgres, spawn_app, stdout_of};

const PASSWORD: &str = "correct horse battery";

fn copy(from: &str, to: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_movierec"))
        .args(["copy", "--from", from, "--to", to])
        .env("RUST_BACKTRACE", "0")
        .env_remove("DATABASE_URL")
        .output()
        .expect("the binary runs")
}

/// Rows per table and the ratings' checksum, read through the app's own code.
async fn figures(url: &str) -> (Vec<(&'static str, i64)>, u64) {
    let pool = movierec::store::connect(url).await.unwrap();
    let counts = movierec::store::copy::counts(&pool).await.unwrap();
    let checksum = movierec::store::copy::ratings_checksum(&pool)
        .await
        .unwrap();
    pool.close().await;
    (counts, checksum)
}

/// A site with accounts, ratings, lists, a session and a trained model.
async fn populated() -> TestApp {
    let app = spawn_app().await;
    let first = crate::helpers::version(&app.wait_for_version_after(None).await);
    app.register("copied", PASSWORD).await;
    for (id, stars) in catalog_ids(6)
        .into_iter()
        .zip(["5", "4.5", "1", "2.5", "3", "0.5"])
    {
        assert!(app.rate(id, stars).await.status().is_redirection());
    }
    let trained = app
        .client
        .post(app.url("/api/v1/model/train"))
        .send()
        .await
        .unwrap();
    assert_eq!(trained.status().as_u16(), 202);
    app.wait_for_version_after(first).await;
    app
}

#[tokio::test]
async fn a_site_goes_to_the_other_backend_and_back_exactly() {
    if !on_postgres()
        && let Err(e) = TestDatabase::postgres_reachable().await
    {
        eprintln!(
            "PostgreSQL not reachable at {}: the copy test was skipped ({e})",
            crate::helpers::postgres_admin_url()
        );
        return;
    }
    let app = populated().await;
    let source = app.database_url();
    let (there, back) = if on_postgres() {
        (TestDatabase::sqlite(), TestDatabase::postgres().await)
    } else {
        (TestDatabase::postgres().await, TestDatabase::sqlite())
    };

    let out = copy(&source, &there.url);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout_of(&out).contains("counts equal"),
        "{}",
        stdout_of(&out)
    );
    let out = copy(&there.url, &back.url);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let original = figures(&source).await;
    assert!(original.0.iter().any(|(t, n)| *t == "models" && *n >= 2));
    assert!(original.0.iter().any(|(t, n)| *t == "sessions" && *n >= 1));
    assert_eq!(figures(&there.url).await, original);
    assert_eq!(figures(&back.url).await, original);

    // The copy serves: the same account logs in and sees its ratings on the copied site.
    let copied = crate::helpers::spawn_app_with(|c| c.database_url = back.url.clone()).await;
    assert!(
        copied
            .login("copied", PASSWORD)
            .await
            .status()
            .is_redirection()
    );
    let second = catalog_ids(2)[1];
    assert_eq!(copied.my_rating(second).await.as_deref(), Some("4.5"));

    // A target with anything in it is refused, and left as it was.
    let out = copy(&source, &there.url);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not empty"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(figures(&there.url).await, original);
}
