//! Writes synthetic data sets in the exact formats of MovieLens (ml-32m's CSV layout) and of
//! IMDb's non-commercial dumps, for benchmarks and tests: the real files may not be
//! redistributed, and IMDb's cannot be downloaded everywhere. Run by `bench/gen_datasets.sh`.
//!
//! Shapes that matter to a recommender are kept: power-law movie popularity and user activity,
//! users with a few favourite "tastes", franchises whose sequels are rated by the same people,
//! ratings averaging about 3.5 with more whole than half stars. Seeded and deterministic.
//!
//! ```sh
//! cargo run --release -p movierec --example gen_datasets -- --out DIR [--scale 0.01] \
//!     [--ratings N] [--users U] [--movies M] [--titles T] [--imdb-movies K] [--names P] \
//!     [--seed S] [--zip] [--check] [--only movielens|imdb]
//! ```
//!
//! Writes `DIR/ml-32m/{movies,links,ratings}.csv` (or `DIR/ml-32m.zip` with `--zip`) and
//! `DIR/imdb/{title.basics,title.ratings,title.crew,name.basics}.tsv.gz`. Every MovieLens movie
//! links to an IMDb `movie` row with the same title and year. `--check` reads everything back
//! with the app's importers and checks the counts and the links.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail, ensure};
use flate2::Compression;
use flate2::write::GzEncoder;
use movierec::importers::ParseError;
use movierec::importers::datasets::imdb::{
    ImdbReader, NameBasics, TitleBasics, TitleCrew, TitleRating, TitleType,
};
use movierec::importers::datasets::movielens::MovieLensSet;
use zip::write::SimpleFileOptions;

struct Args {
    out: PathBuf,
    ratings: u64,
    users: u32,
    movies: u32,
    titles: u32,
    imdb_movies: u32,
    names: u32,
    seed: u64,
    zip: bool,
    check: bool,
    movielens: bool,
    imdb: bool,
}

fn parse_args() -> anyhow::Result<Args> {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let mut scale = 1.0_f64;
    if let Some(i) = raw.iter().position(|a| a == "--scale") {
        scale = raw
            .get(i + 1)
            .and_then(|s| s.parse().ok())
            .filter(|s: &f64| *s > 0.0)
            .context("--scale needs a positive number")?;
    }
    let scaled = |n: f64| (n * scale).round().max(1.0);
    let mut args = Args {
        out: PathBuf::from("bench/.cache/datasets"),
        ratings: scaled(32_000_000.0) as u64,
        users: scaled(200_000.0) as u32,
        movies: scaled(87_000.0) as u32,
        titles: scaled(12_000_000.0) as u32,
        imdb_movies: scaled(300_000.0) as u32,
        names: scaled(3_000_000.0) as u32,
        seed: 42,
        zip: false,
        check: false,
        movielens: true,
        imdb: true,
    };
    let mut it = raw.into_iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--scale" => {
                value()?;
            }
            "--out" => args.out = PathBuf::from(value()?),
            "--ratings" => args.ratings = value()?.parse()?,
            "--users" => args.users = value()?.parse()?,
            "--movies" => args.movies = value()?.parse()?,
            "--titles" => args.titles = value()?.parse()?,
            "--imdb-movies" => args.imdb_movies = value()?.parse()?,
            "--names" => args.names = value()?.parse()?,
            "--seed" => args.seed = value()?.parse()?,
            "--only" => match value()?.as_str() {
                "movielens" => args.imdb = false,
                "imdb" => args.movielens = false,
                other => bail!("--only takes movielens or imdb, not {other}"),
            },
            "--zip" => args.zip = true,
            "--check" => args.check = true,
            other => bail!("unknown flag {other}"),
        }
    }
    ensure!(args.movies >= 10, "--movies must be at least 10");
    ensure!(
        args.users >= 1 && args.names >= 1,
        "--users and --names must be at least 1"
    );
    ensure!(
        args.imdb_movies >= args.movies,
        "--imdb-movies must be at least --movies: every MovieLens movie is an IMDb movie"
    );
    ensure!(
        args.titles >= args.imdb_movies,
        "--titles must be at least --imdb-movies"
    );
    ensure!(
        args.ratings <= u64::from(args.users) * u64::from(args.movies / 2),
        "too many ratings: a user rates at most half the movies"
    );
    Ok(args)
}

/// SplitMix64: fast, seeded, and no dependency.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Self {
        let mut rng = Rng(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F));
        rng.next();
        rng
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u = self.unit().max(1e-12);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const GENRES: [&str; 19] = [
    "Action",
    "Adventure",
    "Animation",
    "Children",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "IMAX",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
];
const ADJECTIVES: [&str; 48] = [
    "Silent",
    "Crimson",
    "Last",
    "Hidden",
    "Broken",
    "Golden",
    "Dark",
    "Wild",
    "Lost",
    "Burning",
    "Frozen",
    "Secret",
    "Iron",
    "Electric",
    "Midnight",
    "Savage",
    "Hollow",
    "Eternal",
    "Little",
    "Final",
    "Distant",
    "Velvet",
    "Bitter",
    "Shining",
    "Quiet",
    "Fallen",
    "Endless",
    "Scarlet",
    "Restless",
    "Sudden",
    "Lonely",
    "Brave",
    "Silver",
    "Deadly",
    "Gentle",
    "Wicked",
    "Northern",
    "Sweet",
    "Stolen",
    "Perfect",
    "Rising",
    "Black",
    "Blue",
    "Crooked",
    "Happy",
    "Strange",
    "Forgotten",
    "Star",
];
const NOUNS: [&str; 48] = [
    "River",
    "Empire",
    "Garden",
    "Voyage",
    "Horizon",
    "Kingdom",
    "Shadow",
    "Storm",
    "Harbor",
    "Mirror",
    "Promise",
    "Legacy",
    "Frontier",
    "Island",
    "Signal",
    "Winter",
    "Summer",
    "Machine",
    "Witness",
    "Orchard",
    "Station",
    "Circus",
    "Highway",
    "Letter",
    "Tide",
    "Dynasty",
    "Engine",
    "Lighthouse",
    "Canyon",
    "Crown",
    "Ballad",
    "Detective",
    "Heist",
    "Hunter",
    "Planet",
    "Code",
    "Journey",
    "Valley",
    "Castle",
    "Diary",
    "Sister",
    "Brother",
    "Game",
    "Night",
    "City",
    "Dream",
    "Wolf",
    "Ocean",
];
const PEOPLE: [&str; 16] = [
    "Anna", "Hugo", "Clara", "Omar", "Lena", "Victor", "Maya", "Felix", "Rosa", "Jonas", "Ines",
    "Arthur", "Nadia", "Pablo", "Greta", "Kenji",
];
const FRENCH: [(&str, &str); 6] = [
    ("Le", "Jardin secret"),
    ("La", "Nuit blanche"),
    ("Les", "Enfants du paradis"),
    ("Le", "Voyage interdit"),
    ("La", "Belle saison"),
    ("Les", "Amants perdus"),
];
const NUMERALS: [&str; 8] = ["", " II", " III", " IV", " V", " VI", " VII", " VIII"];

/// A MovieLens movie and the IMDb title it links to.
struct Movie {
    /// The English title with its article in front ("The Matrix").
    title: String,
    /// MovieLens's spelling: article moved back, original title in parentheses.
    ml_title: String,
    original: Option<String>,
    year: u16,
    genres: Vec<&'static str>,
    taste: usize,
    franchise: Option<u32>,
    /// 0 is the most popular.
    rank: u32,
    quality: f64,
    tconst: u32,
    director: u32,
}

struct Catalog {
    movies: Vec<Movie>,
    franchises: Vec<Vec<u32>>,
    tastes: usize,
    /// Cumulative popularity over all movies, and per taste: (movie indexes, cumulative).
    popularity: Vec<f64>,
    by_taste: Vec<(Vec<u32>, Vec<f64>)>,
}

fn zipf_weight(rank: u32) -> f64 {
    1.0 / (f64::from(rank) + 10.0).powf(1.05)
}

fn cumulative(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut total = 0.0;
    weights
        .map(|w| {
            total += w;
            total
        })
        .collect()
}

fn sample(cumulative: &[f64], rng: &mut Rng) -> usize {
    let total = *cumulative.last().unwrap();
    let x = rng.unit() * total;
    cumulative
        .partition_point(|c| *c <= x)
        .min(cumulative.len() - 1)
}

fn build_catalog(args: &Args) -> Catalog {
    let mut rng = Rng::new(args.seed, 1);
    let m = args.movies as usize;
    let tastes = 24.min(m / 4).max(1);
    // Popularity ranks are a shuffle, so popular films are spread over ids and years.
    let mut ranks: Vec<u32> = (0..args.movies).collect();
    for i in (1..m).rev() {
        ranks.swap(i, rng.below(i + 1));
    }
    // The IMDb movies that MovieLens links to: distinct tconsts, increasing with movieId.
    let movie_slots = imdb_movie_slots(args);
    let linked_every = args.imdb_movies as f64 / args.movies as f64;

    let mut movies = Vec::with_capacity(m);
    let mut franchises = Vec::new();
    let mut franchise_names = HashSet::new();
    while movies.len() < m {
        let idx = movies.len();
        let taste = rng.below(tastes);
        let genres = taste_genres(taste, &mut rng);
        let quality = rng.normal() * 0.45;
        let year = 1915 + (108.0 * rng.unit().sqrt()) as u16;
        let left = m - idx;
        // About one film in 12 starts a franchise of 2 to 6.
        let sequels = if left >= 2 && rng.chance(0.08) {
            2 + rng.below(5.min(left - 1))
        } else {
            1
        };
        let (base, has_article) = if sequels > 1 {
            let mut name;
            loop {
                name = format!("{} {}", rng.pick(&ADJECTIVES), rng.pick(&NOUNS));
                if franchise_names.insert(name.clone()) || franchise_names.len() > 2000 {
                    break;
                }
            }
            (name, false)
        } else {
            random_title(&mut rng)
        };
        let franchise = (sequels > 1).then_some(franchises.len() as u32);
        let mut members = Vec::new();
        let director = 1 + rng.below(args.names as usize) as u32;
        for part in 0..sequels {
            let idx = movies.len();
            let numbered = format!("{base}{}", NUMERALS[part.min(NUMERALS.len() - 1)]);
            let (title, ml_title, original) = spell(&numbered, has_article, &mut rng);
            let year = (year + 3 * part as u16).min(2023);
            let rank = if part == 0 {
                ranks[idx]
            } else {
                // A sequel is a little less popular than the film before it.
                ranks[idx]
                    .min(movies.last().map_or(0, |p: &Movie| p.rank) + 1 + rng.below(200) as u32)
            };
            members.push(idx as u32);
            movies.push(Movie {
                title,
                ml_title,
                original,
                year,
                genres: genres.clone(),
                taste,
                franchise,
                rank,
                quality: quality + rng.normal() * 0.15 - 0.1 * part as f64,
                tconst: movie_slots
                    [((idx as f64 * linked_every) as usize).min(movie_slots.len() - 1)],
                director: if rng.chance(0.7) {
                    director
                } else {
                    1 + rng.below(args.names as usize) as u32
                },
            });
        }
        if let Some(f) = franchise {
            debug_assert_eq!(f as usize, franchises.len());
            franchises.push(members);
        }
    }
    let popularity = cumulative(movies.iter().map(|m| zipf_weight(m.rank)));
    let mut by_taste: Vec<(Vec<u32>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); tastes];
    for (i, movie) in movies.iter().enumerate() {
        by_taste[movie.taste].0.push(i as u32);
    }
    for (members, cum) in &mut by_taste {
        *cum = cumulative(
            members
                .iter()
                .map(|&i| zipf_weight(movies[i as usize].rank)),
        );
    }
    Catalog {
        movies,
        franchises,
        tastes,
        popularity,
        by_taste,
    }
}

/// The tconsts of IMDb's `movie` rows: `imdb_movies` distinct numbers spread over 1..=titles.
fn imdb_movie_slots(args: &Args) -> Vec<u32> {
    let stride = args.titles / args.imdb_movies;
    let mut rng = Rng::new(args.seed, 2);
    (0..args.imdb_movies)
        .map(|k| 1 + k * stride + rng.below(stride as usize) as u32)
        .collect()
}

fn taste_genres(taste: usize, rng: &mut Rng) -> Vec<&'static str> {
    let mut genres = vec![GENRES[taste % GENRES.len()]];
    if rng.chance(0.005) {
        return Vec::new();
    }
    for _ in 0..rng.below(3) {
        let extra = GENRES[(taste * 7 + rng.below(5)) % GENRES.len()];
        if !genres.contains(&extra) {
            genres.push(extra);
        }
    }
    genres.sort_unstable();
    genres
}

/// A title, and whether it starts with "The" (which MovieLens moves to the end).
fn random_title(rng: &mut Rng) -> (String, bool) {
    let adj = rng.pick(&ADJECTIVES);
    let noun = rng.pick(&NOUNS);
    match rng.below(10) {
        0..=2 => (format!("{adj} {noun}"), false),
        3 | 4 => (format!("{noun} of the {}", rng.pick(&NOUNS)), true),
        5 => (noun.to_owned(), true),
        6 => (format!("{}'s {noun}", rng.pick(&PEOPLE)), false),
        7 => (
            format!("{noun}, {} and {}", rng.pick(&NOUNS), rng.pick(&NOUNS)),
            false,
        ),
        8 if rng.chance(0.1) => (format!("\"{adj}\" {noun}"), false),
        _ => (format!("{adj} {noun} {}", rng.pick(&NOUNS)), false),
    }
}

/// (English title, MovieLens spelling without the year, original title).
fn spell(base: &str, has_article: bool, rng: &mut Rng) -> (String, String, Option<String>) {
    let title = if has_article {
        format!("The {base}")
    } else {
        base.to_owned()
    };
    let mut ml = if has_article {
        format!("{base}, The")
    } else {
        base.to_owned()
    };
    let mut original = None;
    if rng.chance(0.03) {
        let (article, words) = FRENCH[rng.below(FRENCH.len())];
        ml = format!("{ml} ({words}, {article})");
        original = Some(format!("{article} {words}"));
    }
    (title, ml, original)
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// Writes the MovieLens files, one after the other, into whatever `open` gives.
fn write_movielens<'w>(
    args: &Args,
    catalog: &Catalog,
    open: &mut dyn FnMut(&str) -> anyhow::Result<Box<dyn Write + 'w>>,
) -> anyhow::Result<u64> {
    {
        let mut w = open("movies.csv")?;
        writeln!(w, "movieId,title,genres")?;
        for (i, m) in catalog.movies.iter().enumerate() {
            let genres = if m.genres.is_empty() {
                "(no genres listed)".to_owned()
            } else {
                m.genres.join("|")
            };
            // Now and then a space after the year, as in some of GroupLens's rows.
            let pad = if i % 997 == 0 { " " } else { "" };
            writeln!(
                w,
                "{},{},{}",
                i + 1,
                csv_field(&format!("{} ({}){pad}", m.ml_title, m.year)),
                genres
            )?;
        }
        w.flush()?;
    }
    {
        let mut w = open("links.csv")?;
        writeln!(w, "movieId,imdbId,tmdbId")?;
        for (i, m) in catalog.movies.iter().enumerate() {
            if i % 500 == 7 {
                writeln!(w, "{},{:07},", i + 1, m.tconst)?;
            } else {
                writeln!(w, "{},{:07},{}", i + 1, m.tconst, 10_000 + i * 3)?;
            }
        }
        w.flush()?;
    }
    let mut w = open("ratings.csv")?;
    writeln!(w, "userId,movieId,rating,timestamp")?;
    let written = write_ratings(args, catalog, &mut w)?;
    w.flush()?;
    Ok(written)
}

/// Ratings per user: a power law of activity (at least 20 each when there are enough), movies
/// drawn by popularity, half of them from the user's favourite tastes, and a franchise's other
/// films usually rated with it.
fn write_ratings(args: &Args, catalog: &Catalog, w: &mut dyn Write) -> anyhow::Result<u64> {
    let mut rng = Rng::new(args.seed, 3);
    let counts = user_counts(args, &mut rng);
    let m = catalog.movies.len();
    let mut seen_by = vec![u32::MAX; m];
    let mut chosen: Vec<u32> = Vec::new();
    let mut line = Vec::with_capacity(64);
    let mut written = 0_u64;
    let start = 820_454_400_f64; // 1996-01-01
    let end = 1_703_980_800_f64; // 2023-12-31
    for (user, &count) in counts.iter().enumerate() {
        let user_id = user as u32 + 1;
        let favourites = [rng.below(catalog.tastes), rng.below(catalog.tastes)];
        let bias = rng.normal() * 0.35;
        let first = start + rng.unit() * (end - start - 86_400.0);
        let span = (-rng.unit().max(1e-9).ln() * 200.0 * 86_400.0).min(end - first);
        chosen.clear();
        let mut misses = 0;
        while chosen.len() < count as usize {
            let idx = if rng.chance(0.5) {
                let (members, cum) = &catalog.by_taste[favourites[rng.below(2)]];
                if members.is_empty() {
                    sample(&catalog.popularity, &mut rng)
                } else {
                    members[sample(cum, &mut rng)] as usize
                }
            } else if misses > 30 {
                // A heavy user has seen the popular films: take any film not yet rated.
                let mut i = rng.below(m);
                while seen_by[i] == user_id {
                    i = (i + 1) % m;
                }
                i
            } else {
                sample(&catalog.popularity, &mut rng)
            };
            if seen_by[idx] == user_id {
                misses += 1;
                continue;
            }
            misses = 0;
            seen_by[idx] = user_id;
            chosen.push(idx as u32);
            if let Some(f) = catalog.movies[idx].franchise {
                for &other in &catalog.franchises[f as usize] {
                    if chosen.len() < count as usize
                        && seen_by[other as usize] != user_id
                        && rng.chance(0.8)
                    {
                        seen_by[other as usize] = user_id;
                        chosen.push(other);
                    }
                }
            }
        }
        // GroupLens sorts by user, then movie.
        chosen.sort_unstable();
        for &idx in &chosen {
            let movie = &catalog.movies[idx as usize];
            let affinity = if favourites.contains(&movie.taste) {
                0.35
            } else {
                -0.1
            };
            let value = 3.55 + bias + movie.quality + affinity + rng.normal() * 0.85;
            // More whole stars than half stars, as on MovieLens.
            let halves = if rng.chance(0.6) {
                (value.round() * 2.0) as i64
            } else {
                (value * 2.0).round() as i64
            };
            let halves = halves.clamp(1, 10);
            let release = (f64::from(movie.year) - 1970.0) * 31_557_600.0;
            let mut ts = first + rng.unit() * span;
            if ts < release {
                ts = (release + rng.unit() * 90.0 * 86_400.0).min(end);
            }
            line.clear();
            write!(
                line,
                "{user_id},{},{}.{},{}",
                idx + 1,
                halves / 2,
                if halves % 2 == 1 { 5 } else { 0 },
                ts as u64
            )?;
            line.push(b'\n');
            w.write_all(&line)?;
            written += 1;
        }
    }
    Ok(written)
}

/// How many ratings each user gives: Pareto-distributed, summing to exactly `args.ratings`,
/// none above half the catalog.
fn user_counts(args: &Args, rng: &mut Rng) -> Vec<u32> {
    let users = args.users as usize;
    let cap = u64::from(args.movies / 2);
    let floor = (args.ratings / users as u64).min(20).min(cap);
    let weights: Vec<f64> = (0..users)
        .map(|_| (1.0 - rng.unit()).powf(-1.0 / 1.3))
        .collect();
    let total_weight: f64 = weights.iter().sum();
    let extra = args.ratings - floor * users as u64;
    let mut counts: Vec<u64> = weights
        .iter()
        .map(|w| (floor + (extra as f64 * w / total_weight) as u64).min(cap))
        .collect();
    let mut left = args.ratings - counts.iter().sum::<u64>();
    while left > 0 {
        let u = rng.below(users);
        let room = cap - counts[u];
        let add = room.min(left).min(1 + left / users as u64);
        counts[u] += add;
        left -= add;
    }
    counts.into_iter().map(|c| c as u32).collect()
}

/// Buffered in front of the encoder too: it is slow to call with one short field at a time.
fn gz_writer(path: &Path) -> anyhow::Result<BufWriter<GzEncoder<BufWriter<File>>>> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    Ok(BufWriter::with_capacity(
        1 << 18,
        GzEncoder::new(BufWriter::with_capacity(1 << 20, file), Compression::fast()),
    ))
}

fn finish_gz(writer: BufWriter<GzEncoder<BufWriter<File>>>) -> anyhow::Result<()> {
    let encoder = writer.into_inner().map_err(|e| e.into_error())?;
    encoder.finish()?.flush()?;
    Ok(())
}

const IMDB_GENRES: [&str; 12] = [
    "Drama",
    "Comedy",
    "Documentary",
    "Romance",
    "Action",
    "Crime",
    "Thriller",
    "Horror",
    "Adventure",
    "Family",
    "Animation",
    "Sci-Fi",
];

fn imdb_genre(movielens: &str) -> Option<&str> {
    match movielens {
        "Children" => Some("Family"),
        "IMAX" => None,
        other => Some(other),
    }
}

/// IMDb's four files. Rows are in tconst order as in the real dumps; the MovieLens movies sit at
/// their linked tconsts with the same title and year, the other rows are other kinds of titles
/// and films MovieLens does not have.
fn write_imdb(args: &Args, catalog: &Catalog, dir: &Path) -> anyhow::Result<()> {
    let mut rng = Rng::new(args.seed, 4);
    let slots = imdb_movie_slots(args);
    let mut linked = vec![u32::MAX; slots.len()];
    let by_slot: std::collections::HashMap<u32, usize> =
        slots.iter().enumerate().map(|(k, &t)| (t, k)).collect();
    for (i, movie) in catalog.movies.iter().enumerate() {
        linked[by_slot[&movie.tconst]] = i as u32;
    }
    let mut basics = gz_writer(&dir.join("title.basics.tsv.gz"))?;
    let mut ratings = gz_writer(&dir.join("title.ratings.tsv.gz"))?;
    let mut crew = gz_writer(&dir.join("title.crew.tsv.gz"))?;
    writeln!(
        basics,
        "tconst\ttitleType\tprimaryTitle\toriginalTitle\tisAdult\tstartYear\tendYear\truntimeMinutes\tgenres"
    )?;
    writeln!(ratings, "tconst\taverageRating\tnumVotes")?;
    writeln!(crew, "tconst\tdirectors\twriters")?;
    let names = args.names as usize;
    let mut next_slot = 0;
    for tconst in 1..=args.titles {
        let is_movie = next_slot < slots.len() && slots[next_slot] == tconst;
        if is_movie {
            let k = next_slot;
            next_slot += 1;
            if linked[k] != u32::MAX {
                let m = &catalog.movies[linked[k] as usize];
                let genres: Vec<&str> = m
                    .genres
                    .iter()
                    .filter_map(|g| imdb_genre(g))
                    .take(3)
                    .collect();
                let genres = if genres.is_empty() {
                    "\\N".to_owned()
                } else {
                    genres.join(",")
                };
                writeln!(
                    basics,
                    "tt{tconst:07}\tmovie\t{}\t{}\t0\t{}\t\\N\t{}\t{genres}",
                    m.title,
                    m.original.as_deref().unwrap_or(&m.title),
                    m.year,
                    80 + rng.below(100),
                )?;
                let votes = (2.0e6 / (f64::from(m.rank) + 1.0).powf(0.85) * (0.5 + rng.unit()))
                    .max(5.0) as u64;
                let score = (6.3 + m.quality * 1.6 + rng.normal() * 0.3).clamp(1.0, 10.0);
                writeln!(ratings, "tt{tconst:07}\t{score:.1}\t{votes}")?;
                writeln!(
                    crew,
                    "tt{tconst:07}\tnm{:07}\tnm{:07}",
                    m.director,
                    1 + rng.below(names)
                )?;
            } else {
                let (title, _) = random_title(&mut rng);
                let adult = rng.chance(0.03);
                let year = 1900 + rng.below(126);
                writeln!(
                    basics,
                    "tt{tconst:07}\tmovie\t{title}\t{title}\t{}\t{year}\t\\N\t{}\t{}",
                    u8::from(adult),
                    if rng.chance(0.8) {
                        (60 + rng.below(120)).to_string()
                    } else {
                        "\\N".into()
                    },
                    rng.pick(&IMDB_GENRES),
                )?;
                if rng.chance(0.7) {
                    let votes = 5 + (-rng.unit().max(1e-9).ln() * 400.0) as u64;
                    writeln!(
                        ratings,
                        "tt{tconst:07}\t{:.1}\t{votes}",
                        1.0 + rng.unit() * 9.0
                    )?;
                }
                writeln!(crew, "tt{tconst:07}\tnm{:07}\t\\N", 1 + rng.below(names))?;
            }
        } else {
            let (kind, runtime) = match rng.below(20) {
                0..=12 => ("tvEpisode", 20 + rng.below(40)),
                13 | 14 => ("short", 1 + rng.below(30)),
                15 => ("tvSeries", 20 + rng.below(40)),
                16 => ("video", 30 + rng.below(90)),
                17 => ("tvMovie", 70 + rng.below(50)),
                18 => ("tvSpecial", 40 + rng.below(80)),
                _ => ("videoGame", 0),
            };
            let (title, _) = random_title(&mut rng);
            let year = 1950 + rng.below(76);
            let end = if kind == "tvSeries" && rng.chance(0.5) {
                (year + 1 + rng.below(10)).to_string()
            } else {
                "\\N".into()
            };
            let runtime = if runtime == 0 || rng.chance(0.3) {
                "\\N".to_owned()
            } else {
                runtime.to_string()
            };
            writeln!(
                basics,
                "tt{tconst:07}\t{kind}\t{title}\t{title}\t0\t{year}\t{end}\t{runtime}\t{}",
                rng.pick(&IMDB_GENRES)
            )?;
            if rng.chance(0.1) {
                writeln!(
                    ratings,
                    "tt{tconst:07}\t{:.1}\t{}",
                    1.0 + rng.unit() * 9.0,
                    5 + rng.below(300)
                )?;
            }
            if rng.chance(0.5) {
                writeln!(
                    crew,
                    "tt{tconst:07}\tnm{:07}\tnm{:07},nm{:07}",
                    1 + rng.below(names),
                    1 + rng.below(names),
                    1 + rng.below(names)
                )?;
            } else {
                writeln!(crew, "tt{tconst:07}\t\\N\t\\N")?;
            }
        }
    }
    finish_gz(basics)?;
    finish_gz(ratings)?;
    finish_gz(crew)?;

    let mut people = gz_writer(&dir.join("name.basics.tsv.gz"))?;
    writeln!(
        people,
        "nconst\tprimaryName\tbirthYear\tdeathYear\tprimaryProfession\tknownForTitles"
    )?;
    for nconst in 1..=names {
        let born = 1880 + rng.below(120);
        let died = if born < 1950 && rng.chance(0.7) {
            (born + 40 + rng.below(50)).to_string()
        } else {
            "\\N".into()
        };
        let known = (0..rng.below(4))
            .map(|_| format!("tt{:07}", 1 + rng.below(args.titles as usize)))
            .collect::<Vec<_>>();
        writeln!(
            people,
            "nm{nconst:07}\t{} {}{}\t{born}\t{died}\t{}\t{}",
            rng.pick(&PEOPLE),
            rng.pick(&NOUNS),
            if nconst % 1000 == 0 { " \"Jr.\"" } else { "" },
            [
                "director,writer",
                "actor",
                "actress,soundtrack",
                "producer",
                "\\N"
            ][rng.below(5)],
            if known.is_empty() {
                "\\N".to_owned()
            } else {
                known.join(",")
            },
        )?;
    }
    finish_gz(people)?;
    Ok(())
}

fn count<T>(mut records: impl Iterator<Item = Result<T, ParseError>>) -> Result<u64, ParseError> {
    records.try_fold(0, |n, record| record.map(|_| n + 1))
}

/// Reads everything back with the app's importers and checks the counts and the links.
fn check(args: &Args, catalog: &Catalog, ml_path: &Path, imdb_dir: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut linked = std::collections::HashMap::new();
    if args.movielens {
        let set = MovieLensSet::open(ml_path)?;
        let movies = set.movies()?.collect::<Result<Vec<_>, _>>()?;
        ensure!(
            movies.len() == catalog.movies.len(),
            "movies.csv has {} movies",
            movies.len()
        );
        for (movie, generated) in movies.iter().zip(&catalog.movies) {
            ensure!(
                movie.title == generated.title,
                "{} read as {}",
                generated.title,
                movie.title
            );
            ensure!(
                movie.year == Some(generated.year),
                "year of {}",
                movie.title
            );
            ensure!(
                movie.original_title == generated.original,
                "original title of {}",
                movie.title
            );
            let imdb = movie.imdb_id.context("a movie without its IMDb id")?;
            linked.insert(imdb.number(), (movie.title.clone(), generated.year));
        }
        let mut count = 0_u64;
        for rating in set.ratings()? {
            let rating = rating?;
            ensure!(rating.movie_id as usize <= movies.len() && rating.user_id <= args.users);
            count += 1;
        }
        ensure!(
            count == args.ratings,
            "ratings.csv has {count} ratings, not {}",
            args.ratings
        );
        println!(
            "check: {} movies and {count} ratings read back",
            movies.len()
        );
    }
    if args.imdb {
        let mut rows = 0_u64;
        let mut films = 0_u64;
        let mut matched = 0;
        for title in ImdbReader::<TitleBasics>::open(&imdb_dir.join("title.basics.tsv.gz"))? {
            let title = title?;
            rows += 1;
            films += u64::from(title.title_type == TitleType::Movie);
            if let Some((name, year)) = linked.get(&title.tconst.number()) {
                ensure!(
                    title.is_feature_film(),
                    "{} is linked but not a feature film",
                    title.tconst
                );
                ensure!(
                    &title.primary_title == name && title.start_year == Some(*year),
                    "{} differs",
                    title.tconst
                );
                matched += 1;
            }
        }
        ensure!(
            rows == u64::from(args.titles),
            "title.basics has {rows} rows"
        );
        ensure!(
            films == u64::from(args.imdb_movies),
            "title.basics has {films} movies"
        );
        ensure!(
            matched == linked.len(),
            "{} of {} links found in title.basics",
            matched,
            linked.len()
        );
        // Counted as they stream, so the check holds no more than an import would.
        let ratings = count(ImdbReader::<TitleRating>::open(
            &imdb_dir.join("title.ratings.tsv.gz"),
        )?)?;
        let crew = count(ImdbReader::<TitleCrew>::open(
            &imdb_dir.join("title.crew.tsv.gz"),
        )?)?;
        let names = count(ImdbReader::<NameBasics>::open(
            &imdb_dir.join("name.basics.tsv.gz"),
        )?)?;
        ensure!(crew == rows && names == u64::from(args.names));
        println!(
            "check: {rows} titles ({films} movies, {matched} linked), {ratings} rated, {names} names read back"
        );
    }
    println!("check: {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let started = Instant::now();
    let catalog = build_catalog(&args);
    println!(
        "catalog: {} movies, {} franchises ({:.1} s)",
        catalog.movies.len(),
        catalog.franchises.len(),
        started.elapsed().as_secs_f64()
    );
    let ml_path = if args.zip {
        args.out.join("ml-32m.zip")
    } else {
        args.out.join("ml-32m")
    };
    let imdb_dir = args.out.join("imdb");
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let imdb = args.imdb.then(|| {
            scope.spawn(|| -> anyhow::Result<f64> {
                let t = Instant::now();
                fs::create_dir_all(&imdb_dir)?;
                write_imdb(&args, &catalog, &imdb_dir)?;
                Ok(t.elapsed().as_secs_f64())
            })
        });
        if args.movielens {
            let t = Instant::now();
            let written = if args.zip {
                let file = BufWriter::with_capacity(1 << 20, File::create(&ml_path)?);
                let mut zip = zip::ZipWriter::new(file);
                let options = SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated)
                    .compression_level(Some(1))
                    .large_file(true);
                zip.add_directory("ml-32m/", options)?;
                let zip = std::cell::RefCell::new(zip);
                let written = write_movielens(&args, &catalog, &mut |name| {
                    zip.borrow_mut()
                        .start_file(format!("ml-32m/{name}"), options)?;
                    Ok(Box::new(BufWriter::with_capacity(
                        1 << 16,
                        ZipEntryWriter(&zip),
                    )))
                })?;
                zip.into_inner().finish()?.flush()?;
                written
            } else {
                fs::create_dir_all(&ml_path)?;
                write_movielens(&args, &catalog, &mut |name| {
                    let file = File::create(ml_path.join(name))?;
                    Ok(Box::new(BufWriter::with_capacity(1 << 20, file)))
                })?
            };
            println!(
                "movielens: {written} ratings in {} ({:.1} s)",
                ml_path.display(),
                t.elapsed().as_secs_f64()
            );
        }
        if let Some(handle) = imdb {
            let seconds = handle.join().expect("the IMDb writer panicked")?;
            println!(
                "imdb: {} titles, {} names in {} ({seconds:.1} s)",
                args.titles,
                args.names,
                imdb_dir.display()
            );
        }
        Ok(())
    })?;
    println!("total: {:.1} s", started.elapsed().as_secs_f64());
    if args.check {
        check(&args, &catalog, &ml_path, &imdb_dir)?;
    }
    Ok(())
}

/// Writes into the zip entry started last.
struct ZipEntryWriter<'a, W: Write + std::io::Seek>(&'a std::cell::RefCell<zip::ZipWriter<W>>);

impl<W: Write + std::io::Seek> Write for ZipEntryWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.borrow_mut().flush()
    }
}
