//! Jellyfin's webhook plugin, a Generic destination with "Send All Properties": one flat JSON
//! object per event (`NotificationType`, `ItemType`, `Name`, `Year`, `Provider_imdb`,
//! `Provider_tmdb`, `NotificationUsername`, and the event's own keys). A user's own template
//! may send the same keys with every value quoted and booleans as .NET writes them (`True`).

use serde_json::{Map, Value};

use super::{
    Action, LibraryFilm, LibraryPage, MediaError, MediaEvent, Parsed, boolean, field, film, number,
    text, timestamp,
};

pub(super) fn parse(object: &Map<String, Value>) -> Result<Parsed, MediaError> {
    let kind = text(field(object, "NotificationType"))
        .ok_or_else(|| MediaError("NotificationType: missing".into()))?;
    if text(field(object, "ItemType")).is_none_or(|t| !t.eq_ignore_ascii_case("Movie")) {
        return Ok(Parsed::Ignored("not a film"));
    }
    let action = match kind.as_str() {
        "PlaybackStop" => {
            if boolean(field(object, "PlayedToCompletion"), "PlayedToCompletion")? != Some(true) {
                return Ok(Parsed::Ignored("stopped before the end"));
            }
            Action::Seen {
                at: timestamp(field(object, "UtcTimestamp")),
            }
        }
        "UserDataSaved" => {
            let reason = text(field(object, "SaveReason")).unwrap_or_default();
            match reason.as_str() {
                "TogglePlayed" | "PlaybackFinished" => {
                    match boolean(field(object, "Played"), "Played")? {
                        Some(true) => Action::Seen {
                            at: timestamp(field(object, "LastPlayedDate"))
                                .or_else(|| timestamp(field(object, "UtcTimestamp"))),
                        },
                        Some(false) if reason == "TogglePlayed" => Action::Unseen,
                        _ => return Ok(Parsed::Ignored("not played")),
                    }
                }
                "UpdateUserRating" => {
                    let likes = boolean(field(object, "Likes"), "Likes")?;
                    let favourite = boolean(field(object, "Favorite"), "Favorite")?;
                    match (likes, favourite) {
                        (None, None) => return Ok(Parsed::Ignored("no rating in the event")),
                        (l, f) => Action::Liked(l == Some(true) || f == Some(true)),
                    }
                }
                _ => return Ok(Parsed::Ignored("not a play or a rating")),
            }
        }
        _ => return Ok(Parsed::Ignored("not a play or a rating")),
    };
    Ok(Parsed::Event(MediaEvent {
        film: film(
            text(field(object, "Provider_imdb")),
            text(field(object, "Provider_tmdb")),
            text(field(object, "Name")),
            number(field(object, "Year"), "Year")?,
        )?,
        action,
        account: text(field(object, "NotificationUsername")),
        shared_user: false,
    }))
}

/// A page of `GET /Users/{id}/Items?IncludeItemTypes=Movie&Fields=ProviderIds&EnableUserData=true`:
/// `Items[]` with `Type`, `Name`, `ProductionYear`, `ProviderIds.Imdb`/`.Tmdb` and the
/// account's `UserData` (`Played`, `PlayCount`, `IsFavorite`, `LastPlayedDate`), and
/// `TotalRecordCount`.
pub(crate) fn library_page(page: &Value) -> Result<LibraryPage, MediaError> {
    let Some(object) = page.as_object() else {
        return Err(MediaError("the listing is not a JSON object".into()));
    };
    let Some(Value::Array(items)) = field(object, "Items") else {
        return Err(MediaError("Items: missing".into()));
    };
    let mut out = LibraryPage {
        total: number(field(object, "TotalRecordCount"), "TotalRecordCount")?
            .filter(|n| *n >= 0.0)
            .map(|n| n as u64),
        ..LibraryPage::default()
    };
    for item in items {
        match library_item(item) {
            Some(film) => out.films.push(film),
            None => out.skipped += 1,
        }
    }
    Ok(out)
}

/// One item of a listing, if it is a film the catalog could match.
fn library_item(item: &Value) -> Option<LibraryFilm> {
    let item = item.as_object()?;
    if text(field(item, "Type")).is_none_or(|t| !t.eq_ignore_ascii_case("Movie")) {
        return None;
    }
    let ids = match field(item, "ProviderIds") {
        Some(Value::Object(ids)) => Some(ids),
        _ => None,
    };
    let id = |key: &str| ids.and_then(|ids| text(field(ids, key)));
    let film = film(
        id("Imdb"),
        id("Tmdb"),
        text(field(item, "Name")),
        number(field(item, "ProductionYear"), "ProductionYear").ok()?,
    )
    .ok()?;
    let data = match field(item, "UserData") {
        Some(Value::Object(data)) => Some(data),
        _ => None,
    };
    let flag = |key: &str| {
        data.and_then(|d| boolean(field(d, key), key).ok().flatten())
            .unwrap_or(false)
    };
    let plays = data
        .and_then(|d| number(field(d, "PlayCount"), "PlayCount").ok().flatten())
        .unwrap_or(0.0);
    Some(LibraryFilm {
        film,
        played: flag("Played") || plays > 0.0,
        played_at: data.and_then(|d| timestamp(field(d, "LastPlayedDate"))),
        favourite: flag("IsFavorite"),
        rating: None,
    })
}

/// `GET /Users`: each account's `Name` and `Id`.
pub(crate) fn users(list: &Value) -> Result<Vec<(String, String)>, MediaError> {
    let Some(users) = list.as_array() else {
        return Err(MediaError("the user list is not a JSON array".into()));
    };
    Ok(users
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|u| Some((text(field(u, "Name"))?, text(field(u, "Id"))?)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::super::{MediaFilm, Server, parse};
    use super::*;
    use crate::domain::ImdbId;

    /// The keys "Send All Properties" sends for a film played to the end (others left out).
    const PLAYBACK_STOP: &str = r#"{
        "ServerId": "8c7b4a6de2f54ba5a0f2d3c1b0a99e11", "ServerName": "den",
        "ServerVersion": "10.10.3", "ServerUrl": "http://den:8096",
        "NotificationType": "PlaybackStop", "Timestamp": "2026-12-07T19:02:11.5512345+01:00",
        "UtcTimestamp": "2026-12-07T18:02:11.5512345Z", "Name": "The Matrix",
        "Overview": "Set in the 22nd century…", "ItemId": "2b1f3ad8e7c64e0cb1a3c5d7e9f1a2b3",
        "ItemType": "Movie", "RunTimeTicks": 81720000000, "RunTime": "02:16:12", "Year": 1999,
        "Provider_imdb": "tt0133093", "Provider_tmdb": "603", "PlaybackPositionTicks": 81700000000,
        "PlaybackPosition": "02:16:10", "IsPaused": false, "IsAutomated": false,
        "DeviceName": "Living room", "ClientName": "Jellyfin Android TV",
        "NotificationUsername": "ana", "UserId": "5e8d2f6a4b3c4d1e9f0a1b2c3d4e5f60",
        "PlayedToCompletion": true
    }"#;

    fn event(json: &str) -> MediaEvent {
        match parse(Server::Jellyfin, json.as_bytes()).unwrap() {
            Parsed::Event(e) => e,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_film_played_to_the_end_is_seen_with_its_ids_and_time() {
        let e = event(PLAYBACK_STOP);
        assert_eq!(
            e.film,
            MediaFilm {
                imdb_id: Some(ImdbId::parse("tt0133093").unwrap()),
                tmdb_id: Some(603),
                title: Some("The Matrix".into()),
                year: Some(1999),
            }
        );
        assert_eq!(
            e.action,
            Action::Seen {
                at: Some(1_796_666_531)
            }
        );
        assert_eq!(e.account.as_deref(), Some("ana"));
    }

    #[test]
    fn a_film_stopped_early_and_an_episode_are_ignored() {
        let early = PLAYBACK_STOP.replace(
            r#""PlayedToCompletion": true"#,
            r#""PlayedToCompletion": false"#,
        );
        assert!(matches!(
            parse(Server::Jellyfin, early.as_bytes()),
            Ok(Parsed::Ignored(_))
        ));
        let episode = PLAYBACK_STOP.replace(r#""ItemType": "Movie""#, r#""ItemType": "Episode""#);
        assert!(matches!(
            parse(Server::Jellyfin, episode.as_bytes()),
            Ok(Parsed::Ignored(_))
        ));
    }

    #[test]
    fn toggling_played_both_ways_and_a_like_from_a_quoted_template() {
        let toggled = |played: &str| {
            format!(
                r#"{{"NotificationType": "UserDataSaved", "SaveReason": "TogglePlayed",
                    "ItemType": "Movie", "Name": "Heat", "Year": "1995",
                    "Provider_imdb": "tt0113277", "Played": "{played}",
                    "NotificationUsername": "ana"}}"#
            )
        };
        assert_eq!(event(&toggled("True")).action, Action::Seen { at: None });
        assert_eq!(event(&toggled("False")).action, Action::Unseen);
        assert_eq!(event(&toggled("True")).film.year, Some(1995));
        let liked = r#"{"NotificationType": "UserDataSaved", "SaveReason": "UpdateUserRating",
            "ItemType": "Movie", "Name": "Heat", "Likes": false, "Favorite": true}"#;
        assert_eq!(event(liked).action, Action::Liked(true));
    }

    #[test]
    fn malformed_payloads_say_what_is_wrong() {
        for (body, says) in [
            ("not json", "not JSON"),
            ("[1, 2]", "not a JSON object"),
            (r#"{"ItemType": "Movie"}"#, "NotificationType"),
            (
                r#"{"NotificationType": "PlaybackStop", "ItemType": "Movie", "PlayedToCompletion": "maybe", "Name": "Heat"}"#,
                "PlayedToCompletion",
            ),
            (
                r#"{"NotificationType": "PlaybackStop", "ItemType": "Movie", "PlayedToCompletion": true}"#,
                "no id and no title",
            ),
        ] {
            let err = parse(Server::Jellyfin, body.as_bytes()).unwrap_err();
            assert!(err.0.contains(says), "{body}: {err}");
        }
    }

    #[test]
    fn a_library_page_keeps_films_with_their_play_state_and_skips_the_rest() {
        let page: Value = serde_json::from_str(
            r#"{"Items": [
                {"Name": "Heat", "Id": "a1", "ProductionYear": 1995, "Type": "Movie",
                 "ProviderIds": {"Imdb": "tt0113277", "Tmdb": "949"},
                 "UserData": {"PlayCount": 2, "IsFavorite": true, "Played": true,
                              "LastPlayedDate": "2026-11-30T20:15:00.0000000Z"}},
                {"Name": "Ronin", "Id": "a2", "ProductionYear": 1998, "Type": "Movie",
                 "ProviderIds": {}, "UserData": {"PlayCount": 0, "IsFavorite": false, "Played": false}},
                {"Name": "Pilot", "Id": "a3", "Type": "Episode"},
                {"Id": "a4", "Type": "Movie", "ProviderIds": {}}
            ], "TotalRecordCount": 1204, "StartIndex": 0}"#,
        )
        .unwrap();
        let page = library_page(&page).unwrap();
        assert_eq!(
            (page.films.len(), page.skipped, page.total),
            (2, 2, Some(1204))
        );
        let heat = &page.films[0];
        assert_eq!(
            heat.film.imdb_id,
            Some(ImdbId::parse_exact("tt0113277").unwrap())
        );
        assert_eq!(heat.film.tmdb_id, Some(949));
        assert!(heat.played && heat.favourite);
        assert_eq!(heat.played_at, Some(1_796_069_700));
        let ronin = &page.films[1];
        assert_eq!(
            (ronin.film.title.as_deref(), ronin.film.year),
            (Some("Ronin"), Some(1998))
        );
        assert!(!ronin.played && !ronin.favourite && ronin.played_at.is_none());
        assert!(library_page(&serde_json::json!({"Items": 3})).is_err());
    }

    #[test]
    fn the_user_list_gives_names_and_ids() {
        let list: Value = serde_json::from_str(
            r#"[{"Name": "Ana", "Id": "5e8d"}, {"Name": "kids", "Id": "0a1b"}, {"Id": "x"}]"#,
        )
        .unwrap();
        assert_eq!(
            users(&list).unwrap(),
            [
                ("Ana".to_owned(), "5e8d".to_owned()),
                ("kids".to_owned(), "0a1b".to_owned())
            ]
        );
    }
}
