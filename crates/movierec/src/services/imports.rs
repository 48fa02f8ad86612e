//! Imports of public data sets into the catalog and the ratings: MovieLens here, IMDb's
//! dumps in [`imdb`].
//!
//! An import runs in one transaction: a malformed line anywhere leaves the database as it
//! was. Its movies are matched to the catalog by id first (MovieLens id from an earlier
//! import, then IMDb id), then by normalised title and year (±1) against catalog movies no
//! MovieLens movie has claimed yet. A title that fits two catalog movies is never merged: the
//! movie is added as a new one and the summary lists the case. Re-running the same import
//! writes nothing.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Instant;

use crate::store::{Db, DbConn};

use crate::importers::ParseError;
use crate::importers::titles::{key as title_key, years_fit};
use crate::importers::movielens::{self, MovieLensSet};
use crate::search::text;
use crate::store::imports::{self as store, CatalogSource, KnownMovie, NewMovie, RatingRow};

pub mod imdb;

pub use imdb::{DEFAULT_MIN_VOTES, ImdbAmbiguity, ImdbFiles, ImdbSummary, import_imdb};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error("{file}: rating {index} is of movie {movie_id}, which the set's movies do not list")]
    UnknownMovie {
        file: String,
        index: u64,
        movie_id: u32,
    },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// A title that fitted several catalog movies, so it was added as a movie of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ambiguity {
    pub title: String,
    pub year: Option<u16>,
    /// The catalog movies it could have been.
    pub candidates: Vec<i64>,
    /// The movie it became.
    pub added_as: i64,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// The set's name (its folder or archive).
    pub set: String,
    /// Movies in the set.
    pub movies: u64,
    /// Movies new to the catalog (ambiguous ones included).
    pub added: u64,
    /// Catalog movies the set's movies were merged into, by IMDb id.
    pub merged_by_imdb: u64,
    /// Catalog movies the set's movies were merged into, by title and year.
    pub merged_by_title: u64,
    /// Movies an earlier import of the set already brought in.
    pub already_imported: u64,
    /// Movies of the set sharing their IMDb id with another of its movies: their ratings go
    /// to that film.
    pub duplicates: u64,
    pub ambiguous: Vec<Ambiguity>,
    /// Ratings in the set.
    pub ratings: u64,
    /// Community raters in the set, and how many of them are new accounts.
    pub raters: u64,
    pub new_raters: u64,
}

/// The page cache of an import's connection: room for ml-32m's by-movie index, within the
/// import's memory budget of 2 GiB.
const IMPORT_CACHE_MIB: u32 = 768;

/// Told how far an import got; the command line draws it.
pub trait ImportProgress {
    /// Lines of IMDb's `title.basics` read.
    fn titles(&self, _done: u64) {}
    fn movies(&self, _done: u64) {}
    fn ratings(&self, _done: u64) {}
    /// A phase of the import finished after `seconds`.
    fn phase(&self, _what: &str, _seconds: f64) {}
}

impl ImportProgress for () {}

/// The username of MovieLens user `id`; the colon keeps it apart from any site username.
pub fn movielens_username(id: u32) -> String {
    format!("ml:{id}")
}

/// Imports the MovieLens set at `path` (a folder or the published `.zip`).
///
/// The files are read on the calling thread: this is for the command line, not a server.
pub async fn import_movielens(
    pool: &Db,
    path: &Path,
    progress: &dyn ImportProgress,
) -> Result<ImportSummary, ImportError> {
    let set = MovieLensSet::open(path)?;
    let mut summary = ImportSummary {
        set: set.name().to_owned(),
        ..ImportSummary::default()
    };
    let mut tx = crate::store::begin_write(pool).await?;
    store::set_cache_size(&mut tx, IMPORT_CACHE_MIB).await?;
    let started = Instant::now();
    let movie_ids = import_movies(&mut tx, &set, &mut summary, progress).await?;
    progress.phase("movies matched", started.elapsed().as_secs_f64());
    import_ratings(&mut tx, &set, &movie_ids, &mut summary, progress).await?;
    store::record_source(
        &mut tx,
        &CatalogSource {
            kind: "movielens".to_owned(),
            name: summary.set.clone(),
            data_date: None,
            imported_at: crate::store::now(),
            movies: summary.movies as i64,
            ratings: summary.ratings as i64,
            raters: summary.raters as i64,
        },
    )
    .await?;
    crate::store::catalog::refresh_votes(&mut tx).await?;
    let started = Instant::now();
    tx.commit().await?;
    progress.phase("committed", started.elapsed().as_secs_f64());
    Ok(summary)
}

/// The catalog as matching sees it, kept up to date as movies are merged and added.
struct Catalog {
    movies: Vec<KnownMovie>,
    by_movielens: HashMap<i64, usize>,
    by_imdb: HashMap<String, usize>,
    /// Normalised title → movies with that title.
    by_title: HashMap<String, Vec<usize>>,
    tmdb_taken: HashSet<i64>,
}

impl Catalog {
    fn new(movies: Vec<KnownMovie>) -> Self {
        let mut catalog = Self {
            movies: Vec::with_capacity(movies.len()),
            by_movielens: HashMap::new(),
            by_imdb: HashMap::new(),
            by_title: HashMap::new(),
            tmdb_taken: HashSet::new(),
        };
        for movie in movies {
            catalog.push(movie);
        }
        catalog
    }

    fn push(&mut self, movie: KnownMovie) {
        let i = self.movies.len();
        if let Some(ml) = movie.movielens_id {
            self.by_movielens.insert(ml, i);
        }
        if let Some(imdb) = &movie.imdb_id {
            self.by_imdb.insert(imdb.clone(), i);
        }
        if let Some(tmdb) = movie.tmdb_id {
            self.tmdb_taken.insert(tmdb);
        }
        self.by_title
            .entry(title_key(&movie.title))
            .or_default()
            .push(i);
        self.movies.push(movie);
    }

    /// Catalog movies that may be `movie` by title and year: unclaimed by MovieLens and
    /// without a different IMDb id.
    fn title_candidates(&self, movie: &movielens::Movie, imdb: Option<&str>) -> Vec<usize> {
        let Some(same_title) = self.by_title.get(&title_key(&movie.title)) else {
            return Vec::new();
        };
        same_title
            .iter()
            .copied()
            .filter(|&i| {
                let known = &self.movies[i];
                let year_fits = years_fit(known.year, movie.year.map(i64::from));
                let imdb_fits = match (&known.imdb_id, imdb) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                };
                year_fits && imdb_fits && known.movielens_id.is_none()
            })
            .collect()
    }

    /// `tmdb` unless another movie has it already; then the movie goes without.
    fn claim_tmdb(&mut self, tmdb: Option<u32>) -> Option<i64> {
        let tmdb = i64::from(tmdb?);
        self.tmdb_taken.insert(tmdb).then_some(tmdb)
    }

    /// Records ids just written to the movie at `i`, as `fill_ids` does.
    fn fill(&mut self, i: usize, imdb: Option<&str>, tmdb: Option<i64>, ml: i64) {
        let known = &mut self.movies[i];
        if known.imdb_id.is_none()
            && let Some(imdb) = imdb
        {
            known.imdb_id = Some(imdb.to_owned());
            self.by_imdb.insert(imdb.to_owned(), i);
        }
        known.tmdb_id = known.tmdb_id.or(tmdb);
        if known.movielens_id.is_none() {
            known.movielens_id = Some(ml);
            self.by_movielens.insert(ml, i);
        }
    }
}

/// Merges or adds the set's movies; returns the database id of each MovieLens movie id.
async fn import_movies(
    conn: &mut DbConn,
    set: &MovieLensSet,
    summary: &mut ImportSummary,
    progress: &dyn ImportProgress,
) -> Result<HashMap<u32, i64>, ImportError> {
    // Under 100,000 movies even in the largest sets: held, so that every id match is made
    // before any title match can claim a catalog movie.
    let movies = set.movies()?.collect::<Result<Vec<_>, _>>()?;
    summary.movies = movies.len() as u64;
    let mut catalog = Catalog::new(store::known_movies(conn).await?);
    let mut ids = HashMap::with_capacity(movies.len());
    let mut by_title = Vec::new();

    for movie in &movies {
        let ml = i64::from(movie.movie_id);
        let imdb = movie.imdb_id.map(|id| id.to_string());
        if let Some(&i) = catalog.by_movielens.get(&ml) {
            summary.already_imported += 1;
            ids.insert(movie.movie_id, catalog.movies[i].id);
        } else if let Some(&i) = imdb.as_ref().and_then(|imdb| catalog.by_imdb.get(imdb)) {
            let id = catalog.movies[i].id;
            if catalog.movies[i].movielens_id.is_some() {
                summary.duplicates += 1;
            } else {
                let tmdb = catalog.claim_tmdb(movie.tmdb_id);
                store::fill_ids(conn, id, None, tmdb, Some(ml)).await?;
                catalog.fill(i, None, tmdb, ml);
                summary.merged_by_imdb += 1;
            }
            ids.insert(movie.movie_id, id);
        } else {
            by_title.push((movie, imdb));
        }
    }

    // Added movies are written together after matching; until then each holds a stand-in
    // id, `-(its index in `added` + 1)`, which `real_id` turns into the one stored.
    let mut added: Vec<NewMovie> = Vec::new();
    let mut genre_ids = HashMap::new();
    for (done, (movie, imdb)) in by_title.into_iter().enumerate() {
        let ml = i64::from(movie.movie_id);
        // A movie added or merged just before may have the same IMDb id: a set's duplicate.
        if let Some(&i) = imdb.as_ref().and_then(|imdb| catalog.by_imdb.get(imdb)) {
            summary.duplicates += 1;
            ids.insert(movie.movie_id, catalog.movies[i].id);
            continue;
        }
        let candidates = catalog.title_candidates(movie, imdb.as_deref());
        if let [i] = candidates[..] {
            let id = catalog.movies[i].id;
            let tmdb = catalog.claim_tmdb(movie.tmdb_id);
            store::fill_ids(conn, id, imdb.as_deref(), tmdb, Some(ml)).await?;
            catalog.fill(i, imdb.as_deref(), tmdb, ml);
            summary.merged_by_title += 1;
            ids.insert(movie.movie_id, id);
        } else {
            let tmdb = catalog.claim_tmdb(movie.tmdb_id);
            let year = movie.year.map(i64::from);
            let mut genres = Vec::with_capacity(movie.genres.len());
            for genre in &movie.genres {
                let genre_id = match genre_ids.get(genre) {
                    Some(&g) => g,
                    None => {
                        let g = store::genre_id(conn, genre).await?;
                        genre_ids.insert(genre.clone(), g);
                        g
                    }
                };
                genres.push(genre_id);
            }
            let id = -(added.len() as i64 + 1);
            added.push(NewMovie {
                title: movie.title.clone(),
                year,
                imdb_id: imdb.clone(),
                tmdb_id: tmdb,
                movielens_id: ml,
                search_title: text::padded(&text::normalise(&movie.title)),
                genre_ids: genres,
            });
            if candidates.len() > 1 {
                summary.ambiguous.push(Ambiguity {
                    title: movie.title.clone(),
                    year: movie.year,
                    candidates: candidates.iter().map(|&i| catalog.movies[i].id).collect(),
                    added_as: id,
                });
            }
            catalog.push(KnownMovie {
                id,
                title: movie.title.clone(),
                year,
                imdb_id: imdb,
                tmdb_id: tmdb,
                movielens_id: Some(ml),
            });
            summary.added += 1;
            ids.insert(movie.movie_id, id);
        }
        if done % 1000 == 0 {
            progress.movies(done as u64);
        }
    }
    // Title candidates are never added movies (those have a MovieLens id), so only the
    // movies' own ids and `added_as` can be stand-ins.
    let stored = store::insert_movielens_movies(conn, &added).await?;
    let real_id = |id: i64| {
        if id < 0 {
            stored[(-id - 1) as usize]
        } else {
            id
        }
    };
    for id in ids.values_mut() {
        *id = real_id(*id);
    }
    for ambiguity in &mut summary.ambiguous {
        ambiguity.added_as = real_id(ambiguity.added_as);
    }
    progress.movies(summary.movies);
    Ok(ids)
}

/// Below this many stored ratings an import drops the ratings table's secondary indexes and
/// builds them after: a first large import then writes them in one sorted pass. Rebuilding
/// costs a pass over the whole table, so on a site that already holds millions (a re-run,
/// a newer dump) the rows go in through the indexes as they are.
const REBUILD_INDEXES_BELOW: i64 = 1_000_000;
/// Ratings parsed per message from the parsing thread.
const PARSE_BATCH: usize = 10_000;
/// Batches parsed ahead of the database: bounded, so a slow disk keeps memory flat.
const PARSE_AHEAD: usize = 16;

/// Parses the ratings on a thread of their own, in batches, while the caller writes the
/// previous ones: parsing and SQLite's inserts each take a core. The stream ends after a
/// parse error, and the thread stops when the receiver is dropped.
fn parse_ahead(
    records: movielens::Records<movielens::Rating>,
) -> tokio::sync::mpsc::Receiver<Result<Vec<movielens::Rating>, ParseError>> {
    let (sender, receiver) = tokio::sync::mpsc::channel(PARSE_AHEAD);
    std::thread::spawn(move || {
        let mut batch = Vec::with_capacity(PARSE_BATCH);
        for record in records {
            match record {
                Ok(rating) => batch.push(rating),
                Err(e) => {
                    if !batch.is_empty() {
                        let _ = sender.blocking_send(Ok(std::mem::take(&mut batch)));
                    }
                    let _ = sender.blocking_send(Err(e));
                    return;
                }
            }
            if batch.len() == PARSE_BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(PARSE_BATCH));
                if sender.blocking_send(Ok(full)).is_err() {
                    return; // the import stopped
                }
            }
        }
        if !batch.is_empty() {
            let _ = sender.blocking_send(Ok(batch));
        }
    });
    receiver
}

/// Streams the ratings into the database in batches, creating raters as they appear.
async fn import_ratings(
    conn: &mut DbConn,
    set: &MovieLensSet,
    movie_ids: &HashMap<u32, i64>,
    summary: &mut ImportSummary,
    progress: &dyn ImportProgress,
) -> Result<(), ImportError> {
    let started = Instant::now();
    let mut raters: HashMap<u32, i64> = store::community_raters(conn)
        .await?
        .into_iter()
        .filter_map(|(id, name)| Some((name.strip_prefix("ml:")?.parse().ok()?, id)))
        .collect();
    let dropped = if store::ratings_fewer_than(conn, REBUILD_INDEXES_BELOW).await? {
        store::sqlite_drop_rating_indexes(conn).await?
    } else {
        Vec::new()
    };
    let mut seen = HashSet::new();
    // Sum and count of the set's stars per movie: the community average the movie page
    // shows, gathered on the way rather than aggregated from the database afterwards.
    let mut sums: HashMap<i64, (f64, i64)> = HashMap::new();
    let now = crate::store::now();
    // Films that more than one movie of the set maps to.
    let mut shared = HashSet::new();
    let mut targets = HashSet::with_capacity(movie_ids.len());
    for &id in movie_ids.values() {
        if !targets.insert(id) {
            shared.insert(id);
        }
    }
    let per_statement = store::ratings_per_statement(conn);
    let mut batch: Vec<RatingRow> = Vec::with_capacity(per_statement);
    // The files list each user's ratings together: the rater is looked up once per user.
    let mut current: Option<(u32, i64)> = None;
    let mut parsed = parse_ahead(set.ratings()?);
    while let Some(ratings) = parsed.recv().await {
        let ratings = ratings?;
        // The parsed batch's new raters are created together, before its ratings need them.
        let mut new_raters: Vec<u32> = Vec::new();
        for rating in &ratings {
            if new_raters.last() != Some(&rating.user_id) && !raters.contains_key(&rating.user_id) {
                new_raters.push(rating.user_id);
            }
        }
        new_raters.sort_unstable();
        new_raters.dedup();
        if !new_raters.is_empty() {
            let usernames: Vec<String> =
                new_raters.iter().map(|&u| movielens_username(u)).collect();
            for (id, username) in store::insert_community_raters(conn, &usernames, now).await? {
                if let Some(ml) = username.strip_prefix("ml:").and_then(|u| u.parse().ok()) {
                    raters.insert(ml, id);
                }
            }
            summary.new_raters += new_raters.len() as u64;
        }
        for rating in ratings {
            summary.ratings += 1;
            let movie_id =
                *movie_ids
                    .get(&rating.movie_id)
                    .ok_or_else(|| ImportError::UnknownMovie {
                        file: set.layout().ratings_file().to_owned(),
                        index: summary.ratings,
                        movie_id: rating.movie_id,
                    })?;
            let user_id = match current {
                Some((ml, id)) if ml == rating.user_id => id,
                _ => {
                    let id = raters[&rating.user_id];
                    seen.insert(rating.user_id);
                    current = Some((rating.user_id, id));
                    id
                }
            };
            let sum = sums.entry(movie_id).or_default();
            sum.0 += rating.stars.value();
            sum.1 += 1;
            let row = RatingRow {
                user_id,
                movie_id,
                stars: rating.stars.value(),
                // When the rating reached this site, not when it was given: the server counts
                // ratings newer than its model to decide when to retrain.
                updated_at: now,
            };
            // Two movies of the set can be one film (same IMDb id): a rater of both would
            // put one key twice in a statement, which PostgreSQL refuses. The later rating
            // wins, as it does across statements. A rater's ratings are together, so only
            // the end of the batch is searched, and only for such films.
            let twice = shared.contains(&movie_id).then(|| {
                batch
                    .iter_mut()
                    .rev()
                    .take_while(|r| r.user_id == user_id)
                    .find(|r| r.movie_id == movie_id)
            });
            match twice.flatten() {
                Some(earlier) => *earlier = row,
                None => batch.push(row),
            }
            if batch.len() == per_statement {
                store::upsert_ratings(conn, &batch).await?;
                batch.clear();
            }
        }
        progress.ratings(summary.ratings);
    }
    store::upsert_ratings(conn, &batch).await?;
    progress.ratings(summary.ratings);
    progress.phase("ratings written", started.elapsed().as_secs_f64());
    if !dropped.is_empty() {
        let started = Instant::now();
        let names = store::sqlite_create_indexes(conn, &dropped).await?;
        progress.phase(
            &format!("indexes built ({})", names.join(", ")),
            started.elapsed().as_secs_f64(),
        );
    }
    summary.raters = seen.len() as u64;
    store_community_averages(conn, &sums).await?;
    Ok(())
}

/// Writes each movie's community average where it differs from the stored one, so a re-run
/// writes nothing.
async fn store_community_averages(
    conn: &mut DbConn,
    sums: &HashMap<i64, (f64, i64)>,
) -> Result<(), ImportError> {
    let stored: HashMap<i64, (f64, i64)> = store::community_averages(conn)
        .await?
        .into_iter()
        .map(|(id, average, count)| (id, (average, count)))
        .collect();
    let mut changed = Vec::new();
    for (&movie_id, &(sum, count)) in sums {
        let average = sum / count as f64;
        let same = stored
            .get(&movie_id)
            .is_some_and(|&(a, c)| c == count && (a - average).abs() < 1e-9);
        if !same {
            changed.push((movie_id, average, count));
        }
    }
    store::set_community_averages(conn, &changed).await?;
    Ok(())
}
