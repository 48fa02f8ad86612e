//! The IMDb import: IMDb's non-commercial dumps into the catalog.
//!
//! The files are read first, outside any transaction: `title.ratings` into a map of the
//! titles with enough votes, then `title.basics` streamed (about 12 million lines, never
//! held), keeping the feature films among them; with `title.crew` and `name.basics`, the
//! names of their directors. A malformed line stops the import there, before anything is
//! written. Then one transaction matches and writes:
//!
//! 1. a catalog movie with the film's IMDb id is updated where IMDb says otherwise;
//! 2. otherwise a catalog movie without an IMDb id and with the same title (or original
//!    title), a year within one and a fitting director is merged into: it keeps its id, so
//!    its ratings, lists and critics' scores stay with it, and takes IMDb's id and fields.
//!    When several catalog movies fit, or several films fit the same catalog movie, nothing
//!    is merged: the film is added as a movie of its own and the summary lists the case;
//! 3. otherwise the film is added.
//!
//! Re-running the same import writes no movie: every film is found by its id and nothing
//! differs.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::store::{Db, DbConn};

use super::{ImportError, ImportProgress};
use crate::domain::ImdbId;
use crate::importers::imdb_datasets::{
    ImdbReader, NameBasics, NameId, TitleBasics, TitleCrew, TitleRating, ratings_by_title,
};
use crate::importers::titles::{directors_fit, key as title_key, years_fit};
use crate::search::text;
use crate::store::imports::{self as store, CatalogFilm, CatalogSource, ImdbFields};

/// The minimum IMDb votes a film needs by default: about 40,000 films of the full dump, the
/// ones people have heard of.
pub const DEFAULT_MIN_VOTES: u32 = 1_000;

/// How often the reading of `title.basics` is reported, in lines.
const REPORT_EVERY: u64 = 100_000;

/// The name the IMDb source goes by on the Model page.
pub const SOURCE_NAME: &str = "IMDb non-commercial datasets";

/// The files of an IMDb import, already on disk.
#[derive(Debug, Clone)]
pub struct ImdbFiles {
    pub basics: PathBuf,
    pub ratings: PathBuf,
    /// `title.crew` and `name.basics`, for the directors.
    pub crew_and_names: Option<(PathBuf, PathBuf)>,
    /// The date of the dump (`YYYY-MM-DD`), when known.
    pub data_date: Option<String>,
}

/// A title fitted several catalog movies, or shared its one with another title: added as a
/// movie of its own rather than merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImdbAmbiguity {
    pub imdb_id: String,
    pub title: String,
    pub year: Option<u16>,
    /// The catalog movies it could have been.
    pub candidates: Vec<i64>,
    /// The movie it became.
    pub added_as: i64,
}

/// What an IMDb import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImdbSummary {
    /// Lines of `title.basics` read.
    pub titles: u64,
    /// Feature films with enough votes: the ones imported.
    pub films: u64,
    /// Titles left out: not a feature film, adult, or under the minimum votes.
    pub skipped: u64,
    /// Films new to the catalog (ambiguous ones included).
    pub added: u64,
    /// Catalog movies found by IMDb id whose fields changed.
    pub updated: u64,
    /// Catalog movies found by IMDb id with nothing to change.
    pub unchanged: u64,
    /// Catalog movies without an IMDb id merged into by title, year and director.
    pub merged: u64,
    pub ambiguous: Vec<ImdbAmbiguity>,
    /// Films whose directors the crew file named.
    pub with_directors: u64,
}

/// A film of the dump as the import keeps it.
struct Film {
    basics: TitleBasics,
    rating: TitleRating,
    directors: Vec<String>,
}

/// Imports IMDb's files into the catalog; see the module documentation.
///
/// The files are read on the calling thread: this is for the command line, not a server.
pub async fn import_imdb(
    pool: &Db,
    files: &ImdbFiles,
    min_votes: u32,
    progress: &dyn ImportProgress,
) -> Result<ImdbSummary, ImportError> {
    let mut summary = ImdbSummary::default();
    let films = read_films(files, min_votes, &mut summary, progress)?;
    let mut tx = crate::store::begin_write(pool).await?;
    write_films(
        &mut tx,
        &films,
        files.crew_and_names.is_some(),
        &mut summary,
    )
    .await?;
    store::record_source(
        &mut tx,
        &CatalogSource {
            kind: "imdb".to_owned(),
            name: SOURCE_NAME.to_owned(),
            data_date: files.data_date.clone(),
            imported_at: crate::store::now(),
            movies: summary.films as i64,
            ratings: 0,
            raters: 0,
        },
    )
    .await?;
    crate::store::catalog::refresh_votes(&mut tx).await?;
    tx.commit().await?;
    Ok(summary)
}

fn read_films(
    files: &ImdbFiles,
    min_votes: u32,
    summary: &mut ImdbSummary,
    progress: &dyn ImportProgress,
) -> Result<Vec<Film>, ImportError> {
    let ratings = ratings_by_title(ImdbReader::<TitleRating>::open(&files.ratings)?, min_votes)?;
    let mut films = Vec::new();
    for title in ImdbReader::<TitleBasics>::open(&files.basics)? {
        let title = title?;
        summary.titles += 1;
        if summary.titles.is_multiple_of(REPORT_EVERY) {
            progress.titles(summary.titles);
        }
        match ratings.get(&title.tconst) {
            Some(rating) if title.is_feature_film() => films.push(Film {
                rating: *rating,
                basics: title,
                directors: Vec::new(),
            }),
            _ => summary.skipped += 1,
        }
    }
    progress.titles(summary.titles);
    drop(ratings);
    summary.films = films.len() as u64;

    if let Some((crew, names)) = &files.crew_and_names {
        let index: HashMap<ImdbId, usize> = films
            .iter()
            .enumerate()
            .map(|(i, film)| (film.basics.tconst, i))
            .collect();
        let mut directed: Vec<(usize, Vec<NameId>)> = Vec::new();
        let mut wanted: HashSet<NameId> = HashSet::new();
        for row in ImdbReader::<TitleCrew>::open(crew)? {
            let row = row?;
            if let Some(&i) = index.get(&row.tconst)
                && !row.directors.is_empty()
            {
                wanted.extend(row.directors.iter().copied());
                directed.push((i, row.directors));
            }
        }
        let mut known: HashMap<NameId, String> = HashMap::with_capacity(wanted.len());
        for row in ImdbReader::<NameBasics>::open(names)? {
            let row: NameBasics = row?;
            if wanted.contains(&row.nconst) {
                known.insert(row.nconst, row.primary_name);
            }
        }
        for (i, ids) in directed {
            // A director missing from `name.basics` (the dumps are cut at slightly
            // different moments) is left out rather than shown as an id.
            films[i].directors = ids.iter().filter_map(|id| known.get(id).cloned()).collect();
            if !films[i].directors.is_empty() {
                summary.with_directors += 1;
            }
        }
    }
    Ok(films)
}

/// IMDb's ratings have one decimal; kept as exact tenths.
fn tenths(rating: f32) -> f64 {
    (f64::from(rating) * 10.0).round() / 10.0
}

fn fields_of(film: &Film, with_crew: bool) -> ImdbFields {
    let b = &film.basics;
    ImdbFields {
        imdb_id: b.tconst.to_string(),
        title: b.primary_title.clone(),
        original_title: (b.original_title != b.primary_title).then(|| b.original_title.clone()),
        year: b.start_year.map(i64::from),
        runtime_min: b.runtime_minutes.map(i64::from),
        director: (with_crew && !film.directors.is_empty()).then(|| film.directors.join(", ")),
        imdb_rating: tenths(film.rating.average_rating),
        imdb_votes: i64::from(film.rating.num_votes),
    }
}

/// Whether writing `fields` over `known` would change anything.
fn differs(known: &CatalogFilm, fields: &ImdbFields) -> bool {
    known.imdb_id.as_deref() != Some(fields.imdb_id.as_str())
        || known.title != fields.title
        || known.original_title != fields.original_title
        || known.year != fields.year
        || known.runtime_min != fields.runtime_min
        || fields
            .director
            .as_ref()
            .is_some_and(|d| known.director.as_ref() != Some(d))
        || known
            .imdb_rating
            .is_none_or(|r| (r - fields.imdb_rating).abs() > 1e-9)
        || known.imdb_votes != Some(fields.imdb_votes)
}

/// The genres of a catalog movie, sorted.
fn genres_of(known: &CatalogFilm) -> Result<Vec<String>, ImportError> {
    let mut genres: Vec<String> = serde_json::from_str(&known.genres)
        .map_err(|e| ImportError::Database(sqlx::Error::Decode(Box::new(e))))?;
    genres.sort();
    Ok(genres)
}

/// Genre ids by name, created as they are first needed.
#[derive(Default)]
struct Genres(HashMap<String, i64>);

impl Genres {
    async fn ids(&mut self, conn: &mut DbConn, names: &[String]) -> sqlx::Result<Vec<i64>> {
        let mut ids = Vec::with_capacity(names.len());
        for name in names {
            let id = match self.0.get(name) {
                Some(&id) => id,
                None => {
                    let id = store::genre_id(conn, name).await?;
                    self.0.insert(name.clone(), id);
                    id
                }
            };
            ids.push(id);
        }
        Ok(ids)
    }
}

/// Writes `film` over catalog movie `known`; returns whether anything changed.
async fn update(
    conn: &mut DbConn,
    genres: &mut Genres,
    known: &CatalogFilm,
    film: &Film,
    fields: &ImdbFields,
) -> Result<bool, ImportError> {
    let mut changed = false;
    if differs(known, fields) {
        store::update_film(conn, known.id, fields).await?;
        if known.title != fields.title {
            let search_title = text::padded(&text::normalise(&fields.title));
            store::set_search_title(conn, known.id, &search_title).await?;
        }
        changed = true;
    }
    let mut wanted = film.basics.genres.clone();
    wanted.sort();
    if genres_of(known)? != wanted {
        let ids = genres.ids(conn, &wanted).await?;
        store::set_genres(conn, known.id, &ids).await?;
        changed = true;
    }
    Ok(changed)
}

async fn insert(
    conn: &mut DbConn,
    genres: &mut Genres,
    film: &Film,
    fields: &ImdbFields,
) -> Result<i64, ImportError> {
    let search_title = text::padded(&text::normalise(&fields.title));
    let id = store::insert_film(conn, fields, &search_title).await?;
    let ids = genres.ids(conn, &film.basics.genres).await?;
    store::set_genres(conn, id, &ids).await?;
    Ok(id)
}

async fn write_films(
    conn: &mut DbConn,
    films: &[Film],
    with_crew: bool,
    summary: &mut ImdbSummary,
) -> Result<(), ImportError> {
    let catalog = store::catalog_films(conn).await?;
    let by_imdb: HashMap<&str, usize> = catalog
        .iter()
        .enumerate()
        .filter_map(|(i, m)| Some((m.imdb_id.as_deref()?, i)))
        .collect();
    // Catalog movies a title match may claim: those without an IMDb id, by title key
    // (their original title too).
    let mut by_title: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, movie) in catalog.iter().enumerate() {
        if movie.imdb_id.is_some() {
            continue;
        }
        let mut keys = vec![title_key(&movie.title)];
        if let Some(original) = &movie.original_title {
            keys.push(title_key(original));
        }
        keys.dedup();
        for key in keys {
            by_title.entry(key).or_default().push(i);
        }
    }

    let mut genres = Genres::default();
    // Ids first, so that no title match can claim a movie an id names.
    let mut unmatched = Vec::new();
    for film in films {
        let fields = fields_of(film, with_crew);
        match by_imdb.get(fields.imdb_id.as_str()) {
            Some(&i) => {
                if update(conn, &mut genres, &catalog[i], film, &fields).await? {
                    summary.updated += 1;
                } else {
                    summary.unchanged += 1;
                }
            }
            None => unmatched.push((film, fields)),
        }
    }

    let candidates: Vec<Vec<usize>> = unmatched
        .iter()
        .map(|(film, _)| title_candidates(&catalog, &by_title, film))
        .collect();
    let mut claims: HashMap<usize, u32> = HashMap::new();
    for &i in candidates.iter().flatten() {
        *claims.entry(i).or_default() += 1;
    }
    for ((film, fields), candidates) in unmatched.iter().zip(candidates) {
        match candidates[..] {
            [i] if claims[&i] == 1 => {
                update(conn, &mut genres, &catalog[i], film, fields).await?;
                summary.merged += 1;
            }
            [] => {
                insert(conn, &mut genres, film, fields).await?;
                summary.added += 1;
            }
            _ => {
                let id = insert(conn, &mut genres, film, fields).await?;
                summary.added += 1;
                summary.ambiguous.push(ImdbAmbiguity {
                    imdb_id: fields.imdb_id.clone(),
                    title: fields.title.clone(),
                    year: film.basics.start_year,
                    candidates: candidates.iter().map(|&i| catalog[i].id).collect(),
                    added_as: id,
                });
            }
        }
    }
    Ok(())
}

/// The catalog movies `film` may be by title, year and director.
fn title_candidates(
    catalog: &[CatalogFilm],
    by_title: &HashMap<String, Vec<usize>>,
    film: &Film,
) -> Vec<usize> {
    let b = &film.basics;
    let mut keys = vec![title_key(&b.primary_title), title_key(&b.original_title)];
    keys.dedup();
    let mut found: Vec<usize> = keys
        .iter()
        .filter_map(|key| by_title.get(key))
        .flatten()
        .copied()
        .filter(|&i| {
            let known = &catalog[i];
            years_fit(known.year, b.start_year.map(i64::from))
                && directors_fit(known.director.as_deref(), &film.directors)
        })
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}
