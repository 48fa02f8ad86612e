//! The catalog's duplicates: films entered twice (a data set's entry beside the embedded
//! catalog's, a provider's film beside an import's), found and merged by an administrator
//! on the Duplicates page or with `movierec catalog`.

use crate::domain::MovieId;
use crate::store::merge::{DuplicatePair, FilmName, MergeCounts};
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
    let counts = store::merge::merge_movies(&mut tx, keep.get(), drop.get()).await?;
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

/// The likely duplicates, most rated first, each with the film to keep suggested.
#[tracing::instrument(skip(pool))]
pub async fn duplicates(pool: &Db) -> sqlx::Result<Vec<DuplicatePair>> {
    let mut conn = pool.acquire().await?;
    store::merge::duplicate_candidates(&mut conn).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_db::{movie, with_movies};

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
}
