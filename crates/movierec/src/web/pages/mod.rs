//! Server-rendered pages, one module each.

pub mod accounts;
pub mod admin;
pub mod home;
pub mod lists;
pub mod model;
pub mod movies;
pub mod my_ratings;
pub mod search;

use askama::Template;
use askama_web::WebTemplate;

use super::error::AppError;
use super::session::SessionUser;

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
pub struct ErrorPage {
    user: Option<SessionUser>,
    status: u16,
    heading: &'static str,
    message: String,
}

impl ErrorPage {
    pub fn new(user: Option<SessionUser>, error: &AppError) -> Self {
        use super::error::ErrorKind::*;
        let heading = match error.kind {
            BadRequest => "That did not work",
            Unauthorized => "Please log in",
            Forbidden => "Not allowed",
            NotFound => "Not found",
            MethodNotAllowed => "Not possible here",
            Conflict => "Already there",
            PayloadTooLarge => "Too much at once",
            TooManyRequests => "Slow down",
            Internal => "Something went wrong",
            Unavailable => "Busy right now",
        };
        Self {
            user,
            status: error.kind.status().as_u16(),
            heading,
            message: error.message.clone(),
        }
    }
}
