//! Recommendations: the current model folded in with the user's current ratings, or a labelled
//! fallback when there is no model yet or too few ratings to go on.
//!
//! Every request reads the user's ratings and lists afresh, so a new, changed or removed
//! rating counts on the very next page load, whichever process wrote it. What is computed
//! from them (the fold-in, scoring the whole catalog, the titles) is kept per process in a
//! [`PicksCache`] keyed by a digest of exactly what it was computed from: the ratings, the
//! lists, the serving model's version and the catalog's generation. Any change to one of
//! them is a different key, so the cache can only save work, never serve stale picks.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::store::Db;
use movierec_engine::{ItemIdx, Reason};
use serde::Serialize;

use crate::domain::{MovieId, Stars, UserId};
use crate::jobs::{ModelSlot, ServingModel};
use crate::store;
use crate::store::movies::ScoredMovie;
use crate::store::recommendations::MovieSummary;

/// Below this many ratings the model knows, a fold-in is mostly noise: the fallback serves.
pub const MIN_RATINGS: usize = 3;
/// A rating at least this high marks a movie the user liked: it can explain a pick and its
/// genre feeds the fallback.
pub const LIKED_STARS: f64 = 4.0;
/// "Well known" for the fallback: at least this many votes, about the most voted third of the
/// embedded catalog by IMDb's counts...
const WELL_KNOWN_VOTES: i64 = 25_000;
/// ...or a place among this many most voted films, where fewer have that many: films counted
/// only by a MovieLens import's raters, whose counts run far below IMDb's.
const WELL_KNOWN_RANK: i64 = 1_000;
/// Popular but poorly rated films make a bad first impression.
const MIN_IMDB_FOR_GENRE_PICKS: f64 = 6.5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Ranked by the trained model for this user.
    Model,
    /// No model yet or too few ratings: best rated and popular in the user's genres.
    Fallback,
}

#[derive(Debug, Clone)]
pub struct Recommendation {
    pub movie: MovieSummary,
    /// On the 0.5–5 scale; only the model predicts.
    pub predicted: Option<f32>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Recommendations {
    pub source: Source,
    pub items: Vec<Recommendation>,
    /// How many movies the user has rated, read on the way.
    pub rated: usize,
    /// Movies the user rated or hid: never offered for rating again (see [`onboarding`]).
    pub rated_or_hidden: HashSet<i64>,
}

/// One pick of the model, before titles are looked up.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelPick {
    pub movie_id: i64,
    pub predicted: f32,
    /// The liked movie contributing most to the pick, with the user's rating of it; `None`
    /// when no single movie does (the pick follows the user's taste as a whole).
    pub because: Option<(i64, f64)>,
}

/// The user's ratings of movies the model knows, as engine items.
fn known_ratings(serving: &ServingModel, ratings: &[(i64, f64)]) -> Vec<(ItemIdx, f32)> {
    ratings
        .iter()
        .filter_map(|&(movie, stars)| serving.item(movie).map(|item| (item, stars as f32)))
        .collect()
}

/// The `n` best movies for a user with these ratings, leaving out rated movies and `exclude`.
/// `None` when the model knows fewer than [`MIN_RATINGS`] of the ratings.
pub fn rank(
    serving: &ServingModel,
    ratings: &[(i64, f64)],
    exclude: &HashSet<i64>,
    n: usize,
) -> Option<Vec<ModelPick>> {
    rank_with_seen(serving, ratings, &[], exclude, n)
}

/// [`rank`] with movies the user marked as seen without rating them: they tell the
/// implicit-feedback model what the user chooses to watch, and are never recommended.
pub fn rank_with_seen(
    serving: &ServingModel,
    ratings: &[(i64, f64)],
    seen: &[i64],
    exclude: &HashSet<i64>,
    n: usize,
) -> Option<Vec<ModelPick>> {
    let known = known_ratings(serving, ratings);
    if known.len() < MIN_RATINGS {
        return None;
    }
    let model = &serving.model;
    let seen: Vec<ItemIdx> = seen.iter().filter_map(|&m| serving.item(m)).collect();
    let user = model.fold_in(&known, &seen);
    let mut skip = vec![false; model.n_items()];
    let excluded_items = exclude.iter().filter_map(|&movie| serving.item(movie));
    for item in known
        .iter()
        .map(|&(item, _)| item)
        .chain(seen.iter().copied())
        .chain(excluded_items)
    {
        skip[item.index()] = true;
    }
    let picks = model.recommend(&user, n, |item| skip[item.index()]);
    let items: Vec<ItemIdx> = picks.iter().map(|pick| pick.item()).collect();
    let reasons = model.explain(&user, &items);
    Some(
        picks
            .into_iter()
            .zip(reasons)
            .map(|(pick, reason)| ModelPick {
                movie_id: serving.movie_id(pick.item()),
                predicted: pick.predicted(),
                because: match reason {
                    Reason::Because { item, rating } => {
                        Some((serving.movie_id(item), f64::from(rating)))
                    }
                    _ => None,
                },
            })
            .collect(),
    )
}

/// The model's prediction of a user's rating of a movie; `None` when the model does not know
/// the movie or too few of the user's ratings.
pub fn predicted_rating(
    serving: &ServingModel,
    ratings: &[(i64, f64)],
    movie: MovieId,
) -> Option<f32> {
    let item = serving.item(movie.get())?;
    let known = known_ratings(serving, ratings);
    if known.len() < MIN_RATINGS {
        return None;
    }
    let user = serving.model.fold_in(&known, &[]);
    Some(serving.model.predict(&user, item))
}

/// The `n` movies most similar to `movie` by the model (which decides how: see
/// [`movierec_engine::Model::similar_items`]), leaving out `exclude`, with their similarity.
pub fn similar(
    serving: &ServingModel,
    movie: MovieId,
    exclude: &HashSet<i64>,
    n: usize,
) -> Vec<(i64, f32)> {
    let Some(item) = serving.item(movie.get()) else {
        return Vec::new();
    };
    serving
        .model
        .similar_items(item, n, |other| exclude.contains(&serving.movie_id(other)))
        .into_iter()
        .map(|(other, similarity)| (serving.movie_id(other), similarity))
        .collect()
}

/// How many users' picks a [`PicksCache`] holds before it starts afresh: a few megabytes,
/// and far more users than are active at once on one site.
const MAX_CACHED_PICKS: usize = 20_000;

/// How deep a user's picks are worked out: the most the API or a page asks for. Each user's
/// picks are computed once to this depth and every smaller count is served as their first
/// `n`, so asking for each count in turn costs one computation, not one per count.
pub const MAX_PICKS: usize = 100;

/// Recommendations computed per user to [`MAX_PICKS`], each with the digest of the inputs
/// it was computed from (see the module's documentation).
#[derive(Debug, Default)]
pub struct PicksCache {
    entries: Mutex<HashMap<UserId, CachedPicks>>,
}

#[derive(Debug, Clone)]
struct CachedPicks {
    digest: u64,
    source: Source,
    items: Vec<Recommendation>,
    computed: Instant,
}

/// The fallback also follows everyone else's ratings (its "best rated" half), which the
/// digest does not cover: its picks are kept this long at most.
const FALLBACK_FRESH: Duration = Duration::from_secs(60);

impl PicksCache {
    /// The first `n` of the user's picks, if they were computed from inputs of this digest.
    fn get(&self, user_id: UserId, digest: u64, n: usize) -> Option<(Source, Vec<Recommendation>)> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(&user_id)
            .filter(|c| c.digest == digest)
            .filter(|c| c.source == Source::Model || c.computed.elapsed() < FALLBACK_FRESH)
            .map(|c| (c.source, c.items.iter().take(n).cloned().collect()))
    }

    fn put(&self, user_id: UserId, picks: CachedPicks) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        // Dropping everything at the limit is crude but cheap, and the limit is far above
        // the number of users active at once.
        if entries.len() >= MAX_CACHED_PICKS && !entries.contains_key(&user_id) {
            entries.clear();
        }
        entries.insert(user_id, picks);
    }
}

/// The critics' best-rated list the home page shows visitors, kept per catalog
/// generation: working it out reads every critic rating, tens of milliseconds on a catalog
/// of tens of thousands of films, and it changes only with the catalog.
#[derive(Debug, Default)]
pub struct CriticsList {
    cached: Mutex<Option<CachedCritics>>,
    generation: store::movie_search::GenerationProbe,
    /// One computation at a time: visitors arriving meanwhile wait for it and take its
    /// result rather than each reading every critic rating again.
    computing: tokio::sync::Mutex<()>,
}

#[derive(Debug, Clone)]
struct CachedCritics {
    generation: i64,
    limit: i64,
    movies: Vec<ScoredMovie>,
    computed: Instant,
}

/// Critic ratings can change without a catalog change (a catalog loaded again with new
/// scores): the list is worked out again after this long at most.
const CRITICS_FRESH: Duration = Duration::from_secs(300);

impl CriticsList {
    /// The `limit` best-rated movies by the critic accounts.
    pub async fn top(&self, pool: &Db, limit: i64) -> sqlx::Result<Vec<ScoredMovie>> {
        let generation = self.generation.read(pool).await?;
        if let Some(movies) = self.fresh(generation, limit) {
            return Ok(movies);
        }
        let _computing = self.computing.lock().await;
        if let Some(movies) = self.fresh(generation, limit) {
            return Ok(movies);
        }
        let movies = store::movies::top_rated_by_critics(pool, limit).await?;
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) = Some(CachedCritics {
            generation,
            limit,
            movies: movies.clone(),
            computed: Instant::now(),
        });
        Ok(movies)
    }

    fn fresh(&self, generation: i64, limit: i64) -> Option<Vec<ScoredMovie>> {
        self.cached
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .filter(|c| {
                c.generation == generation
                    && c.limit == limit
                    && c.computed.elapsed() < CRITICS_FRESH
            })
            .map(|c| c.movies.clone())
    }
}

/// A digest of everything a user's picks are computed from.
fn inputs_digest(
    model_version: Option<i64>,
    catalog_generation: i64,
    ratings: &[(i64, f64)],
    lists: &store::lists::UserLists,
) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    model_version.hash(&mut hasher);
    catalog_generation.hash(&mut hasher);
    ratings.len().hash(&mut hasher);
    for &(movie, stars) in ratings {
        movie.hash(&mut hasher);
        stars.to_bits().hash(&mut hasher);
    }
    for list in [&lists.hidden, &lists.watchlist, &lists.seen] {
        list.hash(&mut hasher);
    }
    hasher.finish()
}

/// Up to `n` recommendations for a user, from the current model or the fallback. Movies the
/// user rated, hid, marked seen or put on the watchlist (kept aside already) are never
/// included. The result is taken from `cache` when nothing it depends on has changed; `n`
/// above [`MAX_PICKS`] counts as [`MAX_PICKS`].
pub async fn for_user(
    pool: &Db,
    models: &ModelSlot,
    cache: &PicksCache,
    user_id: UserId,
    n: usize,
) -> sqlx::Result<Recommendations> {
    let n = n.min(MAX_PICKS);
    let store::recommendations::PickInputs {
        ratings,
        lists,
        catalog_generation: generation,
    } = store::recommendations::pick_inputs(pool, user_id).await?;
    let serving = models.current();
    let digest = inputs_digest(
        serving.as_ref().map(|s| s.version),
        generation,
        &ratings,
        &lists,
    );
    let mut rated_or_hidden: HashSet<i64> = ratings.iter().map(|&(movie, _)| movie).collect();
    rated_or_hidden.extend(&lists.hidden);
    let rated = ratings.len();
    let found = move |(source, items): (Source, Vec<Recommendation>)| Recommendations {
        source,
        items,
        rated,
        rated_or_hidden,
    };
    if let Some(cached) = cache.get(user_id, digest, n) {
        return Ok(found(cached));
    }
    let mut exclude: HashSet<i64> = lists.hidden.into_iter().collect();
    exclude.extend(lists.watchlist);
    // Watched already, though never rated here: never recommended, and a signal of taste
    // for the implicit-feedback model.
    let seen = lists.seen;
    exclude.extend(&seen);
    let (ratings, exclude, picks) = match serving {
        Some(serving) => {
            let turn = models.turn().await;
            // The same user's other requests may have computed these picks while this one
            // waited for its turn.
            if let Some(cached) = cache.get(user_id, digest, n) {
                return Ok(found(cached));
            }
            turn.run(move || {
                let picks = rank_with_seen(&serving, &ratings, &seen, &exclude, MAX_PICKS);
                (ratings, exclude, picks)
            })
            .await
        }
        None => (ratings, exclude, None),
    };
    let (source, items) = match picks {
        Some(picks) => (Source::Model, with_titles(pool, picks, user_id).await?),
        None => (
            Source::Fallback,
            fallback(pool, user_id, &ratings, &exclude, MAX_PICKS).await?,
        ),
    };
    let first: Vec<Recommendation> = items.iter().take(n).cloned().collect();
    cache.put(
        user_id,
        CachedPicks {
            digest,
            source,
            items,
            computed: Instant::now(),
        },
    );
    Ok(found((source, first)))
}

/// The picks with their titles and reasons: the liked film behind a pick, or, when no single
/// film is, a genre the pick shares with the user's liked films ("liked" as the fallback
/// reads it).
async fn with_titles(
    pool: &Db,
    picks: Vec<ModelPick>,
    user_id: UserId,
) -> sqlx::Result<Vec<Recommendation>> {
    let mut ids: Vec<i64> = picks.iter().map(|p| p.movie_id).collect();
    ids.extend(
        picks
            .iter()
            .filter_map(|p| p.because.map(|(movie, _)| movie)),
    );
    let summaries = summaries_by_id(pool, &ids).await?;
    let liked_genres: HashSet<String> =
        store::recommendations::liked_genres(pool, user_id, LIKED_STARS)
            .await?
            .into_iter()
            .collect();
    Ok(picks
        .into_iter()
        .filter_map(|pick| {
            let movie = summaries.get(&pick.movie_id)?;
            let reason = match pick.because {
                Some((liked, stars)) => {
                    let stars = Stars::from_f64(stars).ok()?;
                    let liked = summaries.get(&liked)?;
                    format!("Because you rated {} {stars}★", liked.title)
                }
                None => match movie.genre.as_deref() {
                    Some(genre) if liked_genres.contains(genre) => {
                        format!("Liked by people who enjoy {genre} films as you do")
                    }
                    _ => "Close to your taste as a whole".to_owned(),
                },
            };
            Some(Recommendation {
                movie: movie.clone(),
                predicted: Some(pick.predicted),
                reason: Some(reason),
            })
        })
        .collect())
}

async fn summaries_by_id(pool: &Db, ids: &[i64]) -> sqlx::Result<HashMap<i64, MovieSummary>> {
    Ok(store::recommendations::summaries(pool, ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect())
}

/// Popular movies of the genres the user rated well, alternating with the best rated
/// well-known movies.
async fn fallback(
    pool: &Db,
    user_id: UserId,
    ratings: &[(i64, f64)],
    exclude: &HashSet<i64>,
    n: usize,
) -> sqlx::Result<Vec<Recommendation>> {
    // Enough candidates that skipping everything rated or excluded still leaves `n`.
    let limit = i64::try_from(n + ratings.len() + exclude.len()).unwrap_or(i64::MAX);
    let in_genres = store::recommendations::popular_in_liked_genres(
        pool,
        user_id,
        LIKED_STARS,
        MIN_IMDB_FOR_GENRE_PICKS,
        limit,
    )
    .await?;
    let best =
        store::recommendations::best_rated(pool, WELL_KNOWN_VOTES, WELL_KNOWN_RANK, limit).await?;

    let mut seen: HashSet<i64> = ratings.iter().map(|&(movie, _)| movie).collect();
    seen.extend(exclude);
    let mut picks: Vec<(i64, String)> = Vec::with_capacity(n);
    let mut in_genres = in_genres.into_iter();
    let mut best = best.into_iter();
    let mut from_genres = true;
    while picks.len() < n {
        // A source's turn goes to its next film not yet seen or picked, so one the user
        // just rated does not hand the lead to the other source.
        let next = if from_genres {
            in_genres.find(|c| !seen.contains(&c.id)).map(|c| {
                let genre = c.genre.unwrap_or_default();
                (c.id, format!("Popular in {genre}, a genre you rated well"))
            })
        } else {
            best.find(|c| !seen.contains(&c.id))
                .map(|c| (c.id, "Among the best rated by critics and users".to_owned()))
        };
        from_genres = !from_genres;
        match next {
            Some((movie, reason)) => {
                seen.insert(movie);
                picks.push((movie, reason));
            }
            // One source ran dry: the loop keeps drawing from the other until both are.
            None if in_genres.len() == 0 && best.len() == 0 => break,
            None => {}
        }
    }

    let ids: Vec<i64> = picks.iter().map(|(movie, _)| *movie).collect();
    let summaries = summaries_by_id(pool, &ids).await?;
    Ok(picks
        .into_iter()
        .filter_map(|(movie, reason)| {
            Some(Recommendation {
                movie: summaries.get(&movie)?.clone(),
                predicted: None,
                reason: Some(reason),
            })
        })
        .collect())
}

/// A movie near another in factor space.
#[derive(Debug, Clone)]
pub struct SimilarMovie {
    pub movie: MovieSummary,
    /// Cosine similarity of the two movies' factors, -1 to 1.
    pub similarity: f32,
}

/// Up to `n` movies similar to `movie` by the current model, leaving out those `user_id`
/// hid; empty when there is no model yet or it does not know the movie.
pub async fn similar_movies(
    pool: &Db,
    models: &ModelSlot,
    movie: MovieId,
    user_id: Option<UserId>,
    n: usize,
) -> sqlx::Result<Vec<SimilarMovie>> {
    let Some(serving) = models.current() else {
        return Ok(Vec::new());
    };
    let hidden: HashSet<i64> = match user_id {
        Some(user) => store::lists::for_user(pool, user)
            .await?
            .hidden
            .into_iter()
            .collect(),
        None => HashSet::new(),
    };
    similar_with_titles(pool, models, serving, movie, hidden, n).await
}

/// [`similar`] with the movies' summaries, for a caller that already knows what to leave out.
/// Worked out in a turn of `models` (see [`ModelSlot::turn`]): it scores the whole catalog.
pub async fn similar_with_titles(
    pool: &Db,
    models: &ModelSlot,
    serving: Arc<ServingModel>,
    movie: MovieId,
    exclude: HashSet<i64>,
    n: usize,
) -> sqlx::Result<Vec<SimilarMovie>> {
    let nearest = models
        .turn()
        .await
        .run(move || similar(&serving, movie, &exclude, n))
        .await;
    let ids: Vec<i64> = nearest.iter().map(|(movie, _)| *movie).collect();
    let summaries = summaries_by_id(pool, &ids).await?;
    Ok(nearest
        .into_iter()
        .filter_map(|(movie, similarity)| {
            Some(SimilarMovie {
                movie: summaries.get(&movie)?.clone(),
                similarity,
            })
        })
        .collect())
}

/// Onboarding shows well-known movies while a user has fewer ratings than this.
pub const ONBOARDING_UNTIL: usize = 10;
/// How many of the most voted movies onboarding chooses from.
const ONBOARDING_POOL: i64 = 400;

/// Up to `n` well-known, varied movies for a new user to rate: the most voted of each genre in
/// turn, leaving out `skip` (the movies the user rated or hid, as [`for_user`] read them).
pub async fn onboarding(
    pool: &Db,
    skip: &HashSet<i64>,
    n: usize,
) -> sqlx::Result<Vec<MovieSummary>> {
    let candidates = store::recommendations::most_voted(pool, ONBOARDING_POOL).await?;
    Ok(round_robin_by_genre(candidates, skip, n))
}

/// Takes the first remaining movie of each genre in turn, genres in order of their first
/// movie, so the most voted lead and no genre crowds out the others.
fn round_robin_by_genre(
    candidates: Vec<MovieSummary>,
    skip: &HashSet<i64>,
    n: usize,
) -> Vec<MovieSummary> {
    let mut genres: Vec<(Option<String>, std::collections::VecDeque<MovieSummary>)> = Vec::new();
    for movie in candidates.into_iter().filter(|m| !skip.contains(&m.id)) {
        match genres.iter_mut().find(|(genre, _)| *genre == movie.genre) {
            Some((_, queue)) => queue.push_back(movie),
            None => genres.push((movie.genre.clone(), [movie].into())),
        }
    }
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let before = out.len();
        for (_, queue) in &mut genres {
            if out.len() == n {
                break;
            }
            if let Some(movie) = queue.pop_front() {
                out.push(movie);
            }
        }
        if out.len() == before {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn movie(id: i64) -> MovieId {
        MovieId::new(id).unwrap()
    }

    fn summary(id: i64, genre: &str) -> MovieSummary {
        MovieSummary {
            id,
            title: format!("Movie {id}"),
            year: Some(2000),
            genre: Some(genre.to_owned()),
        }
    }

    /// Users 1–6 love movies 1–10 ("horror") and hate 11–20 ("comedy"); users 7–12 the reverse.
    fn two_taste_model() -> ServingModel {
        let mut records = Vec::new();
        for user in 1..=12 {
            let horror_fan = user <= 6;
            for movie in 1..=20 {
                // Each user skips a few movies so the model has something to predict.
                if (movie + user) % 4 == 0 {
                    continue;
                }
                let horror = movie <= 10;
                let stars = if horror == horror_fan { 5.0 } else { 1.0 };
                records.push((user.to_string(), movie.to_string(), stars));
            }
        }
        let data = movierec_engine::Dataset::from_records(records, crate::jobs::STAR_SCALE);
        let params = movierec_engine::Params::default()
            .with_factors(4)
            .with_epochs(60)
            .with_popularity_weight(0.0);
        let model = movierec_engine::fit(&data, &params);
        ServingModel::new(1, model.unwrap())
    }

    #[test]
    fn ranks_by_taste_skipping_rated_and_excluded_movies() {
        let serving = two_taste_model();
        let ratings = [(1, 5.0), (2, 5.0), (11, 1.0), (12, 1.0)];
        let exclude: HashSet<i64> = [3].into();
        let picks = rank(&serving, &ratings, &exclude, 6).expect("enough ratings");
        assert_eq!(picks.len(), 6);
        for pick in &picks {
            assert!(![1, 2, 11, 12, 3].contains(&pick.movie_id), "{pick:?}");
        }
        let horror = picks.iter().filter(|p| p.movie_id <= 10).count();
        assert!(horror >= 5, "mostly horror for a horror fan: {picks:?}");
        // Best first.
        assert!(picks[0].predicted > picks[5].predicted, "{picks:?}");
        // The reason is one of the liked movies, never a disliked one.
        for pick in picks.iter().filter(|p| p.movie_id <= 10) {
            let (because, stars) = pick.because.expect("a liked movie explains a horror pick");
            assert!([1, 2].contains(&because), "{pick:?}");
            assert_eq!(stars, 5.0);
        }
    }

    /// The same tastes, trained as the app trains: the rating model with the implicit-feedback
    /// model beside it.
    fn two_taste_hybrid() -> ServingModel {
        let mut records = Vec::new();
        for user in 1..=30 {
            let horror_fan = user % 2 == 0;
            for movie in 1..=20 {
                let horror = movie <= 10;
                // Fans watch most of their genre and a few of the other, which they dislike.
                let watches = if horror == horror_fan {
                    (movie + user) % 4 != 0
                } else {
                    (movie + user) % 5 == 0
                };
                if watches {
                    let stars = if horror == horror_fan { 4.5 } else { 1.5 };
                    records.push((user.to_string(), movie.to_string(), stars));
                }
            }
        }
        let data = movierec_engine::Dataset::from_records(records, crate::jobs::STAR_SCALE);
        let implicit = movierec_engine::ImplicitParams::default().with_factors(4);
        let params = movierec_engine::Params::hybrid()
            .with_factors(4)
            .with_implicit(Some(implicit));
        let model = movierec_engine::Fit::new(&params).threads(1).run(&data);
        ServingModel::new(1, model.unwrap())
    }

    #[test]
    fn hybrid_ranks_by_taste_and_explains_by_the_top_contributing_liked_movie() {
        let serving = two_taste_hybrid();
        let model = &serving.model;
        let ratings = [(1, 5.0), (2, 4.5), (3, 4.0), (11, 1.0), (12, 1.5)];
        let picks = rank(&serving, &ratings, &HashSet::new(), 5).expect("enough ratings");
        assert_eq!(picks.len(), 5);
        let horror = picks.iter().filter(|p| p.movie_id <= 10).count();
        assert!(horror >= 4, "mostly horror for a horror fan: {picks:?}");
        // The stars shown are the rating model's prediction: high for the fan's genre.
        for pick in picks.iter().filter(|p| p.movie_id <= 10) {
            assert!(pick.predicted > 3.0, "{pick:?}");
        }
        // The reason is the engine's explanation of the pick, and never a disliked movie.
        let known = known_ratings(&serving, &ratings);
        let user = model.fold_in(&known, &[]);
        for pick in &picks {
            let item = serving.item(pick.movie_id).unwrap();
            let expected = match model.explain(&user, &[item])[0] {
                Reason::Because { item, rating } => {
                    Some((serving.movie_id(item), f64::from(rating)))
                }
                _ => None,
            };
            assert_eq!(pick.because, expected, "{pick:?}");
            if let Some((movie, stars)) = pick.because {
                assert!(
                    ![11, 12].contains(&movie) && stars >= LIKED_STARS,
                    "{pick:?}"
                );
            }
        }
        assert!(picks.iter().any(|p| p.because.is_some()), "{picks:?}");
        // A new rating changes the ranking at once: the folded-in user is read afresh.
        let more = [(1, 5.0), (2, 4.5), (3, 4.0), (11, 1.0), (12, 1.5), (4, 5.0)];
        let again = rank(&serving, &more, &HashSet::new(), 5).unwrap();
        assert!(again.iter().all(|p| p.movie_id != 4));
        assert_ne!(again, picks);
    }

    #[test]
    fn too_few_known_ratings_means_no_model_ranking() {
        let serving = two_taste_model();
        assert!(rank(&serving, &[(1, 5.0), (2, 5.0)], &HashSet::new(), 5).is_none());
        // Movies the model never saw do not count.
        let with_unknown = [(1, 5.0), (2, 5.0), (999, 4.0)];
        assert!(rank(&serving, &with_unknown, &HashSet::new(), 5).is_none());
        assert_eq!(predicted_rating(&serving, &with_unknown, movie(4)), None);
    }

    #[test]
    fn predicted_rating_follows_taste() {
        let serving = two_taste_model();
        let ratings = [(1, 5.0), (2, 5.0), (11, 1.0), (12, 1.0)];
        let horror = predicted_rating(&serving, &ratings, movie(5)).unwrap();
        let comedy = predicted_rating(&serving, &ratings, movie(15)).unwrap();
        assert!(horror > comedy + 1.0, "{horror} vs {comedy}");
        assert_eq!(predicted_rating(&serving, &ratings, movie(999)), None);
    }

    #[test]
    fn similar_movies_skip_excluded_ones_and_keep_the_count() {
        let serving = two_taste_model();
        let all = similar(&serving, movie(1), &HashSet::new(), 5);
        assert_eq!(all.len(), 5);
        let first = all[0].0;
        let without_first = similar(&serving, movie(1), &[first].into(), 5);
        assert_eq!(without_first.len(), 5);
        assert!(
            without_first
                .iter()
                .all(|(movie, _)| *movie != first && *movie != 1)
        );
        assert!(similar(&serving, movie(999), &HashSet::new(), 5).is_empty());
    }

    #[test]
    fn content_decides_similar_movies_when_ratings_say_little() {
        // Within a genre the ratings cannot tell films apart; director and decade can.
        let features: HashMap<i64, Vec<String>> = (1..=20)
            .map(|movie| {
                let genre = if movie <= 10 { "Horror" } else { "Comedy" };
                let director = if [1, 7].contains(&movie) {
                    "director:Carpenter".to_owned()
                } else {
                    format!("director:d{movie}")
                };
                let decade = if [1, 7].contains(&movie) { 1970 } else { 1990 };
                (
                    movie,
                    vec![
                        format!("genre:{genre}"),
                        director,
                        format!("decade:{decade}"),
                    ],
                )
            })
            .collect();
        let serving = two_taste_model().with_content(&features);
        let nearest = similar(&serving, movie(1), &HashSet::new(), 3);
        assert_eq!(nearest[0].0, 7, "{nearest:?}");
        assert!(nearest.iter().all(|(m, _)| *m <= 10), "{nearest:?}");
        // Without content, the factors alone rank by taste only.
        let plain = two_taste_model();
        let factors = similar(&plain, movie(1), &HashSet::new(), 3);
        assert!(factors.iter().all(|(m, _)| *m <= 10), "{factors:?}");
    }

    #[test]
    fn onboarding_takes_genres_in_turn_and_skips_rated() {
        let candidates = vec![
            summary(1, "Drama"),
            summary(2, "Drama"),
            summary(3, "Drama"),
            summary(4, "Action"),
            summary(5, "Horror"),
            summary(6, "Action"),
        ];
        let picked: Vec<i64> = round_robin_by_genre(candidates.clone(), &[2].into(), 5)
            .iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(picked, vec![1, 4, 5, 3, 6]);
        assert_eq!(
            round_robin_by_genre(candidates, &HashSet::new(), 20).len(),
            6
        );
    }
}
