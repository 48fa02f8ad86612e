//! Register, log in, log out; the account page (change the password, delete the account).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::domain::{Password, UserId};
use crate::services::accounts::RegisterRefusal;
use crate::services::{accounts, membership};
use crate::web::client::ClientAddr;
use crate::web::error::AppError;
use crate::web::session::{
    DeviceToken, MaybeUser, RequireUser, SessionUser, device_cookie, reauthentication_key,
    safe_next,
};
use crate::web::state::AppState;

#[derive(Debug, Default)]
pub struct RegisterErrors {
    /// About the whole form rather than one field.
    form: Option<String>,
    username: Option<String>,
    password: Option<String>,
    confirm: Option<String>,
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

pub async fn register_form(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
) -> Result<Response, AppError> {
    if user.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    if !membership::may_register(&state.pool).await? {
        return Err(registration_closed());
    }
    Ok(RegisterPage {
        user,
        username: String::new(),
        errors: RegisterErrors::default(),
    }
    .into_response())
}

fn registration_closed() -> AppError {
    AppError::forbidden(
        "Registration is closed on this site. Ask its administrator if you would like an account.",
    )
}

pub async fn register(
    State(state): State<AppState>,
    client: ClientAddr,
    session: Session,
    Form(form): Form<RegisterForm>,
) -> Result<Response, AppError> {
    let page = |errors: RegisterErrors| RegisterPage {
        user: None,
        username: form.username.trim().to_owned(),
        errors,
    };
    let new = accounts::NewAccount {
        username: form.username.clone(),
        password: form.password.clone(),
        confirm: form.confirm.clone(),
        address: client.bucket(),
    };
    let per_hour = state.settings.registrations_per_hour;
    let refusal = match accounts::register(&state.pool, &state.hasher, new, per_hour).await? {
        accounts::RegisterOutcome::Registered(account) => {
            return start_session(&state, &session, account, "/").await;
        }
        accounts::RegisterOutcome::Refused(refusal) => refusal,
    };
    Ok(match refusal {
        RegisterRefusal::Closed => return Err(registration_closed()),
        RegisterRefusal::Invalid {
            username,
            password,
            confirm,
        } => {
            let errors = RegisterErrors {
                form: None,
                username,
                password,
                confirm,
            };
            (StatusCode::UNPROCESSABLE_ENTITY, page(errors)).into_response()
        }
        RegisterRefusal::NameTaken => {
            let errors = RegisterErrors {
                username: Some("That username is taken.".into()),
                ..RegisterErrors::default()
            };
            (StatusCode::CONFLICT, page(errors)).into_response()
        }
        RegisterRefusal::TooMany { retry_after_secs } => {
            let minutes = (retry_after_secs + 59) / 60;
            let errors = RegisterErrors {
                form: Some(format!(
                    "Too many accounts were created from your address. Try again in {minutes} minute{}.",
                    if minutes == 1 { "" } else { "s" }
                )),
                ..RegisterErrors::default()
            };
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, retry_after_secs.to_string())],
                page(errors),
            )
                .into_response()
        }
    })
}

/// Logs the browser in and remembers it as a known browser of the account.
async fn start_session(
    state: &AppState,
    session: &Session,
    account: accounts::LoggedIn,
    next: &str,
) -> Result<Response, AppError> {
    SessionUser::log_in(session, account.id, account.session_stamp).await?;
    let cookie = device_cookie(&account.device_token, state.settings.secure_cookies);
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
    client: ClientAddr,
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
        address: client.bucket(),
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
            page.error = Some(accounts::try_again_in(retry_after_secs));
            let retry_after = [(header::RETRY_AFTER, retry_after_secs.to_string())];
            Ok((StatusCode::TOO_MANY_REQUESTS, retry_after, page).into_response())
        }
    }
}

pub async fn logout(session: Session) -> Result<Redirect, AppError> {
    SessionUser::log_out(&session).await?;
    Ok(Redirect::to("/"))
}

#[derive(Template, WebTemplate, Default)]
#[template(path = "account.html")]
pub struct AccountPage {
    user: Option<SessionUser>,
    /// What was just done, shown at the top.
    notice: Option<&'static str>,
    current_error: Option<String>,
    password_error: Option<String>,
    confirm_error: Option<String>,
    delete_error: Option<String>,
    /// Media servers' webhooks; left out when it could not be read.
    connections: Option<super::connections::Connections>,
}

#[derive(Debug, Deserialize)]
pub struct AccountQuery {
    done: Option<String>,
}

pub async fn account(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    Query(query): Query<AccountQuery>,
    headers: HeaderMap,
) -> Result<AccountPage, AppError> {
    let connections = super::connections::load(&state, me.id, me.is_admin, &headers).await?;
    Ok(AccountPage {
        user: Some(me),
        notice: match query.done.as_deref() {
            Some("password") => {
                Some("Your password is changed, and every other session of your account ended.")
            }
            Some("hooks") => Some("Your webhook URLs are new; the old ones no longer work."),
            Some("hook-options") => Some("Your media-server settings are saved."),
            Some("matched") => {
                Some("Matched: the film is in your history, and found by itself next time.")
            }
            Some("synced") => Some("Your media server's library was read."),
            Some("unlinked") => Some(
                "Unlinked. The films it marked seen stay in your history; its library is forgotten.",
            ),
            Some("radarr-list") => Some("Your list for Radarr is saved."),
            _ => None,
        },
        connections: Some(connections),
        ..AccountPage::default()
    })
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// Checks the password a logged-in user typed to confirm a change: the status and
/// message to show when it did not check out.
async fn check_current_password(
    state: &AppState,
    session: &Session,
    user_id: UserId,
    password: String,
) -> Result<Option<(StatusCode, String)>, AppError> {
    let session_key = reauthentication_key(session).await?;
    let check =
        membership::check_password(&state.pool, &state.hasher, user_id, &session_key, password)
            .await?;
    Ok(match check {
        membership::PasswordCheck::Right => None,
        membership::PasswordCheck::Wrong => Some((
            StatusCode::UNAUTHORIZED,
            "That is not your current password.".into(),
        )),
        membership::PasswordCheck::Throttled { retry_after_secs } => Some((
            StatusCode::TOO_MANY_REQUESTS,
            accounts::try_again_in(retry_after_secs),
        )),
    })
}

pub async fn change_password(
    State(state): State<AppState>,
    session: Session,
    RequireUser(me): RequireUser,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let mut page = AccountPage::default();
    if form.current.is_empty() {
        page.current_error = Some("Enter your current password.".into());
    }
    let new = Password::parse(form.password.clone(), &[me.username.as_str()])
        .map_err(|e| page.password_error = Some(e))
        .ok();
    if page.password_error.is_none() && form.confirm != form.password {
        page.confirm_error = Some("The two passwords differ.".into());
    }
    let user_id = me.id;
    page.user = Some(me);
    let invalid = page.current_error.is_some() || page.confirm_error.is_some();
    let Some(new) = new.filter(|_| !invalid) else {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    if let Some((status, message)) =
        check_current_password(&state, &session, user_id, form.current).await?
    {
        page.current_error = Some(message);
        return Ok((status, page).into_response());
    }
    let Some(stamp) = membership::change_password(&state.pool, &state.hasher, user_id, new).await?
    else {
        // The account was deleted meanwhile.
        SessionUser::log_out(&session).await?;
        return Ok(Redirect::to("/").into_response());
    };
    // This session goes on under a fresh id with the new stamp; every other one is over.
    SessionUser::log_in(&session, user_id, stamp).await?;
    tracing::info!(user_id = user_id.get(), "password changed");
    Ok(Redirect::to("/account?done=password").into_response())
}

#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    password: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "account_deleted.html")]
pub struct AccountDeletedPage {
    user: Option<SessionUser>,
}

pub async fn delete_account(
    State(state): State<AppState>,
    session: Session,
    RequireUser(me): RequireUser,
    Form(form): Form<DeleteForm>,
) -> Result<Response, AppError> {
    let user_id = me.id;
    let mut page = AccountPage {
        user: Some(me),
        ..AccountPage::default()
    };
    if form.password.is_empty() {
        page.delete_error = Some("Enter your password to confirm.".into());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    if let Some((status, message)) =
        check_current_password(&state, &session, user_id, form.password).await?
    {
        page.delete_error = Some(message);
        return Ok((status, page).into_response());
    }
    match membership::delete_account(&state.pool, user_id).await? {
        membership::Deletion::Deleted | membership::Deletion::Gone => {
            tracing::info!(user_id = user_id.get(), "account deleted");
            SessionUser::log_out(&session).await?;
            Ok(AccountDeletedPage { user: None }.into_response())
        }
        membership::Deletion::LastAdmin => {
            page.delete_error = Some(
                "You are the site's only administrator. Make another account an administrator \
                 first (movierec admin grant NAME), then delete yours."
                    .into(),
            );
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}
