//! The command line: clap definitions and their conversions into the plain settings the
//! app and the commands take. `main` dispatches; nothing here runs a command.

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

use crate::commands;
use crate::commands::admin;
use crate::config::{Config, MediaServersConfig, ServerAccess};
use crate::domain::{IpNet, MovieId};
use crate::http_server::ServerLimits;
use crate::jobs::TrainingConfig;
use crate::jobs::lease::LeaseConfig;
use crate::providers::{ProvidersConfig, TmdbKey};
use crate::services::accounts::HashingLimits;

#[derive(Debug, Parser)]
#[command(
    name = "movierec",
    version,
    about = "Self-hosted movie recommender",
    // `movierec --bind …` serves; serve's flags before a subcommand are refused.
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Serve's flags, for `movierec` without a subcommand.
    #[command(flatten)]
    serve: ServeArgs,
}

impl Cli {
    /// The subcommand to run: `serve` when none was given.
    pub fn into_command(self) -> Command {
        self.command
            .unwrap_or_else(|| Command::Serve(Box::new(self.serve)))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the web app (the default when no subcommand is given).
    // Boxed: its many flags would make every command as large.
    Serve(Box<ServeArgs>),
    /// Evaluate a model on a train/test split or by k-fold cross-validation.
    Eval(EvalArgs),
    /// Train a model from a ratings file, or from the app's database.
    Train(TrainArgs),
    /// Print the top-N recommendations of a user from a saved model.
    Recommend(RecommendArgs),
    /// Make an account an administrator of the site, or a regular user again.
    Admin(AdminArgs),
    /// Import a public data set into the catalog and the ratings, a user's history exported
    /// from another service, or a model trained elsewhere.
    Import(ImportArgs),
    /// Export the site's data for training elsewhere.
    Export(ExportArgs),
    /// Fetch details and posters (OMDb, TMDB) for the most rated movies, within a budget.
    Enrich(EnrichArgs),
    /// Copy a whole site into an empty database (SQLite to PostgreSQL, or back).
    Copy(CopyArgs),
    /// Find films entered twice in the catalog, and merge one into the other.
    Catalog(CatalogArgs),
}

#[derive(Debug, Args)]
pub struct CatalogArgs {
    #[command(subcommand)]
    pub action: CatalogAction,
    #[command(flatten)]
    pub database: DatabaseArg,
}

#[derive(Debug, Subcommand)]
pub enum CatalogAction {
    /// List likely duplicates, one pair a line: the film to keep first, then the other, and
    /// why they look like one film.
    Duplicates,
    /// Merge film DROP into film KEEP: ratings, lists and marks, ids, details and genres move
    /// to KEEP, and DROP's pages redirect to KEEP's.
    Merge {
        /// The film that stays.
        #[arg(value_parser = movie_id)]
        keep: MovieId,
        /// The film merged into KEEP and removed.
        #[arg(value_parser = movie_id)]
        drop: MovieId,
    },
}

fn movie_id(raw: &str) -> Result<MovieId, String> {
    MovieId::parse(raw)
}

impl From<CatalogArgs> for commands::CatalogOptions {
    fn from(args: CatalogArgs) -> Self {
        Self {
            action: match args.action {
                CatalogAction::Duplicates => commands::CatalogAction::Duplicates,
                CatalogAction::Merge { keep, drop } => {
                    commands::CatalogAction::Merge { keep, drop }
                }
            },
            database_url: args.database.database_url,
        }
    }
}

#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The site's database: `sqlite://PATH` or `postgres://[USER@]HOST[:PORT]/DATABASE`.
    #[arg(long)]
    pub from: String,
    /// The new, empty database to copy it into.
    #[arg(long)]
    pub to: String,
}

#[derive(Debug, Args)]
pub struct EnrichArgs {
    /// Movies to fill at most in this run (OMDb's free key allows 1,000 requests a day).
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    #[command(flatten)]
    pub providers: ProviderArgs,
    #[command(flatten)]
    pub database: DatabaseArg,
}

impl From<EnrichArgs> for commands::EnrichOptions {
    fn from(args: EnrichArgs) -> Self {
        Self {
            database_url: args.database.database_url,
            limit: args.limit,
            providers: args.providers.to_config(),
        }
    }
}

/// The database of the commands that work on the app's data.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArg {
    /// The app's database: `sqlite://PATH` or `postgres://[USER@]HOST[:PORT]/DATABASE`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/movierec.db",
        global = true
    )]
    pub database_url: String,
}

#[derive(Debug, Args)]
pub struct AdminArgs {
    #[command(subcommand)]
    pub action: AdminAction,
    #[command(flatten)]
    pub database: DatabaseArg,
}

#[derive(Debug, Subcommand)]
pub enum AdminAction {
    /// Make an account an administrator: it may train models and change site settings.
    Grant {
        /// The account's username (any case).
        name: String,
    },
    /// Make an administrator a regular user again; the last administrator stays.
    Revoke {
        /// The account's username (any case).
        name: String,
    },
}

impl From<AdminArgs> for admin::RoleRequest {
    fn from(args: AdminArgs) -> Self {
        let (name, admin) = match args.action {
            AdminAction::Grant { name } => (name, true),
            AdminAction::Revoke { name } => (name, false),
        };
        Self {
            name,
            admin,
            database_url: args.database.database_url,
        }
    }
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub source: ImportSource,
    #[command(flatten)]
    pub database: DatabaseArg,
}

#[derive(Debug, Subcommand)]
pub enum ImportSource {
    /// A MovieLens set from GroupLens: its folder or its `.zip` as downloaded.
    Movielens {
        /// The folder or `.zip` (ml-100k, ml-1m, ml-latest-small, ml-25m, ml-32m…).
        path: PathBuf,
    },
    /// IMDb's non-commercial data sets: feature films with their IMDb rating and votes.
    Imdb {
        /// `title.basics.tsv.gz`: a file, or a URL to download.
        #[arg(long, value_name = "PATH|URL", default_value = IMDB_BASICS_URL)]
        basics: String,
        /// `title.ratings.tsv.gz`: a file, or a URL to download.
        #[arg(long, value_name = "PATH|URL", default_value = IMDB_RATINGS_URL)]
        ratings: String,
        /// `title.crew.tsv.gz`, for the directors (with `--names`).
        #[arg(long, value_name = "PATH|URL", requires = "names")]
        crew: Option<String>,
        /// `name.basics.tsv.gz`, for the directors' names (with `--crew`).
        #[arg(long, value_name = "PATH|URL", requires = "crew")]
        names: Option<String>,
        /// Films with fewer IMDb votes are left out.
        #[arg(long, value_name = "N", default_value_t = crate::services::catalog_import::DEFAULT_MIN_VOTES)]
        min_votes: u32,
    },
    /// A user's ratings, watched films and watchlist exported from IMDb, Letterboxd, Trakt,
    /// Netflix or this site.
    User {
        /// The account to import into.
        name: String,
        /// The export file (`.csv`, `.json` or `.zip`).
        file: PathBuf,
        /// Show what would change, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// When the file rates a movie differently from the user.
        #[arg(long, value_enum, default_value_t = ConflictArg::KeepMine)]
        conflicts: ConflictArg,
    },
    /// The factors a Spark job (`spark/als.py`) wrote into an export folder, as the newest
    /// model: every server on the database picks it up.
    Factors {
        /// The folder `movierec export ratings --out` made, with the Spark job's output.
        dir: PathBuf,
    },
}

/// `--conflicts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConflictArg {
    KeepMine,
    TakeTheirs,
    Newest,
}

impl From<ConflictArg> for crate::services::history::ConflictChoice {
    fn from(arg: ConflictArg) -> Self {
        match arg {
            ConflictArg::KeepMine => Self::KeepMine,
            ConflictArg::TakeTheirs => Self::TakeTheirs,
            ConflictArg::Newest => Self::Newest,
        }
    }
}

/// Where IMDb publishes its dumps (<https://developer.imdb.com/non-commercial-datasets/>).
const IMDB_BASICS_URL: &str = "https://datasets.imdbws.com/title.basics.tsv.gz";
const IMDB_RATINGS_URL: &str = "https://datasets.imdbws.com/title.ratings.tsv.gz";

impl From<ImportArgs> for commands::ImportOptions {
    fn from(args: ImportArgs) -> Self {
        let source = match args.source {
            ImportSource::Movielens { path } => commands::ImportSource::MovieLens(path),
            ImportSource::User {
                name,
                file,
                dry_run,
                conflicts,
            } => commands::ImportSource::User(commands::UserImport {
                name,
                file,
                dry_run,
                conflicts: conflicts.into(),
            }),
            ImportSource::Factors { dir } => commands::ImportSource::Factors(dir),
            ImportSource::Imdb {
                basics,
                ratings,
                crew,
                names,
                min_votes,
            } => commands::ImportSource::Imdb(commands::ImdbSource {
                basics: commands::Location::parse(&basics),
                ratings: commands::Location::parse(&ratings),
                crew_and_names: crew
                    .zip(names)
                    .map(|(c, n)| (commands::Location::parse(&c), commands::Location::parse(&n))),
                min_votes,
            }),
        };
        Self {
            source,
            database_url: args.database.database_url,
        }
    }
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub what: ExportWhat,
    #[command(flatten)]
    pub database: DatabaseArg,
}

#[derive(Debug, Subcommand)]
pub enum ExportWhat {
    /// The ratings, less a baseline, for Spark's ALS (`spark/als.py`), with the held-out
    /// sample to measure its model on.
    Ratings {
        /// A new or empty folder to write into.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "MOVIEREC_BIND", default_value = "127.0.0.1:8000")]
    pub bind: String,
    /// Database URL: `sqlite://PATH` or `postgres://[USER@]HOST[:PORT]/DATABASE`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/movierec.db"
    )]
    pub database_url: String,
    /// Mark session cookies `Secure` (serve behind https).
    #[arg(long, env = "MOVIEREC_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Log filter, e.g. `info` or `movierec=debug,tower_http=info`.
    #[arg(long, env = "RUST_LOG", default_value = "info")]
    pub log: String,
    /// Retrain by itself once this many ratings changed since the last model (0 = never).
    #[arg(long, env = "MOVIEREC_RETRAIN_AFTER", default_value_t = 20)]
    pub retrain_after: u64,
    /// At least this many seconds between two automatic trainings.
    #[arg(long, env = "MOVIEREC_RETRAIN_INTERVAL_SECS", default_value_t = 300)]
    pub retrain_interval_secs: u64,
    /// Train this many epochs instead of the default model's.
    #[arg(long, env = "MOVIEREC_TRAIN_EPOCHS", value_parser = clap::value_parser!(u32).range(1..))]
    pub train_epochs: Option<u32>,
    /// Seconds between checks for due retraining and for models stored by another process
    /// (`movierec train --database-url`, or other instances on the same database).
    #[arg(long, env = "MOVIEREC_MODEL_POLL_SECS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    pub model_poll_secs: u64,
    /// Seconds the training lease lasts without renewal: how long the other instances wait
    /// before taking over from an instance that died while training.
    #[arg(long, env = "MOVIEREC_LEASE_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(2..))]
    pub lease_secs: u64,
    /// Seconds between two renewals of a held lease; keep it well under `--lease-secs`.
    #[arg(long, env = "MOVIEREC_LEASE_RENEW_SECS", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..))]
    pub lease_renew_secs: u64,
    /// Reverse proxies (addresses or CIDR blocks, comma separated) whose `X-Forwarded-For`
    /// header names the client; from anyone else the header is ignored.
    #[arg(long, env = "MOVIEREC_TRUSTED_PROXIES", value_delimiter = ',', value_parser = IpNet::parse)]
    pub trusted_proxies: Vec<IpNet>,
    /// Seconds a client has to send a request's headers (slow clients are cut off).
    #[arg(long, env = "MOVIEREC_HEADER_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout_secs: u64,
    /// Seconds a client has to send a request's body.
    #[arg(long, env = "MOVIEREC_BODY_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub body_timeout_secs: u64,
    /// Seconds a kept-alive connection may stay idle.
    #[arg(long, env = "MOVIEREC_IDLE_TIMEOUT_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout_secs: u64,
    /// Open connections at most; more wait until one closes.
    #[arg(long, env = "MOVIEREC_MAX_CONNECTIONS", default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_connections: u32,
    /// Open connections one client address may hold, so one client cannot take them all
    /// (trusted proxies are exempt); more are answered 503 and closed.
    #[arg(long, env = "MOVIEREC_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_connections_per_address: u32,
    /// Password hashes computed at once, each with 19 MiB of memory (0 = one per core).
    #[arg(long, env = "MOVIEREC_MAX_CONCURRENT_HASHES", default_value_t = 0)]
    pub max_concurrent_hashes: usize,
    /// Milliseconds a log-in or registration waits for a hashing slot before 503.
    #[arg(long, env = "MOVIEREC_HASH_WAIT_MS", default_value_t = 5000)]
    pub hash_wait_ms: u64,
    /// Whether visitors may create accounts; stored as the site's setting at start-up, which
    /// administrators can change on the Admin page. Not given: the stored setting stays (a
    /// new site is open). The first account of a site may always register.
    #[arg(long, env = "MOVIEREC_REGISTRATION", value_enum)]
    pub registration: Option<crate::domain::Registration>,
    /// Accounts one client address may create per hour (0 = no limit). Raise it when many
    /// people register from one address, as a classroom behind one router does.
    #[arg(long, env = "MOVIEREC_REGISTRATIONS_PER_HOUR", default_value_t = 5)]
    pub registrations_per_hour: u32,
    #[command(flatten)]
    pub providers: ProviderArgs,
    /// Movies the background job fills with details and posters per hour, most rated
    /// first (0 = no job; a movie page still fetches its own details when viewed).
    #[arg(long, env = "MOVIEREC_ENRICH_PER_HOUR", default_value_t = 60)]
    pub enrich_per_hour: u32,
    #[command(flatten)]
    pub media_servers: MediaServerArgs,
    #[command(flatten)]
    pub radarr: RadarrArgs,
}

/// The media servers whose libraries are read (the history pull); each may also be set on
/// the Admin page.
#[derive(Debug, Clone, Args)]
pub struct MediaServerArgs {
    /// Jellyfin's address, e.g. `http://jellyfin.lan:8096`; with `--jellyfin-api-key`.
    #[arg(long, env = "MOVIEREC_JELLYFIN_URL", value_parser = server_url, requires = "jellyfin_api_key")]
    pub jellyfin_url: Option<String>,
    /// An API key made on Jellyfin's Dashboard → API Keys.
    #[arg(
        long,
        env = "MOVIEREC_JELLYFIN_API_KEY",
        hide_env_values = true,
        requires = "jellyfin_url"
    )]
    pub jellyfin_api_key: Option<String>,
    /// Plex Media Server's address, e.g. `http://plex.lan:32400`; with `--plex-token`.
    #[arg(long, env = "MOVIEREC_PLEX_URL", value_parser = server_url, requires = "plex_token")]
    pub plex_url: Option<String>,
    /// The server owner's `X-Plex-Token`.
    #[arg(
        long,
        env = "MOVIEREC_PLEX_TOKEN",
        hide_env_values = true,
        requires = "plex_url"
    )]
    pub plex_token: Option<String>,
    /// Minutes between two reads of every linked user's library (0 = only when a user asks).
    #[arg(long, env = "MOVIEREC_MEDIA_SYNC_MINUTES", default_value_t = 60)]
    pub media_sync_minutes: u64,
}

/// A server's address, checked as the Admin page checks it.
fn server_url(raw: &str) -> Result<String, String> {
    crate::providers::server::check_base_url(raw).map(|url| url.to_string())
}

impl MediaServerArgs {
    pub fn to_config(&self) -> MediaServersConfig {
        let access = |url: &Option<String>, secret: &Option<String>| {
            Some(ServerAccess {
                url: url.clone()?,
                secret: secret.as_deref()?.trim().to_owned(),
            })
            .filter(|a| !a.secret.is_empty())
        };
        MediaServersConfig {
            jellyfin: access(&self.jellyfin_url, &self.jellyfin_api_key),
            plex: access(&self.plex_url, &self.plex_token),
            sync_every: (self.media_sync_minutes > 0)
                .then(|| Duration::from_secs(self.media_sync_minutes.saturating_mul(60))),
        }
    }
}

/// Radarr, for the Request buttons. Given settings are checked against the server and
/// stored at start-up, as the Admin page stores them; not given, the stored ones stay.
#[derive(Debug, Clone, Args)]
pub struct RadarrArgs {
    /// Radarr's address, e.g. `http://radarr.lan:7878`.
    #[arg(long, env = "MOVIEREC_RADARR_URL")]
    pub radarr_url: Option<String>,
    /// Radarr's API key (Settings, General); not given: the stored key.
    #[arg(long, env = "MOVIEREC_RADARR_API_KEY", hide_env_values = true)]
    pub radarr_api_key: Option<crate::providers::radarr::ApiKey>,
    /// The quality profile requested films get, by name or id (not given: Radarr's first).
    #[arg(long, env = "MOVIEREC_RADARR_QUALITY_PROFILE")]
    pub radarr_quality_profile: Option<String>,
    /// The root folder requested films go to (not given: Radarr's first).
    #[arg(long, env = "MOVIEREC_RADARR_ROOT_FOLDER")]
    pub radarr_root_folder: Option<String>,
    /// When Radarr takes a requested film as available: announced, inCinemas or released
    /// (not given: released).
    #[arg(long, env = "MOVIEREC_RADARR_MINIMUM_AVAILABILITY")]
    pub radarr_minimum_availability: Option<crate::providers::radarr::MinimumAvailability>,
    /// Who may request films: everyone or admins.
    #[arg(long, env = "MOVIEREC_RADARR_REQUESTERS")]
    pub radarr_requesters: Option<crate::services::requests::Requesters>,
}

impl RadarrArgs {
    pub fn to_config(&self) -> crate::services::requests::RadarrConfig {
        crate::services::requests::RadarrConfig {
            url: self.radarr_url.clone(),
            api_key: self.radarr_api_key.clone(),
            quality_profile: self.radarr_quality_profile.clone(),
            root_folder: self.radarr_root_folder.clone(),
            minimum_availability: self.radarr_minimum_availability,
            requesters: self.radarr_requesters,
        }
    }
}

/// The movie-data providers. Without a key a provider is off and nothing is fetched.
#[derive(Debug, Clone, Args)]
pub struct ProviderArgs {
    /// OMDb API key (free: 1,000 requests a day): plot, cast, IMDb, Rotten Tomatoes and
    /// Metacritic scores.
    #[arg(long, env = "MOVIEREC_OMDB_API_KEY", hide_env_values = true)]
    pub omdb_api_key: Option<String>,
    /// TMDB API key (v3) or read access token (v4): posters, cast, search of any film.
    #[arg(long, env = "MOVIEREC_TMDB_API_KEY", hide_env_values = true, value_parser = TmdbKey::parse)]
    pub tmdb_api_key: Option<TmdbKey>,
    /// OMDb's address (a mirror).
    #[arg(long, env = "MOVIEREC_OMDB_URL", default_value = crate::providers::omdb::DEFAULT_URL)]
    pub omdb_url: String,
    /// TMDB's API address (a mirror).
    #[arg(long, env = "MOVIEREC_TMDB_URL", default_value = crate::providers::tmdb::DEFAULT_URL)]
    pub tmdb_url: String,
    /// TMDB's image address (a mirror).
    #[arg(long, env = "MOVIEREC_TMDB_IMAGE_URL", default_value = crate::providers::tmdb::DEFAULT_IMAGE_URL)]
    pub tmdb_image_url: String,
    /// Requests per second to each provider, at most.
    #[arg(long, env = "MOVIEREC_PROVIDER_RATE", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=40))]
    pub provider_rate: u32,
}

impl ProviderArgs {
    pub fn to_config(&self) -> ProvidersConfig {
        ProvidersConfig {
            omdb_key: self
                .omdb_api_key
                .as_deref()
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(str::to_owned),
            tmdb_key: self.tmdb_api_key.clone(),
            omdb_url: self.omdb_url.clone(),
            tmdb_url: self.tmdb_url.clone(),
            tmdb_image_url: self.tmdb_image_url.clone(),
            requests_per_second: self.provider_rate,
            ..ProvidersConfig::default()
        }
    }
}

impl ServeArgs {
    /// The web app's settings, checked; the log filter stays with the process (see `main`).
    pub fn to_config(&self) -> anyhow::Result<Config> {
        // A lease renewed no sooner than it expires would pass to another instance in the
        // middle of every training.
        anyhow::ensure!(
            self.lease_renew_secs < self.lease_secs,
            "--lease-renew-secs ({}) must be less than --lease-secs ({})",
            self.lease_renew_secs,
            self.lease_secs
        );
        Ok(Config {
            bind: self.bind.clone(),
            database_url: self.database_url.clone(),
            database_pool: crate::store::PoolLimits::default(),
            secure_cookies: self.secure_cookies,
            training: TrainingConfig {
                retrain_after: self.retrain_after,
                retrain_interval: Duration::from_secs(self.retrain_interval_secs),
                epochs: self.train_epochs.map(|e| e as usize),
                learning_rate: None,
                poll_interval: Duration::from_secs(self.model_poll_secs),
                lease: LeaseConfig {
                    length: Duration::from_secs(self.lease_secs),
                    renew_every: Duration::from_secs(self.lease_renew_secs),
                },
            },
            trusted_proxies: self.trusted_proxies.clone(),
            hashing: HashingLimits {
                concurrent: match self.max_concurrent_hashes {
                    0 => HashingLimits::default().concurrent,
                    n => n,
                },
                max_wait: Duration::from_millis(self.hash_wait_ms),
            },
            server: ServerLimits {
                header_timeout: Duration::from_secs(self.header_timeout_secs),
                body_timeout: Duration::from_secs(self.body_timeout_secs),
                idle_timeout: Duration::from_secs(self.idle_timeout_secs),
                max_connections: self.max_connections as usize,
                max_connections_per_address: self.max_connections_per_address as usize,
            },
            registration: self.registration,
            registrations_per_hour: self.registrations_per_hour,
            providers: self.providers.to_config(),
            enrich_per_hour: self.enrich_per_hour,
            media_servers: self.media_servers.to_config(),
            radarr: self.radarr.to_config(),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelKind {
    /// The rating model (SGD) and the implicit-feedback model (weighted ALS on what each user
    /// rated), ranked by their blend: the app's model.
    Hybrid,
    /// The implicit-feedback model alone (predicts no ratings, so reports no RMSE).
    Ials,
    Baseline,
    Sgd,
    Als,
    /// Most-rated items first: a ranker to compare with in `eval` (it predicts no ratings, so
    /// reports no RMSE); `train` refuses it.
    Popularity,
}

/// Hyper-parameters; unset ones take the engine's documented defaults for the model.
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    #[arg(long, value_enum, default_value = "hybrid")]
    pub model: ModelKind,
    #[arg(long)]
    pub factors: Option<usize>,
    #[arg(long)]
    pub epochs: Option<usize>,
    #[arg(long)]
    pub lr: Option<f32>,
    #[arg(long)]
    pub reg: Option<f32>,
    /// Bias regularisation.
    #[arg(long)]
    pub reg_bias: Option<f32>,
    /// Ranking weight of an item's rating count (0 = rank by predicted rating alone).
    #[arg(long)]
    pub popularity_weight: Option<f32>,
    /// The hybrid's weight of the predicted rating beside the implicit score (unset: tuned on
    /// a held-out tenth of the training ratings).
    #[arg(long)]
    pub blend: Option<f32>,
    /// Seconds the hybrid may spend choosing its implicit-feedback factors, regularisation and
    /// unobserved weight on a held-out tenth of the training ratings, starting from the values
    /// given (or, training from a database, from the last training's choice); 0 keeps them.
    /// Unset: 20, or 0 when any of the three is given.
    #[arg(long, value_parser = non_negative_seconds)]
    pub search_seconds: Option<f32>,
    /// The hybrid's implicit-feedback factors.
    #[arg(long)]
    pub ials_factors: Option<usize>,
    /// The hybrid's implicit-feedback epochs.
    #[arg(long)]
    pub ials_epochs: Option<usize>,
    /// The hybrid's implicit-feedback regularisation.
    #[arg(long)]
    pub ials_reg: Option<f32>,
    /// Exponent of the implicit regularisation's frequency scaling.
    #[arg(long)]
    pub ials_reg_exponent: Option<f32>,
    /// Weight of unobserved pairs in the implicit model (α₀).
    #[arg(long)]
    pub ials_unobserved: Option<f32>,
    /// Extra weight of an observed pair in the implicit model.
    #[arg(long)]
    pub ials_alpha: Option<f32>,
    /// How much a higher rating adds to an observed pair's weight (0 = binarised).
    #[arg(long)]
    pub ials_rating_weight: Option<f32>,
    /// Conjugate-gradient steps per row (0 = exact solves).
    #[arg(long)]
    pub ials_cg_steps: Option<usize>,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Training ratings (u.data, ratings.dat or ratings.csv).
    #[arg(long, requires = "test", conflicts_with = "ratings")]
    pub train: Option<PathBuf>,
    /// Test ratings, same formats.
    #[arg(long, requires = "train")]
    pub test: Option<PathBuf>,
    /// All ratings, split into `--folds` folds.
    #[arg(long, required_unless_present = "train")]
    pub ratings: Option<PathBuf>,
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Test ratings at or above this count as relevant in the top-N metrics.
    #[arg(long, default_value_t = 4.0)]
    pub relevant: f32,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Print one JSON object per run on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Either a ratings file to a model file, or the app's database to a stored model.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["ratings", "database_url"])))]
pub struct TrainArgs {
    /// Ratings file (u.data, ratings.dat or ratings.csv).
    #[arg(long, requires = "out")]
    pub ratings: Option<PathBuf>,
    /// Where to write the model file.
    #[arg(long, requires = "ratings")]
    pub out: Option<PathBuf>,
    /// Train on every rating in the app's database and store the model there; a running
    /// server picks it up within `--model-poll-secs`.
    #[arg(long, conflicts_with = "ratings")]
    pub database_url: Option<String>,
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(Debug, Args)]
pub struct RecommendArgs {
    /// A model file written by `movierec train`.
    #[arg(long)]
    pub model: PathBuf,
    /// The user's id as it appears in the ratings file.
    #[arg(long)]
    pub user: String,
    /// Ratings file (usually the one the model was trained on): the user's rated items are left
    /// out, and a user the model has not seen is folded in from it.
    #[arg(long)]
    pub ratings: Option<PathBuf>,
    #[arg(short, long, default_value_t = 10)]
    pub n: usize,
}

impl From<ModelKind> for commands::ModelKind {
    fn from(kind: ModelKind) -> Self {
        match kind {
            ModelKind::Hybrid => Self::Hybrid,
            ModelKind::Ials => Self::Ials,
            ModelKind::Baseline => Self::Baseline,
            ModelKind::Sgd => Self::Sgd,
            ModelKind::Als => Self::Als,
            ModelKind::Popularity => Self::Popularity,
        }
    }
}

impl From<ModelArgs> for commands::ModelOptions {
    fn from(args: ModelArgs) -> Self {
        Self {
            model: args.model.into(),
            factors: args.factors,
            epochs: args.epochs,
            lr: args.lr,
            reg: args.reg,
            reg_bias: args.reg_bias,
            popularity_weight: args.popularity_weight,
            blend: args.blend,
            search_seconds: args.search_seconds,
            implicit: commands::ImplicitOptions {
                factors: args.ials_factors,
                epochs: args.ials_epochs,
                reg: args.ials_reg,
                reg_exponent: args.ials_reg_exponent,
                unobserved_weight: args.ials_unobserved,
                alpha: args.ials_alpha,
                rating_weight: args.ials_rating_weight,
                cg_steps: args.ials_cg_steps,
            },
            seed: args.seed,
            threads: args.threads,
        }
    }
}

impl From<EvalArgs> for commands::EvalOptions {
    fn from(args: EvalArgs) -> Self {
        Self {
            train: args.train,
            test: args.test,
            ratings: args.ratings,
            folds: args.folds,
            relevant: args.relevant,
            model: args.model.into(),
            json: args.json,
        }
    }
}

impl From<TrainArgs> for commands::TrainOptions {
    fn from(args: TrainArgs) -> Self {
        Self {
            ratings: args.ratings,
            out: args.out,
            database_url: args.database_url,
            model: args.model.into(),
        }
    }
}

impl From<RecommendArgs> for commands::RecommendOptions {
    fn from(args: RecommendArgs) -> Self {
        Self {
            model: args.model,
            user: args.user,
            ratings: args.ratings,
            n: args.n,
        }
    }
}

/// A time budget: a finite number of seconds, 0 or more.
fn non_negative_seconds(value: &str) -> Result<f32, String> {
    match value.parse::<f32>() {
        Ok(s) if s.is_finite() && s >= 0.0 => Ok(s),
        _ => Err(format!("'{value}' is not a number of seconds (0 or more)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn a_lease_renewed_no_sooner_than_it_expires_is_refused() {
        let args = serve_args(&["movierec", "--lease-secs", "5", "--lease-renew-secs", "5"]);
        let err = args.to_config().unwrap_err();
        assert_eq!(
            err.to_string(),
            "--lease-renew-secs (5) must be less than --lease-secs (5)"
        );
        let args = serve_args(&["movierec", "--lease-secs", "5", "--lease-renew-secs", "4"]);
        assert!(args.to_config().is_ok());
    }

    #[test]
    fn radarrs_options_are_read_and_its_key_never_printed() {
        let key = "0123456789abcdef0123456789abcdef";
        let args = serve_args(&[
            "movierec",
            "--radarr-url",
            "http://radarr.lan:7878",
            "--radarr-api-key",
            key,
            "--radarr-quality-profile",
            "HD-1080p",
            "--radarr-root-folder",
            "/movies",
            "--radarr-minimum-availability",
            "inCinemas",
            "--radarr-requesters",
            "admins",
        ]);
        let config = args.to_config().unwrap().radarr;
        assert_eq!(config.url.as_deref(), Some("http://radarr.lan:7878"));
        assert_eq!(
            config.api_key.as_ref().map(|k| k.masked()).as_deref(),
            Some("••••cdef")
        );
        assert_eq!(config.quality_profile.as_deref(), Some("HD-1080p"));
        assert_eq!(config.root_folder.as_deref(), Some("/movies"));
        assert_eq!(
            config.minimum_availability,
            Some(crate::providers::radarr::MinimumAvailability::InCinemas)
        );
        assert_eq!(
            config.requesters,
            Some(crate::services::requests::Requesters::Admins)
        );
        assert!(!format!("{args:?}").contains(key));
        assert!(!parses(&[
            "movierec",
            "--radarr-minimum-availability",
            "soon"
        ]));
        assert!(!parses(&["movierec", "--radarr-requesters", "friends"]));
        // Not given: nothing to store, the stored settings stay.
        let config = serve_args(&["movierec"]).to_config().unwrap().radarr;
        assert!(config.url.is_none() && config.api_key.is_none() && config.requesters.is_none());
    }

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    fn parses(args: &[&str]) -> bool {
        Cli::try_parse_from(args).is_ok()
    }

    fn serve_args(args: &[&str]) -> ServeArgs {
        match Cli::try_parse_from(args).map(Cli::into_command) {
            Ok(Command::Serve(serve)) => *serve,
            other => panic!("{args:?} should serve, got {other:?}"),
        }
    }

    fn eval_run(args: &[&str]) -> crate::services::training::RunOptions {
        let Ok(Command::Eval(eval)) = Cli::try_parse_from(args).map(Cli::into_command) else {
            panic!("{args:?} should evaluate");
        };
        match commands::inputs::fit_of(&commands::EvalOptions::from(eval).model) {
            commands::inputs::Fit::Model(_, run) => run,
            _ => panic!("{args:?} should fit a model"),
        }
    }

    #[test]
    fn the_search_keeps_implicit_values_given_unless_a_budget_is_given_too() {
        let base = ["movierec", "eval", "--ratings", "r.csv"];
        let with = |extra: &[&str]| eval_run(&[&base[..], extra].concat());
        // Unset: the engine's budget.
        assert_eq!(with(&[]).search_seconds, None);
        assert_eq!(with(&["--ials-reg", "0.05"]).search_seconds, Some(0.0));
        let both = with(&["--ials-factors", "32", "--search-seconds", "5"]);
        assert_eq!(both.search_seconds, Some(5.0));
        assert!(!parses(&[&base[..], &["--search-seconds", "-1"]].concat()));
        assert!(!parses(&[&base[..], &["--search-seconds", "inf"]].concat()));
    }

    #[test]
    fn no_subcommand_serves_with_serve_flags() {
        let given = serve_args(&["movierec", "--bind", "0.0.0.0:9000", "--retrain-after", "3"]);
        assert_eq!(given.bind, "0.0.0.0:9000");
        assert_eq!(given.retrain_after, 3);
        // Bare, it serves too; the defaults may come from the environment, so only the
        // shape is checked.
        serve_args(&["movierec"]);
        let explicit = serve_args(&["movierec", "serve", "--bind", "127.0.0.1:1"]);
        assert_eq!(explicit.bind, "127.0.0.1:1");
        // Serve's flags do not go before another subcommand.
        assert!(!parses(&[
            "movierec",
            "--bind",
            "x",
            "eval",
            "--ratings",
            "r.csv"
        ]));
    }

    #[test]
    fn serve_flags_become_the_config() {
        let config = serve_args(&[
            "movierec",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            "sqlite://x.db",
            "--retrain-interval-secs",
            "60",
            "--train-epochs",
            "4",
            "--model-poll-secs",
            "2",
        ])
        .to_config()
        .unwrap();
        assert_eq!(config.bind, "127.0.0.1:0");
        assert_eq!(config.database_url, "sqlite://x.db");
        assert_eq!(config.training.retrain_interval, Duration::from_secs(60));
        assert_eq!(config.training.epochs, Some(4));
        assert_eq!(config.training.poll_interval, Duration::from_secs(2));
    }

    #[test]
    fn provider_flags_become_the_providers_config() {
        let config = serve_args(&[
            "movierec",
            "--omdb-api-key",
            " abc123 ",
            "--tmdb-api-key",
            "0123456789abcdef0123456789abcdef",
            "--tmdb-url",
            "http://127.0.0.1:9/tmdb",
            "--provider-rate",
            "3",
        ])
        .to_config()
        .unwrap();
        assert_eq!(config.providers.omdb_key.as_deref(), Some("abc123"));
        assert_eq!(
            config.providers.tmdb_key,
            Some(TmdbKey::V3("0123456789abcdef0123456789abcdef".into()))
        );
        assert_eq!(config.providers.tmdb_url, "http://127.0.0.1:9/tmdb");
        assert_eq!(
            config.providers.omdb_url,
            crate::providers::omdb::DEFAULT_URL
        );
        assert_eq!(config.providers.requests_per_second, 3);
        // A blank key is no key.
        let blank = serve_args(&["movierec", "--omdb-api-key", " "])
            .to_config()
            .unwrap();
        assert_eq!(blank.providers.omdb_key, None);
        assert!(!parses(&["movierec", "--provider-rate", "0"]));
        assert!(parses(&[
            "m",
            "enrich",
            "--limit",
            "5",
            "--database-url",
            "sqlite://x.db"
        ]));
    }

    #[test]
    fn catalog_merge_takes_two_movie_ids() {
        assert!(parses(&["m", "catalog", "duplicates"]));
        assert!(parses(&["m", "catalog", "merge", "12", "34"]));
        assert!(!parses(&["m", "catalog", "merge", "12"]));
        assert!(!parses(&["m", "catalog", "merge", "12", "x"]));
        assert!(!parses(&["m", "catalog", "merge", "0", "3"]));
    }

    #[test]
    fn train_takes_a_file_pair_or_a_database() {
        assert!(parses(&[
            "m",
            "train",
            "--ratings",
            "r.csv",
            "--out",
            "m.bin"
        ]));
        assert!(parses(&["m", "train", "--database-url", "sqlite://x.db"]));
        assert!(!parses(&["m", "train"]));
        assert!(!parses(&["m", "train", "--ratings", "r.csv"]));
        assert!(!parses(&["m", "train", "--out", "m.bin"]));
        assert!(!parses(&[
            "m",
            "train",
            "--ratings",
            "r.csv",
            "--out",
            "m.bin",
            "--database-url",
            "sqlite://x.db"
        ]));
    }
}
