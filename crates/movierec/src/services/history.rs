//! A viewer's history brought in from another service, and their own exported.
//!
//! # Import
//! 1. **Read** the upload ([`crate::importers::history`]): the format is detected; a
//!    malformed row stops everything with its file and line.
//! 2. **Match** each row to a movie: by IMDb id, then TMDB id, then a title the viewer
//!    matched by hand before, then by title and year. Titles are compared in the search
//!    one form ([`titles::key`]), the row's title and its
//!    original title both tried, and the year may differ by one. No candidate, or several
//!    equally good, leaves the row *unmatched*: never a guess. A movie with another IMDb id
//!    than the row's is never a candidate.
//! 3. **Plan** against what the viewer has: per movie, the file's latest rating, else a seen
//!    mark, and the watchlist. A rating that differs from the viewer's is a *conflict*,
//!    settled by the [`ConflictChoice`].
//! 4. **Preview** the counts, or **apply** every change in one transaction. Unchanged rows
//!    write nothing, so importing the same file again changes nothing.
//!
//! The applied import's report (counts, unmatched rows) is kept, so unmatched rows can be
//! matched by hand later ([`match_row`]); the match is remembered for the next import.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use crate::store::{Db, DbConn};
use serde::{Deserialize, Serialize};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::domain::{ImdbId, Stars, UserId};
use crate::importers::ParseError;
use crate::importers::history::movierec_export::ExportEntry;
use crate::importers::history::{self as reader, Entry, History, HistoryRecord};
use crate::importers::titles::{self, YEAR_TOLERANCE};
use crate::search::index::IndexCache;
use crate::search::{SearchParams, SearchRequest, text};
use crate::store::history as store;
use crate::store::movie_search::Hit;

/// How many movies containing a title are looked at for an exact one.
const TITLE_CANDIDATES: i64 = 50;

/// The longest phrase sent to the title index: a longer key is looked up by its first
/// words, as no catalog title is longer; candidates are still compared by the whole key.
const MAX_PHRASE_CHARS: usize = 200;

/// The most unmatched rows and conflicts a report lists; its counts say how many there are.
pub const MAX_REPORT_ROWS: usize = 1_000;

/// Applied uploads whose reports a user keeps; older ones go as new ones come.
pub const MAX_KEPT_REPORTS: i64 = 20;

/// What to do when the file rates a movie differently from the viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictChoice {
    /// Keep the rating given here.
    #[default]
    KeepMine,
    /// Take the file's rating.
    TakeTheirs,
    /// Take whichever was given last; the file's rating needs a date to win.
    Newest,
}

impl ConflictChoice {
    pub const ALL: [ConflictChoice; 3] = [Self::KeepMine, Self::TakeTheirs, Self::Newest];

    pub fn parse(key: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|c| c.key() == key.trim())
            .ok_or_else(|| "Choose keep_mine, take_theirs or newest.".to_owned())
    }

    pub fn key(self) -> &'static str {
        match self {
            Self::KeepMine => "keep_mine",
            Self::TakeTheirs => "take_theirs",
            Self::Newest => "newest",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::KeepMine => "Keep mine",
            Self::TakeTheirs => "Take theirs",
            Self::Newest => "Newest",
        }
    }

    /// Whether the file's rating wins a conflict; `newer`: it is dated after the viewer's.
    pub fn takes_theirs(self, newer: bool) -> bool {
        match self {
            Self::KeepMine => false,
            Self::TakeTheirs => true,
            Self::Newest => newer,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The upload is not a history this site reads; nothing was changed.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// No such upload or row for this user.
    #[error("{0}")]
    NotFound(String),
    /// A request that cannot be done, such as applying an upload twice.
    #[error("{0}")]
    Invalid(String),
    /// Every parsing slot stayed busy; nothing was read.
    #[error("the server is reading other uploads; try again in a few seconds")]
    Busy,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// What an import finds or did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Films read from the file (series, episodes and extras aside).
    pub rows: u64,
    /// Rows left out on purpose: series, episodes, trailers.
    pub skipped: u64,
    pub matched_by_imdb: u64,
    pub matched_by_tmdb: u64,
    pub matched_by_hand: u64,
    pub matched_by_title: u64,
    /// Ratings of movies the viewer had not rated.
    pub new: u64,
    /// Ratings that replace the viewer's (conflicts settled for the file).
    pub changed: u64,
    /// Movies for which the file says nothing new.
    pub unchanged: u64,
    /// New seen marks.
    pub seen: u64,
    /// Movies new on the watchlist.
    pub watchlist: u64,
    /// Distinct unmatched rows.
    pub unmatched: u64,
    /// Ratings that differ between the file and this site.
    pub conflicts: u64,
    /// Of the conflicts, those whose file rating is dated after the viewer's: what "Newest"
    /// takes, so a preview can say what each choice would do.
    #[serde(default)]
    pub newer_conflicts: u64,
    /// Distinct matched rows (a movie and the list it goes to), as [`Report::matched`]
    /// lists them.
    #[serde(default)]
    pub matched: u64,
}

impl Counts {
    /// Takes what comparing with the viewer's own rows decided, keeping what reading and
    /// matching the file counted.
    fn take_decided(&mut self, decided: &Counts) {
        self.new = decided.new;
        self.changed = decided.changed;
        self.unchanged = decided.unchanged;
        self.seen = decided.seen;
        self.watchlist = decided.watchlist;
        self.conflicts = decided.conflicts;
        self.newer_conflicts = decided.newer_conflicts;
    }

    /// Adds what a later step (a hand match) decided.
    fn add_decided(&mut self, decided: &Counts) {
        self.new += decided.new;
        self.changed += decided.changed;
        self.unchanged += decided.unchanged;
        self.seen += decided.seen;
        self.watchlist += decided.watchlist;
        self.conflicts += decided.conflicts;
        self.newer_conflicts += decided.newer_conflicts;
    }
}

/// A row a movie was found for: the file's title and year, and the movie.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchedTitle {
    pub title: String,
    pub year: Option<u16>,
    pub movie_id: i64,
    /// How it was found: `imdb`, `tmdb`, `hand` or `title`.
    pub by: String,
    /// The list it goes to and its stars.
    #[serde(flatten)]
    pub entry: Entry,
}

/// A row no movie was found for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnmatchedRow {
    pub file: String,
    pub line: u64,
    pub title: String,
    pub year: Option<u16>,
    /// The list it came from and its stars.
    #[serde(flatten)]
    pub entry: Entry,
    /// Seconds since 1970.
    pub date: Option<i64>,
    /// Several movies fitted equally well.
    pub ambiguous: bool,
    /// The movie it was matched to by hand, once it is.
    pub matched_movie: Option<i64>,
}

/// A rating that differs between the file and this site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictRow {
    pub movie_id: i64,
    pub mine: f64,
    pub theirs: f64,
    /// Whether the file's rating is (or would be) taken.
    pub taken: bool,
    /// Whether the file's rating is dated after the viewer's.
    #[serde(default)]
    pub newer: bool,
}

/// The outcome of a preview or an import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The kept upload or applied import, for the pages' next step.
    pub id: Option<i64>,
    pub file_name: String,
    /// [`reader::Format::key`].
    pub format: String,
    pub format_label: String,
    pub conflict_choice: ConflictChoice,
    /// Whether the changes were made (not a preview).
    pub applied: bool,
    pub counts: Counts,
    /// The first [`MAX_REPORT_ROWS`] matched rows, one per movie and list.
    #[serde(default)]
    pub matched: Vec<MatchedTitle>,
    pub unmatched: Vec<UnmatchedRow>,
    pub conflicts: Vec<ConflictRow>,
}

impl Report {
    /// A preview as applying it with `choice` would go: which conflicts the file wins and
    /// how many ratings change. An applied report stays as it was applied.
    pub fn with_choice(mut self, choice: ConflictChoice) -> Self {
        if self.applied {
            return self;
        }
        self.conflict_choice = choice;
        for c in &mut self.conflicts {
            c.taken = choice.takes_theirs(c.newer);
        }
        self.counts.changed = self.changed_if(choice);
        self
    }

    /// How many ratings a preview's conflicts change when applied with `choice`.
    pub fn changed_if(&self, choice: ConflictChoice) -> u64 {
        match choice {
            ConflictChoice::KeepMine => 0,
            ConflictChoice::TakeTheirs => self.counts.conflicts,
            ConflictChoice::Newest => self.counts.newer_conflicts,
        }
    }
}

/// Uploads read and matched at once, each holding a whole file's records: a burst of
/// uploads waits its turn instead of taking the server's memory.
pub struct HistoryParsing {
    slots: Semaphore,
    max_wait: Duration,
}

impl HistoryParsing {
    pub fn new(concurrent: usize, max_wait: Duration) -> Self {
        Self {
            slots: Semaphore::new(concurrent.max(1)),
            max_wait,
        }
    }

    /// Two at once at most, one on a single core; a request waits five seconds for its turn.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::new(cores.clamp(1, 2), Duration::from_secs(5))
    }

    async fn slot(&self) -> Result<SemaphorePermit<'_>, HistoryError> {
        tokio::time::timeout(self.max_wait, self.slots.acquire())
            .await
            .map_err(|_| HistoryError::Busy)?
            .map_err(|_| HistoryError::Busy)
    }
}

/// Reads an upload on a blocking thread: a zip may take a moment to unpack.
pub async fn read(name: &str, bytes: Vec<u8>) -> Result<History, HistoryError> {
    let name = name.to_owned();
    tokio::task::spawn_blocking(move || reader::read_history(&name, &bytes))
        .await
        .map_err(|e| HistoryError::Invalid(format!("the file could not be read ({e})")))?
        .map_err(HistoryError::from)
}

/// Reads and matches an upload, holding a parsing slot; no write transaction is open
/// meanwhile, so matching a long file never keeps other writers waiting.
async fn prepare(
    parsing: &HistoryParsing,
    pool: &Db,
    user_id: UserId,
    name: &str,
    bytes: Vec<u8>,
    choice: ConflictChoice,
) -> Result<Plan, HistoryError> {
    let _slot = parsing.slot().await?;
    let history = read(name, bytes).await?;
    let mut conn = pool.acquire().await?;
    plan(&mut conn, user_id, name, &history, choice).await
}

/// What importing the file would do; changes nothing.
#[tracing::instrument(skip_all, fields(user = user_id.get(), bytes = bytes.len()))]
pub async fn preview(
    parsing: &HistoryParsing,
    pool: &Db,
    user_id: UserId,
    name: &str,
    bytes: Vec<u8>,
    choice: ConflictChoice,
) -> Result<Report, HistoryError> {
    Ok(prepare(parsing, pool, user_id, name, bytes, choice)
        .await?
        .report)
}

/// Imports the file and keeps its report: matched first, then written in one transaction.
#[tracing::instrument(skip_all, fields(user = user_id.get(), bytes = bytes.len()))]
pub async fn import(
    parsing: &HistoryParsing,
    pool: &Db,
    user_id: UserId,
    name: &str,
    bytes: Vec<u8>,
    choice: ConflictChoice,
) -> Result<Report, HistoryError> {
    let plan = prepare(parsing, pool, user_id, name, bytes, choice).await?;
    let mut tx = crate::store::begin_write(pool).await?;
    let id = store::insert_applied(&mut tx, user_id, name, choice.key()).await?;
    let report = apply_plan(&mut tx, user_id, id, plan.report, &plan.matched, choice).await?;
    tx.commit().await?;
    Ok(report)
}

/// What a media server's account did to the films of its library (a history pull), imported
/// as an upload is: matched, compared with what the viewer has (their own ratings kept),
/// written in one transaction with its report. A pull that changes nothing keeps no report,
/// unless `report_anyway` (the first pull: its unmatched films are listed for a hand match).
#[tracing::instrument(skip_all, fields(user = user_id.get(), rows = history.records.len()))]
pub(crate) async fn import_pulled(
    pool: &Db,
    user_id: UserId,
    name: &str,
    history: &History,
    report_anyway: bool,
) -> Result<Option<Report>, HistoryError> {
    let choice = ConflictChoice::KeepMine;
    let mut conn = pool.acquire().await?;
    let plan = plan(&mut conn, user_id, name, history, choice).await?;
    drop(conn);
    let counts = &plan.report.counts;
    let changes = counts.new + counts.changed + counts.seen + counts.watchlist;
    if changes == 0 && !(report_anyway && counts.unmatched > 0) {
        return Ok(None);
    }
    let mut tx = crate::store::begin_write(pool).await?;
    let id = store::insert_applied(&mut tx, user_id, name, choice.key()).await?;
    let report = apply_plan(&mut tx, user_id, id, plan.report, &plan.matched, choice).await?;
    tx.commit().await?;
    Ok(Some(report))
}

/// Previews the file and keeps its plan for [`apply_kept`]: the pages' two steps. The file
/// itself is not kept; viewing and applying use the plan.
#[tracing::instrument(skip_all, fields(user = user_id.get(), bytes = bytes.len()))]
pub async fn keep_for_preview(
    parsing: &HistoryParsing,
    pool: &Db,
    user_id: UserId,
    name: &str,
    bytes: Vec<u8>,
    choice: ConflictChoice,
) -> Result<Report, HistoryError> {
    let plan = prepare(parsing, pool, user_id, name, bytes, choice).await?;
    let matched: Vec<MatchedRow> = plan.matched.iter().map(MatchedRow::from).collect();
    let mut report = plan.report;
    report.id = Some(
        store::save_upload(
            pool,
            user_id,
            name,
            choice.key(),
            &to_json(&report),
            &to_json(&matched),
        )
        .await?,
    );
    Ok(report)
}

/// Applies an upload kept by [`keep_for_preview`], once: of concurrent applies one goes
/// on and the others are refused; an upload replaced by a newer one is gone.
#[tracing::instrument(skip_all, fields(user = user_id.get(), upload = id))]
pub async fn apply_kept(
    pool: &Db,
    user_id: UserId,
    id: i64,
    choice: ConflictChoice,
) -> Result<Report, HistoryError> {
    let upload = store::upload(pool, user_id, id)
        .await?
        .ok_or_else(no_such_import)?;
    let (None, Some(report), Some(plan)) = (upload.applied_at, upload.report, upload.plan) else {
        return Err(applied_already());
    };
    let mut report: Report = from_json(&report)?;
    let mut matched: Vec<Matched> = from_json::<Vec<MatchedRow>>(&plan)?
        .into_iter()
        .map(MatchedRow::matched)
        .collect();
    let mut tx = crate::store::begin_write(pool).await?;
    if !store::claim_upload(&mut tx, user_id, id).await? {
        return Err(applied_already());
    }
    // A film merged into another since the preview: its rows go to the film kept.
    let ids: Vec<i64> = matched.iter().map(|m| m.movie).collect();
    let moved = crate::store::merge::redirects_of(&mut tx, &ids).await?;
    for m in &mut matched {
        if let Some(&to) = moved.get(&m.movie) {
            m.movie = to;
        }
    }
    for m in &mut report.matched {
        if let Some(&to) = moved.get(&m.movie_id) {
            m.movie_id = to;
        }
    }
    let report = apply_plan(&mut tx, user_id, id, report, &matched, choice).await?;
    tx.commit().await?;
    Ok(report)
}

fn no_such_import() -> HistoryError {
    HistoryError::NotFound(
        "There is no such import; a newer upload replaces a preview not applied.".into(),
    )
}

fn applied_already() -> HistoryError {
    HistoryError::Invalid("This import was applied already.".into())
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn from_json<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, HistoryError> {
    serde_json::from_str(json)
        .map_err(|e| HistoryError::Invalid(format!("the report cannot be read ({e})")))
}

/// The report of an applied import, or the stored preview of a kept one.
pub async fn report(pool: &Db, user_id: UserId, id: i64) -> Result<Report, HistoryError> {
    let upload = store::upload(pool, user_id, id)
        .await?
        .ok_or_else(no_such_import)?;
    let mut report: Report = from_json(upload.report.as_deref().ok_or_else(no_such_import)?)?;
    report.id = Some(id);
    Ok(report)
}

/// How many candidates a hand match offers.
const MAX_CANDIDATES: usize = 20;

/// A report as its page shows it.
#[derive(Debug, Clone)]
pub struct ReportView {
    pub report: Report,
    /// Title and year of each movie the report names, by id.
    pub movies: HashMap<i64, store::TitledMovie>,
    /// The unmatched row being matched by hand, and the films offered for it.
    pub row: Option<usize>,
    pub candidates: Vec<Hit>,
    /// Why the search for candidates was refused.
    pub search_error: Option<String>,
}

/// An import's report for its page: a preview as `choice` would apply it, the movies it
/// names, and for unmatched row `row` the films it may be, found by `q` (the row's title
/// unless given) and ranked by title and year ([`rank_candidates`]).
pub async fn report_view(
    pool: &Db,
    search: &IndexCache,
    user_id: UserId,
    id: i64,
    choice: Option<ConflictChoice>,
    row: Option<usize>,
    q: Option<&str>,
) -> Result<ReportView, HistoryError> {
    let mut report = report(pool, user_id, id).await?;
    if let Some(choice) = choice {
        report = report.with_choice(choice);
    }
    let mut ids: Vec<i64> = report.conflicts.iter().map(|c| c.movie_id).collect();
    ids.extend(report.matched.iter().map(|m| m.movie_id));
    ids.extend(report.unmatched.iter().filter_map(|r| r.matched_movie));
    ids.sort_unstable();
    ids.dedup();
    let movies = store::titles_of(pool, &ids)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let row = row.filter(|&r| r < report.unmatched.len());
    let mut candidates = Vec::new();
    let mut search_error = None;
    if let Some(r) = row {
        let unmatched = &report.unmatched[r];
        let q = q
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .unwrap_or(&unmatched.title);
        match find_candidates(pool, search, q, unmatched.year).await? {
            Ok(found) => candidates = found,
            Err(e) => search_error = Some(e),
        }
    }
    Ok(ReportView {
        report,
        movies,
        row,
        candidates,
        search_error,
    })
}

/// The films a row of title `q` and `year` may be: the search's best for `q`, and its best
/// within a year of `year` (a film of the right year may rank below the first page of a
/// common title), ranked by [`rank_candidates`].
pub(crate) async fn find_candidates(
    pool: &Db,
    search: &IndexCache,
    q: &str,
    year: Option<u16>,
) -> Result<Result<Vec<Hit>, String>, HistoryError> {
    let plain = SearchParams {
        q: Some(q.to_owned()),
        ..SearchParams::default()
    };
    let request = match SearchRequest::parse(&plain) {
        Ok(Some(request)) => request,
        Ok(None) => return Ok(Err(SearchRequest::nothing_asked().to_string())),
        Err(e) => return Ok(Err(e.to_string())),
    };
    let index = search.current(pool).await?;
    let mut hits = crate::search::run(&index, &request).hits;
    if let Some(y) = year {
        let y = i64::from(y);
        let dated = SearchParams {
            year_from: Some((y - YEAR_TOLERANCE).to_string()),
            year_to: Some((y + YEAR_TOLERANCE).to_string()),
            ..plain
        };
        // A year outside the catalog's range is no filter: the plain search stands.
        if let Ok(Some(request)) = SearchRequest::parse(&dated) {
            for hit in crate::search::run(&index, &request).hits {
                if !hits.iter().any(|h| h.id == hit.id) {
                    hits.push(hit);
                }
            }
        }
    }
    let mut ranked = rank_candidates(q, year, hits);
    ranked.truncate(MAX_CANDIDATES);
    Ok(Ok(ranked))
}

/// Orders the films offered for a row: how close the title is (the same [`titles::key`],
/// then one side the other's main part, then any other) together with whether the year
/// fits (within [`YEAR_TOLERANCE`]), then the years' distance, then the search's order. A 1977 "Star
/// Wars" row offers "Star Wars Ep. IV: A New Hope" (1977) before "Star Wars: The Clone
/// Wars" (2008).
fn rank_candidates(title: &str, year: Option<u16>, hits: Vec<Hit>) -> Vec<Hit> {
    let key = titles::key(title);
    let main = titles::main_title(title).map(|m| titles::key(&m));
    let year = year.map(i64::from);
    let mut scored: Vec<(u8, i64, Hit)> = hits
        .into_iter()
        .map(|hit| {
            let hit_key = titles::key(&hit.title);
            let hit_main = titles::main_title(&hit.title).map(|m| titles::key(&m));
            let title_gap = if hit_key == key {
                0
            } else if hit_main.as_ref() == Some(&key) || main.as_ref() == Some(&hit_key) {
                1
            } else {
                3
            };
            let distance = match (year, hit.year) {
                (None, _) => 0,
                (Some(y), Some(h)) => (y - h).abs(),
                (Some(_), None) => i64::MAX,
            };
            // A year off weighs less than a title apart: "Star Trek" of another year before
            // "Star Wars" of the row's.
            let year_gap = if distance <= YEAR_TOLERANCE { 0 } else { 1 };
            (title_gap + year_gap, distance, hit)
        })
        .collect();
    // Stable: equally close films keep the search's order.
    scored.sort_by_key(|(gap, distance, _)| (*gap, *distance));
    scored.into_iter().map(|(_, _, hit)| hit).collect()
}

/// Writes a plan on the import's transaction: what the viewer has is compared afresh (it is
/// their own rows, quickly read), the report is stored, and reports past
/// [`MAX_KEPT_REPORTS`] go.
async fn apply_plan(
    tx: &mut DbConn,
    user_id: UserId,
    id: i64,
    mut report: Report,
    matched: &[Matched],
    choice: ConflictChoice,
) -> Result<Report, HistoryError> {
    let decided = decide(tx, user_id, matched, choice).await?;
    write(tx, user_id, &decided.writes).await?;
    learn_ids(tx, matched).await?;
    report.counts.take_decided(&decided.counts);
    report.conflicts = decided.conflicts;
    report.conflict_choice = choice;
    report.applied = true;
    report.id = Some(id);
    store::update_report(tx, user_id, id, choice.key(), &to_json(&report)).await?;
    store::drop_old_reports(tx, user_id, MAX_KEPT_REPORTS).await?;
    Ok(report)
}

/// Matches unmatched row `row` of an applied import to `movie_id`: its rating, seen mark or
/// watchlist entry is applied (conflicts settled as the import chose), and the title is
/// remembered for the next import. Rows with the same title and year go with it.
#[tracing::instrument(skip_all, fields(user = user_id.get(), upload = id))]
pub async fn match_row(
    pool: &Db,
    user_id: UserId,
    id: i64,
    row: usize,
    movie_id: i64,
) -> Result<Report, HistoryError> {
    let mut report = report(pool, user_id, id).await?;
    if !report.applied {
        return Err(HistoryError::Invalid(
            "Apply the import before matching its rows.".into(),
        ));
    }
    let picked = report
        .unmatched
        .get(row)
        .cloned()
        .ok_or_else(|| HistoryError::NotFound("There is no such unmatched row.".into()))?;
    let mut tx = crate::store::begin_write(pool).await?;
    if !store::movie_exists(&mut tx, movie_id).await? {
        return Err(HistoryError::NotFound(format!(
            "There is no movie {movie_id}."
        )));
    }
    let key = hand_key(&picked.title, picked.year);
    store::remember_match(&mut tx, user_id, &key, movie_id).await?;
    let matched: Vec<Matched> = report
        .unmatched
        .iter()
        .filter(|r| hand_key(&r.title, r.year) == key)
        .map(|r| Matched {
            movie: movie_id,
            entry: r.entry,
            date: r.date,
            ids: RowIds::default(),
        })
        .collect();
    let plan = decide(&mut tx, user_id, &matched, report.conflict_choice).await?;
    write(&mut tx, user_id, &plan.writes).await?;
    // The counts move with the match: the rows leave "unmatched", and what applying them
    // did is added. A row matched again (to another film) only moves its listing.
    let mut newly = 0;
    for r in report
        .unmatched
        .iter_mut()
        .filter(|r| hand_key(&r.title, r.year) == key)
    {
        if r.matched_movie.is_none() {
            newly += 1;
        }
        r.matched_movie = Some(movie_id);
    }
    report
        .matched
        .retain(|m| !(m.by == "hand" && hand_key(&m.title, m.year) == key));
    for r in report
        .unmatched
        .iter()
        .filter(|r| hand_key(&r.title, r.year) == key)
    {
        if report.matched.len() < MAX_REPORT_ROWS {
            report.matched.push(MatchedTitle {
                title: r.title.clone(),
                year: r.year,
                movie_id,
                by: "hand".to_owned(),
                entry: r.entry,
            });
        }
    }
    report.counts.unmatched = report.counts.unmatched.saturating_sub(newly);
    report.counts.matched += newly;
    report.counts.matched_by_hand += newly;
    report.counts.add_decided(&plan.counts);
    let room = MAX_REPORT_ROWS.saturating_sub(report.conflicts.len());
    report
        .conflicts
        .extend(plan.conflicts.into_iter().take(room));
    let choice = report.conflict_choice.key();
    store::update_report(&mut tx, user_id, id, choice, &to_json(&report)).await?;
    tx.commit().await?;
    Ok(report)
}

/// The viewer's ratings, seen marks and watchlist, for the export.
pub async fn export(pool: &Db, user_id: UserId) -> sqlx::Result<Vec<ExportEntry>> {
    let rows = store::export(pool, user_id).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let entry = match row.list {
                0 => Entry::Rated(row.rating?),
                1 => Entry::Seen,
                _ => Entry::Watchlist,
            };
            Some(ExportEntry {
                entry,
                imdb_id: row.imdb_id.and_then(|i| ImdbId::parse(&i).ok()),
                tmdb_id: row.tmdb_id.and_then(|t| u32::try_from(t).ok()),
                title: row.title,
                year: row.year.and_then(|y| u16::try_from(y).ok()),
                date: row.date,
            })
        })
        .collect())
}

/// The catalog's film for one film named outside a history file (a media server's event),
/// matched as a file's row is: by IMDb id, by TMDB id, by the user's own earlier match of
/// that title, then by the title rule. `None` when no film, or several, fit.
pub(crate) async fn find_film(
    conn: &mut DbConn,
    user_id: UserId,
    record: &reader::HistoryRecord,
) -> Result<Option<i64>, HistoryError> {
    if let Some(imdb) = record.imdb_id {
        let found = store::movies_by_imdb(conn, &[imdb.to_string()]).await?;
        if let Some(&id) = found.values().next() {
            return Ok(Some(id));
        }
    }
    if let Some(tmdb) = record.tmdb_id {
        let found = store::movies_by_tmdb(conn, &[i64::from(tmdb)]).await?;
        if let Some(&id) = found.values().next() {
            return Ok(Some(id));
        }
    }
    if record.title.is_empty() {
        return Ok(None);
    }
    if let Some(id) =
        store::hand_match(conn, user_id, &hand_key(&record.title, record.year)).await?
    {
        return Ok(Some(id));
    }
    Ok(match match_title(conn, record).await? {
        Found::Movie(id) => Some(id),
        Found::Unmatched { .. } => None,
    })
}

/// Remembers the user's match of a title and year to a film, as a report's hand match is:
/// the next upload or media-server event naming it finds that film.
pub(crate) async fn remember_hand_match(
    conn: &mut DbConn,
    user_id: UserId,
    title: &str,
    year: Option<u16>,
    movie_id: i64,
) -> Result<(), HistoryError> {
    if !store::movie_exists(conn, movie_id).await? {
        return Err(HistoryError::NotFound(format!(
            "There is no movie {movie_id}."
        )));
    }
    store::remember_match(conn, user_id, &hand_key(title, year), movie_id).await?;
    Ok(())
}

/// The key a hand match is remembered by: the folded title and the year.
fn hand_key(title: &str, year: Option<u16>) -> String {
    match year {
        Some(year) => format!("{}|{year}", titles::key(title)),
        None => format!("{}|", titles::key(title)),
    }
}

/// A row matched to a movie: all that deciding and writing need of it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Matched {
    movie: i64,
    entry: Entry,
    date: Option<i64>,
    /// The ids the row carried: a film without them learns them when the row is applied.
    ids: RowIds,
}

/// The ids a history row carried.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct RowIds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    imdb: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tmdb: Option<u32>,
}

impl RowIds {
    fn of(record: &reader::HistoryRecord) -> Self {
        Self {
            imdb: record.imdb_id.map(ImdbId::number),
            tmdb: record.tmdb_id,
        }
    }
}

/// A [`Matched`] as a kept preview stores it.
#[derive(Debug, Serialize, Deserialize)]
struct MatchedRow {
    movie: i64,
    #[serde(flatten)]
    entry: Entry,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    date: Option<i64>,
    #[serde(default)]
    ids: RowIds,
}

impl From<&Matched> for MatchedRow {
    fn from(m: &Matched) -> Self {
        Self {
            movie: m.movie,
            entry: m.entry,
            date: m.date,
            ids: m.ids,
        }
    }
}

impl MatchedRow {
    fn matched(self) -> Matched {
        Matched {
            movie: self.movie,
            entry: self.entry,
            date: self.date,
            ids: self.ids,
        }
    }
}

/// One change to make.
#[derive(Debug, Clone, PartialEq)]
enum Write {
    Rating {
        movie: i64,
        stars: Stars,
        date: Option<i64>,
    },
    Seen {
        movie: i64,
        date: Option<i64>,
    },
    Watchlist {
        movie: i64,
        date: Option<i64>,
    },
}

struct Plan {
    report: Report,
    matched: Vec<Matched>,
}

/// What a title match depends on: title, original title, year and IMDb id.
type TitleQuery = (String, Option<String>, Option<u16>, Option<ImdbId>);

#[derive(Clone, Copy)]
enum Found {
    Movie(i64),
    Unmatched { ambiguous: bool },
}

/// How a row found its film.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum By {
    Imdb,
    Tmdb,
    Hand,
    Title,
}

impl By {
    fn as_str(self) -> &'static str {
        match self {
            By::Imdb => "imdb",
            By::Tmdb => "tmdb",
            By::Hand => "hand",
            By::Title => "title",
        }
    }
}

/// What matching rows looks up, read once for all of them: the films of their ids, the
/// user's hand matches, and each distinct title's answer as it is found.
struct Lookups {
    by_imdb: HashMap<String, i64>,
    by_tmdb: HashMap<i64, i64>,
    by_hand: HashMap<String, i64>,
    by_title: HashMap<TitleQuery, Found>,
}

impl Lookups {
    async fn load(
        conn: &mut DbConn,
        user_id: UserId,
        records: &[HistoryRecord],
    ) -> Result<Self, HistoryError> {
        let imdb_ids: Vec<String> = records
            .iter()
            .filter_map(|r| r.imdb_id.map(|i| i.to_string()))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let tmdb_ids: Vec<i64> = records
            .iter()
            .filter_map(|r| r.tmdb_id.map(i64::from))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        Ok(Self {
            by_imdb: store::movies_by_imdb(conn, &imdb_ids).await?,
            by_tmdb: store::movies_by_tmdb(conn, &tmdb_ids).await?,
            by_hand: store::hand_matches(conn, user_id).await?,
            by_title: HashMap::new(),
        })
    }

    /// The row's film: by IMDb id, by TMDB id, by the user's own earlier match of that
    /// title, then by the title rule.
    async fn find(
        &mut self,
        conn: &mut DbConn,
        record: &HistoryRecord,
    ) -> Result<(Found, By), HistoryError> {
        if let Some(&id) = record
            .imdb_id
            .and_then(|i| self.by_imdb.get(&i.to_string()))
        {
            return Ok((Found::Movie(id), By::Imdb));
        }
        if let Some(&id) = record.tmdb_id.and_then(|t| self.by_tmdb.get(&i64::from(t))) {
            return Ok((Found::Movie(id), By::Tmdb));
        }
        if let Some(&id) = self.by_hand.get(&hand_key(&record.title, record.year)) {
            return Ok((Found::Movie(id), By::Hand));
        }
        let key = (
            record.title.clone(),
            record.original_title.clone(),
            record.year,
            record.imdb_id,
        );
        let found = match self.by_title.get(&key) {
            Some(found) => *found,
            None => {
                let found = if record.title.is_empty() {
                    Found::Unmatched { ambiguous: false }
                } else {
                    match_title(conn, record).await?
                };
                self.by_title.insert(key, found);
                found
            }
        };
        Ok((found, By::Title))
    }
}

/// The catalog's film of each record (`None`: no film, or several, fit), matched as an
/// upload's rows are.
pub(crate) async fn match_records(
    conn: &mut DbConn,
    user_id: UserId,
    records: &[HistoryRecord],
) -> Result<Vec<Option<i64>>, HistoryError> {
    let mut lookups = Lookups::load(conn, user_id, records).await?;
    let mut found = Vec::with_capacity(records.len());
    for record in records {
        found.push(match lookups.find(conn, record).await?.0 {
            Found::Movie(id) => Some(id),
            Found::Unmatched { .. } => None,
        });
    }
    Ok(found)
}

async fn plan(
    conn: &mut DbConn,
    user_id: UserId,
    name: &str,
    history: &History,
    choice: ConflictChoice,
) -> Result<Plan, HistoryError> {
    let mut lookups = Lookups::load(conn, user_id, &history.records).await?;
    let mut counts = Counts {
        rows: history.records.len() as u64,
        skipped: history.skipped,
        ..Counts::default()
    };
    let mut matched = Vec::with_capacity(history.records.len());
    let mut unmatched: Vec<UnmatchedRow> = Vec::new();
    let mut unmatched_seen = HashSet::new();
    let mut listed: Vec<MatchedTitle> = Vec::new();
    let mut matched_seen = HashSet::new();
    for record in &history.records {
        let (found, by) = lookups.find(conn, record).await?;
        // Only a match by title can teach the film the ids the row carries.
        let by_title_match = matches!((found, by), (Found::Movie(_), By::Title));
        if let Found::Movie(_) = found {
            match by {
                By::Imdb => counts.matched_by_imdb += 1,
                By::Tmdb => counts.matched_by_tmdb += 1,
                By::Hand => counts.matched_by_hand += 1,
                By::Title => counts.matched_by_title += 1,
            }
        }
        let by = by.as_str();
        match found {
            Found::Movie(id) => {
                if matched_seen.insert((id, record.entry.list())) && listed.len() < MAX_REPORT_ROWS
                {
                    listed.push(MatchedTitle {
                        title: record.title.clone(),
                        year: record.year,
                        movie_id: id,
                        by: by.to_owned(),
                        entry: record.entry,
                    });
                }
                matched.push(Matched {
                    movie: id,
                    entry: record.entry,
                    date: record.date,
                    ids: if by_title_match {
                        RowIds::of(record)
                    } else {
                        RowIds::default()
                    },
                });
            }
            Found::Unmatched { ambiguous } => {
                let list = record.entry.list();
                if unmatched_seen.insert((hand_key(&record.title, record.year), list))
                    && unmatched.len() < MAX_REPORT_ROWS
                {
                    unmatched.push(UnmatchedRow {
                        file: record.file.clone(),
                        line: record.line,
                        title: record.title.clone(),
                        year: record.year,
                        entry: record.entry,
                        date: record.date,
                        ambiguous,
                        matched_movie: None,
                    });
                }
            }
        }
    }
    counts.unmatched = unmatched_seen.len() as u64;
    counts.matched = matched_seen.len() as u64;
    let decided = decide(conn, user_id, &matched, choice).await?;
    counts.take_decided(&decided.counts);
    Ok(Plan {
        report: Report {
            id: None,
            file_name: name.to_owned(),
            format: history.format.key().to_owned(),
            format_label: history.format.label().to_owned(),
            conflict_choice: choice,
            applied: false,
            counts,
            matched: listed,
            unmatched,
            conflicts: decided.conflicts,
        },
        matched,
    })
}

struct Decided {
    counts: Counts,
    conflicts: Vec<ConflictRow>,
    writes: Vec<Write>,
}

/// What the file says about one movie, rows combined.
#[derive(Default)]
struct Combined {
    /// The latest rating (a dated one beats an undated one; then the later row).
    rating: Option<(Stars, Option<i64>)>,
    seen: Option<Option<i64>>,
    watchlist: Option<Option<i64>>,
}

/// Compares matched rows with what the viewer has and decides the writes.
async fn decide(
    conn: &mut DbConn,
    user_id: UserId,
    matched: &[Matched],
    choice: ConflictChoice,
) -> Result<Decided, HistoryError> {
    let mut order = Vec::new();
    let mut combined: HashMap<i64, Combined> = HashMap::new();
    for &Matched {
        movie, entry, date, ..
    } in matched
    {
        let c = combined.entry(movie).or_insert_with(|| {
            order.push(movie);
            Combined::default()
        });
        match entry {
            Entry::Rated(stars) => {
                let later = match c.rating {
                    None => true,
                    Some((_, kept)) => date >= kept,
                };
                if later {
                    c.rating = Some((stars, date));
                }
            }
            Entry::Seen => c.seen = Some(c.seen.flatten().max(date)),
            Entry::Watchlist => c.watchlist = Some(c.watchlist.flatten().max(date)),
        }
    }
    let mine = store::ratings_of(conn, user_id).await?;
    let (seen, watchlist) = store::seen_and_watchlist(conn, user_id).await?;
    let seen: HashSet<i64> = seen.into_iter().collect();
    let watchlist: HashSet<i64> = watchlist.into_iter().collect();

    let mut counts = Counts::default();
    let mut conflicts = Vec::new();
    let mut writes = Vec::new();
    for movie in order {
        let c = &combined[&movie];
        let mut changes = false;
        let mut conflicted = false;
        if let Some((stars, date)) = c.rating {
            match mine.get(&movie) {
                None => {
                    counts.new += 1;
                    changes = true;
                    writes.push(Write::Rating { movie, stars, date });
                }
                Some(&(rating, _)) if rating == stars => {}
                Some(&(rating, my_date)) => {
                    counts.conflicts += 1;
                    conflicted = true;
                    let newer = date.is_some_and(|d| d > my_date);
                    if newer {
                        counts.newer_conflicts += 1;
                    }
                    let taken = choice.takes_theirs(newer);
                    if taken {
                        counts.changed += 1;
                        changes = true;
                        writes.push(Write::Rating { movie, stars, date });
                    }
                    if conflicts.len() < MAX_REPORT_ROWS {
                        conflicts.push(ConflictRow {
                            movie_id: movie,
                            mine: rating.value(),
                            theirs: stars.value(),
                            taken,
                            newer,
                        });
                    }
                }
            }
        } else if let Some(date) = c.seen
            && !mine.contains_key(&movie)
            && !seen.contains(&movie)
        {
            counts.seen += 1;
            changes = true;
            writes.push(Write::Seen { movie, date });
        }
        if let Some(date) = c.watchlist
            && !watchlist.contains(&movie)
        {
            counts.watchlist += 1;
            changes = true;
            writes.push(Write::Watchlist { movie, date });
        }
        if !changes && !conflicted {
            counts.unchanged += 1;
        }
    }
    Ok(Decided {
        counts,
        conflicts,
        writes,
    })
}

async fn write(conn: &mut DbConn, user_id: UserId, writes: &[Write]) -> Result<(), HistoryError> {
    let now = crate::store::now();
    for w in writes {
        match *w {
            Write::Rating { movie, stars, date } => {
                store::put_rating(conn, user_id, movie, stars, date, now).await?;
            }
            Write::Seen { movie, date } => {
                store::mark_seen(conn, user_id, movie, date, now).await?;
            }
            Write::Watchlist { movie, date } => {
                store::add_to_watchlist(conn, user_id, movie, date.unwrap_or(now)).await?;
            }
        }
    }
    Ok(())
}

/// Films matched without an id the row carried take it (when no other film holds it), so
/// the viewer's export and later matches carry it: an IMDb export matched by title on a
/// site whose catalog has no IMDb ids teaches the catalog those ids.
async fn learn_ids(conn: &mut DbConn, matched: &[Matched]) -> Result<(), HistoryError> {
    let mut done = HashSet::new();
    for m in matched {
        if m.ids == RowIds::default() || !done.insert(m.movie) {
            continue;
        }
        let imdb = m
            .ids
            .imdb
            .and_then(|n| ImdbId::new(n).ok())
            .map(|i| i.to_string());
        store::learn_ids(conn, m.movie, imdb.as_deref(), m.ids.tmdb.map(i64::from)).await?;
    }
    Ok(())
}

/// Finds the one movie a row's title and year name: through the title search index for
/// display titles, and through the catalog's alternative titles (MovieLens's "a.k.a." and
/// original titles, IMDb's original title, a merged film's other names), every side compared
/// by [`titles::key`].
async fn match_title(
    conn: &mut DbConn,
    record: &reader::HistoryRecord,
) -> Result<Found, HistoryError> {
    let mut names = vec![record.title.as_str()];
    names.extend(record.original_title.as_deref());
    names.dedup();
    let year = record.year.map(i64::from);
    let years = year.map(|y| (y - YEAR_TOLERANCE, y + YEAR_TOLERANCE));
    let imdb = record.imdb_id.map(|i| i.to_string());
    let mut candidates: Vec<store::MatchMovie> = Vec::new();
    let keep = |movie: store::MatchMovie, candidates: &mut Vec<store::MatchMovie>| {
        // A movie known by another IMDb id is another film of the same name.
        let other_id = matches!((&movie.imdb_id, &imdb), (Some(a), Some(b)) if a != b);
        if !other_id && !candidates.iter().any(|c| c.id == movie.id) {
            candidates.push(movie);
        }
    };
    // Titles that are the row's main part or whose main part is the row's title: tried only
    // when no title is the row's, and only of the row's very year.
    let mut by_main_part: Vec<store::MatchMovie> = Vec::new();
    for name in &names {
        let key = titles::key(name);
        if key.is_empty() {
            continue;
        }
        // The phrase without leading articles is found in a title indexed with its article
        // behind ("boot" in "Boot, Das"); the keys are compared exactly below.
        let phrase = bounded_phrase(&titles::search_phrase(name));
        for movie in store::titles_containing(conn, &phrase, years, TITLE_CANDIDATES).await? {
            if titles::key(&movie.title) == key {
                keep(movie, &mut candidates);
            } else if movie.year == year
                && titles::main_title(&movie.title).is_some_and(|m| titles::key(&m) == key)
            {
                // "Star Wars" (1977) names "Star Wars Ep. IV: A New Hope" (1977).
                keep(movie, &mut by_main_part);
            }
        }
        for movie in store::movies_titled(conn, &key, years, TITLE_CANDIDATES).await? {
            keep(movie, &mut candidates);
        }
    }
    if candidates.is_empty()
        && let Some(y) = year
    {
        // "Léon: The Professional" (1994) names "Léon" (1994).
        for main in names.iter().filter_map(|name| titles::main_title(name)) {
            let key = titles::key(&main);
            let phrase = bounded_phrase(&titles::search_phrase(&main));
            let exact = Some((y, y));
            for movie in store::titles_containing(conn, &phrase, exact, TITLE_CANDIDATES).await? {
                if titles::key(&movie.title) == key {
                    keep(movie, &mut by_main_part);
                }
            }
            for movie in store::movies_titled(conn, &key, exact, TITLE_CANDIDATES).await? {
                if movie.year == year {
                    keep(movie, &mut by_main_part);
                }
            }
        }
    }
    let pick = |fitting: Vec<&store::MatchMovie>| match fitting[..] {
        [] => None,
        [one] => Some(Found::Movie(one.id)),
        _ => Some(Found::Unmatched { ambiguous: true }),
    };
    let found = match year {
        Some(y) => pick(candidates.iter().filter(|c| c.year == Some(y)).collect())
            .or_else(|| pick(candidates.iter().collect()))
            .or_else(|| pick(by_main_part.iter().collect())),
        None => pick(candidates.iter().collect()),
    };
    Ok(found.unwrap_or(Found::Unmatched { ambiguous: false }))
}

/// The padded phrase the title index is asked for: only the folded form's letters, digits
/// and single spaces, and at most [`MAX_PHRASE_CHARS`] of them, cut after a whole word.
fn bounded_phrase(key: &str) -> String {
    let clean = text::normalise(key);
    let phrase = match clean.char_indices().nth(MAX_PHRASE_CHARS) {
        None => clean.as_str(),
        Some((end, _)) => {
            let head = &clean[..end];
            // Past the limit the next character may be inside a word: drop that word.
            if clean[end..].starts_with(' ') {
                head
            } else {
                head.rsplit_once(' ').map_or(head, |(words, _)| words)
            }
        }
    };
    text::padded(phrase)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_db::{user, with_movies};

    async fn set_ids(pool: &Db, id: i64, title: &str, year: i64, imdb: Option<&str>) {
        sqlx::query("UPDATE movies SET title = $2, year = $3, imdb_id = $4 WHERE id = $1")
            .bind(id)
            .bind(title)
            .bind(year)
            .bind(imdb)
            .execute(pool)
            .await
            .unwrap();
    }

    fn parsing() -> HistoryParsing {
        HistoryParsing::new(1, Duration::from_secs(5))
    }

    fn unmatched(entry: Entry) -> UnmatchedRow {
        UnmatchedRow {
            file: "ratings.csv".into(),
            line: 2,
            title: "No Such Film".into(),
            year: Some(2001),
            entry,
            date: None,
            ambiguous: false,
            matched_movie: None,
        }
    }

    /// An unmatched row keeps its entry typed, and reports (stored, and in the API) still
    /// write it as the `list` and `rating` fields they always had.
    #[test]
    fn unmatched_rows_write_their_entry_as_list_and_rating() {
        let rated = unmatched(Entry::Rated(Stars::parse("3.5").unwrap()));
        let json = serde_json::to_value(&rated).unwrap();
        assert_eq!(json["list"], "rating");
        assert_eq!(json["rating"], 3.5);
        assert!(json.get("entry").is_none(), "{json}");
        assert_eq!(serde_json::from_value::<UnmatchedRow>(json).unwrap(), rated);
        for entry in [Entry::Seen, Entry::Watchlist] {
            let row = unmatched(entry);
            let json = serde_json::to_value(&row).unwrap();
            assert_eq!(json["list"], entry.list());
            assert_eq!(json["rating"], serde_json::Value::Null);
            assert_eq!(serde_json::from_value::<UnmatchedRow>(json).unwrap(), row);
        }
    }

    /// A stored row whose entry is not one the app writes is refused, not guessed at.
    #[test]
    fn unmatched_rows_refuse_entries_the_app_never_writes() {
        let mut json = serde_json::to_value(unmatched(Entry::Seen)).unwrap();
        for (list, rating) in [
            ("rating", serde_json::json!(3.2)),
            ("rating", serde_json::json!(null)),
            ("liked", serde_json::json!(4)),
        ] {
            json["list"] = serde_json::json!(list);
            json["rating"] = rating;
            assert!(
                serde_json::from_value::<UnmatchedRow>(json.clone()).is_err(),
                "{json}"
            );
        }
    }

    async fn reindex(pool: &Db) {
        crate::search::sync_index(pool, true).await.unwrap();
    }

    const LETTERBOXD: &str = "Date,Name,Year,Letterboxd URI,Rating
2024-01-05,The Matrix,1999,https://boxd.it/1,4.5
2024-01-05,Solaris,2002,https://boxd.it/2,3
2024-01-05,Solaris,1980,https://boxd.it/3,2
2024-01-05,Unknown Film,2001,https://boxd.it/4,2
2024-01-05,Twin,2010,https://boxd.it/5,2
2024-01-05,Das Boot,1982,https://boxd.it/6,5
";

    #[tokio::test]
    async fn matches_by_id_then_title_and_year_never_guessing() {
        let (_dir, pool) = with_movies(6).await;
        set_ids(&pool, 1, "Matrix, The", 1999, Some("tt0133093")).await;
        set_ids(&pool, 2, "Solaris", 1972, None).await;
        set_ids(&pool, 3, "Solaris", 2002, None).await;
        set_ids(&pool, 4, "Twin", 2010, None).await;
        set_ids(&pool, 5, "Twin", 2010, None).await;
        set_ids(&pool, 6, "Boot, Das", 1981, None).await;
        reindex(&pool).await;
        let ann = user(&pool, "ann").await;
        let report = import(
            &parsing(),
            &pool,
            ann,
            "ratings.csv",
            LETTERBOXD.as_bytes().to_vec(),
            ConflictChoice::KeepMine,
        )
        .await
        .unwrap();
        assert_eq!(report.counts.matched_by_title, 3, "{report:#?}");
        assert_eq!(report.counts.new, 3);
        let unmatched: Vec<(&str, Option<u16>, bool)> = report
            .unmatched
            .iter()
            .map(|r| (r.title.as_str(), r.year, r.ambiguous))
            .collect();
        assert_eq!(
            unmatched,
            [
                ("Solaris", Some(1980), false),
                ("Unknown Film", Some(2001), false),
                ("Twin", Some(2010), true)
            ]
        );
        let mut conn = pool.acquire().await.unwrap();
        let mine = store::ratings_of(&mut conn, ann).await.unwrap();
        assert_eq!(mine[&1].0.value(), 4.5);
        assert_eq!(
            mine[&3].0.value(),
            3.0,
            "the 2002 Solaris, not the 1972 one"
        );
        assert!(!mine.contains_key(&2));
        assert_eq!(mine[&6].0.value(), 5.0, "Das Boot, a year off");
    }

    #[tokio::test]
    async fn a_hand_match_is_remembered_for_the_next_import() {
        let (_dir, pool) = with_movies(3).await;
        let ann = user(&pool, "ann").await;
        let file = "Date,Name,Year,Letterboxd URI,Rating\n2024-01-05,Movie Two,1992,x,4\n";
        let report = import(
            &parsing(),
            &pool,
            ann,
            "ratings.csv",
            file.into(),
            ConflictChoice::KeepMine,
        )
        .await
        .unwrap();
        assert_eq!(report.counts.unmatched, 1);
        let id = report.id.unwrap();
        let after = match_row(&pool, ann, id, 0, 2).await.unwrap();
        assert_eq!(after.unmatched[0].matched_movie, Some(2));
        let mut conn = pool.acquire().await.unwrap();
        assert_eq!(
            store::ratings_of(&mut conn, ann).await.unwrap()[&2]
                .0
                .value(),
            4.0
        );
        drop(conn);
        let again = preview(
            &parsing(),
            &pool,
            ann,
            "ratings.csv",
            file.into(),
            ConflictChoice::KeepMine,
        )
        .await
        .unwrap();
        assert_eq!(again.counts.matched_by_hand, 1);
        assert_eq!(again.counts.unmatched, 0);
        assert_eq!(again.counts.unchanged, 1);

        // A single record (a media server's event) finds the same film by the same key; the
        // key's year counts, and another user's hand match is not theirs.
        let record = |year| reader::HistoryRecord {
            file: "event".into(),
            line: 1,
            entry: Entry::Seen,
            title: "Movie Two".into(),
            original_title: None,
            year: Some(year),
            imdb_id: None,
            tmdb_id: None,
            date: None,
        };
        let ben = user(&pool, "ben").await;
        let mut conn = pool.acquire().await.unwrap();
        let found = find_film(&mut conn, ann, &record(1992)).await.unwrap();
        assert_eq!(found, Some(2));
        assert_eq!(
            find_film(&mut conn, ann, &record(1950)).await.unwrap(),
            None
        );
        assert_eq!(
            find_film(&mut conn, ben, &record(1992)).await.unwrap(),
            None
        );
    }

    #[tokio::test]
    async fn an_upload_past_the_parsing_slots_is_refused_as_busy() {
        let (_dir, pool) = with_movies(2).await;
        let ann = user(&pool, "ann").await;
        let parsing = HistoryParsing::new(1, Duration::from_millis(50));
        let held = parsing.slot().await.unwrap();
        let file = LETTERBOXD.as_bytes().to_vec();
        let busy = preview(
            &parsing,
            &pool,
            ann,
            "ratings.csv",
            file.clone(),
            ConflictChoice::KeepMine,
        )
        .await;
        assert!(matches!(busy, Err(HistoryError::Busy)), "{busy:?}");
        drop(held);
        let report = preview(
            &parsing,
            &pool,
            ann,
            "ratings.csv",
            file,
            ConflictChoice::KeepMine,
        )
        .await
        .unwrap();
        assert_eq!(report.counts.rows, 6);
    }

    fn hit(id: i64, title: &str, year: i64) -> Hit {
        Hit {
            id,
            title: title.to_owned(),
            year: Some(year),
            genres: String::new(),
            imdb_rating: None,
            imdb_votes: None,
            votes: None,
            imdb_id: None,
        }
    }

    #[test]
    fn candidates_rank_by_title_and_year_together() {
        let series = || {
            vec![
                hit(1, "Star Wars: The Clone Wars", 2008),
                hit(2, "Star Wars Ep. V: The Empire Strikes Back", 1980),
                hit(3, "Star Wars Ep. IV: A New Hope", 1977),
                hit(4, "Star Trek", 1979),
                hit(5, "Star Wars Ep. VI: Return of the Jedi", 1983),
            ]
        };
        let order = |title, year| -> Vec<i64> {
            rank_candidates(title, year, series())
                .iter()
                .map(|h| h.id)
                .collect()
        };
        // The film whose main title is the row's and whose year fits comes first; then the
        // nearest years; a film of another title last, whatever its year.
        assert_eq!(order("Star Wars", Some(1977)), [3, 2, 5, 1, 4]);
        assert_eq!(order("Star Wars", Some(1983)), [5, 2, 3, 1, 4]);
        // The same title beats a fitting year; without a year the search's order stands
        // among equally close titles.
        assert_eq!(
            order("Star Trek", Some(2009)),
            [4, 1, 5, 2, 3],
            "a title of its own first"
        );
        assert_eq!(order("Star Wars", None), [1, 2, 3, 5, 4]);
    }

    #[test]
    fn the_phrase_sent_to_the_title_index_is_bounded_and_folded() {
        let long = "word ".repeat(10_000);
        let phrase = bounded_phrase(&long);
        assert!(
            phrase.chars().count() <= MAX_PHRASE_CHARS + 2,
            "{}",
            phrase.len()
        );
        assert!(phrase.starts_with(" word ") && phrase.ends_with(" word "));
        assert_eq!(bounded_phrase("\"das\" boot*"), " das boot ");
        let one_word = "x".repeat(1_000);
        assert_eq!(
            bounded_phrase(&one_word).chars().count(),
            MAX_PHRASE_CHARS + 2
        );
    }
}
