//! The IMDb import: IMDb's non-commercial dumps into the catalog.
//!
//! The files are read first, outside any transaction: `title.ratings` into a map of the
//! titles with enough votes, then `title.basics` streamed (about 12 million lines, never
//! held), keeping the feature films among them; with `title.crew` and `name.basics`, the
//! names of their directors. A malformed line stops the import there, before anything is
//! written. Then one transaction matches and writes:
//!
//! 1. a catalog movie with the film's IMDb id is updated where IMDb says otherwise;
//! 2. otherwise a catalog movie without an IMDb id, known by the same title (its display
//!    title, original title or an alternative one, compared by [`titles::key`]), with a year
//!    within one of any year a source gave it and a fitting director — or the same director
//!    and a year within [`titles::DIRECTOR_YEAR_TOLERANCE`] — is merged into: it keeps its id, so
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
use crate::catalog::genres;
use crate::domain::ImdbId;
use crate::importers::datasets::imdb::{
    ImdbReader, NameBasics, NameId, TitleBasics, TitleCrew, TitleRating, ratings_by_title,
};
use crate::importers::titles::{self, YEAR_TOLERANCE};
use crate::search::text;
use crate::store::catalog_import::{
    self as store, CatalogFilm, CatalogSource, ImdbFields, TitleRow,
};

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
    /// Of those, the ones found through an alternative title of either side.
    pub merged_by_alternative_title: u64,
    /// Second entries (without an IMDb id) of a film found by id, merged into it.
    pub merged_duplicates: u64,
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

/// The genres of a catalog movie.
fn genres_of(known: &CatalogFilm) -> Result<Vec<String>, ImportError> {
    serde_json::from_str(&known.genres)
        .map_err(|e| ImportError::Database(sqlx::Error::Decode(Box::new(e))))
}

/// Genre ids by name, created as they are first needed.
#[derive(Default)]
struct Genres(HashMap<String, i64>);

impl Genres {
    async fn ids(&mut self, conn: &mut DbConn, names: &[&str]) -> sqlx::Result<Vec<i64>> {
        let mut ids = Vec::with_capacity(names.len());
        for &name in names {
            let id = match self.0.get(name) {
                Some(&id) => id,
                None => {
                    let id = store::genre_id(conn, name).await?;
                    self.0.insert(name.to_owned(), id);
                    id
                }
            };
            ids.push(id);
        }
        Ok(ids)
    }
}

/// Writes `film` over catalog movie `known`; returns whether anything changed. The genres
/// become the union of both sides' in the site's vocabulary; a title or year replaced is
/// kept as an alternative title, so a source that names or dates the film the old way still
/// finds it.
async fn update(
    conn: &mut DbConn,
    genres: &mut Genres,
    known: &CatalogFilm,
    film: &Film,
    fields: &ImdbFields,
) -> Result<bool, ImportError> {
    let mut changed = false;
    if differs(known, fields) {
        let mut kept = Vec::new();
        let renamed = known.title != fields.title;
        if renamed || (fields.year.is_some() && known.year != fields.year) {
            kept.push(TitleRow {
                movie_id: known.id,
                title_key: titles::key(&known.title),
                title: known.title.clone(),
                year: known.year,
                source: "embedded",
            });
        }
        kept.extend(original_title_row(known.id, fields));
        store::update_film(conn, known.id, fields).await?;
        store::insert_titles(conn, &kept).await?;
        if renamed {
            let search_title = text::padded(&text::normalise(&fields.title));
            store::set_search_title(conn, known.id, &search_title).await?;
        }
        changed = true;
    }
    let had = genres_of(known)?;
    let mut names: Vec<&str> = had.iter().map(String::as_str).collect();
    names.extend(film.basics.genres.iter().map(String::as_str));
    let wanted = genres::canonical_set(&names);
    let mut had_sorted = had.clone();
    had_sorted.sort();
    let mut wanted_sorted: Vec<&str> = wanted.clone();
    wanted_sorted.sort_unstable();
    if had_sorted != wanted_sorted {
        let ids = genres.ids(conn, &wanted).await?;
        store::set_genres(conn, known.id, &ids).await?;
        changed = true;
    }
    Ok(changed)
}

/// IMDb's original title as an alternative title of film `id`, when it differs.
fn original_title_row(id: i64, fields: &ImdbFields) -> Option<TitleRow> {
    let original = fields.original_title.as_ref()?;
    Some(TitleRow {
        movie_id: id,
        title_key: titles::key(original),
        title: original.clone(),
        year: fields.year,
        source: "imdb",
    })
}

async fn insert(
    conn: &mut DbConn,
    genres: &mut Genres,
    film: &Film,
    fields: &ImdbFields,
) -> Result<i64, ImportError> {
    let search_title = text::padded(&text::normalise(&fields.title));
    let id = store::insert_film(conn, fields, &search_title).await?;
    let ids = genres
        .ids(conn, &genres::canonical_set(&film.basics.genres))
        .await?;
    store::set_genres(conn, id, &ids).await?;
    store::insert_titles(
        conn,
        &original_title_row(id, fields)
            .into_iter()
            .collect::<Vec<_>>(),
    )
    .await?;
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
    // Catalog movies a title match may claim: those without an IMDb id, by the key of each
    // of their titles, with every year a source gave them.
    let index: HashMap<i64, usize> = catalog.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    let mut known = Known {
        by_title: HashMap::new(),
        years: catalog
            .iter()
            .map(|m| m.year.into_iter().collect())
            .collect(),
    };
    for (i, movie) in catalog.iter().enumerate() {
        if movie.imdb_id.is_some() {
            continue;
        }
        known.add(i, titles::key(&movie.title), true);
        if let Some(original) = &movie.original_title {
            known.add(i, titles::key(original), false);
        }
    }
    for alternative in store::alternative_titles(conn).await? {
        if let Some(&i) = index.get(&alternative.movie_id)
            && catalog[i].imdb_id.is_none()
        {
            known.add(i, alternative.title_key, false);
            if let Some(year) = alternative.year
                && !known.years[i].contains(&year)
            {
                known.years[i].push(year);
            }
        }
    }

    let mut genres = Genres::default();
    // Ids first, so that no title match can claim a movie an id names.
    let mut unmatched = Vec::new();
    let mut found_by_id = Vec::new();
    for film in films {
        let fields = fields_of(film, with_crew);
        match by_imdb.get(fields.imdb_id.as_str()) {
            Some(&i) => {
                if update(conn, &mut genres, &catalog[i], film, &fields).await? {
                    summary.updated += 1;
                } else {
                    summary.unchanged += 1;
                }
                found_by_id.push((i, film));
            }
            None => unmatched.push((film, fields)),
        }
    }

    let candidates: Vec<(Vec<usize>, bool)> = unmatched
        .iter()
        .map(|(film, _)| known.candidates(&catalog, film))
        .collect();
    let mut claims: HashMap<usize, u32> = HashMap::new();
    for &i in candidates.iter().flat_map(|(c, _)| c) {
        *claims.entry(i).or_default() += 1;
    }
    for ((film, fields), (candidates, by_alternative)) in unmatched.iter().zip(candidates) {
        match candidates[..] {
            [i] if claims[&i] == 1 => {
                update(conn, &mut genres, &catalog[i], film, fields).await?;
                summary.merged += 1;
                if by_alternative {
                    summary.merged_by_alternative_title += 1;
                }
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
    // A film found by id may have a second entry without one (the embedded catalog's, or a
    // data set's added before the film had its id): the import merges it, as `movierec
    // catalog merge` would, unless a film of this dump claimed it by title above.
    let claimed: HashSet<usize> = claims.keys().copied().collect();
    let mut merged: HashSet<usize> = HashSet::new();
    for (i, film) in found_by_id {
        let (candidates, _) = known.candidates(&catalog, film);
        if let [j] = candidates[..]
            && j != i
            && !claimed.contains(&j)
            && !merged.contains(&j)
            && (catalog[i].movielens_id.is_none() || catalog[j].movielens_id.is_none())
        {
            crate::store::merge::merge_movies(conn, catalog[i].id, catalog[j].id, titles::key)
                .await?;
            merged.insert(j);
            summary.merged_duplicates += 1;
        }
    }
    Ok(())
}

/// The catalog movies a title match may claim, as matching looks them up.
struct Known {
    /// Title key → movies known by it, and whether it is their display title's key.
    by_title: HashMap<String, Vec<(usize, bool)>>,
    /// Every year a source gave each movie.
    years: Vec<Vec<i64>>,
}

impl Known {
    fn add(&mut self, i: usize, key: String, display: bool) {
        let movies = self.by_title.entry(key).or_default();
        if !movies.iter().any(|&(j, _)| j == i) {
            movies.push((i, display));
        }
    }

    /// The catalog movies `film` may be by title, year and director, and whether the title
    /// fitted through an alternative title of either side. A year within one of any year a
    /// source gave the movie fits when the directors do (or one side names none); the same
    /// director on both sides widens the window, for the embedded catalog's late US years.
    fn candidates(&self, catalog: &[CatalogFilm], film: &Film) -> (Vec<usize>, bool) {
        let b = &film.basics;
        let year: Vec<i64> = b.start_year.map(i64::from).into_iter().collect();
        let primary = titles::key(&b.primary_title);
        let original = titles::key(&b.original_title);
        let mut found: Vec<(usize, bool)> = Vec::new();
        for (key, film_display) in [(&primary, true), (&original, false)] {
            for &(i, known_display) in self.by_title.get(key).into_iter().flatten() {
                let known = &catalog[i];
                let directors = known.director.as_deref();
                let fits = (titles::any_years_fit(&self.years[i], &year, YEAR_TOLERANCE)
                    && titles::directors_fit(directors, &film.directors))
                    || (titles::same_director(directors, &film.directors)
                        && titles::any_years_fit(
                            &self.years[i],
                            &year,
                            titles::DIRECTOR_YEAR_TOLERANCE,
                        ));
                if fits {
                    found.push((i, !(film_display && known_display)));
                }
            }
        }
        found.sort_unstable();
        // A movie found by its display title counts as that, not as an alternative.
        found.dedup_by_key(|&mut (i, _)| i);
        let by_alternative = found.iter().all(|&(_, alternative)| alternative);
        (found.into_iter().map(|(i, _)| i).collect(), by_alternative)
    }
}
