//! The stylesheet, script and poster placeholder, built into the binary so the app is one file.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::error::AppError;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "style.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../static/style.css"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../static/app.js"),
    },
    Asset {
        name: "poster.svg",
        content_type: "image/svg+xml",
        body: include_str!("../../static/poster.svg"),
    },
    Asset {
        name: "icon.svg",
        content_type: "image/svg+xml",
        body: include_str!("../../static/icon.svg"),
    },
];

/// One tag per asset, from its content, so browsers revalidate cheaply after an upgrade.
static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| {
            let mut hasher = DefaultHasher::new();
            asset.body.hash(&mut hasher);
            format!("\"{:016x}\"", hasher.finish())
        })
        .collect()
});

/// `/favicon.ico`, which browsers and feed readers ask for whatever the page links: the
/// site's icon (an SVG, which browsers take whatever the name says).
pub async fn favicon(headers: HeaderMap) -> Result<Response, AppError> {
    serve(Path("icon.svg".to_owned()), headers).await
}

pub async fn serve(Path(file): Path<String>, headers: HeaderMap) -> Result<Response, AppError> {
    let (index, asset) = ASSETS
        .iter()
        .enumerate()
        .find(|(_, a)| a.name == file)
        .ok_or_else(|| AppError::not_found("There is no such file."))?;
    let etag = &ETAGS[index];
    let cache = [
        // An hour fresh, then a conditional request that usually answers 304.
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=3600"),
        ),
        (
            header::ETAG,
            HeaderValue::from_str(etag).map_err(AppError::internal)?,
        ),
    ];
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes());
    if fresh {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    Ok((
        cache,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        )],
        asset.body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    /// At-rules the stylesheet may use. A typo ("@meda") is dropped by browsers silently.
    const AT_RULES: [&str; 4] = ["media", "supports", "font-face", "keyframes"];

    /// The stylesheet's structure, as a browser would misread it without saying so: every
    /// block closed (a block left open at the end swallows every rule after it, which is how
    /// the desktop layout once broke), no `@media` inside another, only known at-rules.
    fn check(css: &str) -> Result<(), String> {
        let mut depth = 0usize;
        let mut media_depth: Option<usize> = None;
        let mut line = 1;
        let mut chars = css.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\n' => line += 1,
                '/' if chars.peek() == Some(&'*') => {
                    chars.next();
                    let mut last = ' ';
                    loop {
                        match chars.next() {
                            None => return Err(format!("line {line}: a comment is never closed")),
                            Some('/') if last == '*' => break,
                            Some(c) => {
                                line += usize::from(c == '\n');
                                last = c;
                            }
                        }
                    }
                }
                '"' | '\'' => {
                    for s in chars.by_ref() {
                        if s == c {
                            break;
                        }
                    }
                }
                '@' => {
                    let name: String = std::iter::from_fn(|| {
                        chars.next_if(|c| c.is_ascii_alphanumeric() || *c == '-')
                    })
                    .collect();
                    if !AT_RULES.contains(&name.as_str()) {
                        return Err(format!("line {line}: unknown at-rule @{name}"));
                    }
                    if name == "media" {
                        if media_depth.is_some() {
                            return Err(format!("line {line}: @media inside another @media"));
                        }
                        media_depth = Some(depth);
                    }
                }
                '{' => depth += 1,
                '}' => {
                    depth = depth
                        .checked_sub(1)
                        .ok_or_else(|| format!("line {line}: '}}' closes nothing"))?;
                    if media_depth == Some(depth) {
                        media_depth = None;
                    }
                }
                _ => {}
            }
        }
        if depth == 0 {
            Ok(())
        } else {
            Err(format!("{depth} block(s) never closed"))
        }
    }

    #[test]
    fn the_stylesheet_closes_every_block_and_uses_known_at_rules() {
        assert_eq!(check(include_str!("../../static/style.css")), Ok(()));
    }

    #[test]
    fn the_check_finds_what_browsers_would_swallow() {
        assert!(check("a { color: red; }\n@media (x) { b { c: d; }\n.e { f: g; }").is_err());
        assert!(check("@media (x) { @media (y) { a { b: c; } } }").is_err());
        assert!(check("@meda (x) { a { b: c; } }").is_err());
        assert!(check("a { b: c; } }").is_err());
        assert!(check("/* { */ a { content: \"}\"; }").is_ok());
    }
}
