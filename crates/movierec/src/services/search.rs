//! A title search as pages and the API run it: the catalog's index first, then the
//! providers when the catalog has few matches.

use crate::domain::UserId;
use crate::providers::Providers;
use crate::search::index::SearchIndex;
use crate::search::{self, Results, SearchRequest};
use crate::services::any_movie::{self, RemoteHit};
use crate::store::Db;

/// What a search found.
#[derive(Debug)]
pub struct Found {
    /// This page of the catalog's matches.
    pub results: Results,
    /// Films not in the catalog from a provider, when the catalog has few matches.
    pub from_providers: Vec<RemoteHit>,
}

/// Runs `request` on the catalog's `index`; when it finds fewer than
/// [`any_movie::FEW_RESULTS`] films for a title and `user` is someone logged in, asks the
/// providers too. Visitors search the catalog only: the providers' allowance is the users'.
#[tracing::instrument(skip_all, fields(user = ?user.map(UserId::get), query = ?request.query.as_ref().map(|q| q.as_str())))]
pub async fn find(
    pool: &Db,
    providers: &Providers,
    index: &SearchIndex,
    request: &SearchRequest,
    user: Option<UserId>,
) -> sqlx::Result<Found> {
    let results = search::run(index, request);
    let mut from_providers = Vec::new();
    if results.total < any_movie::FEW_RESULTS
        && user.is_some()
        && let Some(query) = &request.query
    {
        from_providers = any_movie::search(pool, providers, query.as_str()).await?;
    }
    Ok(Found {
        results,
        from_providers,
    })
}
