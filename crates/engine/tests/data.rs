use movierec_engine::{Dataset, ItemIdx, LoadError, Rating, RatingSet, Scale, UserIdx};
use proptest::prelude::*;

#[test]
fn loads_u_data_with_whole_star_scale() {
    let d = Dataset::parse(
        "u.data",
        b"196\t242\t3\t881250949\n186\t302\t3\t891717742\n196\t377\t1\t878887116\n",
        RatingSet::MovieLens,
    )
    .unwrap();
    assert_eq!(d.ratings().len(), 3);
    assert_eq!((d.users().len(), d.items().len()), (2, 3));
    assert_eq!(d.ratings().scale(), Scale { min: 1.0, max: 5.0 });
    let u = d.users().get("196").unwrap();
    let (items, values) = d.ratings().user_ratings(u);
    let named: Vec<(&str, f32)> = items
        .iter()
        .map(|&i| d.items().ext(i).as_str())
        .zip(values.iter().copied())
        .collect();
    assert_eq!(named, vec![("242", 3.0), ("377", 1.0)]);
    let i = d.items().get("302").unwrap();
    assert_eq!(d.ratings().item_ratings(i).1, &[3.0]);
}

#[test]
fn loads_ratings_dat() {
    let d = Dataset::parse(
        "ratings.dat",
        b"1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n",
        RatingSet::MovieLens,
    )
    .unwrap();
    assert_eq!(d.ratings().len(), 3);
    assert_eq!(d.ratings().item_count(d.items().get("1193").unwrap()), 2);
}

#[test]
fn loads_ratings_csv_with_header_and_half_stars() {
    let d = Dataset::parse(
        "ratings.csv",
        b"userId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n1,3,4.5,964981247\r\n",
        RatingSet::MovieLens,
    )
    .unwrap();
    assert_eq!(d.ratings().len(), 2);
    assert_eq!(d.ratings().scale(), Scale::MOVIELENS);
}

#[test]
fn loads_atomic_inter_file() {
    let d = Dataset::parse(
        "ml-100k.inter",
        b"user_id:token\titem_id:token\trating:float\ttimestamp:float\n196\t242\t3\t881250949\n",
        RatingSet::MovieLens,
    )
    .unwrap();
    assert_eq!(d.ratings().len(), 1);
}

fn err(file: &str, text: &str) -> String {
    Dataset::parse(file, text.as_bytes(), RatingSet::MovieLens)
        .unwrap_err()
        .to_string()
}

#[test]
fn errors_name_file_and_line() {
    assert_eq!(
        err(
            "ratings.csv",
            "userId,movieId,rating,timestamp\n1,2,4,5\n1,3,abc,6\n"
        ),
        "ratings.csv:3: rating \"abc\" is not a number"
    );
    assert_eq!(
        err("u.data", "1\t2\t3\t4\n1\t2\n"),
        "u.data:2: expected 3 or 4 fields (user, item, rating[, timestamp]), found 2"
    );
    assert_eq!(
        err("u.data", "1\t2\t7\t4\n"),
        "u.data:1: rating 7 is outside 0.5–5"
    );
    assert_eq!(
        err("u.data", "1\t2\t0\t4\n"),
        "u.data:1: rating 0 is outside 0.5–5"
    );
    assert_eq!(
        err("u.data", "1\t2\tNaN\t4\n"),
        "u.data:1: rating NaN is outside 0.5–5"
    );
    assert_eq!(err("empty.csv", ""), "empty.csv: no ratings");
    assert_eq!(
        err("h.csv", "userId,movieId,rating,timestamp\n"),
        "h.csv: no ratings"
    );
}

#[test]
fn missing_file_is_an_error_naming_it() {
    let e = Dataset::load(
        std::path::Path::new("no-such-dir/ratings.csv"),
        RatingSet::MovieLens,
    )
    .unwrap_err();
    let LoadError::Io { file, source } = &e else {
        panic!("{e}");
    };
    assert_eq!(file, "ratings.csv");
    // The cause travels with the error rather than being flattened into its text.
    assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
    assert_eq!(
        std::error::Error::source(&e).map(ToString::to_string),
        Some(source.to_string())
    );
}

#[test]
fn the_accepted_rating_set_is_a_parameter() {
    let ten_point = RatingSet::Range(Scale {
        min: 1.0,
        max: 10.0,
    });
    let d = Dataset::parse(
        "s.csv",
        b"a,x,9.5
b,x,1
",
        ten_point,
    )
    .unwrap();
    assert_eq!(
        d.ratings().scale(),
        Scale {
            min: 1.0,
            max: 10.0
        }
    );
    assert_eq!(
        Dataset::parse(
            "s.csv",
            b"a,x,9.5
",
            RatingSet::MovieLens
        )
        .unwrap_err()
        .to_string(),
        "s.csv:1: rating 9.5 is outside 0.5–5"
    );
    assert_eq!(
        Dataset::parse(
            "s.csv",
            b"a,x,0.5
",
            ten_point
        )
        .unwrap_err()
        .to_string(),
        "s.csv:1: rating 0.5 is outside 1–10"
    );
}

#[test]
fn from_records_keeps_the_last_rating_of_a_pair() {
    let d = Dataset::from_records(
        [("a", "x", 2.0), ("a", "y", 3.0), ("a", "x", 4.5)],
        Scale::MOVIELENS,
    );
    assert_eq!(d.ratings().len(), 2);
    let (items, values) = d.ratings().user_ratings(UserIdx::new(0));
    let x = d.items().get("x").unwrap();
    let pos = items.iter().position(|&i| i == x).unwrap();
    assert_eq!(values[pos], 4.5);
}

#[test]
fn align_maps_test_ids_into_training_indices() {
    let train = Dataset::parse("a", b"u1\ti1\t4\nu2\ti2\t3\n", RatingSet::MovieLens).unwrap();
    let test = Dataset::parse("b", b"u2\ti1\t5\nu3\ti9\t1\n", RatingSet::MovieLens).unwrap();
    let aligned = train.align(&test);
    let e = aligned.ratings().entries();
    assert_eq!(
        e[0],
        Rating {
            user: train.users().get("u2").unwrap(),
            item: train.items().get("i1").unwrap(),
            value: 5.0
        }
    );
    // Unknown ids get indices past the training ones.
    assert!(e[1].user.index() >= train.users().len());
    assert!(e[1].item >= ItemIdx::new(train.items().len() as u32));
}

proptest! {
    #[test]
    fn loader_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Dataset::parse("fuzz", &bytes, RatingSet::MovieLens);
    }

    #[test]
    fn loader_never_panics_on_near_valid_lines(
        lines in proptest::collection::vec("[0-9a-z:,\t .-]{0,20}", 0..20)
    ) {
        let text = lines.join("\n");
        if let Ok(d) = Dataset::parse("fuzz", text.as_bytes(), RatingSet::MovieLens) {
            prop_assert!(d.ratings().entries().iter().all(|e| d.ratings().scale().contains(e.value)));
        }
    }
}

proptest! {
    /// The builder is `from_records` on decimal ids, for records of distinct pairs in any
    /// order (grouped by user or not).
    #[test]
    fn builder_matches_from_records(
        pairs in proptest::collection::btree_map((0i64..40, -5i64..60), 1u8..=10, 0..200),
        shuffle_seed in any::<u64>(),
    ) {
        let mut records: Vec<(i64, i64, f32)> = pairs
            .into_iter()
            .map(|((u, i), r)| (u, i, f32::from(r) / 2.0))
            .collect();
        // A seeded reordering, so users' ratings are not always grouped.
        let n = records.len();
        for k in 0..n {
            let j = (shuffle_seed.wrapping_mul(k as u64 + 1) % n as u64) as usize;
            if k % 3 == 0 {
                records.swap(k, j);
            }
        }
        let mut builder = movierec_engine::DatasetBuilder::new();
        for &(u, i, r) in &records {
            builder.push(u, i, r);
        }
        prop_assert_eq!(builder.len(), records.len());
        let built = builder.build(Scale::MOVIELENS);
        let expected = Dataset::from_typed_records(records.iter().copied(), Scale::MOVIELENS);
        prop_assert_eq!(&built, &expected);
        // The typed ids are the ones the strings of a rating file would give, in order.
        let as_text = Dataset::from_records(
            records.iter().map(|&(u, i, r)| (u.to_string(), i.to_string(), r)),
            Scale::MOVIELENS,
        );
        prop_assert_eq!(built.ratings(), as_text.ratings());
        let text_ids: Vec<String> = built.items().ids().iter().map(i64::to_string).collect();
        prop_assert_eq!(text_ids.as_slice(), as_text.items().ids());
    }
}
