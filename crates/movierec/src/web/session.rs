//! Who is logged in, as kept in the session.

use crate::store::Db;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::error::AppError;
use super::state::AppState;
use crate::domain::UserId;
use crate::store;

const ACCOUNT_KEY: &str = "account";
/// The day (days since the epoch) of the last visit recorded in the session.
const SEEN_DAY_KEY: &str = "seen_day";
/// The key of the session's re-authentication allowance.
const REAUTH_KEY: &str = "reauth_key";

/// What the session keeps: which account, and its session stamp at log-in.
#[derive(Debug, Serialize, Deserialize)]
struct SessionAccount {
    id: UserId,
    stamp: String,
}

/// The logged-in account, as the database has it at this request: a role granted or
/// revoked, a password changed or an account deleted take effect at the next request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionUser {
    pub id: UserId,
    pub username: String,
    pub is_admin: bool,
}

impl SessionUser {
    /// The session's account, or `None` when not logged in or when the session is over
    /// because its account is gone or its password changed since (the session is then
    /// deleted).
    pub async fn from_session(session: &Session, pool: &Db) -> sqlx::Result<Option<Self>> {
        // A session that cannot be read is treated as logged out rather than an error.
        let Some(key) = session
            .get::<SessionAccount>(ACCOUNT_KEY)
            .await
            .ok()
            .flatten()
        else {
            return Ok(None);
        };
        match store::users::find_for_session(pool, key.id).await? {
            Some(account) if account.session_stamp == key.stamp => {
                mark_visit(session).await;
                Ok(Some(Self {
                    id: key.id,
                    username: account.username,
                    is_admin: account.is_admin,
                }))
            }
            _ => {
                // Failing to delete it is harmless: it stays unusable and expires.
                let _ = session.flush().await;
                Ok(None)
            }
        }
    }

    /// Starts a logged-in session under a fresh id, so an id planted before log-in is
    /// worthless afterwards. `stamp` is the account's session stamp.
    pub async fn log_in(session: &Session, id: UserId, stamp: String) -> Result<(), AppError> {
        session.cycle_id().await?;
        session
            .insert(ACCOUNT_KEY, SessionAccount { id, stamp })
            .await?;
        Ok(())
    }

    pub async fn log_out(session: &Session) -> Result<(), AppError> {
        session.flush().await?;
        Ok(())
    }
}

/// Sessions expire after a stretch of inactivity, but the store only pushes the expiry
/// back when a session is saved. Saving on every request would be a database write per
/// page view, so a logged-in session is saved on its first visit of each day instead.
async fn mark_visit(session: &Session) {
    let today = crate::store::now() / 86_400;
    let seen: Option<i64> = session.get(SEEN_DAY_KEY).await.ok().flatten();
    if seen != Some(today) {
        // Failing to extend the expiry is not worth failing the request for.
        let _ = session.insert(SEEN_DAY_KEY, today).await;
    }
}

/// The session's key to its own allowance for re-authentication (see
/// [`crate::services::membership::check_password`]): random, made on first use and kept
/// with the session on the server, so a client can neither choose it nor start afresh
/// without logging in again.
pub async fn reauthentication_key(session: &Session) -> Result<String, AppError> {
    if let Some(key) = session.get::<String>(REAUTH_KEY).await? {
        return Ok(key);
    }
    let key = crate::services::membership::new_session_stamp()?;
    session.insert(REAUTH_KEY, &key).await?;
    Ok(key)
}

/// The visitor's account, if logged in.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<SessionUser>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Looked up once per request however many extractors ask.
        if let Some(known) = parts.extensions.get::<Self>() {
            return Ok(known.clone());
        }
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let user = SessionUser::from_session(&session, &state.pool)
            .await
            .map_err(|e| AppError::from(e).into_response())?;
        parts.extensions.insert(Self(user.clone()));
        Ok(Self(user))
    }
}

/// The visitor's account; pages send visitors who are not logged in to the log-in page
/// and come back afterwards, the API answers 401.
#[derive(Debug, Clone)]
pub struct RequireUser(pub SessionUser);

impl FromRequestParts<AppState> for RequireUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let MaybeUser(user) = MaybeUser::from_request_parts(parts, state).await?;
        match user {
            Some(user) => Ok(Self(user)),
            None if parts.uri.path().starts_with("/api/") => {
                Err(AppError::unauthorized("Log in first.").into_response())
            }
            None => {
                let back = if parts.method == axum::http::Method::GET {
                    parts.uri.path_and_query().map(|pq| pq.as_str().to_owned())
                } else {
                    // A form posted after the session ended: return to the page it was on.
                    referer_path(parts)
                };
                let back = safe_next(back.as_deref());
                let target = format!("/login?next={}", encode_component(&back));
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

/// The `movierec_device` cookie: a random token a browser gets when it logs in, which
/// makes it a known browser of that account (see [`crate::services::accounts`]).
const DEVICE_COOKIE: &str = "movierec_device";

/// The device token the browser sent, if any.
#[derive(Debug, Clone)]
pub struct DeviceToken(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for DeviceToken {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == DEVICE_COOKIE)
            .map(|(_, value)| value.to_owned())
            // Tokens are 64 hex digits; anything else was not set by us.
            .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()));
        Ok(Self(token))
    }
}

/// The `Set-Cookie` value that keeps `token` in the browser for a year.
pub fn device_cookie(token: &str, secure: bool) -> axum::http::HeaderValue {
    let max_age = crate::services::accounts::DEVICE_TOKEN_DAYS * 86_400;
    let secure = if secure { "; Secure" } else { "" };
    let value = format!(
        "{DEVICE_COOKIE}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    );
    // Hex digits and fixed text only.
    axum::http::HeaderValue::from_str(&value)
        .unwrap_or_else(|_| axum::http::HeaderValue::from_static(""))
}

/// A logged-in administrator: visitors who are not logged in are treated as by
/// [`RequireUser`], other accounts get 403.
#[derive(Debug, Clone)]
pub struct RequireAdmin(pub SessionUser);

impl FromRequestParts<AppState> for RequireAdmin {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let RequireUser(user) = RequireUser::from_request_parts(parts, state).await?;
        if user.is_admin {
            Ok(Self(user))
        } else {
            Err(AppError::forbidden(
                "Only the site's administrators can do this. \
                 Ask one of them if you need it done.",
            )
            .into_response())
        }
    }
}

/// The path of the `Referer` when it is a page of this site.
fn referer_path(parts: &Parts) -> Option<String> {
    let referer = parts.headers.get(header::REFERER)?.to_str().ok()?;
    let host = parts.headers.get(header::HOST)?.to_str().ok()?;
    let rest = referer
        .strip_prefix("http://")
        .or_else(|| referer.strip_prefix("https://"))?;
    let path = rest.strip_prefix(host)?;
    path.starts_with('/').then(|| path.to_owned())
}

/// A local path to return to after a form, or `/` when `next` is missing or points
/// elsewhere (an open redirect would let other sites borrow our address).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Bytes a query-string value keeps as they are: letters, digits, `-_.~` and `/` (a path
/// stays readable in `?next=`).
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// Percent-encodes a query-string value.
pub fn encode_component(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, QUERY_VALUE).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_stay_on_this_site() {
        assert_eq!(safe_next(Some("/movies/3?x=1")), "/movies/3?x=1");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "evil",
            "/a\nb",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn encodes_query_values() {
        assert_eq!(
            encode_component("/my/ratings?page=2&sort=title"),
            "/my/ratings%3Fpage%3D2%26sort%3Dtitle"
        );
    }
}
