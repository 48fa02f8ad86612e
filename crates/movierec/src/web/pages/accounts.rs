//! Register, log in, log out.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::domain::{Password, Username};
use crate::services::accounts;
use crate::web::AppState;
use crate::web::client::ClientAddr;
use crate::web::error::AppError;
use crate::web::session::{DeviceToken, MaybeUser, SessionUser, device_cookie, safe_next};

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
    let context: Vec<&str> = username.iter().map(Username::as_str).collect();
    let password = Password::parse(form.password.clone(), &context)
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
    let registration = accounts::Registration { username, password };
    match accounts::register(&state.pool, &state.hasher, registration).await? {
        accounts::RegisterOutcome::NameTaken => {
            let errors = RegisterErrors {
                username: Some("That username is taken.".into()),
                ..RegisterErrors::default()
            };
            redisplay(errors, StatusCode::CONFLICT)
        }
        accounts::RegisterOutcome::Created(account) => {
            start_session(&state, &session, account, "/").await
        }
    }
}

/// Logs the browser in and remembers it as a known browser of the account.
async fn start_session(
    state: &AppState,
    session: &Session,
    account: accounts::LoggedIn,
    next: &str,
) -> Result<Response, AppError> {
    SessionUser {
        id: account.id,
        username: account.username,
    }
    .log_in(session)
    .await?;
    let cookie = device_cookie(&account.device_token, state.secure_cookies);
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(next)).into_response())
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
    ClientAddr(address): ClientAddr,
    DeviceToken(device_token): DeviceToken,
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
    let attempt = accounts::LogInAttempt {
        username: page.username.clone(),
        password: form.password,
        address: ClientAddr(address).bucket(),
        device_token,
    };
    match accounts::log_in(&state.pool, &state.hasher, attempt).await? {
        accounts::LogInOutcome::LoggedIn(account) => {
            start_session(&state, &session, account, &next).await
        }
        accounts::LogInOutcome::WrongCredentials => {
            page.error = Some("Wrong username or password.".into());
            Ok((StatusCode::UNAUTHORIZED, page).into_response())
        }
        accounts::LogInOutcome::Throttled { retry_after_secs } => {
            let minutes = (retry_after_secs + 59) / 60;
            page.error = Some(format!(
                "Too many attempts, try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            ));
            let retry_after = [(header::RETRY_AFTER, retry_after_secs.to_string())];
            Ok((StatusCode::TOO_MANY_REQUESTS, retry_after, page).into_response())
        }
    }
}

pub async fn logout(session: Session) -> Result<Redirect, AppError> {
    SessionUser::log_out(&session).await?;
    Ok(Redirect::to("/"))
}
