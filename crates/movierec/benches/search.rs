//! Title search over the embedded catalog below HTTP: the in-memory candidate step, the
//! re-ranking and paging on a built index. The target is under 1 ms a query.
//!
//! With `MOVIEREC_BENCH_DATABASE` set to a database URL (say the one `bench/scale.sh`
//! leaves, 90,000 films), the same queries run on that catalog instead, and `title_mix`
//! runs the scale script's own mix: its 200 most voted titles, a word or two of each, one in
//! five with two letters swapped.

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
    let given = std::env::var("MOVIEREC_BENCH_DATABASE").ok();
    let pool = runtime.block_on(async {
        match &given {
            Some(url) => movierec::store::connect(url).await.expect("database"),
            None => {
                let url = format!("sqlite://{}", dir.path().join("bench.db").display());
                let pool = movierec::store::connect(&url).await.expect("database");
                movierec::services::catalog::seed::load_catalog(&pool)
                    .await
                    .expect("catalog");
                pool
            }
        }
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
        let request = SearchRequest::parse(&params)
            .expect("valid")
            .expect("something asked");
        group.bench_function(name, |b| {
            b.iter(|| search::run(&index, &request));
        });
    }
    let mix: Vec<SearchRequest> = title_mix(&index)
        .iter()
        .map(|q| {
            SearchRequest::parse(&params(q, None))
                .expect("valid")
                .expect("something asked")
        })
        .collect();
    group.bench_function("title_mix", |b| {
        let mut next = mix.iter().cycle();
        b.iter(|| search::run(&index, next.next().expect("a query")));
    });
    group.finish();
}

/// What `bench/scale.sh` types: the most voted titles, a word or two of each, every fifth
/// with its third and fourth letters swapped.
fn title_mix(index: &search::index::SearchIndex) -> Vec<String> {
    let browse =
        SearchRequest::parse_or_browse(&SearchParams::default()).expect("browsing is valid");
    let mut titles = Vec::new();
    for page in 1..=10 {
        let request = SearchRequest {
            page: movierec::domain::PageNumber::parse(&page.to_string()).expect("page"),
            ..browse.clone()
        };
        titles.extend(
            search::run(index, &request)
                .hits
                .into_iter()
                .map(|h| h.title),
        );
    }
    titles
        .iter()
        .enumerate()
        .map(|(i, title)| {
            let words: Vec<&str> = title.split_whitespace().take(1 + i % 2).collect();
            let query = words.join(" ").to_lowercase();
            let chars: Vec<char> = query.chars().collect();
            if i % 5 == 4 && chars.len() > 4 {
                let mut swapped = chars;
                swapped.swap(2, 3);
                swapped.into_iter().collect()
            } else {
                query
            }
        })
        .collect()
}

criterion_group!(benches, bench);
criterion_main!(benches);
