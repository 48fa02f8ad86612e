//! Plex's webhooks (a Plex Pass feature): the `payload` part of a multipart form, a JSON
//! object with the `event`, whether it happened on the webhook owner's account (`user`), the
//! `Account`, and the item's `Metadata` with its ids in `Guid[]` (`imdb://tt…`, `tmdb://…`) or,
//! from older agents, one `guid` (`com.plexapp.agents.imdb://tt…?lang=en`).

use serde_json::{Map, Value};

use super::{
    Action, LibraryFilm, LibraryPage, MediaError, MediaEvent, Parsed, boolean, field, film, number,
    text,
};
use crate::domain::Stars;

pub(super) fn parse(object: &Map<String, Value>) -> Result<Parsed, MediaError> {
    let event = text(field(object, "event")).ok_or_else(|| MediaError("event: missing".into()))?;
    let Some(Value::Object(metadata)) = field(object, "Metadata") else {
        return Ok(Parsed::Ignored("not about an item"));
    };
    if text(field(metadata, "type")).is_none_or(|t| t != "movie") {
        return Ok(Parsed::Ignored("not a film"));
    }
    let action = match event.as_str() {
        "media.scrobble" => Action::Seen {
            at: number(field(metadata, "lastViewedAt"), "Metadata.lastViewedAt")?.map(|t| t as i64),
        },
        "media.rate" => Action::Rated(rating(number(field(object, "rating"), "rating")?)?),
        _ => return Ok(Parsed::Ignored("not a play or a rating")),
    };
    let (imdb, tmdb) = ids(metadata);
    let account = match field(object, "Account") {
        Some(Value::Object(account)) => text(field(account, "title")),
        _ => None,
    };
    Ok(Parsed::Event(MediaEvent {
        film: film(
            imdb,
            tmdb,
            text(field(metadata, "title")),
            number(field(metadata, "year"), "Metadata.year")?,
        )?,
        action,
        account,
        shared_user: boolean(field(object, "user"), "user")? == Some(false),
    }))
}

/// The IMDb and TMDB ids an item's `Guid[]` and legacy `guid` name, the first of each kind.
fn ids(item: &Map<String, Value>) -> (Option<String>, Option<String>) {
    let (mut imdb, mut tmdb) = (None, None);
    if let Some(Value::Array(guids)) = field(item, "Guid") {
        for id in guids
            .iter()
            .filter_map(|g| text(field(g.as_object()?, "id")))
        {
            take(&id, &mut imdb, &mut tmdb);
        }
    }
    if let Some(legacy) = text(field(item, "guid")) {
        take(&legacy, &mut imdb, &mut tmdb);
    }
    (imdb, tmdb)
}

/// Fills in the id a guid names, keeping one found earlier: `imdb://tt…`, `tmdb://…`, or an
/// old agent's `com.plexapp.agents.imdb://tt…?lang=en` / `…themoviedb://…`.
fn take(guid: &str, imdb: &mut Option<String>, tmdb: &mut Option<String>) {
    let guid = guid.strip_prefix("com.plexapp.agents.").unwrap_or(guid);
    let Some((scheme, rest)) = guid.split_once("://") else {
        return;
    };
    let id = rest.split(['?', '/']).next().unwrap_or_default().to_owned();
    match scheme {
        "imdb" => {
            imdb.get_or_insert(id);
        }
        "tmdb" | "themoviedb" => {
            tmdb.get_or_insert(id);
        }
        _ => {}
    }
}

/// Plex rates 0–10 (two points a star); absent, −1 or 0 is a removed rating.
fn rating(value: Option<f64>) -> Result<Option<Stars>, MediaError> {
    match value {
        None => Ok(None),
        Some(v) if v <= 0.0 => Ok(None),
        Some(v) => Stars::from_f64((v).round() / 2.0)
            .map(Some)
            .map_err(|e| MediaError(format!("rating: {v}: {e}"))),
    }
}

/// `GET /library/sections`: the keys of the film sections (`MediaContainer.Directory[]` with
/// `type` `movie`); shows and music are left out.
pub(crate) fn movie_sections(answer: &Value) -> Result<Vec<String>, MediaError> {
    let directories = container(answer)?
        .get("Directory")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    Ok(directories
        .iter()
        .filter_map(Value::as_object)
        .filter(|d| text(field(d, "type")).is_some_and(|t| t == "movie"))
        .filter_map(|d| text(field(d, "key")))
        .collect())
}

/// A page of `GET /library/sections/{key}/all?type=1&includeGuids=1`:
/// `MediaContainer.Metadata[]` with `title`, `year`, `viewCount`, `lastViewedAt`,
/// `userRating` (0–10) and `Guid[]`; `totalSize` when asked for a page.
pub(crate) fn library_page(answer: &Value) -> Result<LibraryPage, MediaError> {
    let container = container(answer)?;
    let mut out = LibraryPage {
        total: number(field(container, "totalSize"), "totalSize")?
            .filter(|n| *n >= 0.0)
            .map(|n| n as u64),
        ..LibraryPage::default()
    };
    let items = match field(container, "Metadata") {
        Some(Value::Array(items)) => items.as_slice(),
        // An empty section has no `Metadata` at all.
        None | Some(Value::Null) => &[],
        Some(_) => return Err(MediaError("MediaContainer.Metadata: not a list".into())),
    };
    for item in items {
        match library_item(item) {
            Some(film) => out.films.push(film),
            None => out.skipped += 1,
        }
    }
    Ok(out)
}

fn container(answer: &Value) -> Result<&Map<String, Value>, MediaError> {
    answer
        .as_object()
        .and_then(|o| field(o, "MediaContainer"))
        .and_then(Value::as_object)
        .ok_or_else(|| MediaError("MediaContainer: missing".into()))
}

fn library_item(item: &Value) -> Option<LibraryFilm> {
    let item = item.as_object()?;
    if text(field(item, "type")).is_some_and(|t| t != "movie") {
        return None;
    }
    let (imdb, tmdb) = ids(item);
    let film = film(
        imdb,
        tmdb,
        text(field(item, "title")),
        number(field(item, "year"), "year").ok()?,
    )
    .ok()?;
    let views = number(field(item, "viewCount"), "viewCount")
        .ok()
        .flatten()
        .unwrap_or(0.0);
    Some(LibraryFilm {
        film,
        played: views > 0.0,
        played_at: number(field(item, "lastViewedAt"), "lastViewedAt")
            .ok()
            .flatten()
            .map(|t| t as i64),
        favourite: false,
        // A rating off the scale is left out, not a reason to drop the film.
        rating: rating(
            number(field(item, "userRating"), "userRating")
                .ok()
                .flatten(),
        )
        .ok()
        .flatten(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Server, parse};
    use super::*;
    use crate::domain::ImdbId;

    /// A scrobble as Plex sends it (most keys of `Player` and `Metadata` left out).
    const SCROBBLE: &str = r#"{
        "event": "media.scrobble", "user": true, "owner": true,
        "Account": {"id": 1, "thumb": "https://plex.tv/users/1a2b/avatar?c=1", "title": "ana"},
        "Server": {"title": "den", "uuid": "0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6"},
        "Player": {"local": true, "publicAddress": "203.0.113.7", "title": "Living room", "uuid": "x1y2z3"},
        "Metadata": {
            "librarySectionType": "movie", "ratingKey": "4821", "key": "/library/metadata/4821",
            "guid": "plex://movie/5d7768275af944001f1f6c49", "studio": "Warner Bros.",
            "type": "movie", "title": "The Matrix", "year": 1999, "viewCount": 1,
            "lastViewedAt": 1796666531, "addedAt": 1700000000,
            "Guid": [{"id": "imdb://tt0133093"}, {"id": "tmdb://603"}, {"id": "tvdb://169"}]
        }
    }"#;

    fn event(json: &str) -> MediaEvent {
        match parse(Server::Plex, json.as_bytes()).unwrap() {
            Parsed::Event(e) => e,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_scrobble_is_seen_at_its_time_with_both_ids() {
        let e = event(SCROBBLE);
        assert_eq!(
            e.action,
            Action::Seen {
                at: Some(1_796_666_531)
            }
        );
        assert_eq!(e.film.imdb_id, Some(ImdbId::parse("tt0133093").unwrap()));
        assert_eq!(e.film.tmdb_id, Some(603));
        assert_eq!((e.account.as_deref(), e.shared_user), (Some("ana"), false));
    }

    #[test]
    fn a_rating_of_8_is_4_stars_and_minus_1_removes_it() {
        let rated = |r: &str| {
            SCROBBLE.replace(
                r#""event": "media.scrobble""#,
                &format!(r#""event": "media.rate", "rating": {r}"#),
            )
        };
        assert_eq!(
            event(&rated("8")).action,
            Action::Rated(Some(Stars::parse("4").unwrap()))
        );
        assert_eq!(
            event(&rated("7.0")).action,
            Action::Rated(Some(Stars::parse("3.5").unwrap()))
        );
        assert_eq!(event(&rated("-1")).action, Action::Rated(None));
        assert!(parse(Server::Plex, rated("12").as_bytes()).is_err());
    }

    #[test]
    fn an_old_agents_guid_a_shared_user_and_an_episode() {
        let legacy = SCROBBLE
            .replace(r#""guid": "plex://movie/5d7768275af944001f1f6c49""#, r#""guid": "com.plexapp.agents.imdb://tt0113277?lang=en""#)
            .replace(r#""Guid": [{"id": "imdb://tt0133093"}, {"id": "tmdb://603"}, {"id": "tvdb://169"}]"#, r#""Guid": []"#)
            .replace(r#""user": true"#, r#""user": false"#);
        let e = event(&legacy);
        assert_eq!(e.film.imdb_id, Some(ImdbId::parse("tt0113277").unwrap()));
        assert!(e.shared_user);
        let episode = SCROBBLE.replace(r#""type": "movie""#, r#""type": "episode""#);
        assert!(matches!(
            parse(Server::Plex, episode.as_bytes()),
            Ok(Parsed::Ignored(_))
        ));
        let play = SCROBBLE.replace("media.scrobble", "media.play");
        assert!(matches!(
            parse(Server::Plex, play.as_bytes()),
            Ok(Parsed::Ignored(_))
        ));
    }

    #[test]
    fn only_film_sections_are_listed() {
        let answer: Value = serde_json::from_str(
            r#"{"MediaContainer": {"size": 3, "Directory": [
                {"key": "1", "type": "movie", "title": "Films"},
                {"key": "2", "type": "show", "title": "Series"},
                {"key": "7", "type": "movie", "title": "Kids"}]}}"#,
        )
        .unwrap();
        assert_eq!(movie_sections(&answer).unwrap(), ["1", "7"]);
        assert!(movie_sections(&serde_json::json!({})).is_err());
    }

    #[test]
    fn a_section_page_reads_views_ratings_and_every_kind_of_guid() {
        let answer: Value = serde_json::from_str(
            r#"{"MediaContainer": {"size": 3, "totalSize": 812, "offset": 0, "Metadata": [
                {"type": "movie", "title": "Heat", "year": 1995, "viewCount": 3,
                 "lastViewedAt": 1764530000, "userRating": 8.0,
                 "Guid": [{"id": "imdb://tt0113277"}, {"id": "tmdb://949"}]},
                {"type": "movie", "title": "Ronin", "year": 1998,
                 "guid": "com.plexapp.agents.imdb://tt0122690?lang=en"},
                {"type": "movie", "title": "Odd", "year": 2001, "userRating": 99}
            ]}}"#,
        )
        .unwrap();
        let page = library_page(&answer).unwrap();
        assert_eq!((page.films.len(), page.total), (3, Some(812)));
        let heat = &page.films[0];
        assert_eq!(heat.film.tmdb_id, Some(949));
        assert!(heat.played);
        assert_eq!(heat.played_at, Some(1_764_530_000));
        assert_eq!(heat.rating, Some(Stars::from_f64(4.0).unwrap()));
        let ronin = &page.films[1];
        assert_eq!(
            ronin.film.imdb_id,
            Some(ImdbId::parse_exact("tt0122690").unwrap())
        );
        assert!(!ronin.played && ronin.rating.is_none());
        // A rating off Plex's scale is left out; the film stays.
        assert_eq!(page.films[2].rating, None);
        // An empty section has no Metadata at all.
        let empty = library_page(&serde_json::json!({"MediaContainer": {"size": 0}})).unwrap();
        assert!(empty.films.is_empty());
    }
}
