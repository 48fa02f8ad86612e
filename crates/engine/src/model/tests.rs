//! The model's ranking, similarity and explanation against their definitions, through the
//! crate's own helpers where the public verbs hide the figure a definition is about.

#[path = "../../tests/common/mod.rs"]
mod common;

use super::explain::MATERIAL_SHARE;
use crate::{
    Algorithm, Dataset, Fit, ImplicitParams, ItemIdx, Model, Params, Reason, Scale, UserIdx,
};
use common::synthetic;

fn params(algorithm: Algorithm) -> Params {
    Params::default_for(algorithm)
}

/// Trains on one thread, for data and parameters that converge.
fn train(data: &Dataset, p: &Params) -> Model {
    Fit::new(p)
        .threads(1)
        .run(data)
        .expect("training converges")
}

fn item(i: u32) -> ItemIdx {
    ItemIdx::new(i)
}

fn user(u: u32) -> UserIdx {
    UserIdx::new(u)
}

#[test]
fn top_n_is_the_head_of_a_full_sort_and_respects_exclusions() {
    let data = synthetic(100, 120, 0.2, 8);
    let m = train(&data, &params(Algorithm::Sgd));
    let uv = m.user_vector(user(5));
    let trained = m.user(user(5));
    let excluded = |i: ItemIdx| i.get().is_multiple_of(3);
    let top = m.top_n(&uv, 10, excluded);
    let mut all: Vec<(ItemIdx, f32)> = (0..m.n_items() as u32)
        .map(item)
        .filter(|&i| !excluded(i))
        .map(|i| (i, m.rank_score(&uv, i)))
        .collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let expected: Vec<ItemIdx> = all[..10].iter().map(|x| x.0).collect();
    assert_eq!(top.iter().map(|x| x.0).collect::<Vec<_>>(), expected);
    for &(i, r) in &top {
        assert_eq!(r, m.predict(&trained, i));
    }
    assert_eq!(m.top_n(&uv, 1000, |_| false).len(), m.n_items());
    assert!(m.top_n(&uv, 0, |_| false).is_empty());
}

#[test]
fn ranking_prefers_well_supported_items_over_rare_high_scorers() {
    // "rare" has two ratings and an estimate half a star above "classic", rated by sixty people.
    let mut records = vec![("a", "rare", 5.0), ("b", "rare", 5.0)];
    let users: Vec<String> = (0..60).map(|u| format!("u{u}")).collect();
    for u in &users {
        records.push((u.as_str(), "classic", 4.5));
    }
    let data = Dataset::from_records(records, Scale::MOVIELENS);
    // Light bias regularisation, so two ratings are enough to estimate "rare" above "classic".
    let mut m = train(&data, &params(Algorithm::Baseline).with_reg_bias(0.5));
    let (rare, classic) = (
        m.items().get("rare").unwrap(),
        m.items().get("classic").unwrap(),
    );
    let nobody = m.fold_in(&[], &[]);
    let uv = &nobody.explicit;
    assert!(
        m.predict(&nobody, rare) > m.predict(&nobody, classic) + 0.25,
        "{} vs {}",
        m.predict(&nobody, rare),
        m.predict(&nobody, classic)
    );
    assert_eq!(m.top_n(uv, 1, |_| false)[0].0, classic);
    // Without the support prior the rare item wins on predicted rating alone.
    m.set_popularity_weight(0.0);
    assert_eq!(m.top_n(uv, 1, |_| false)[0].0, rare);
}

#[test]
fn the_factors_cosine_of_an_item_with_itself_is_one_and_of_an_unknown_item_zero() {
    let data = synthetic(150, 60, 0.3, 9);
    let m = train(&data, &params(Algorithm::Als));
    assert!((m.item_similarity(item(7), item(7)) - 1.0).abs() < 1e-5);
    assert_eq!(m.item_similarity(item(4), item(10_000)), 0.0);
}

/// Two tastes over 20 films: users who love films 0–9 and dislike the few of 10–19 they
/// watch, and the reverse.
fn two_tastes() -> Dataset {
    let mut records = Vec::new();
    for user in 0..40u32 {
        let first = user % 2 == 0;
        for film in 0..20u32 {
            let own = (film < 10) == first;
            let watches = if own {
                (film + user) % 4 != 0
            } else {
                (film + user) % 5 == 0
            };
            if watches {
                let stars = if own { 4.5 } else { 1.5 };
                records.push((user.to_string(), film.to_string(), stars));
            }
        }
    }
    Dataset::from_records(records, Scale::MOVIELENS)
}

#[test]
fn the_reason_is_the_liked_film_contributing_most_and_never_a_disliked_one() {
    let data = two_tastes();
    let implicit = ImplicitParams::default().with_factors(4);
    // Without the neighbour score the implicit part alone speaks for a pick, so its exact
    // split over the user's films says which film contributes most.
    let params = Params::hybrid()
        .with_factors(4)
        .with_implicit(Some(implicit))
        .with_taste(Some(0.0));
    let m = Fit::new(&params).threads(1).run(&data).unwrap();
    let film = |name: &str| data.items().get(name).unwrap();
    let rated = [
        (film("0"), 5.0),
        (film("1"), 4.5),
        (film("2"), 4.0),
        (film("10"), 1.0),
        (film("11"), 1.5),
    ];
    let user = m.fold_in(&rated, &[]);
    let picks = m.recommend(&user, 6, |i| rated.iter().any(|&(r, _)| r == i));
    let items: Vec<ItemIdx> = picks.iter().map(|p| p.item()).collect();
    let reasons = m.explain(&user, &items);
    let implicit = m.implicit().unwrap();
    let u = user.implicit.as_ref().unwrap();
    let liked = [film("0"), film("1"), film("2")];
    for (&item, reason) in items.iter().zip(&reasons) {
        let parts = u.contributions(implicit, item);
        let total = implicit.score(u.factors(), item).max(0.0);
        let top = parts
            .iter()
            .filter(|(j, c)| liked.contains(j) && *c > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        let expected = match top {
            Some(&(j, c)) if c >= MATERIAL_SHARE * total => {
                let rating = rated.iter().find(|r| r.0 == j).unwrap().1;
                Reason::Because { item: j, rating }
            }
            _ => Reason::Taste,
        };
        assert_eq!(*reason, expected, "{item:?}: {parts:?}");
        if let Reason::Because { item: j, .. } = reason {
            assert!(liked.contains(j), "a disliked film named: {reason:?}");
        }
    }
    assert!(
        reasons.iter().any(|r| matches!(r, Reason::Because { .. })),
        "{reasons:?}"
    );
}
