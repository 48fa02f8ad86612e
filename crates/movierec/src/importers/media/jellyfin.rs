//! Jellyfin's webhook plugin, a Generic destination with "Send All Properties": one flat JSON
//! object per event (`NotificationType`, `ItemType`, `Name`, `Year`, `Provider_imdb`,
//! `Provider_tmdb`, `NotificationUsername`, and the event's own keys). A user's own template
//! may send the same keys with every value quoted and booleans as .NET writes them (`True`).

use serde_json::{Map, Value};

use super::{
    Action, MediaError, MediaEvent, Parsed, boolean, field, film, number, text, timestamp,
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
}
