//! The catalog's duplicates: films entered twice (a data set's entry beside the embedded
//! catalog's, a provider's film beside an import's), found and merged by an administrator
//! on the Duplicates page or with `movierec catalog`.

pub mod seed;

use std::collections::HashMap;

use crate::domain::MovieId;
use crate::importers::titles;
use crate::store::merge::{DuplicateFilm, FilmName, MergeCounts};
use crate::store::{self, Db};

/// Why a merge was refused; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("a film cannot be merged into itself (id {0})")]
    SameFilm(MovieId),
    #[error("there is no film with id {id}{}", merged_note(.target))]
    NoSuchFilm {
        id: MovieId,
        /// The film `id` was merged into before, when it was.
        target: Option<i64>,
    },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

fn merged_note(target: &Option<i64>) -> String {
    target
        .map(|to| format!(": it was merged into film {to}"))
        .unwrap_or_default()
}

/// What a merge did: the two films as they were named, and what moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeReport {
    pub kept: FilmName,
    pub dropped: FilmName,
    pub counts: MergeCounts,
}

impl MergeReport {
    /// One sentence of what happened, for the command line and the page's notice.
    pub fn summary(&self) -> String {
        let c = &self.counts;
        format!(
            "Merged {} into {}: moved {} rating{} ({} user{} had rated both; the newest \
             rating kept), {} watchlist entr{}, {} seen mark{}, {} hidden mark{}. \
             Film {} now redirects to film {}.",
            name(&self.dropped),
            name(&self.kept),
            c.ratings,
            plural(c.ratings, "", "s"),
            c.conflicts,
            plural(c.conflicts, "", "s"),
            c.watchlist,
            plural(c.watchlist, "y", "ies"),
            c.seen,
            plural(c.seen, "", "s"),
            c.hidden,
            plural(c.hidden, "", "s"),
            self.dropped.id,
            self.kept.id,
        )
    }
}

/// "Se7en (1995, id 12)".
fn name(film: &FilmName) -> String {
    match film.year {
        Some(year) => format!("{} ({year}, id {})", film.title, film.id),
        None => format!("{} (id {})", film.title, film.id),
    }
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// Merges film `drop` into film `keep` in one transaction: everything users gave `drop`
/// follows to `keep` and `drop`'s id redirects there (see [`store::merge::merge_movies`]).
/// Refused, changing nothing, for a film into itself or an id that names no film.
#[tracing::instrument(skip(pool), fields(keep = keep.get(), drop = drop.get()))]
pub async fn merge(pool: &Db, keep: MovieId, drop: MovieId) -> Result<MergeReport, CatalogError> {
    if keep == drop {
        return Err(CatalogError::SameFilm(keep));
    }
    let mut tx = store::begin_write(pool).await?;
    // Checked inside the transaction, so a film merged away meanwhile is refused here.
    let kept = existing(&mut tx, keep).await?;
    let dropped = existing(&mut tx, drop).await?;
    let counts = store::merge::merge_movies(&mut tx, keep.get(), drop.get(), titles::key).await?;
    tx.commit().await?;
    tracing::info!(?counts, "films merged");
    Ok(MergeReport {
        kept,
        dropped,
        counts,
    })
}

async fn existing(conn: &mut store::DbConn, id: MovieId) -> Result<FilmName, CatalogError> {
    match store::merge::film(conn, id.get()).await? {
        Some(film) => Ok(film),
        None => Err(CatalogError::NoSuchFilm {
            id,
            target: store::merge::redirect_on(conn, id.get()).await?,
        }),
    }
}

/// Why two films look like one: besides a shared title key, what else they share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Likeness {
    /// A title of each shares a key, and their years fit within [`titles::YEAR_TOLERANCE`].
    Year,
    /// The same, and the same director too.
    YearAndDirector,
    /// A shared title key and the same director, years within
    /// [`titles::DIRECTOR_YEAR_TOLERANCE`].
    Director,
}

impl std::fmt::Display for Likeness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Year => "same title, year within 1",
            Self::YearAndDirector => "same title, year and director",
            Self::Director => "same title and director",
        })
    }
}

/// Two films that are likely one, with the one to keep suggested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicatePair {
    /// The suggestion: more ratings, else the one with an IMDb id, else the older entry.
    pub keep: DuplicateFilm,
    pub drop: DuplicateFilm,
    /// The title key the two share.
    pub title_key: String,
    pub likeness: Likeness,
}

/// Likely pairs of one film entered twice: a title of each (display or alternative) with the
/// same [`titles::key`], and any years of the two within one, or the same director with the
/// years within [`titles::DIRECTOR_YEAR_TOLERANCE`]. Two films with an id of the same source
/// each (IMDb, MovieLens, TMDB) are never paired: different ids are different films. Grouped
/// by key in memory, so the catalog is read once whatever its size. Most rated pairs first.
#[tracing::instrument(skip(pool))]
pub async fn duplicates(pool: &Db) -> sqlx::Result<Vec<DuplicatePair>> {
    let mut conn = pool.acquire().await?;
    let (films, alternatives) = store::merge::duplicate_rows(&mut conn).await?;
    let found = pair_up(&films, &alternatives);
    if found.is_empty() {
        return Ok(Vec::new());
    }

    let mut ids: Vec<i64> = found
        .keys()
        .flat_map(|&(a, b)| [films[a].id, films[b].id])
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let rated = store::merge::rating_counts(&mut conn, &ids).await?;

    let mut pairs: Vec<DuplicatePair> = found
        .into_iter()
        .map(|((a, b), (title_key, likeness))| {
            let with_ratings = |i: usize| DuplicateFilm {
                ratings: rated.get(&films[i].id).copied().unwrap_or(0),
                ..films[i].clone()
            };
            let (a, b) = (with_ratings(a), with_ratings(b));
            let (keep, drop) = if keeps_first(&a, &b) { (a, b) } else { (b, a) };
            DuplicatePair {
                keep,
                drop,
                title_key,
                likeness,
            }
        })
        .collect();
    pairs.sort_by_key(|p| {
        (
            std::cmp::Reverse(p.keep.ratings + p.drop.ratings),
            p.keep.id,
            p.drop.id,
        )
    });
    Ok(pairs)
}

/// Whether `a` is the one to keep of a pair.
fn keeps_first(a: &DuplicateFilm, b: &DuplicateFilm) -> bool {
    (a.ratings, a.imdb_id.is_some(), std::cmp::Reverse(a.id))
        > (b.ratings, b.imdb_id.is_some(), std::cmp::Reverse(b.id))
}

/// The pairs of `films` (by index, lower first) with the key they share and why they fit.
/// Each film goes into one bucket per distinct key of its titles; only films in the same
/// bucket are compared.
fn pair_up(
    films: &[DuplicateFilm],
    alternatives: &[(i64, String, Option<i64>)],
) -> HashMap<(usize, usize), (String, Likeness)> {
    let index: HashMap<i64, usize> = films.iter().enumerate().map(|(i, f)| (f.id, i)).collect();
    let mut keys: Vec<Vec<String>> = films.iter().map(|f| vec![titles::key(&f.title)]).collect();
    let mut years: Vec<Vec<i64>> = films.iter().map(|f| f.year.into_iter().collect()).collect();
    for (movie, key, year) in alternatives {
        if let Some(&i) = index.get(movie) {
            keys[i].push(key.clone());
            years[i].extend(*year);
        }
    }
    let mut buckets: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, film_keys) in keys.iter_mut().enumerate() {
        film_keys.sort_unstable();
        film_keys.dedup();
        for key in film_keys.iter().filter(|k| !k.is_empty()) {
            buckets.entry(key.as_str()).or_default().push(i);
        }
    }
    for film_years in &mut years {
        film_years.sort_unstable();
        film_years.dedup();
    }
    let directors: Vec<Vec<String>> = films
        .iter()
        .map(|f| {
            f.director
                .as_deref()
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .collect();

    let mut found: HashMap<(usize, usize), (String, Likeness)> = HashMap::new();
    for (key, members) in &buckets {
        for (n, &a) in members.iter().enumerate() {
            for &b in &members[n + 1..] {
                let (fa, fb) = (&films[a], &films[b]);
                let both = |id: fn(&DuplicateFilm) -> bool| id(fa) && id(fb);
                if both(|f| f.imdb_id.is_some())
                    || both(|f| f.movielens_id.is_some())
                    || both(|f| f.tmdb_id.is_some())
                {
                    continue;
                }
                let year = titles::any_years_fit(&years[a], &years[b], titles::YEAR_TOLERANCE);
                let director = titles::same_director(fa.director.as_deref(), &directors[b])
                    && titles::any_years_fit(&years[a], &years[b], titles::DIRECTOR_YEAR_TOLERANCE);
                let likeness = match (year, director) {
                    (true, true) => Likeness::YearAndDirector,
                    (true, false) => Likeness::Year,
                    (false, true) => Likeness::Director,
                    (false, false) => continue,
                };
                let pair = (a.min(b), a.max(b));
                // Found under several keys: the first key in order, so the answer is stable.
                let entry = found
                    .entry(pair)
                    .or_insert_with(|| ((*key).to_owned(), likeness));
                if *key < entry.0.as_str() {
                    entry.0 = (*key).to_owned();
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_db::{movie, user, with_movies};

    async fn exec(pool: &Db, sql: &str) {
        sqlx::query(sql).execute(pool).await.unwrap();
    }

    #[tokio::test]
    async fn refusals_name_the_problem_and_change_nothing() {
        let (_dir, pool) = with_movies(3).await;
        let same = merge(&pool, movie(1), movie(1)).await.unwrap_err();
        assert!(matches!(same, CatalogError::SameFilm(_)), "{same}");
        let unknown = merge(&pool, movie(1), movie(9)).await.unwrap_err();
        assert_eq!(unknown.to_string(), "there is no film with id 9");

        let report = merge(&pool, movie(1), movie(2)).await.unwrap();
        assert_eq!((report.kept.id, report.dropped.id), (1, 2));
        assert!(
            report.summary().contains("Film 2 now redirects to film 1"),
            "{}",
            report.summary()
        );
        let again = merge(&pool, movie(3), movie(2)).await.unwrap_err();
        assert_eq!(
            again.to_string(),
            "there is no film with id 2: it was merged into film 1"
        );
        let films: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM movies")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(films, 2);
    }

    fn film(id: i64, title: &str, year: Option<i64>) -> DuplicateFilm {
        DuplicateFilm {
            id,
            title: title.into(),
            year,
            director: None,
            imdb_id: None,
            tmdb_id: None,
            movielens_id: None,
            ratings: 0,
        }
    }

    fn pairs(
        films: &[DuplicateFilm],
        alternatives: &[(i64, &str, Option<i64>)],
    ) -> Vec<(i64, i64, Likeness)> {
        let alternatives: Vec<(i64, String, Option<i64>)> = alternatives
            .iter()
            .map(|&(m, t, y)| (m, titles::key(t), y))
            .collect();
        let mut found: Vec<_> = pair_up(films, &alternatives)
            .into_iter()
            .map(|((a, b), (_, why))| (films[a].id, films[b].id, why))
            .collect();
        found.sort_unstable();
        found
    }

    #[test]
    fn pairs_share_a_title_key_and_a_fitting_year_or_director() {
        let mut films = vec![
            film(1, "Das Boot", Some(1981)),
            film(2, "Boot, Das", Some(1982)),
            film(3, "Seven", Some(1995)),
            film(4, "Se7en", Some(1995)),
            film(5, "Akira", Some(1988)),
            film(6, "Akira", Some(2001)),
            film(7, "Hamlet", Some(1948)),
            film(8, "Hamlet", Some(1996)),
        ];
        films[4].director = Some("Katsuhiro Otomo".into());
        films[5].director = Some("K. Otomo".into());
        let found = pairs(&films, &[(3, "Se7en", Some(1995))]);
        assert_eq!(
            found,
            [
                (1, 2, Likeness::Year),
                (3, 4, Likeness::Year),
                (5, 6, Likeness::Director),
            ]
        );
    }

    #[test]
    fn films_with_ids_of_one_source_each_are_never_paired() {
        let mut films = vec![
            film(1, "Crash", Some(1996)),
            film(2, "Crash", Some(1996)),
            film(3, "Crash", Some(1996)),
        ];
        films[0].imdb_id = Some("tt0115964".into());
        films[1].imdb_id = Some("tt0375679".into());
        films[2].movielens_id = Some(1485);
        // 1 and 2 are two films by IMDb; 3 may be either of them.
        let found: Vec<(i64, i64)> = pairs(&films, &[])
            .into_iter()
            .map(|(a, b, _)| (a, b))
            .collect();
        assert_eq!(found, [(1, 3), (2, 3)]);
    }

    #[test]
    fn the_suggested_keep_has_more_ratings_then_an_imdb_id_then_the_lower_id() {
        let mut a = film(5, "X", None);
        let mut b = film(3, "X", None);
        assert!(!keeps_first(&a, &b), "the lower id");
        a.imdb_id = Some("tt0000001".into());
        assert!(keeps_first(&a, &b), "an IMDb id");
        b.ratings = 2;
        assert!(!keeps_first(&a, &b), "more ratings");
    }

    #[tokio::test]
    async fn candidates_come_with_their_ratings_and_the_keep_suggested() {
        let (_dir, pool) = with_movies(3).await;
        exec(
            &pool,
            "UPDATE movies SET title = 'Seven', year = 1995 WHERE id = 2;
             UPDATE movies SET title = 'Se7en', year = 1995 WHERE id = 3;
             INSERT INTO movie_titles (movie_id, title_key, title, year, source)
               VALUES (2, 'se7en', 'Se7en', 1995, 'user');",
        )
        .await;
        let ann = user(&pool, "Ann").await;
        exec(
            &pool,
            &format!(
                "INSERT INTO ratings (user_id, movie_id, rating, updated_at) VALUES ({ann}, 3, 4.0, 1)"
            ),
        )
        .await;
        let found = duplicates(&pool).await.unwrap();
        assert_eq!(found.len(), 1);
        let pair = &found[0];
        assert_eq!((pair.keep.id, pair.drop.id), (3, 2), "more ratings first");
        assert_eq!((pair.keep.ratings, pair.drop.ratings), (2, 1));
        assert_eq!(pair.title_key, "se7en");
        assert_eq!(pair.likeness, Likeness::Year);
    }
}
