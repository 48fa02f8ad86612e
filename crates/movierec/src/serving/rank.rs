//! Pure ranking over the serving model: a user's ratings folded in, the catalog ranked and
//! each pick explained, a rating predicted, similar movies found. No store: callers bring the
//! ratings and what to leave out.

use std::collections::{HashMap, HashSet};

use movierec_engine::{ItemIdx, Reason};

use super::slot::ServingModel;
use crate::domain::{MovieId, Stars};

/// Below this many ratings the model knows, a fold-in is mostly noise: the fallback serves.
pub const MIN_RATINGS: usize = 3;
/// A rating at least this high marks a movie the user liked: it can explain a pick and its
/// genre feeds the fallback.
pub const LIKED_STARS: f64 = 4.0;

/// One pick of the model, before titles are looked up.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelPick {
    pub movie_id: MovieId,
    pub predicted: f32,
    /// The liked movie contributing most to the pick, with the user's rating of it; `None`
    /// when no single movie does (the pick follows the user's taste as a whole).
    pub because: Option<(MovieId, Stars)>,
}

/// The user's ratings of movies the model knows, as engine items.
pub(super) fn known_ratings(
    serving: &ServingModel,
    ratings: &[(MovieId, Stars)],
) -> Vec<(ItemIdx, Stars)> {
    ratings
        .iter()
        .filter_map(|&(movie, stars)| serving.item(movie).map(|item| (item, stars)))
        .collect()
}

/// The ratings as the engine folds them in.
pub(super) fn engine_ratings(known: &[(ItemIdx, Stars)]) -> Vec<(ItemIdx, f32)> {
    known
        .iter()
        .map(|&(item, stars)| (item, stars.value() as f32))
        .collect()
}

/// The `n` best movies for a user with these ratings, leaving out rated movies and `exclude`.
/// `None` when the model knows fewer than [`MIN_RATINGS`] of the ratings.
pub fn rank(
    serving: &ServingModel,
    ratings: &[(MovieId, Stars)],
    exclude: &HashSet<MovieId>,
    n: usize,
) -> Option<Vec<ModelPick>> {
    rank_with_seen(serving, ratings, &[], exclude, n)
}

/// [`rank`] with movies the user marked as seen without rating them: they tell the
/// implicit-feedback model what the user chooses to watch, and are never recommended.
pub fn rank_with_seen(
    serving: &ServingModel,
    ratings: &[(MovieId, Stars)],
    seen: &[MovieId],
    exclude: &HashSet<MovieId>,
    n: usize,
) -> Option<Vec<ModelPick>> {
    rank_among(serving, ratings, seen, exclude, None, n)
}

/// [`rank_with_seen`] over the films of `among` only (a user's media-server library), or
/// over the whole catalog when `None`.
pub fn rank_among(
    serving: &ServingModel,
    ratings: &[(MovieId, Stars)],
    seen: &[MovieId],
    exclude: &HashSet<MovieId>,
    among: Option<&HashSet<MovieId>>,
    n: usize,
) -> Option<Vec<ModelPick>> {
    let known = known_ratings(serving, ratings);
    if known.len() < MIN_RATINGS {
        return None;
    }
    let model = &serving.model;
    let seen: Vec<ItemIdx> = seen.iter().filter_map(|&m| serving.item(m)).collect();
    let user = model.fold_in(&engine_ratings(&known), &seen);
    let mut skip = vec![among.is_some(); model.n_items()];
    for item in among.into_iter().flatten().filter_map(|&m| serving.item(m)) {
        skip[item.index()] = false;
    }
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
    // The stars a reason shows are the user's own rating of the liked film, as given.
    let stars_of: HashMap<ItemIdx, Stars> = known.into_iter().collect();
    Some(
        picks
            .into_iter()
            .zip(reasons)
            .map(|(pick, reason)| ModelPick {
                movie_id: serving.movie_id(pick.item()),
                predicted: pick.predicted(),
                because: match reason {
                    Reason::Because { item, .. } => stars_of
                        .get(&item)
                        .map(|&stars| (serving.movie_id(item), stars)),
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
    ratings: &[(MovieId, Stars)],
    movie: MovieId,
) -> Option<f32> {
    let item = serving.item(movie)?;
    let known = known_ratings(serving, ratings);
    if known.len() < MIN_RATINGS {
        return None;
    }
    let user = serving.model.fold_in(&engine_ratings(&known), &[]);
    Some(serving.model.predict(&user, item))
}

/// The `n` movies most similar to `movie` by the model (which decides how: see
/// [`movierec_engine::Model::similar_items`]), leaving out `exclude`, with their similarity.
pub fn similar(
    serving: &ServingModel,
    movie: MovieId,
    exclude: &HashSet<MovieId>,
    n: usize,
) -> Vec<(MovieId, f32)> {
    let Some(item) = serving.item(movie) else {
        return Vec::new();
    };
    serving
        .model
        .similar_items(item, n, |other| exclude.contains(&serving.movie_id(other)))
        .into_iter()
        .map(|(other, similarity)| (serving.movie_id(other), similarity))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserId;
    use crate::serving::slot::STAR_SCALE;
    use crate::serving::test_support::{movie, rated};

    fn movies(ids: &[i64]) -> HashSet<MovieId> {
        ids.iter().map(|&id| movie(id)).collect()
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
                records.push((UserId::new(user), self::movie(movie), stars));
            }
        }
        let data = movierec_engine::Dataset::from_typed_records(records, STAR_SCALE);
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
        let ratings = rated(&[(1, 5.0), (2, 5.0), (11, 1.0), (12, 1.0)]);
        let picks = rank(&serving, &ratings, &movies(&[3]), 6).expect("enough ratings");
        assert_eq!(picks.len(), 6);
        for pick in &picks {
            assert!(
                ![1, 2, 11, 12, 3].contains(&pick.movie_id.get()),
                "{pick:?}"
            );
        }
        let horror = picks.iter().filter(|p| p.movie_id.get() <= 10).count();
        assert!(horror >= 5, "mostly horror for a horror fan: {picks:?}");
        // Best first.
        assert!(picks[0].predicted > picks[5].predicted, "{picks:?}");
        // The reason is one of the liked movies, never a disliked one.
        for pick in picks.iter().filter(|p| p.movie_id.get() <= 10) {
            let (because, stars) = pick.because.expect("a liked movie explains a horror pick");
            assert!([1, 2].contains(&because.get()), "{pick:?}");
            assert_eq!(stars.value(), 5.0);
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
                    records.push((UserId::new(user), self::movie(movie), stars));
                }
            }
        }
        let data = movierec_engine::Dataset::from_typed_records(records, STAR_SCALE);
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
        let ratings = rated(&[(1, 5.0), (2, 4.5), (3, 4.0), (11, 1.0), (12, 1.5)]);
        let picks = rank(&serving, &ratings, &HashSet::new(), 5).expect("enough ratings");
        assert_eq!(picks.len(), 5);
        let horror = picks.iter().filter(|p| p.movie_id.get() <= 10).count();
        assert!(horror >= 4, "mostly horror for a horror fan: {picks:?}");
        // The stars shown are the rating model's prediction: high for the fan's genre.
        for pick in picks.iter().filter(|p| p.movie_id.get() <= 10) {
            assert!(pick.predicted > 3.0, "{pick:?}");
        }
        // The reason is the engine's explanation of the pick, and never a disliked movie.
        let known = known_ratings(&serving, &ratings);
        let user = model.fold_in(&engine_ratings(&known), &[]);
        for pick in &picks {
            let item = serving.item(pick.movie_id).unwrap();
            // The engine's reason, with the stars the user gave that film.
            let expected = match model.explain(&user, &[item])[0] {
                Reason::Because { item, rating } => Some((serving.movie_id(item), rating)),
                _ => None,
            };
            assert_eq!(
                pick.because
                    .map(|(movie, stars)| (movie, stars.value() as f32)),
                expected,
                "{pick:?}"
            );
            if let Some((movie, stars)) = pick.because {
                assert!(
                    ![11, 12].contains(&movie.get()) && stars.value() >= LIKED_STARS,
                    "{pick:?}"
                );
            }
        }
        assert!(picks.iter().any(|p| p.because.is_some()), "{picks:?}");
        // A new rating changes the ranking at once: the folded-in user is read afresh.
        let more = rated(&[(1, 5.0), (2, 4.5), (3, 4.0), (11, 1.0), (12, 1.5), (4, 5.0)]);
        let again = rank(&serving, &more, &HashSet::new(), 5).unwrap();
        assert!(again.iter().all(|p| p.movie_id != movie(4)));
        assert_ne!(again, picks);
    }

    #[test]
    fn too_few_known_ratings_means_no_model_ranking() {
        let serving = two_taste_model();
        assert!(rank(&serving, &rated(&[(1, 5.0), (2, 5.0)]), &HashSet::new(), 5).is_none());
        // Movies the model never saw do not count.
        let with_unknown = rated(&[(1, 5.0), (2, 5.0), (999, 4.0)]);
        assert!(rank(&serving, &with_unknown, &HashSet::new(), 5).is_none());
        assert_eq!(predicted_rating(&serving, &with_unknown, movie(4)), None);
    }

    #[test]
    fn predicted_rating_follows_taste() {
        let serving = two_taste_model();
        let ratings = rated(&[(1, 5.0), (2, 5.0), (11, 1.0), (12, 1.0)]);
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
                .all(|(other, _)| *other != first && *other != movie(1))
        );
        assert!(similar(&serving, movie(999), &HashSet::new(), 5).is_empty());
    }

    #[test]
    fn content_decides_similar_movies_when_ratings_say_little() {
        // Within a genre the ratings cannot tell films apart; director and decade can.
        let features: HashMap<MovieId, Vec<String>> = (1..=20)
            .map(|movie| {
                let genre = if movie <= 10 { "Horror" } else { "Comedy" };
                let director = if [1, 7].contains(&movie) {
                    "director:Carpenter".to_owned()
                } else {
                    format!("director:d{movie}")
                };
                let decade = if [1, 7].contains(&movie) { 1970 } else { 1990 };
                (
                    self::movie(movie),
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
        assert_eq!(nearest[0].0, movie(7), "{nearest:?}");
        assert!(nearest.iter().all(|(m, _)| m.get() <= 10), "{nearest:?}");
        // Without content, the factors alone rank by taste only.
        let plain = two_taste_model();
        let factors = similar(&plain, movie(1), &HashSet::new(), 3);
        assert!(factors.iter().all(|(m, _)| m.get() <= 10), "{factors:?}");
    }
}
