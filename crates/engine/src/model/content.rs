//! The catalog's content in a model: [`Model::with_content`] for similar items and short
//! histories, and [`Model::with_catalog`], which gives every catalog film, rated or not,
//! parameters from its features.

use std::collections::HashMap;

use super::Model;
use crate::content::ContentIndex;
use crate::ids::ExternalId;
use crate::implicit::ImplicitModel;
use crate::linalg::gramian;

impl<U: ExternalId, T: ExternalId> Model<U, T> {
    /// With the catalog's content of its items (`(item id, features)`, features as in
    /// [`ContentIndex::new`]), for similar items and picks where rating data is thin. Items
    /// the model does not know are ignored; items without features have no content.
    /// [`Model::with_catalog`] sets it too; a model read from a file has none until this.
    pub fn with_content<K, F>(mut self, catalog: &[(K, Vec<F>)]) -> Self
    where
        K: Clone + Into<T>,
        F: AsRef<str>,
    {
        let mut per_item: Vec<Vec<&str>> = vec![Vec::new(); self.n_items()];
        for (ext, features) in catalog {
            if let Some(item) = self.items.get(&ext.clone().into()) {
                per_item[item.index()] = features.iter().map(AsRef::as_ref).collect();
            }
        }
        self.content = Some(ContentIndex::new(&per_item));
        self
    }

    /// The catalog's content of the items, when [`Model::with_content`] gave it.
    pub fn content(&self) -> Option<&ContentIndex> {
        self.content.as_ref()
    }
}

/// Ratings at which an item's own learned factors and the ones its features predict weigh the
/// same in [`Model::with_catalog`]: a film with a few ratings leans on its genres and director,
/// one with hundreds on what its raters did.
pub(crate) const FEATURE_SHRINK: f32 = 5.0;
/// Ridge penalty of the feature embeddings, in units of a well-rated item's weight (about 1):
/// a feature seen on one film learns about half of that film's own factors.
const FEATURE_REG: f32 = 1.0;
/// Conjugate-gradient steps of the ridge fit; the system is small and well conditioned by
/// [`FEATURE_REG`], so this is past convergence.
const FEATURE_CG_STEPS: usize = 60;

impl<U: ExternalId, T: ExternalId> Model<U, T> {
    /// Makes every catalog film part of the model, rated or not, with what the model knows
    /// about its features (`(item id, features)`, features as in [`ContentIndex::new`]).
    ///
    /// One embedding per feature (and one shared by every film) is learned by ridge
    /// regression of the trained items' biases and factors, rating and implicit alike, on the
    /// sums of their features' embeddings, each item weighted by `m / (m + FEATURE_SHRINK)`
    /// with `m` its ratings. Each film's parameters then become
    /// `c · own + (1 − c) · Σ its features' embeddings` with that same weight `c`, so a film
    /// nobody rated yet takes the factors of the films it shares director, genres and decade
    /// with, and can be recommended to the users who like those; a well-rated film keeps its
    /// own. Films not yet in the model are added with no ratings; items without features
    /// keep their parameters.
    ///
    /// ```
    /// use movierec_engine::{Dataset, Params, Scale, fit};
    ///
    /// let data = Dataset::from_records(
    ///     [("ann", "alien", 5.0), ("ann", "heat", 2.0), ("bob", "alien", 4.5), ("bob", "up", 1.0)],
    ///     Scale::MOVIELENS,
    /// );
    /// let model = fit(&data, &Params::default().with_epochs(5))?;
    /// let catalog = [
    ///     ("alien", vec!["genre:Sci-Fi", "director:Ridley Scott"]),
    ///     ("aliens", vec!["genre:Sci-Fi", "director:James Cameron"]),
    /// ];
    /// let model = model.with_catalog(&catalog);
    /// let aliens = model.items().get("aliens").expect("a catalog film without ratings");
    /// assert_eq!(model.item_count(aliens), 0);
    /// # Ok::<(), movierec_engine::FitError>(())
    /// ```
    pub fn with_catalog<K, F>(mut self, catalog: &[(K, Vec<F>)]) -> Self
    where
        K: Clone + Into<T>,
        F: AsRef<str>,
    {
        let k = self.k;
        let ki = self.implicit.as_ref().map_or(0, ImplicitModel::n_factors);
        // Feature 0 is shared by every film with features: the catalog's average film.
        let mut ids: HashMap<&str, u32> = HashMap::new();
        let mut features: Vec<Vec<u32>> = vec![Vec::new(); self.n_items()];
        for (ext, own) in catalog {
            let item = self.items.get_or_insert(&ext.clone().into());
            if item.index() == features.len() {
                features.push(Vec::new());
                self.item_bias.push(0.0);
                self.item_counts.push(0);
                self.item_factors.extend(std::iter::repeat_n(0.0, k));
                if let Some(implicit) = &mut self.implicit {
                    implicit.item_factors.extend(std::iter::repeat_n(0.0, ki));
                }
            }
            let mut fs = vec![0u32];
            for f in own {
                let next = ids.len() as u32 + 1;
                let id = *ids.entry(f.as_ref()).or_insert(next);
                if !fs.contains(&id) {
                    fs.push(id);
                }
            }
            features[item.index()] = if fs.len() > 1 { fs } else { Vec::new() };
        }
        let n_features = ids.len() + 1;
        // Per item: bias, rating factors, implicit factors.
        let d = 1 + k + ki;
        let mut targets = vec![0f32; self.n_items() * d];
        for (i, t) in targets.chunks_exact_mut(d).enumerate() {
            t[0] = self.item_bias[i];
            t[1..=k].copy_from_slice(&self.item_factors[i * k..(i + 1) * k]);
            if let Some(implicit) = &self.implicit {
                t[1 + k..].copy_from_slice(&implicit.item_factors[i * ki..(i + 1) * ki]);
            }
        }
        let confidence: Vec<f32> = self
            .item_counts
            .iter()
            .map(|&m| m as f32 / (m as f32 + FEATURE_SHRINK))
            .collect();
        let embeddings = ridge(&features, &confidence, &targets, d, n_features);
        let mut predicted = vec![0f32; d];
        for (i, own) in features.iter().enumerate() {
            if own.is_empty() {
                continue;
            }
            predicted.fill(0.0);
            for &f in own {
                add(
                    &mut predicted,
                    &embeddings[f as usize * d..(f as usize + 1) * d],
                    1.0,
                );
            }
            let c = confidence[i];
            let t = &mut targets[i * d..(i + 1) * d];
            for (t, &p) in t.iter_mut().zip(&predicted) {
                *t = c * *t + (1.0 - c) * p;
            }
            self.item_bias[i] = t[0];
            self.item_factors[i * k..(i + 1) * k].copy_from_slice(&t[1..=k]);
            if let Some(implicit) = &mut self.implicit {
                implicit.item_factors[i * ki..(i + 1) * ki].copy_from_slice(&t[1 + k..]);
            }
        }
        if let Some(implicit) = &mut self.implicit {
            implicit.item_gramian = gramian(&implicit.item_factors, ki);
        }
        if catalog.is_empty() {
            return self;
        }
        self.with_content(catalog)
    }
}

/// `y += s · x`.
fn add(y: &mut [f32], x: &[f32], s: f32) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y += s * x;
    }
}

/// Feature embeddings `E` (`n_features × d`, row-major) minimising
/// `Σ_i w_i ‖t_i − Σ_{f ∈ F_i} E_f‖² + FEATURE_REG · ‖E‖²`: the normal equations solved by
/// conjugate gradient, one independent system per column sharing the matrix, in `f64`.
fn ridge(
    features: &[Vec<u32>],
    weights: &[f32],
    targets: &[f32],
    d: usize,
    n_features: usize,
) -> Vec<f32> {
    let rows: Vec<usize> = (0..features.len())
        .filter(|&i| weights[i] > 0.0 && !features[i].is_empty())
        .collect();
    // A · P, with A = Σ_i w_i f_i f_iᵀ + λ I.
    let apply = |p: &[f64], out: &mut [f64]| {
        for (o, &v) in out.iter_mut().zip(p) {
            *o = f64::from(FEATURE_REG) * v;
        }
        let mut s = vec![0f64; d];
        for &i in &rows {
            s.fill(0.0);
            for &f in &features[i] {
                for (s, &v) in s.iter_mut().zip(&p[f as usize * d..(f as usize + 1) * d]) {
                    *s += v;
                }
            }
            let w = f64::from(weights[i]);
            for &f in &features[i] {
                for (o, &v) in out[f as usize * d..(f as usize + 1) * d].iter_mut().zip(&s) {
                    *o += w * v;
                }
            }
        }
    };
    let mut x = vec![0f64; n_features * d];
    // r = b = Σ_i w_i f_i t_iᵀ, as x starts at zero.
    let mut r = vec![0f64; n_features * d];
    for &i in &rows {
        let w = f64::from(weights[i]);
        for &f in &features[i] {
            for (o, &t) in r[f as usize * d..(f as usize + 1) * d]
                .iter_mut()
                .zip(&targets[i * d..(i + 1) * d])
            {
                *o += w * f64::from(t);
            }
        }
    }
    let column_dots = |a: &[f64], b: &[f64]| -> Vec<f64> {
        let mut out = vec![0f64; d];
        for (ra, rb) in a.chunks_exact(d).zip(b.chunks_exact(d)) {
            for c in 0..d {
                out[c] += ra[c] * rb[c];
            }
        }
        out
    };
    let mut p = r.clone();
    let mut ap = vec![0f64; n_features * d];
    let mut rs = column_dots(&r, &r);
    for _ in 0..FEATURE_CG_STEPS {
        if rs.iter().all(|&v| v < 1e-18) {
            break;
        }
        apply(&p, &mut ap);
        let pap = column_dots(&p, &ap);
        let step: Vec<f64> = (0..d)
            .map(|c| if pap[c] > 0.0 { rs[c] / pap[c] } else { 0.0 })
            .collect();
        for (((x, r), p), ap) in x
            .chunks_exact_mut(d)
            .zip(r.chunks_exact_mut(d))
            .zip(p.chunks_exact(d))
            .zip(ap.chunks_exact(d))
        {
            for c in 0..d {
                x[c] += step[c] * p[c];
                r[c] -= step[c] * ap[c];
            }
        }
        let rs_new = column_dots(&r, &r);
        let beta: Vec<f64> = (0..d)
            .map(|c| if rs[c] > 0.0 { rs_new[c] / rs[c] } else { 0.0 })
            .collect();
        for (p, r) in p.chunks_exact_mut(d).zip(r.chunks_exact(d)) {
            for c in 0..d {
                p[c] = r[c] + beta[c] * p[c];
            }
        }
        rs = rs_new;
    }
    x.into_iter().map(|v| v as f32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Dataset, Scale};
    use crate::ids::ItemIdx;
    use crate::linalg::dot;
    use crate::params::Params;
    use crate::train::{Fit, fit};

    /// A generated catalog: 40 films in 8 series of 5 (same director, genre and decade within a
    /// series), rated by a few random users so the factors know almost nothing; the last film of
    /// series 0 is a sequel nobody rated, which only the catalog brings into the model.
    #[test]
    fn content_puts_an_unrated_sequel_among_its_originals_similar_movies() {
        let genres = ["Animation", "Western", "Horror", "Drama"];
        let catalog: Vec<(String, Vec<String>)> = (0..40)
            .map(|i| {
                let series = i / 5;
                let features = vec![
                    format!("director:d{series}"),
                    format!("genre:{}", genres[series % 4]),
                    format!("decade:{}", 1950 + 10 * (series % 5)),
                ];
                (i.to_string(), features)
            })
            .collect();
        // Sparse, uninformative ratings: each of 6 users rates a pseudo-random handful, never
        // film 4.
        let mut records = Vec::new();
        for u in 0..6u32 {
            for k in 0..8u32 {
                let item = (u * 13 + k * 7) % 40;
                if item != 4 {
                    let value = 1.0 + ((u + k) % 5) as f32;
                    records.push((u.to_string(), item.to_string(), value));
                }
            }
        }
        let data = Dataset::from_records(records, Scale::MOVIELENS);
        assert!(data.items().get("4").is_none());
        let model = fit(&data, &Params::default().with_factors(4)).unwrap();
        let model = model.with_catalog(&catalog);
        assert_eq!(model.n_items(), 40);
        let item = |name: &str| model.items().get(name).unwrap();
        let in_series = |j: ItemIdx| model.items().ext(j).parse::<usize>().unwrap() < 5;
        let (original, sequel) = (item("0"), item("4"));
        assert_eq!(model.item_count(sequel), 0);
        let similar = model.similar_items(original, 4, |_| false);
        let series = |found: &[(ItemIdx, f32)]| found.iter().filter(|(j, _)| in_series(*j)).count();
        assert_eq!(series(&similar), 4, "{similar:?}");
        assert!(similar.iter().any(|(j, _)| *j == sequel), "{similar:?}");
        // And from the sequel's page, its series.
        let back = model.similar_items(sequel, 4, |_| false);
        assert_eq!(series(&back), 4, "{back:?}");
        // A handful of ratings alone do not know the series.
        let ratings_only = fit(&data, &Params::default().with_factors(4))
            .unwrap()
            .similar_items(data.items().get("0").unwrap(), 4, |_| false);
        let in_data_series = |j: ItemIdx| data.items().ext(j).parse::<usize>().unwrap() < 5;
        let known = ratings_only
            .iter()
            .filter(|(j, _)| in_data_series(*j))
            .count();
        assert!(known < 4, "{ratings_only:?}");
    }

    /// Two tastes over a 30-film catalog: 20 horror fans watch and love the films of one
    /// horror director, 20 comedy fans those of one comedy director; ten others are rated by
    /// everyone now and then. Nobody has rated the horror director's new film yet.
    fn two_tastes() -> (Dataset, Vec<(String, Vec<String>)>) {
        let catalog: Vec<(String, Vec<String>)> = (0..31)
            .map(|i| {
                let features: Vec<String> = match i {
                    0..10 | 30 => vec!["director:Carpenter".into(), "genre:Horror".into()],
                    10..20 => vec!["director:Reiner".into(), "genre:Comedy".into()],
                    _ => vec![format!("director:other{i}"), "genre:Drama".into()],
                };
                (format!("f{i}"), features)
            })
            .collect();
        let mut records = Vec::new();
        for u in 0..40u32 {
            let own = if u < 20 { 0 } else { 10 };
            for i in 0..10u32 {
                if (u + i) % 3 != 0 {
                    records.push((format!("u{u}"), format!("f{}", own + i), 5.0));
                }
            }
            for i in 0..3u32 {
                let drama = 20 + (u * 3 + i) % 10;
                records.push((format!("u{u}"), format!("f{drama}"), 3.0));
            }
        }
        (Dataset::from_records(records, Scale::MOVIELENS), catalog)
    }

    #[test]
    fn a_film_nobody_rated_is_recommended_to_the_fans_of_its_director() {
        let (data, catalog) = two_tastes();
        let params = Params::hybrid().with_factors(4);
        let model = Fit::new(&params).threads(1).run(&data).unwrap();
        assert!(model.items().get("f30").is_none());
        let model = model.with_catalog(&catalog);
        let item = |name: &str| model.items().get(name).unwrap();
        let new_film = item("f30");
        assert_eq!(model.item_count(new_film), 0);
        let horror_fan: Vec<(ItemIdx, f32)> =
            ["f0", "f1", "f2", "f3"].map(|f| (item(f), 5.0)).to_vec();
        let comedy_fan: Vec<(ItemIdx, f32)> = ["f10", "f11", "f12", "f13"]
            .map(|f| (item(f), 5.0))
            .to_vec();
        // Seven picks: the director's six films the fan has not rated, and the new one.
        let picks = |rated: &[(ItemIdx, f32)]| -> Vec<ItemIdx> {
            let user = model.fold_in(rated, &[]);
            model
                .recommend(&user, 7, |i| rated.iter().any(|&(r, _)| r == i))
                .into_iter()
                .map(|p| p.item())
                .collect()
        };
        let for_horror = picks(&horror_fan);
        assert!(for_horror.contains(&new_film), "{for_horror:?}");
        let for_comedy = picks(&comedy_fan);
        assert!(!for_comedy.contains(&new_film), "{for_comedy:?}");
        // The new film scores higher for its director's fans than for the others.
        let (h, c) = (
            model.fold_in(&horror_fan, &[]),
            model.fold_in(&comedy_fan, &[]),
        );
        assert!(model.blended_score(&h, new_film) > model.blended_score(&c, new_film));
        // Its predicted rating follows its director's films, not the middle of the scale.
        assert!(model.predict(&h, new_film) > 4.0);
    }

    #[test]
    fn a_newcomers_one_genre_history_is_followed_where_co_ratings_say_nothing_of_genre() {
        // 20 westerns and 20 musicals, each rated by 150 of 600 users who rate across both
        // kinds alike: who rated what carries no genre at all, and every film has enough
        // ratings to be known by them rather than by its content.
        let catalog: Vec<(String, Vec<String>)> = (0..40)
            .map(|i| {
                let genre = if i < 20 {
                    "genre:Western"
                } else {
                    "genre:Musical"
                };
                (format!("f{i}"), vec![genre.to_string()])
            })
            .collect();
        let records = (0..600u32).flat_map(|u| {
            (0..40u32)
                .filter(move |i| (u + 3 * i) % 4 == 0)
                .map(move |i| {
                    (
                        format!("u{u}"),
                        format!("f{i}"),
                        3.0 + f32::from((u * i % 5) as u8) / 2.0,
                    )
                })
        });
        let data = Dataset::from_records(records, Scale::MOVIELENS);
        let model = Fit::new(&Params::hybrid().with_factors(4))
            .threads(1)
            .run(&data)
            .unwrap();
        let with = model.clone().with_catalog(&catalog);
        let item = |name: &str| model.items().get(name).unwrap();
        // Users who rated one film rated every film with its index modulo 4, so a history of
        // one film of each residue leans to none of them by who rated what.
        let rated: Vec<(ItemIdx, f32)> = ["f0", "f1", "f2", "f3"]
            .map(|f| (item(f), 5.0))
            .into_iter()
            .chain(["f20", "f21", "f22", "f23"].map(|f| (item(f), 1.0)))
            .collect();
        let westerns = |m: &Model| {
            let user = m.fold_in(&rated, &[]);
            let picks = m.recommend(&user, 10, |i| rated.iter().any(|&(r, _)| r == i));
            picks
                .iter()
                .filter(|p| m.items().ext(p.item())[1..].parse::<u32>().unwrap() < 20)
                .count()
        };
        let (without, with) = (westerns(&model), westerns(&with));
        assert!(with >= 8 && with > without, "{without} -> {with}");
    }

    #[test]
    fn a_well_rated_film_keeps_its_own_factors_and_unknown_films_keep_theirs() {
        let (data, catalog) = two_tastes();
        let params = Params::hybrid().with_factors(4);
        let model = Fit::new(&params).threads(1).run(&data).unwrap();
        let with = model.clone().with_catalog(&catalog);
        let f0 = model.items().get("f0").unwrap();
        let (own, blended) = (
            model.item_factors(f0).unwrap(),
            with.item_factors(f0).unwrap(),
        );
        let c = model.item_count(f0) as f32 / (model.item_count(f0) as f32 + FEATURE_SHRINK);
        assert!(c > 0.7);
        let cosine = dot(own, blended) / (dot(own, own) * dot(blended, blended)).sqrt();
        assert!(cosine > 0.9, "{own:?} -> {blended:?}");
        // An empty catalog changes nothing.
        let none: [(&str, Vec<&str>); 0] = [];
        assert_eq!(model.clone().with_catalog(&none), model);
    }
}
