//! The catalog's titles, years, genres, IMDb figures and vote counts held in memory, with a
//! trigram index over the folded titles: everything a search needs without a query to the
//! database, so its cost does not grow with round trips and works the same on any
//! database.
//!
//! [`IndexCache`] keeps one [`SearchIndex`] per process and rebuilds it when the catalog's
//! generation number in the database has moved (see `store::movie_search`), which every
//! write to the movies, their genres or the genre names bumps, from whichever process.

use std::cell::RefCell;
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, RwLock};

use crate::store::Db;

use super::text::{normalise, padded, trigrams};
use crate::catalog::genres::{self, GENRES};
use crate::domain::SearchSort;
use crate::store;
use crate::store::movie_search::{Filters, Hit, IndexRow};

/// BM25's term-frequency saturation and length normalisation, as SQLite's FTS5 sets them:
/// the candidate step picks what the FTS5 table used to pick.
const BM25_K1: f32 = 1.2;
const BM25_B: f32 = 0.75;

type Trigram = [char; 3];

/// Genres of the vocabulary as bits: bit `i` is `GENRES[i]`. Filtering a browsing order then
/// reads one integer per film.
type GenreSet = u32;
const _: () = assert!(GENRES.len() <= GenreSet::BITS as usize);

/// The bit of a vocabulary name, spelt as in [`GENRES`].
fn genre_bit(name: &str) -> Option<GenreSet> {
    GENRES.iter().position(|g| *g == name).map(|i| 1 << i)
}

/// The vocabulary genres a stored name stands for. The database holds vocabulary names
/// (`store::catalog::canonicalise_genres` folds older ones at every connect), but an import
/// running beside a server may have written its source's own since: they count under the
/// vocabulary's names here too, so a filter never misses a film until the next start.
fn genre_set(name: &str) -> GenreSet {
    genres::canonical_all(name)
        .into_iter()
        .filter_map(genre_bit)
        .fold(0, |set, bit| set | bit)
}

/// A genre of the vocabulary and how many films of the catalog have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenreCount {
    pub name: &'static str,
    pub films: usize,
}

/// One movie of the index.
#[derive(Debug, Clone)]
struct Entry {
    id: i64,
    title: String,
    /// [`normalise`]d title, as ranking compares it.
    folded: String,
    /// The other titles, [`normalise`]d and distinct from `folded`: a query matching one
    /// finds the film as its title would.
    also: Vec<String>,
    year: Option<i64>,
    imdb_rating: Option<f64>,
    /// Shown, never ranked by: `votes` is the popularity.
    imdb_votes: Option<i64>,
    votes: Option<i64>,
    imdb_id: Option<String>,
    genres: GenreSet,
    /// The padded folded title's distinct trigrams, sorted: what ranking compares a typo
    /// with, kept so that no search works them out again.
    grams: Box<[Trigram]>,
}

impl Entry {
    /// A movie's entry, with its title analysed once: the folded title, its padded length in
    /// trigrams (BM25's document length, duplicates counted), and the distinct trigrams the
    /// candidate step looks it up by: its title's and its other titles'.
    fn new(row: IndexRow, genres: GenreSet) -> (Self, f32, Vec<Trigram>) {
        let folded = normalise(&row.title);
        let padded = padded(&folded);
        let length = padded.chars().count().saturating_sub(2) as f32;
        let grams = trigrams(&padded).into_boxed_slice();
        let mut also: Vec<String> = row
            .alternatives
            .iter()
            .map(|t| normalise(t))
            .filter(|t| !t.is_empty() && *t != folded)
            .collect();
        also.sort_unstable();
        also.dedup();
        let mut lookup = grams.to_vec();
        for other in &also {
            lookup.extend(trigrams(&super::text::padded(other)));
        }
        lookup.sort_unstable();
        lookup.dedup();
        let entry = Entry {
            id: row.id,
            title: row.title,
            folded,
            also,
            year: row.year,
            imdb_rating: row.imdb_rating,
            imdb_votes: row.imdb_votes,
            votes: row.votes,
            imdb_id: row.imdb_id,
            genres,
            grams,
        };
        (entry, length, lookup)
    }
}

/// The catalog at one generation, ready to search.
#[derive(Debug, Clone)]
pub struct SearchIndex {
    generation: i64,
    /// Mean title length in trigrams when built: BM25's length normalisation of movies
    /// added since.
    average_length: f32,
    entries: Vec<Entry>,
    /// Trigram → entries whose padded folded title contains it, with each one's BM25 score
    /// for it.
    postings: HashMap<Trigram, Posting>,
    /// Films per genre of the vocabulary, in its order.
    genre_films: [usize; GENRES.len()],
    /// Entries in each browsing order, so listing without a title never sorts the catalog.
    by_votes: Order,
    by_year: Order,
    by_rating: Order,
}

/// One browsing order, and beside each of its entries what the filters test: walking it
/// reads three arrays front to back rather than a record scattered over the catalog per
/// movie (2.5 ms a page for a genre at 90,000 films).
#[derive(Debug, Default, Clone)]
struct Order {
    docs: Vec<u32>,
    genres: Vec<GenreSet>,
    years: Vec<Option<i64>>,
}

/// The entries holding one trigram, ascending, and what the trigram adds to each one's BM25
/// score: its rarity times the entry's length normalisation, worked out when the index is
/// built, so that scoring a long list is one addition per entry.
#[derive(Debug, Default, Clone)]
struct Posting {
    docs: Vec<u32>,
    scores: Vec<f32>,
    /// The rarity the scores were worked out with, so adding a movie can rescale them.
    idf: f32,
}

/// Scores of one candidate step, kept per thread and reused: the catalog-sized array is
/// allocated once per thread rather than per search.
#[derive(Default)]
struct Scratch {
    scores: Vec<f32>,
    touched: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl SearchIndex {
    /// Builds the index from the catalog's rows (`genres` by id, `movie_genres` as
    /// (movie id, genre id) pairs). CPU-bound: tens of milliseconds per ten thousand films.
    pub fn build(
        generation: i64,
        rows: Vec<IndexRow>,
        genres: Vec<(i64, String)>,
        movie_genres: &[(i64, i64)],
    ) -> Self {
        let set_of_genre: HashMap<i64, GenreSet> = genres
            .iter()
            .map(|(id, name)| (*id, genre_set(name)))
            .collect();
        let mut genres_of: HashMap<i64, GenreSet> = HashMap::new();
        for (movie, genre) in movie_genres {
            if let Some(&set) = set_of_genre.get(genre) {
                *genres_of.entry(*movie).or_default() |= set;
            }
        }

        let mut postings: HashMap<Trigram, Posting> = HashMap::new();
        let mut total_length = 0u64;
        // Trigrams in each padded folded title, duplicates counted: BM25's document length.
        let mut lengths = Vec::with_capacity(rows.len());
        let entries: Vec<Entry> = rows
            .into_iter()
            .enumerate()
            .map(|(i, row)| {
                let genres = genres_of.remove(&row.id).unwrap_or_default();
                let (entry, length, lookup) = Entry::new(row, genres);
                total_length += length as u64;
                lengths.push(length);
                let position = u32::try_from(i).unwrap_or(u32::MAX);
                for gram in lookup {
                    postings.entry(gram).or_default().docs.push(position);
                }
                entry
            })
            .collect();
        let average_length = if entries.is_empty() {
            1.0
        } else {
            total_length as f32 / entries.len() as f32
        };
        // BM25's weight of one matching trigram in each entry, before the trigram's rarity.
        let weights: Vec<f32> = lengths
            .into_iter()
            .map(|length| {
                let norm = BM25_K1 * (1.0 - BM25_B + BM25_B * length / average_length);
                (BM25_K1 + 1.0) / (1.0 + norm)
            })
            .collect();
        let n = entries.len() as f32;
        for posting in postings.values_mut() {
            let df = posting.docs.len() as f32;
            // FTS5 floors the weight of a term in more than half the documents.
            let idf = bm25_idf(n, df);
            posting.idf = idf;
            posting.scores = posting
                .docs
                .iter()
                .map(|&doc| idf * weights[doc as usize])
                .collect();
        }

        let mut genre_films = [0; GENRES.len()];
        for entry in &entries {
            count_genres(&mut genre_films, entry.genres);
        }

        let mut index = Self {
            generation,
            average_length,
            entries,
            postings,
            genre_films,
            by_votes: Order::default(),
            by_year: Order::default(),
            by_rating: Order::default(),
        };
        index.by_votes = index.sorted(SearchSort::Votes);
        index.by_year = index.sorted(SearchSort::Year);
        index.by_rating = index.sorted(SearchSort::Rating);
        index
    }

    /// Takes in one movie added to the catalog, which is now at `generation`: its entry,
    /// its trigrams' postings (their rarity rescaled) and its place in each browsing order.
    /// Milliseconds at 100,000 films where a rebuild reloads and re-indexes them all. Other
    /// trigrams keep the rarity of the catalog they were scored in, one movie fewer: a
    /// difference in the fifth digit, gone at the next rebuild.
    pub fn insert(&mut self, generation: i64, row: IndexRow, genres: &[String]) {
        let Ok(doc) = u32::try_from(self.entries.len()) else {
            return;
        };
        let set = genres.iter().fold(0, |set, name| set | genre_set(name));
        count_genres(&mut self.genre_films, set);
        let (entry, length, grams) = Entry::new(row, set);
        self.entries.push(entry);
        let n = self.entries.len() as f32;
        let norm = BM25_K1 * (1.0 - BM25_B + BM25_B * length / self.average_length.max(1.0));
        let weight = (BM25_K1 + 1.0) / (1.0 + norm);
        for &gram in &grams {
            let posting = self.postings.entry(gram).or_default();
            let idf = bm25_idf(n, posting.docs.len() as f32 + 1.0);
            if posting.idf > 0.0 {
                let scale = idf / posting.idf;
                for score in &mut posting.scores {
                    *score *= scale;
                }
            }
            posting.idf = idf;
            posting.docs.push(doc);
            posting.scores.push(idf * weight);
        }
        for sort in [SearchSort::Votes, SearchSort::Year, SearchSort::Rating] {
            let at = {
                let order = self.order(sort);
                order
                    .docs
                    .partition_point(|&d| self.compare(sort, d, doc) == Ordering::Less)
            };
            let entry = &self.entries[doc as usize];
            let (mask, year) = (entry.genres, entry.year);
            let order = match sort {
                SearchSort::Year => &mut self.by_year,
                SearchSort::Rating => &mut self.by_rating,
                SearchSort::Relevance | SearchSort::Votes => &mut self.by_votes,
            };
            order.docs.insert(at, doc);
            order.genres.insert(at, mask);
            order.years.insert(at, year);
        }
        self.generation = generation;
    }

    fn order(&self, sort: SearchSort) -> &Order {
        match sort {
            SearchSort::Relevance | SearchSort::Votes => &self.by_votes,
            SearchSort::Year => &self.by_year,
            SearchSort::Rating => &self.by_rating,
        }
    }

    /// The catalog generation this index was built from.
    pub fn generation(&self) -> i64 {
        self.generation
    }

    /// How many movies the index holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the catalog is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The genres of the vocabulary some film has, in the vocabulary's order, with their
    /// number of films.
    pub fn genres(&self) -> Vec<GenreCount> {
        GENRES
            .iter()
            .zip(self.genre_films)
            .filter(|(_, films)| *films > 0)
            .map(|(&name, films)| GenreCount { name, films })
            .collect()
    }

    /// Up to `limit` entries passing `filters` that share trigrams with `grams`, best BM25
    /// score first (rare shared trigrams weigh most, long titles a little less), ties by
    /// catalog order.
    pub(super) fn candidates(
        &self,
        grams: &[Trigram],
        filters: &Filters,
        limit: usize,
    ) -> Vec<u32> {
        if limit == 0 {
            return Vec::new();
        }
        let matcher = self.matcher(filters);
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let Scratch { scores, touched } = &mut *scratch;
            if scores.len() < self.entries.len() {
                scores.resize(self.entries.len(), 0.0);
            }
            let postings: Vec<&Posting> =
                grams.iter().filter_map(|g| self.postings.get(g)).collect();
            // Room for every entry of every list, so that noting a newly reached entry is a
            // store and an addition rather than a branch the processor cannot predict.
            let room: usize = postings.iter().map(|p| p.docs.len()).sum();
            touched.clear();
            touched.resize(room, 0);
            let mut reached = 0;
            for posting in postings {
                for (&doc, &score) in posting.docs.iter().zip(&posting.scores) {
                    let total = &mut scores[doc as usize];
                    touched[reached] = doc;
                    // Every term adds a positive amount, so 0 still means "not reached".
                    reached += usize::from(*total == 0.0);
                    *total += score;
                }
            }
            touched.truncate(reached);
            // The `limit` best so far, worst on top: most reached entries are turned away by
            // one comparison with it, rather than all being sorted. Without filters no entry
            // is looked at: they are scattered, the scores are not.
            let all = matcher.passes_all();
            let mut best: BinaryHeap<RankKey> = BinaryHeap::with_capacity(limit + 1);
            for &doc in touched.iter() {
                let score = std::mem::take(&mut scores[doc as usize]);
                if !all && !matcher.passes(&self.entries[doc as usize]) {
                    continue;
                }
                let key = RankKey::new(score, doc);
                if best.len() < limit {
                    best.push(key);
                } else if let Some(mut worst) = best.peek_mut()
                    && key < *worst
                {
                    *worst = key;
                }
            }
            let mut keys = best.into_vec();
            keys.sort_unstable();
            keys.into_iter().map(RankKey::doc).collect()
        })
    }

    /// What ranking weighs an entry by: the folded title, the other titles, the vote count
    /// and the title's trigrams.
    pub(super) fn rank_key(&self, doc: u32) -> super::rank::Key<'_> {
        let entry = &self.entries[doc as usize];
        super::rank::Key {
            title: entry.folded.as_str(),
            also: &entry.also,
            votes: entry.votes.unwrap_or(0),
            year: entry.year,
            grams: &entry.grams,
        }
    }

    /// The entries of a title search reordered by `sort` (relevance keeps them as they are).
    pub(super) fn reorder(&self, docs: &mut [u32], sort: SearchSort) {
        if sort != SearchSort::Relevance {
            docs.sort_by(|&a, &b| self.compare(sort, a, b));
        }
    }

    /// One page (`skip`, `take`) of the movies passing `filters` in the order of `sort`
    /// (relevance: most voted), and how many pass in all.
    pub(super) fn browse(
        &self,
        filters: &Filters,
        sort: SearchSort,
        skip: usize,
        take: usize,
    ) -> (Vec<u32>, usize) {
        let order = self.order(sort);
        let matcher = self.matcher(filters);
        if matcher.passes_all() {
            let page = order.docs.iter().skip(skip).take(take).copied().collect();
            return (page, order.docs.len());
        }
        let mut page = Vec::with_capacity(take);
        let mut total = 0;
        for (i, &doc) in order.docs.iter().enumerate() {
            if matcher.passes_genre(order.genres[i]) && matcher.passes_year(order.years[i]) {
                if total >= skip && page.len() < take {
                    page.push(doc);
                }
                total += 1;
            }
        }
        (page, total)
    }

    /// What a result lists of an entry.
    pub(super) fn hit(&self, doc: u32) -> Hit {
        let entry = &self.entries[doc as usize];
        let genres: Vec<&str> = GENRES
            .iter()
            .enumerate()
            .filter(|(i, _)| entry.genres & (1 << i) != 0)
            .map(|(_, &name)| name)
            .collect();
        Hit {
            id: entry.id,
            title: entry.title.clone(),
            year: entry.year,
            genres: genres.join(", "),
            imdb_rating: entry.imdb_rating,
            imdb_votes: entry.imdb_votes,
            votes: entry.votes,
            imdb_id: entry.imdb_id.clone(),
        }
    }

    fn matcher(&self, filters: &Filters) -> Matcher {
        // A name outside the vocabulary (the request's parsing refuses one) matches nothing.
        let genre = filters
            .genre
            .as_ref()
            .map(|name| genre_bit(name).unwrap_or(0));
        Matcher {
            genre,
            year_from: filters.year_from,
            year_to: filters.year_to,
        }
    }

    fn sorted(&self, sort: SearchSort) -> Order {
        let mut docs: Vec<u32> =
            (0..u32::try_from(self.entries.len()).unwrap_or(u32::MAX)).collect();
        docs.sort_by(|&a, &b| self.compare(sort, a, b));
        let entry = |doc: &u32| &self.entries[*doc as usize];
        Order {
            genres: docs.iter().map(|doc| entry(doc).genres).collect(),
            years: docs.iter().map(|doc| entry(doc).year).collect(),
            docs,
        }
    }

    /// The order of `sort`, unknown values last, ties by title then id: the same order the
    /// browse lists have always had.
    fn compare(&self, sort: SearchSort, a: u32, b: u32) -> Ordering {
        let (x, y) = (&self.entries[a as usize], &self.entries[b as usize]);
        let votes = |e: &Entry| (e.votes.is_none(), Reverse(e.votes));
        match sort {
            SearchSort::Relevance | SearchSort::Votes => votes(x)
                .cmp(&votes(y))
                .then_with(|| x.title.cmp(&y.title))
                .then(x.id.cmp(&y.id)),
            SearchSort::Year => (x.year.is_none(), Reverse(x.year))
                .cmp(&(y.year.is_none(), Reverse(y.year)))
                .then_with(|| votes(x).cmp(&votes(y)))
                .then(x.id.cmp(&y.id)),
            SearchSort::Rating => x
                .imdb_rating
                .is_none()
                .cmp(&y.imdb_rating.is_none())
                .then_with(|| {
                    let (p, q) = (x.imdb_rating.unwrap_or(0.0), y.imdb_rating.unwrap_or(0.0));
                    q.total_cmp(&p)
                })
                .then_with(|| votes(x).cmp(&votes(y)))
                .then(x.id.cmp(&y.id)),
        }
    }
}

/// BM25's rarity of a trigram in `df` of `n` titles. FTS5 floors the weight of a term in
/// more than half the documents.
fn bm25_idf(n: f32, df: f32) -> f32 {
    ((n - df + 0.5) / (df + 0.5)).ln().max(1e-6)
}

/// A candidate's place in the BM25 order, as one integer that sorts best first: the score
/// descending (a positive `f32`'s bits order like the number), then the entry ascending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct RankKey(u64);

impl RankKey {
    fn new(score: f32, doc: u32) -> Self {
        debug_assert!(score > 0.0);
        Self((u64::from(!score.to_bits()) << 32) | u64::from(doc))
    }

    fn doc(self) -> u32 {
        // The low half is the entry.
        (self.0 & u64::from(u32::MAX)) as u32
    }
}

/// Adds a film's genres to the films per genre.
fn count_genres(films: &mut [usize; GENRES.len()], set: GenreSet) {
    for (i, films) in films.iter_mut().enumerate() {
        *films += usize::from(set & (1 << i) != 0);
    }
}

/// [`Filters`] resolved against one index.
struct Matcher {
    /// The genre's bit; `Some(0)`: a name outside the vocabulary, so nothing passes.
    genre: Option<GenreSet>,
    year_from: Option<i64>,
    year_to: Option<i64>,
}

impl Matcher {
    /// Whether no filter is set, so checking entries can be skipped.
    fn passes_all(&self) -> bool {
        self.genre.is_none() && self.year_from.is_none() && self.year_to.is_none()
    }

    fn passes(&self, entry: &Entry) -> bool {
        self.passes_genre(entry.genres) && self.passes_year(entry.year)
    }

    /// The genre filter, given the film's genres.
    fn passes_genre(&self, genres: GenreSet) -> bool {
        self.genre.is_none_or(|bit| genres & bit != 0)
    }

    fn passes_year(&self, year: Option<i64>) -> bool {
        // As in SQL, a movie without a year fails any year bound.
        self.year_from
            .is_none_or(|from| year.is_some_and(|y| y >= from))
            && self.year_to.is_none_or(|to| year.is_some_and(|y| y <= to))
    }
}

/// The process's search index, rebuilt when the catalog's generation in the database has
/// moved on. Readers take an `Arc` and keep it for the whole search.
#[derive(Debug, Default)]
pub struct IndexCache {
    current: RwLock<Option<Arc<SearchIndex>>>,
    /// One rebuild at a time: searches arriving meanwhile wait for it rather than each
    /// loading the catalog again.
    rebuilding: tokio::sync::Mutex<()>,
    generation: store::movie_search::GenerationProbe,
    /// Whole builds so far: one at start, then one per catalog change not taken in by
    /// [`IndexCache::add`].
    builds: std::sync::atomic::AtomicU64,
}

impl IndexCache {
    /// The index of the catalog as it is now: one small query when nothing changed, a
    /// rebuild when something did.
    pub async fn current(&self, pool: &Db) -> sqlx::Result<Arc<SearchIndex>> {
        let generation = self.generation.read(pool).await?;
        if let Some(index) = self.fresh(generation) {
            return Ok(index);
        }
        let _rebuilding = self.rebuilding.lock().await;
        // Another search may have rebuilt it while this one waited.
        if let Some(index) = self.fresh(generation) {
            return Ok(index);
        }
        // The number is read before the rows: a write landing in between only makes the
        // next search rebuild again, never keeps a stale index.
        let generation = store::movie_search::catalog_generation(pool).await?;
        let mut rows = store::movie_search::index_rows(pool).await?;
        let mut alternatives = store::movie_search::alternative_titles(pool)
            .await?
            .into_iter()
            .peekable();
        // Both by movie id: one merge pass.
        for row in &mut rows {
            while let Some((id, _)) = alternatives.peek()
                && *id <= row.id
            {
                if let Some((id, title)) = alternatives.next()
                    && id == row.id
                {
                    row.alternatives.push(title);
                }
            }
        }
        let genres = store::movie_search::genre_names(pool).await?;
        let pairs = store::movie_search::movie_genre_pairs(pool).await?;
        let index = tokio::task::spawn_blocking(move || {
            SearchIndex::build(generation, rows, genres, &pairs)
        })
        .await
        .map_err(|e| sqlx::Error::Io(std::io::Error::other(e)))?;
        tracing::info!(movies = index.len(), generation, "search index built");
        self.builds
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let index = Arc::new(index);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::clone(&index));
        Ok(index)
    }

    /// Takes in a movie just added when the index is the catalog as it was before it; an
    /// index older than that (or none yet) is left for the next search to rebuild.
    pub async fn add(&self, added: store::details::AddedMovie) {
        let _rebuilding = self.rebuilding.lock().await;
        let taken = {
            let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
            match current.as_ref() {
                Some(index) if index.generation == added.before => current.take(),
                _ => None,
            }
        };
        // Searches arriving meanwhile wait on the rebuild lock, then find the new index.
        let Some(index) = taken else {
            return;
        };
        let extended = tokio::task::spawn_blocking(move || {
            // Searches still holding the old index keep it; otherwise it is reused as is.
            let mut index = Arc::try_unwrap(index).unwrap_or_else(|shared| (*shared).clone());
            index.insert(added.after, added.row, &added.genres);
            index
        })
        .await;
        // A panic leaves no index: the next search rebuilds one.
        if let Ok(index) = extended {
            *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(index));
        }
    }

    /// Whole builds of the index so far.
    pub fn builds(&self) -> u64 {
        self.builds.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn fresh(&self, generation: i64) -> Option<Arc<SearchIndex>> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .filter(|index| index.generation >= generation)
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::super::text::index_trigrams;
    use super::*;

    fn row(id: i64, title: &str, year: i64, votes: i64) -> IndexRow {
        IndexRow {
            id,
            title: title.to_owned(),
            year: Some(year),
            imdb_rating: Some(7.0),
            imdb_votes: Some(votes),
            votes: Some(votes),
            imdb_id: None,
            alternatives: Vec::new(),
        }
    }

    fn index() -> SearchIndex {
        SearchIndex::build(
            7,
            vec![
                row(1, "Dune", 1984, 150_000),
                row(2, "Dune: Part Two", 2024, 600_000),
                row(3, "Heat", 1995, 700_000),
                row(4, "Dunkirk", 2017, 700_000),
            ],
            vec![
                (10, "Sci-Fi".into()),
                (11, "Crime".into()),
                (12, "Opera".into()),
                (13, "Western".into()),
            ],
            &[(1, 10), (2, 10), (3, 11)],
        )
    }

    #[test]
    fn candidates_share_trigrams_and_respect_filters() {
        let index = index();
        let grams = index_trigrams("dune");
        let found: Vec<i64> = index
            .candidates(&grams, &Filters::default(), 10)
            .into_iter()
            .map(|d| index.entries[d as usize].id)
            .collect();
        assert!(found.contains(&1) && found.contains(&2), "{found:?}");
        assert!(!found.contains(&3), "{found:?}");
        // The whole title matches better than the longer one sharing the same trigrams.
        assert_eq!(found[0], 1);

        let recent = Filters {
            year_from: Some(2000),
            ..Filters::default()
        };
        let found = index.candidates(&grams, &recent, 10);
        assert!(found.iter().all(|&d| index.entries[d as usize].id != 1));
        assert_eq!(index.candidates(&grams, &Filters::default(), 1).len(), 1);
    }

    #[test]
    fn a_movie_taken_in_is_found_browsed_and_filtered_like_after_a_rebuild() {
        let mut index = index();
        let added = IndexRow {
            imdb_rating: Some(8.0),
            ..row(5, "Dune Messiah", 2026, 650_000)
        };
        index.insert(9, added.clone(), &["Sci-Fi".into(), "War".into()]);
        let mut rows: Vec<IndexRow> = (1..=4)
            .map(|id| self::index().entries[id - 1].clone())
            .map(|e| IndexRow {
                id: e.id,
                title: e.title,
                year: e.year,
                imdb_rating: e.imdb_rating,
                imdb_votes: e.imdb_votes,
                votes: e.votes,
                imdb_id: e.imdb_id,
                alternatives: Vec::new(),
            })
            .collect();
        rows.push(added);
        let rebuilt = SearchIndex::build(
            9,
            rows,
            vec![
                (10, "Sci-Fi".into()),
                (11, "Crime".into()),
                (12, "Opera".into()),
                (13, "War".into()),
            ],
            &[(1, 10), (2, 10), (3, 11), (5, 10), (5, 13)],
        );
        assert_eq!(index.generation(), 9);
        assert_eq!(index.genres(), rebuilt.genres());
        let ids = |ix: &SearchIndex, docs: Vec<u32>| -> Vec<i64> {
            docs.into_iter()
                .map(|d| ix.entries[d as usize].id)
                .collect()
        };
        let grams = index_trigrams("dune messiah");
        let found = ids(&index, index.candidates(&grams, &Filters::default(), 10));
        assert_eq!(found[0], 5, "{found:?}");
        assert_eq!(
            found,
            ids(
                &rebuilt,
                rebuilt.candidates(&grams, &Filters::default(), 10)
            )
        );
        let war = Filters {
            genre: Some("War".into()),
            ..Filters::default()
        };
        for sort in [SearchSort::Votes, SearchSort::Year, SearchSort::Rating] {
            for filters in [Filters::default(), war.clone()] {
                let (page, total) = index.browse(&filters, sort, 0, 10);
                let (want, want_total) = rebuilt.browse(&filters, sort, 0, 10);
                assert_eq!(total, want_total);
                assert_eq!(
                    ids(&index, page),
                    ids(&rebuilt, want),
                    "{sort:?} {filters:?}"
                );
            }
        }
        assert_eq!(index.hit(4).genres, "Sci-Fi, War");
    }

    #[tokio::test]
    async fn a_film_added_from_a_provider_joins_the_index_without_a_rebuild() {
        let (_dir, pool) = crate::store::test_db::with_movies(30).await;
        let cache = IndexCache::default();
        assert_eq!(cache.current(&pool).await.unwrap().len(), 30);
        assert_eq!(cache.builds(), 1);
        let movie = store::details::ProviderMovie {
            title: "Zyzzogeton".into(),
            year: Some(1994),
            tmdb_id: Some(77),
            genres: vec!["Drama".into(), "Science Fiction".into()],
            search_title: "zyzzogeton".into(),
            ..Default::default()
        };
        let added = store::details::add_movie(&pool, &movie).await.unwrap();
        cache.add(added.new.expect("a new movie")).await;
        let index = cache.current(&pool).await.unwrap();
        assert_eq!(cache.builds(), 1, "taken in, not rebuilt");
        assert_eq!(index.len(), 31);
        let found = index.candidates(&index_trigrams("zyzzogeton"), &Filters::default(), 1);
        assert_eq!(index.hit(found[0]).id, added.id);
        let sci_fi = GenreCount {
            name: "Sci-Fi",
            films: 1,
        };
        assert!(index.genres().contains(&sci_fi), "{:?}", index.genres());
        // Another change to the catalog, not taken in, is still seen by a rebuild.
        sqlx::query("UPDATE movies SET title = 'Renamed' WHERE id = 1")
            .execute(&pool)
            .await
            .unwrap();
        store::movie_search::note_catalog_write();
        let index = cache.current(&pool).await.unwrap();
        assert_eq!(cache.builds(), 2);
        assert_eq!(index.len(), 31);
    }

    #[test]
    fn the_scratch_space_is_left_clean_between_searches() {
        let index = index();
        let dune = index.candidates(&index_trigrams("dune"), &Filters::default(), 10);
        let heat = index.candidates(&index_trigrams("heat"), &Filters::default(), 10);
        let again = index.candidates(&index_trigrams("dune"), &Filters::default(), 10);
        assert_eq!(dune, again);
        assert_eq!(heat.len(), 1);
    }

    #[test]
    fn browsing_pages_through_the_order_and_counts_every_match() {
        let index = index();
        let scifi = Filters {
            genre: Some("Sci-Fi".into()),
            ..Filters::default()
        };
        let (page, total) = index.browse(&scifi, SearchSort::Year, 0, 1);
        assert_eq!(total, 2);
        assert_eq!(index.hit(page[0]).title, "Dune: Part Two");
        let (page, _) = index.browse(&scifi, SearchSort::Year, 1, 1);
        assert_eq!(index.hit(page[0]).title, "Dune");
        // Equal votes: by title.
        let (page, total) = index.browse(&Filters::default(), SearchSort::Votes, 0, 2);
        assert_eq!(total, 4);
        assert_eq!(index.hit(page[0]).title, "Dunkirk");
        assert_eq!(index.hit(page[1]).title, "Heat");
    }

    /// What browsing must list: every entry passing the filters, in the order's sequence.
    fn browse_by_entries(index: &SearchIndex, filters: &Filters, sort: SearchSort) -> Vec<u32> {
        let matcher = index.matcher(filters);
        let mut docs: Vec<u32> = (0..index.len() as u32).collect();
        docs.sort_by(|&a, &b| index.compare(sort, a, b));
        docs.retain(|&d| matcher.passes(&index.entries[d as usize]));
        docs
    }

    #[test]
    fn browsing_lists_what_the_filters_pass_with_every_genre() {
        // The vocabulary and three older names: one standing for a genre, one for two, one
        // for none.
        let mut genres: Vec<(i64, String)> = GENRES
            .iter()
            .enumerate()
            .map(|(i, g)| (i as i64, (*g).to_owned()))
            .collect();
        genres.extend([
            (100, "Science Fiction".to_owned()),
            (101, "Romantic Comedy".to_owned()),
            (102, "IMAX".to_owned()),
        ]);
        let rows: Vec<IndexRow> = (1..=40)
            .map(|id| IndexRow {
                year: (id % 7 != 0).then_some(1980 + id),
                ..row(id, &format!("Film {id}"), 0, id * 37 % 11)
            })
            .collect();
        let pairs: Vec<(i64, i64)> = (1..=40_i64)
            .flat_map(|id| [(id, id % 22), (id, (id * 13) % 22), (id, 100 + id % 3)])
            .collect();
        let index = SearchIndex::build(1, rows, genres, &pairs);
        let sorts = [SearchSort::Votes, SearchSort::Year, SearchSort::Rating];
        let genre_filters = [
            None,
            Some("Action"),
            Some("Comedy"),
            Some("Sci-Fi"),
            Some("Western"),
            Some("Opera"),
        ];
        for sort in sorts {
            for genre in genre_filters {
                for (year_from, year_to) in [(None, None), (Some(1990), None), (None, Some(2000))] {
                    let filters = Filters {
                        genre: genre.map(str::to_owned),
                        year_from,
                        year_to,
                    };
                    let expected = browse_by_entries(&index, &filters, sort);
                    for (skip, take) in [(0, 5), (3, 4), (0, 100)] {
                        let (page, total) = index.browse(&filters, sort, skip, take);
                        assert_eq!(total, expected.len(), "{filters:?} {sort:?}");
                        let want: Vec<u32> =
                            expected.iter().skip(skip).take(take).copied().collect();
                        assert_eq!(page, want, "{filters:?} {sort:?} {skip} {take}");
                    }
                }
            }
        }
    }

    #[test]
    fn only_vocabulary_genres_in_use_are_offered_with_their_films() {
        let index = index();
        let offered = index.genres();
        assert_eq!(
            offered,
            [
                GenreCount {
                    name: "Crime",
                    films: 1
                },
                GenreCount {
                    name: "Sci-Fi",
                    films: 2
                },
            ]
        );
        for genre in ["Opera", "Western"] {
            let filters = Filters {
                genre: Some(genre.into()),
                ..Filters::default()
            };
            assert_eq!(index.browse(&filters, SearchSort::Votes, 0, 20).1, 0);
        }
        assert_eq!(index.hit(0).genres, "Sci-Fi");
        assert_eq!(index.hit(3).genres, "");
    }

    #[test]
    fn older_genre_names_count_and_filter_under_the_vocabulary() {
        let index = SearchIndex::build(
            1,
            vec![
                row(1, "Alien", 1979, 900_000),
                row(2, "Annie Hall", 1977, 300_000),
                row(3, "Fantasia", 1940, 100_000),
            ],
            vec![
                (1, "Science Fiction".into()),
                (2, "Romantic Comedy".into()),
                (3, "Comedy".into()),
                (4, "IMAX".into()),
                (5, "Children".into()),
            ],
            &[(1, 1), (1, 4), (2, 2), (2, 3), (3, 5)],
        );
        let names: Vec<(&str, usize)> = index.genres().iter().map(|g| (g.name, g.films)).collect();
        assert_eq!(
            names,
            [("Comedy", 1), ("Family", 1), ("Romance", 1), ("Sci-Fi", 1)]
        );
        let found = |genre: &str| {
            let filters = Filters {
                genre: Some(genre.into()),
                ..Filters::default()
            };
            let (page, _) = index.browse(&filters, SearchSort::Votes, 0, 10);
            page.into_iter()
                .map(|d| index.hit(d).title)
                .collect::<Vec<_>>()
        };
        assert_eq!(found("Sci-Fi"), ["Alien"]);
        assert_eq!(found("Romance"), ["Annie Hall"]);
        assert_eq!(found("Family"), ["Fantasia"]);
        assert_eq!(index.hit(0).genres, "Sci-Fi");
        assert_eq!(index.hit(1).genres, "Comedy, Romance");
    }

    #[test]
    fn most_votes_orders_by_the_one_count_not_by_imdb_s() {
        let index = SearchIndex::build(
            1,
            vec![
                // A MovieLens film: no IMDb figures, many community raters.
                IndexRow {
                    imdb_rating: None,
                    imdb_votes: None,
                    votes: Some(50_000),
                    ..row(1, "Community Favourite", 2001, 0)
                },
                row(2, "Imdb Known", 2002, 20_000),
                IndexRow {
                    votes: None,
                    imdb_votes: None,
                    ..row(3, "Never Counted", 2003, 0)
                },
            ],
            Vec::new(),
            &[],
        );
        let (page, _) = index.browse(&Filters::default(), SearchSort::Votes, 0, 10);
        let titles: Vec<String> = page.into_iter().map(|d| index.hit(d).title).collect();
        assert_eq!(
            titles,
            ["Community Favourite", "Imdb Known", "Never Counted"]
        );
        assert_eq!(index.hit(0).votes, Some(50_000));
        assert_eq!(index.hit(0).imdb_votes, None, "IMDb's count stays IMDb's");
    }
}
