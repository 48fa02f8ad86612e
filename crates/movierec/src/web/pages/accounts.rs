//! Register, log in, log out.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::net::SocketAddr;
use tower_sessions::Session;

use crate::domain::{Password, Username};
use crate::services::accounts;
use crate::store;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::session::{MaybeUser, SessionUser, safe_next};

#[derive(Debug, Default)]
pub struct RegisterErrors {
    username: Option<String>,
    password: Option<String>,
    confirm: Option<String>,
}

impl RegisterErrors {
    fn any(&self) -> bool {
        self.username.is_some() || self.password.is_some() || self.confirm.is_some()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "register.html")]
pub struct RegisterPage {
    user: Option<SessionUser>,
    username: String,
    errors: RegisterErrors,
}

#[derive(Debug, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn register_form(MaybeUser(user): MaybeUser) -> Response {
    if user.is_some() {
        return Redirect::to("/").into_response();
    }
    RegisterPage {
        user,
        username: String::new(),
        errors: RegisterErrors::default(),
    }
    .into_response()
}

pub async fn register(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<RegisterForm>,
) -> Result<Response, AppError> {
    let mut errors = RegisterErrors::default();
    let username = Username::parse(&form.username)
        .map_err(|e| errors.username = Some(e))
        .ok();
    let password = Password::parse(form.password.clone())
        .map_err(|e| errors.password = Some(e))
        .ok();
    if errors.password.is_none() && form.confirm != form.password {
        errors.confirm = Some("The two passwords differ.".into());
    }
    let redisplay = |errors: RegisterErrors, status: StatusCode| {
        let page = RegisterPage {
            user: None,
            username: form.username.trim().to_owned(),
            errors,
        };
        Ok((status, page).into_response())
    };
    let (Some(username), Some(password), false) = (username, password, errors.any()) else {
        return redisplay(errors, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let hash = accounts::hash_password(password).await?;
    let created =
        store::users::create(&state.pool, username.as_str(), &username.lower(), &hash).await?;
    let Some(id) = created else {
        let errors = RegisterErrors {
            username: Some("That username is taken.".into()),
            ..RegisterErrors::default()
        };
        return redisplay(errors, StatusCode::CONFLICT);
    };
    tracing::info!(user_id = id, "account created");
    SessionUser {
        id,
        username: username.to_string(),
    }
    .log_in(&session)
    .await?;
    Ok(Redirect::to("/").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    user: Option<SessionUser>,
    username: String,
    next: String,
    error: Option<String>,
    username_error: Option<String>,
    password_error: Option<String>,
}

impl LoginPage {
    fn blank(next: String) -> Self {
        Self {
            user: None,
            username: String::new(),
            next,
            error: None,
            username_error: None,
            password_error: None,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_form(MaybeUser(user): MaybeUser, Query(query): Query<NextQuery>) -> Response {
    let next = safe_next(query.next.as_deref());
    if user.is_some() {
        return Redirect::to(&next).into_response();
    }
    LoginPage::blank(next).into_response()
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let next = safe_next(form.next.as_deref());
    let mut page = LoginPage::blank(next.clone());
    page.username = form.username.trim().to_owned();
    if page.username.is_empty() {
        page.username_error = Some("Enter your username.".into());
    }
    if form.password.is_empty() {
        page.password_error = Some("Enter your password.".into());
    }
    if page.username_error.is_some() || page.password_error.is_some() {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    // No format check here: whatever was typed is only a lookup key.
    let key = page.username.to_lowercase();
    let ip = peer.ip().to_string();
    if let Some(minutes) = accounts::throttled_for_minutes(&state.pool, &key, &ip).await? {
        page.error = Some(format!(
            "Too many attempts, try again in {minutes} minute{}.",
            if minutes == 1 { "" } else { "s" }
        ));
        return Ok((StatusCode::TOO_MANY_REQUESTS, page).into_response());
    }
    let record = store::users::find_for_login(&state.pool, &key).await?;
    let (stored_hash, account) = match record {
        Some(r) => (r.password_hash, Some((r.id, r.username))),
        None => (None, None),
    };
    let ok = accounts::verify_password(form.password, stored_hash).await?;
    let Some((id, username)) = account.filter(|_| ok) else {
        accounts::record_failure(&state.pool, &key, &ip).await?;
        page.error = Some("Wrong username or password.".into());
        return Ok((StatusCode::UNAUTHORIZED, page).into_response());
    };
    store::login_attempts::clear_for_user(&state.pool, &key).await?;
    SessionUser { id, username }.log_in(&session).await?;
    Ok(Redirect::to(&next).into_response())
}

pub async fn logout(session: Session) -> Result<Redirect, AppError> {
    SessionUser::log_out(&session).await?;
    Ok(Redirect::to("/"))
}
