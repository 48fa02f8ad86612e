//! One movie as the movie page and `GET /api/v1/movies/{id}` show it, each read once.
//!
//! The page needs the viewer's ratings (their own rating of this movie, and the fold-in that
//! predicts it) and both lists (the buttons' state, and the hidden movies left out of the
//! similar ones): one read each, shared by everything derived from them.

use std::collections::HashSet;

use crate::store::Db;

use crate::domain::PosterSize;
use crate::domain::{MovieId, Stars, UserId};
use crate::providers::Providers;
use crate::services::recommendations::{self, SimilarMovie};
use crate::serving::{self, ModelSlot};
use crate::store;
use crate::store::details::{PosterRef, StoredDetails};
use crate::store::movies::MovieDetails;

/// What anyone sees of a movie, and the viewer's own rating of it.
#[derive(Debug, Clone)]
pub struct MovieFacts {
    pub details: MovieDetails,
    /// `None` for a visitor who is not logged in or has not rated it.
    pub your_rating: Option<Stars>,
    /// Plot, cast and more from OMDb / TMDB, once fetched.
    pub extra: Option<StoredDetails>,
    /// The page-size poster, once fetched.
    pub poster: Option<PosterRef>,
}

/// Everything the movie page shows.
#[derive(Debug, Clone)]
pub struct MoviePageView {
    pub facts: MovieFacts,
    /// The model's guess, for a logged-in viewer who has not rated the movie, once a model
    /// exists and knows enough of their ratings.
    pub predicted: Option<f32>,
    pub on_watchlist: bool,
    pub hidden: bool,
    /// In the viewer's media-server library.
    pub in_library: bool,
    /// Nearest by the model, leaving out the viewer's hidden movies; empty without a model.
    pub similar: Vec<SimilarMovie>,
}

/// What a movie id leads to.
#[derive(Debug, Clone)]
pub enum Lookup<T> {
    Found(T),
    /// The film was merged into this one: links to the old id go there.
    MergedInto(MovieId),
    NotFound,
}

impl<T> Lookup<T> {
    /// The movie, when the id names one.
    pub fn found(self) -> Option<T> {
        match self {
            Self::Found(found) => Some(found),
            Self::MergedInto(_) | Self::NotFound => None,
        }
    }
}

/// An id that names no movie: a film merged away, or nothing.
async fn missing<T>(pool: &Db, id: MovieId) -> sqlx::Result<Lookup<T>> {
    let target = store::merge::redirect(pool, id).await?;
    Ok(match target.and_then(|to| MovieId::new(to).ok()) {
        Some(to) => Lookup::MergedInto(to),
        None => Lookup::NotFound,
    })
}

/// The movie, what the providers added to it, and the viewer's rating (read, never
/// fetched: the page fetches); where a merged-away id leads, or nothing.
pub async fn facts(
    pool: &Db,
    id: MovieId,
    viewer: Option<UserId>,
) -> sqlx::Result<Lookup<MovieFacts>> {
    let Some(details) = store::movies::details(pool, id).await? else {
        return missing(pool, id).await;
    };
    let your_rating = match viewer {
        Some(user) => store::ratings::find(pool, user, id).await?,
        None => None,
    };
    Ok(Lookup::Found(MovieFacts {
        details,
        your_rating,
        extra: store::details::find(pool, id).await?,
        poster: store::details::poster(pool, id, PosterSize::Page).await?,
    }))
}

/// The whole page: the movie (its details fetched from the providers the first time a user
/// views it, see
/// [`enrichment`](crate::services::enrichment)), then (for a logged-in viewer) their ratings
/// and their lists, then the similar movies' titles; where a merged-away id leads, or
/// nothing.
#[tracing::instrument(skip_all, fields(movie = id.get(), user = ?viewer.map(UserId::get)))]
pub async fn page(
    pool: &Db,
    models: &ModelSlot,
    providers: &Providers,
    id: MovieId,
    viewer: Option<UserId>,
    similar: usize,
) -> sqlx::Result<Lookup<MoviePageView>> {
    // Only a user's view asks the providers; a visitor sees what is stored (the enrichment
    // job fills the rest), so no visitor spends the providers' allowance.
    if viewer.is_some() {
        crate::services::enrichment::ensure_details(pool, providers, id).await?;
    }
    let Some(details) = store::movies::details(pool, id).await? else {
        return missing(pool, id).await;
    };
    let serving = models.current();
    let mut view = MoviePageView {
        facts: MovieFacts {
            details,
            your_rating: None,
            extra: store::details::find(pool, id).await?,
            poster: store::details::poster(pool, id, PosterSize::Page).await?,
        },
        predicted: None,
        on_watchlist: false,
        hidden: false,
        in_library: false,
        similar: Vec::new(),
    };
    let mut hidden_movies = HashSet::new();
    if let Some(user) = viewer {
        let store::recommendations::PickInputs { ratings, lists, .. } =
            store::recommendations::pick_inputs(pool, user).await?;
        view.facts.your_rating = ratings
            .iter()
            .find(|&&(movie, _)| movie == id)
            .map(|&(_, stars)| stars);
        if let (None, Some(serving)) = (view.facts.your_rating, serving.clone()) {
            // A fold-in of all the viewer's ratings: off the async workers, in turn.
            view.predicted = models
                .turn()
                .await
                .run(move || serving::predicted_rating(&serving, &ratings, id))
                .await;
        }
        view.on_watchlist = lists.watchlist.contains(&id);
        view.hidden = lists.hidden.contains(&id);
        view.in_library = store::media_library::holds(pool, user, id).await?;
        hidden_movies.extend(lists.hidden);
    }
    if let Some(serving) = serving {
        view.similar =
            recommendations::similar_with_titles(pool, models, serving, id, hidden_movies, similar)
                .await?;
    }
    Ok(Lookup::Found(view))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serving::{STAR_SCALE, ServingModel};
    use crate::store::lists::List;
    use crate::store::test_db::{movie, user, with_movies};

    /// A model of twelve users: 1–6 love movies 1–10 and hate 11–20, 7–12 the reverse.
    fn two_taste_model() -> ServingModel {
        let mut records = Vec::new();
        for user in 1..=12 {
            for id in 1..=20 {
                let liked = (id <= 10) == (user <= 6);
                let stars = if liked { 5.0 } else { 1.0 };
                records.push((UserId::new(user), MovieId::new(id).unwrap(), stars));
            }
        }
        let data = movierec_engine::Dataset::from_typed_records(records, STAR_SCALE);
        let params = movierec_engine::Params::default()
            .with_factors(4)
            .with_epochs(40)
            .with_popularity_weight(0.0);
        let model = movierec_engine::fit(&data, &params);
        ServingModel::new(1, model.unwrap())
    }

    async fn rate(pool: &Db, user: UserId, id: i64, stars: &str) {
        let stars = Stars::parse(stars).unwrap();
        assert!(
            store::ratings::upsert(pool, user, movie(id), stars)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn facts_and_page_show_the_viewers_own_rating_and_lists() {
        let (_dir, pool) = with_movies(4).await;
        let ann = user(&pool, "ann").await;
        rate(&pool, ann, 2, "4.5").await;
        store::lists::add(&pool, List::Watchlist, ann, movie(2))
            .await
            .unwrap();
        let models = ModelSlot::default();

        let anonymous = facts(&pool, movie(2), None).await.unwrap().found().unwrap();
        assert_eq!(anonymous.your_rating, None);
        assert_eq!(anonymous.details.average.count, 1);
        let own = facts(&pool, movie(2), Some(ann))
            .await
            .unwrap()
            .found()
            .unwrap();
        assert_eq!(own.your_rating, Some(Stars::parse("4.5").unwrap()));

        let view = page(
            &pool,
            &models,
            &Providers::default(),
            movie(2),
            Some(ann),
            5,
        )
        .await
        .unwrap()
        .found()
        .unwrap();
        assert_eq!(view.facts.your_rating, own.your_rating);
        assert!(view.on_watchlist);
        assert!(!view.hidden);
        // No model yet: nothing predicted, nothing similar.
        assert_eq!(view.predicted, None);
        assert!(view.similar.is_empty());

        assert!(matches!(
            facts(&pool, movie(9), None).await.unwrap(),
            Lookup::NotFound
        ));
        assert!(matches!(
            page(&pool, &models, &Providers::default(), movie(9), None, 5)
                .await
                .unwrap(),
            Lookup::NotFound
        ));
    }

    #[tokio::test]
    async fn a_merged_away_id_leads_to_the_kept_film() {
        let (_dir, pool) = with_movies(3).await;
        crate::services::catalog::merge(&pool, movie(1), movie(3))
            .await
            .unwrap();
        let models = ModelSlot::default();
        assert!(matches!(
            facts(&pool, movie(3), None).await.unwrap(),
            Lookup::MergedInto(to) if to == movie(1)
        ));
        assert!(matches!(
            page(&pool, &models, &Providers::default(), movie(3), None, 5)
                .await
                .unwrap(),
            Lookup::MergedInto(to) if to == movie(1)
        ));
    }

    #[tokio::test]
    async fn with_a_model_the_page_predicts_unrated_movies_and_leaves_hidden_ones_out() {
        let (_dir, pool) = with_movies(20).await;
        let models = ModelSlot::default();
        models.replace(two_taste_model());
        let ann = user(&pool, "ann").await;
        for (id, stars) in [(1, "5"), (2, "5"), (11, "1"), (12, "1")] {
            rate(&pool, ann, id, stars).await;
        }

        let unrated = page(
            &pool,
            &models,
            &Providers::default(),
            movie(3),
            Some(ann),
            5,
        )
        .await
        .unwrap()
        .found()
        .unwrap();
        let predicted = unrated
            .predicted
            .expect("a prediction for an unrated movie");
        assert!(predicted > 3.0, "a fan of movies 1-10: {predicted}");
        assert_eq!(unrated.similar.len(), 5);

        let rated = page(
            &pool,
            &models,
            &Providers::default(),
            movie(1),
            Some(ann),
            5,
        )
        .await
        .unwrap()
        .found()
        .unwrap();
        assert_eq!(
            rated.predicted, None,
            "a rated movie shows the rating instead"
        );

        let nearest = unrated.similar[0].movie.id;
        store::lists::add(&pool, List::Hidden, ann, movie(nearest))
            .await
            .unwrap();
        let after = page(
            &pool,
            &models,
            &Providers::default(),
            movie(3),
            Some(ann),
            5,
        )
        .await
        .unwrap()
        .found()
        .unwrap();
        assert_eq!(after.similar.len(), 5);
        assert!(after.similar.iter().all(|s| s.movie.id != nearest));
        // Someone else still sees it.
        let anonymous = page(&pool, &models, &Providers::default(), movie(3), None, 5)
            .await
            .unwrap()
            .found()
            .unwrap();
        assert!(anonymous.similar.iter().any(|s| s.movie.id == nearest));
        assert_eq!(anonymous.predicted, None);
    }
}
