//! Building and running the web app.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::store::Db;
use anyhow::Context;
use axum::Router;
use axum::http::{self, HeaderValue};
use axum::middleware;
use tokio::net::TcpListener;
use tower_http::csrf::CsrfLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time;
use tower_sessions::{Expiry, SessionManagerLayer};
use tracing::Level;

use crate::config::Config;
use crate::domain::IpNet;
use crate::http_server::{self, ServerLimits};
use crate::jobs::Trainer;
use crate::providers::Providers;
use crate::services::accounts::Hasher;
use crate::store;
use crate::store::sessions::DbSessionStore;
use crate::web;
use crate::web::state::{AppState, Caches, Settings};

/// Sessions end after this long without a visit.
const SESSION_IDLE_DAYS: i64 = 14;

pub struct Application {
    port: u16,
    limits: ServerLimits,
    /// Reverse proxies, exempt from the per-address connection cap.
    proxies: Vec<IpNet>,
    listener: TcpListener,
    router: Router,
    session_store: DbSessionStore,
    pool: Db,
    trainer: Arc<Trainer>,
    providers: Providers,
    enrich_per_hour: u32,
    media_sync: Option<Duration>,
}

impl Application {
    /// Opens and migrates the database, loads the catalog if needed and binds the
    /// listener; the app serves once [`Application::run_until_stopped`] is called.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let pool = store::connect_with(&config.database_url, &config.database_pool).await?;
        crate::services::catalog::seed::load_catalog(&pool).await?;
        crate::services::membership::init_registration(&pool, config.registration)
            .await
            .context("cannot store the registration setting")?;
        crate::services::media_servers::pull::init_connections(&pool, &config.media_servers)
            .await
            .context("cannot store the media-server connections")?;
        crate::services::requests::init_connection(&pool, &config.radarr)
            .await
            .context("cannot store the Radarr settings")?;

        let session_store = DbSessionStore::new(pool.clone());
        let sessions = SessionManagerLayer::new(session_store.clone())
            .with_name("movierec_session")
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(config.secure_cookies)
            .with_expiry(Expiry::OnInactivity(time::Duration::days(
                SESSION_IDLE_DAYS,
            )));

        let providers =
            Providers::new(&config.providers).context("cannot set up the movie-data providers")?;
        // Bounded by the providers' timeout; a refused key is logged here, at start-up.
        providers.check_keys().await;

        let hasher = Arc::new(Hasher::new(&config.hashing));
        hasher.warm_up().await?;
        let models = Arc::default();
        let trainer = Arc::new(Trainer::new(
            pool.clone(),
            Arc::clone(&models),
            config.training.clone(),
        ));
        trainer.load_or_train().await?;
        let state = AppState {
            pool: pool.clone(),
            models,
            trainer: Arc::clone(&trainer),
            hasher,
            history_parsing: Arc::new(crate::services::history::HistoryParsing::for_this_machine()),
            providers: providers.clone(),
            search: Arc::default(),
            caches: Caches::default(),
            settings: Settings {
                trusted_proxies: config.trusted_proxies.clone().into(),
                secure_cookies: config.secure_cookies,
                registrations_per_hour: config.registrations_per_hour,
            },
        };
        // Built before the first request rather than by it: at tens of thousands of films
        // the search index takes a second or so, and every request arriving meanwhile would
        // wait for it.
        state.search.current(&pool).await?;
        state
            .caches
            .critics
            .top(&pool, web::pages::home::TOP_RATED)
            .await?;
        // Outermost last: trace → security headers → sessions → error pages → CSRF check →
        // body limit (the upload's; `web::routes` holds other routes to less) → body timeout →
        // routes.
        let router = web::routes(state.clone())
            .layer(RequestBodyTimeoutLayer::new(config.server.body_timeout))
            .layer(RequestBodyLimitLayer::new(web::MAX_UPLOAD_BODY_BYTES))
            .layer(CsrfLayer::new())
            .layer(middleware::from_fn_with_state(
                state,
                web::error_page::render_errors,
            ))
            .layer(sessions);
        let router = with_security_headers(router).layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        );

        let listener = TcpListener::bind(&config.bind)
            .await
            .with_context(|| format!("cannot listen on {}", config.bind))?;
        let port = listener.local_addr()?.port();
        Ok(Self {
            port,
            limits: config.server.clone(),
            proxies: config.trusted_proxies.clone(),
            listener,
            router,
            session_store,
            pool,
            trainer,
            providers,
            enrich_per_hour: config.enrich_per_hour,
            media_sync: config.media_servers.sync_every,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The app's database pool, for in-process tests that need to hold its connections.
    pub fn pool(&self) -> &Db {
        &self.pool
    }

    /// The routes with every layer, as the listener serves them: for driving the app
    /// in-process (`tower::ServiceExt::oneshot`) where a socket adds nothing.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// Serves until Ctrl-C (or SIGTERM), then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let cleanup = tokio::spawn(
            self.session_store
                .delete_expired_every(Duration::from_secs(3600)),
        );
        let watcher = tokio::spawn(Arc::clone(&self.trainer).watch());
        let enricher = tokio::spawn(crate::jobs::enrichment::background(
            self.pool.clone(),
            self.providers.clone(),
            self.enrich_per_hour,
        ));
        let media_sync = tokio::spawn(crate::jobs::media_sync::background(
            self.pool.clone(),
            self.media_sync,
        ));
        // However serving ends (even by this future being dropped), a running training stops
        // after its epoch and the watcher with it.
        let stop = StopOnDrop(self.trainer, watcher);
        tracing::info!(port = self.port, "listening");
        http_server::serve(
            self.listener,
            self.router,
            self.limits,
            self.proxies,
            shutdown,
        )
        .await;
        cleanup.abort();
        enricher.abort();
        media_sync.abort();
        // A training stopped now stores nothing; the previous model serves after a restart.
        drop(stop);
        // Closing checkpoints the write-ahead log, leaving one tidy database file.
        self.pool.close().await;
        Ok(())
    }
}

struct StopOnDrop(Arc<Trainer>, tokio::task::JoinHandle<()>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.stop();
        self.1.abort();
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// Headers on every response. The policy allows only our own script, styles and forms,
/// and no framing, so no other site can overlay a one-click rating form (clickjacking).
fn with_security_headers(router: Router) -> Router {
    let header =
        |name, value| SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value));
    router
        .layer(header(
            http::header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ))
        .layer(header(http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(http::header::X_FRAME_OPTIONS, "DENY"))
        .layer(header(http::header::REFERRER_POLICY, "same-origin"))
        // Pages and API answers are personal: no cache, shared or private, keeps them.
        // Static files set their own policy.
        .layer(header(http::header::CACHE_CONTROL, "no-store"))
}

/// `movierec serve`: runs the app until it is stopped.
pub fn serve(config: Config) -> anyhow::Result<()> {
    let runtime = crate::runtime()?;
    runtime.block_on(async {
        let app = Application::build(config).await?;
        app.run_until_stopped().await
    })
}
