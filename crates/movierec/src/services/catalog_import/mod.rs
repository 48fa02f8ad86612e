//! A catalog import: the public data sets loaded into the catalog and the ratings, MovieLens
//! here and IMDb's dumps in [`imdb`].
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

use crate::domain::UserId;
use crate::store::{Db, DbConn};

use crate::catalog::genres;
use crate::importers::ParseError;
use crate::importers::datasets::movielens::{self, MovieLensSet};
use crate::importers::titles::{self, YEAR_TOLERANCE};
use crate::search::text;
use crate::store::catalog_import::{
    self as store, AlternativeTitle, CatalogSource, KnownMovie, NewMovie, RatingRow, TitleRow,
};

pub mod imdb;

pub use imdb::{DEFAULT_MIN_VOTES, ImdbFiles, ImdbSummary, import_imdb};

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
    /// Catalog movies the set's movies were merged into through an alternative title of
    /// either side (an "a.k.a.", an original title, a name the catalog knew the film by).
    pub merged_by_alternative_title: u64,
    /// Second entries of a film the set found by id, merged into it (see
    /// [`crate::store::merge::merge_movies`]).
    pub merged_duplicates: u64,
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
    /// Every year a source gave each movie: its own and its alternative titles'.
    years: Vec<Vec<i64>>,
    by_movielens: HashMap<i64, usize>,
    by_imdb: HashMap<String, usize>,
    /// Title key → movies known by it, and whether it is their display title's key.
    by_title: HashMap<String, Vec<(usize, bool)>>,
    tmdb_taken: HashSet<i64>,
    /// Movies merged into another during this import: gone from the database.
    gone: HashSet<usize>,
}

/// How a set's movie was found in the catalog by its titles.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TitleMatch {
    None,
    /// Display title to display title.
    Title(usize),
    /// Through an alternative title of either side.
    Alternative(usize),
    Ambiguous(Vec<usize>),
}

impl Catalog {
    fn new(movies: Vec<KnownMovie>, alternatives: Vec<AlternativeTitle>) -> Self {
        let mut catalog = Self {
            movies: Vec::with_capacity(movies.len()),
            years: Vec::with_capacity(movies.len()),
            by_movielens: HashMap::new(),
            by_imdb: HashMap::new(),
            by_title: HashMap::new(),
            tmdb_taken: HashSet::new(),
            gone: HashSet::new(),
        };
        for movie in movies {
            catalog.push(movie);
        }
        let index: HashMap<i64, usize> = catalog
            .movies
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id, i))
            .collect();
        for alternative in alternatives {
            if let Some(&i) = index.get(&alternative.movie_id) {
                catalog.add_title(i, alternative.title_key, alternative.year);
            }
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
        self.years.push(movie.year.into_iter().collect());
        let display = titles::key(&movie.title);
        let original = movie.original_title.as_deref().map(titles::key);
        self.by_title
            .entry(display.clone())
            .or_default()
            .push((i, true));
        self.movies.push(movie);
        if let Some(original) = original.filter(|k| *k != display) {
            self.add_title(i, original, None);
        }
    }

    /// Records another name of the movie at `i`, and the year its source gave.
    fn add_title(&mut self, i: usize, key: String, year: Option<i64>) {
        if let Some(year) = year
            && !self.years[i].contains(&year)
        {
            self.years[i].push(year);
        }
        let known = self.by_title.entry(key).or_default();
        if !known.iter().any(|&(j, _)| j == i) {
            known.push((i, false));
        }
    }

    /// Catalog movies that may be `movie` by title and year (any year a source gave, within
    /// one): unclaimed by MovieLens and without a different IMDb id. The display titles are
    /// compared first; the alternative titles of both sides only when those find nothing.
    fn title_match(&self, movie: &movielens::Movie, imdb: Option<&str>) -> TitleMatch {
        let year: Vec<i64> = movie.year.map(i64::from).into_iter().collect();
        let fits = |i: usize| {
            let known = &self.movies[i];
            let imdb_fits = match (&known.imdb_id, imdb) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            };
            imdb_fits
                && known.movielens_id.is_none()
                && !self.gone.contains(&i)
                && titles::any_years_fit(&self.years[i], &year, YEAR_TOLERANCE)
        };
        let keys = keys_of(movie);
        let mut same: Vec<usize> = self
            .by_title
            .get(&keys[0])
            .into_iter()
            .flatten()
            .filter(|&&(i, is_display)| is_display && fits(i))
            .map(|&(i, _)| i)
            .collect();
        same.dedup();
        match same[..] {
            [i] => return TitleMatch::Title(i),
            [] => {}
            _ => return TitleMatch::Ambiguous(same),
        }
        let mut any: Vec<usize> = keys
            .iter()
            .filter(|k| !k.is_empty())
            .filter_map(|k| self.by_title.get(k))
            .flatten()
            .map(|&(i, _)| i)
            .filter(|&i| fits(i))
            .collect();
        any.sort_unstable();
        any.dedup();
        match any[..] {
            [] => TitleMatch::None,
            [i] => TitleMatch::Alternative(i),
            _ => TitleMatch::Ambiguous(any),
        }
    }

    /// The one other catalog movie, without any id, that `movie` shows to be a second entry
    /// of the movie at `i` (which an id found): its titles and years fit as a title match
    /// would. `None` when there is none or more than one.
    fn duplicate_of(&self, i: usize, movie: &movielens::Movie) -> Option<usize> {
        let year: Vec<i64> = movie.year.map(i64::from).into_iter().collect();
        let mut found: Vec<usize> = keys_of(movie)
            .iter()
            .filter(|k| !k.is_empty())
            .filter_map(|k| self.by_title.get(k))
            .flatten()
            .map(|&(j, _)| j)
            .filter(|&j| {
                let other = &self.movies[j];
                j != i
                    && other.id > 0
                    && !self.gone.contains(&j)
                    && other.imdb_id.is_none()
                    && other.movielens_id.is_none()
                    && titles::any_years_fit(&self.years[j], &year, YEAR_TOLERANCE)
            })
            .collect();
        found.sort_unstable();
        found.dedup();
        match found[..] {
            [j] => Some(j),
            _ => None,
        }
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

/// The keys of a set's movie's titles: its display title's first, then its other titles'.
fn keys_of(movie: &movielens::Movie) -> Vec<String> {
    std::iter::once(movie.title.as_str())
        .chain(movie.alternatives())
        .map(titles::key)
        .collect()
}

/// Genre ids by name, created as they are first needed.
#[derive(Default)]
struct GenreIds(HashMap<&'static str, i64>);

impl GenreIds {
    /// The ids of the vocabulary genres a source's names stand for.
    async fn of(&mut self, conn: &mut DbConn, names: &[String]) -> sqlx::Result<Vec<i64>> {
        let mut ids = Vec::new();
        for genre in genres::canonical_set(names) {
            let id = match self.0.get(genre) {
                Some(&id) => id,
                None => {
                    let id = store::genre_id(conn, genre).await?;
                    self.0.insert(genre, id);
                    id
                }
            };
            ids.push(id);
        }
        Ok(ids)
    }
}

/// The names a set gives `movie`, kept beside whatever film it becomes (`id`).
fn titles_of(movie: &movielens::Movie, id: i64) -> Vec<TitleRow> {
    let year = movie.year.map(i64::from);
    std::iter::once(movie.title.as_str())
        .chain(movie.alternatives())
        .map(|title| TitleRow {
            movie_id: id,
            title_key: titles::key(title),
            title: title.to_owned(),
            year,
            source: "movielens",
        })
        .filter(|row| !row.title_key.is_empty())
        .collect()
}

/// What a set's movie brings to the catalog movie at `i` it was merged into, besides ids:
/// its genres (the union is kept), its names, and its year when the catalog's came from a
/// weaker source (MovieLens's year beats the embedded catalog's, IMDb's beats both). The
/// year replaced is kept with the old display title, so a source that dates the film the
/// old way still finds it.
async fn absorb(
    conn: &mut DbConn,
    catalog: &mut Catalog,
    i: usize,
    movie: &movielens::Movie,
    genre_ids: &mut GenreIds,
    names: &mut Names,
) -> Result<(), ImportError> {
    let known = &catalog.movies[i];
    let id = known.id;
    for genre in genre_ids.of(conn, &movie.genres).await? {
        names.genres.push((id, genre));
    }
    let year = movie.year.map(i64::from);
    if let Some(year) = year
        && known.year != Some(year)
        && known.year_source.as_deref() != Some("imdb")
    {
        names.titles.push(TitleRow {
            movie_id: id,
            title_key: titles::key(&known.title),
            title: known.title.clone(),
            year: known.year,
            source: "embedded",
        });
        store::set_year(conn, id, year, "movielens").await?;
        let known = &mut catalog.movies[i];
        known.year = Some(year);
        known.year_source = Some("movielens".to_owned());
    }
    let rows = titles_of(movie, id);
    for row in &rows {
        catalog.add_title(i, row.title_key.clone(), row.year);
    }
    names.titles.extend(rows);
    Ok(())
}

/// What merged movies gain, written together at the end of the movie phase: one statement
/// per thousand rather than one per movie.
#[derive(Default)]
struct Names {
    titles: Vec<TitleRow>,
    /// (movie, genre) links.
    genres: Vec<(i64, i64)>,
}

/// Merges into the movie at `i`, which `movie` was found as by id, a second entry of the same
/// film the set reveals (see [`Catalog::duplicate_of`]), as `movierec catalog merge` would:
/// its ratings, lists and marks move, and its id answers with a redirect.
async fn merge_duplicate(
    conn: &mut DbConn,
    catalog: &mut Catalog,
    i: usize,
    movie: &movielens::Movie,
    summary: &mut ImportSummary,
) -> Result<(), ImportError> {
    let Some(j) = catalog.duplicate_of(i, movie) else {
        return Ok(());
    };
    crate::store::merge::merge_movies(
        conn,
        catalog.movies[i].id,
        catalog.movies[j].id,
        titles::key,
    )
    .await?;
    catalog.gone.insert(j);
    let key = titles::key(&catalog.movies[j].title);
    let year = catalog.movies[j].year;
    catalog.add_title(i, key, year);
    summary.merged_duplicates += 1;
    Ok(())
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
    let known = store::known_movies(conn).await?;
    let mut catalog = Catalog::new(known, store::alternative_titles(conn).await?);
    let mut ids = HashMap::with_capacity(movies.len());
    let mut by_title = Vec::new();
    let mut genre_ids = GenreIds::default();
    let mut names = Names::default();

    for movie in &movies {
        let ml = i64::from(movie.movie_id);
        let imdb = movie.imdb_id.map(|id| id.to_string());
        if let Some(&i) = catalog.by_movielens.get(&ml) {
            summary.already_imported += 1;
            let known = &catalog.movies[i];
            // Imported before alternative titles were read: the display title still holds
            // brackets this reading takes apart ("Léon: The Professional (a.k.a. …)").
            if known.title != movie.title
                && movielens::parse_title(&known.title).title == movie.title
            {
                let search_title = text::padded(&text::normalise(&movie.title));
                store::set_title(conn, known.id, &movie.title, &search_title).await?;
                names.titles.extend(titles_of(movie, known.id));
                catalog.movies[i].title = movie.title.clone();
            }
            merge_duplicate(conn, &mut catalog, i, movie, summary).await?;
            ids.insert(movie.movie_id, catalog.movies[i].id);
        } else if let Some(&i) = imdb.as_ref().and_then(|imdb| catalog.by_imdb.get(imdb)) {
            let id = catalog.movies[i].id;
            if catalog.movies[i].movielens_id.is_some() {
                summary.duplicates += 1;
            } else {
                let tmdb = catalog.claim_tmdb(movie.tmdb_id);
                store::fill_ids(conn, id, None, tmdb, Some(ml)).await?;
                catalog.fill(i, None, tmdb, ml);
                absorb(conn, &mut catalog, i, movie, &mut genre_ids, &mut names).await?;
                summary.merged_by_imdb += 1;
                merge_duplicate(conn, &mut catalog, i, movie, summary).await?;
            }
            ids.insert(movie.movie_id, id);
        } else {
            by_title.push((movie, imdb));
        }
    }

    // Added movies are written together after matching; until then each holds a stand-in
    // id, `-(its index in `added` + 1)`, which `real_id` turns into the one stored.
    let mut added: Vec<NewMovie> = Vec::new();
    for (done, (movie, imdb)) in by_title.into_iter().enumerate() {
        let ml = i64::from(movie.movie_id);
        // A movie added or merged just before may have the same IMDb id: a set's duplicate.
        if let Some(&i) = imdb.as_ref().and_then(|imdb| catalog.by_imdb.get(imdb)) {
            summary.duplicates += 1;
            ids.insert(movie.movie_id, catalog.movies[i].id);
            continue;
        }
        let found = catalog.title_match(movie, imdb.as_deref());
        if let TitleMatch::Title(i) | TitleMatch::Alternative(i) = found {
            let id = catalog.movies[i].id;
            let tmdb = catalog.claim_tmdb(movie.tmdb_id);
            store::fill_ids(conn, id, imdb.as_deref(), tmdb, Some(ml)).await?;
            catalog.fill(i, imdb.as_deref(), tmdb, ml);
            absorb(conn, &mut catalog, i, movie, &mut genre_ids, &mut names).await?;
            if matches!(found, TitleMatch::Title(_)) {
                summary.merged_by_title += 1;
            } else {
                summary.merged_by_alternative_title += 1;
            }
            ids.insert(movie.movie_id, id);
        } else {
            let tmdb = catalog.claim_tmdb(movie.tmdb_id);
            let year = movie.year.map(i64::from);
            let id = -(added.len() as i64 + 1);
            added.push(NewMovie {
                title: movie.title.clone(),
                year,
                imdb_id: imdb.clone(),
                tmdb_id: tmdb,
                movielens_id: ml,
                search_title: text::padded(&text::normalise(&movie.title)),
                genre_ids: genre_ids.of(conn, &movie.genres).await?,
            });
            if let TitleMatch::Ambiguous(candidates) = &found {
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
                original_title: None,
                year,
                year_source: year.map(|_| "movielens".to_owned()),
                imdb_id: imdb,
                tmdb_id: tmdb,
                movielens_id: Some(ml),
            });
            let i = catalog.movies.len() - 1;
            let rows = titles_of(movie, id);
            for row in &rows {
                catalog.add_title(i, row.title_key.clone(), row.year);
            }
            names.titles.extend(rows);
            summary.added += 1;
            ids.insert(movie.movie_id, id);
        }
        if done % 1000 == 0 {
            progress.movies(done as u64);
        }
    }
    // Title candidates are never added movies (those have a MovieLens id), so only the
    // movies' own ids, `added_as` and the new titles' films can be stand-ins.
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
    for row in &mut names.titles {
        row.movie_id = real_id(row.movie_id);
    }
    store::insert_titles(conn, &names.titles).await?;
    store::add_genres(conn, &names.genres).await?;
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
    let mut raters: HashMap<u32, UserId> = store::community_raters(conn)
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
    let mut current: Option<(u32, UserId)> = None;
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
                stars: rating.stars,
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
