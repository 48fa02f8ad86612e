//! Title search over the embedded catalog below HTTP: the in-memory candidate step, the
//! re-ranking and paging on a built index. The target is under 1 ms a query.

use criterion::{Criterion, criterion_group, criterion_main};
use movierec::search::{self, SearchParams, SearchRequest};

fn params(q: &str, genre: Option<&str>) -> SearchParams {
    SearchParams {
        q: Some(q.to_owned()),
        genre: genre.map(str::to_owned),
        ..SearchParams::default()
    }
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let pool = runtime.block_on(async {
        let pool = movierec::store::connect(&url).await.expect("database");
        movierec::seed::load_catalog(&pool).await.expect("catalog");
        pool
    });
    let cache = movierec::search::index::IndexCache::default();
    let index = runtime.block_on(cache.current(&pool)).expect("index");

    let mut group = c.benchmark_group("search");
    for (name, params) in [
        ("exact", params("the godfather", None)),
        ("typo", params("godfater", None)),
        ("accented", params("amelie", None)),
        ("common_word", params("the", None)),
        (
            "long_query",
            params("the lord of the rings the fellowship of the ring", None),
        ),
        ("typo_with_genre", params("jurasic park", Some("Action"))),
        (
            "browse_genre",
            SearchParams {
                genre: Some("Drama".into()),
                page: Some("3".into()),
                ..SearchParams::default()
            },
        ),
    ] {
        let request = SearchRequest::parse(&params, index.genres())
            .expect("valid")
            .expect("something asked");
        group.bench_function(name, |b| {
            b.iter(|| search::run(&index, &request));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
