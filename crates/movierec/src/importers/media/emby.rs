//! Emby's webhook notifications: JSON (Emby 4.9 and later, or the `data` field of a form in
//! 4.8 and earlier) with the `Event`, the `User`, the `Item` (`Type`, `Name`,
//! `ProductionYear`, `ProviderIds.Imdb` / `.Tmdb`) and, for playback, `PlaybackInfo`.

use serde_json::{Map, Value};

use super::{
    Action, MediaError, MediaEvent, Parsed, boolean, field, film, number, text, timestamp,
};

pub(super) fn parse(object: &Map<String, Value>) -> Result<Parsed, MediaError> {
    let event = text(field(object, "Event")).ok_or_else(|| MediaError("Event: missing".into()))?;
    let Some(Value::Object(item)) = field(object, "Item") else {
        return Ok(Parsed::Ignored("not about an item"));
    };
    if text(field(item, "Type")).is_none_or(|t| t != "Movie") {
        return Ok(Parsed::Ignored("not a film"));
    }
    let action = match event.as_str() {
        "playback.stop" => {
            let completed = match field(object, "PlaybackInfo") {
                Some(Value::Object(info)) => boolean(
                    field(info, "PlayedToCompletion"),
                    "PlaybackInfo.PlayedToCompletion",
                )?,
                _ => None,
            };
            if completed != Some(true) {
                return Ok(Parsed::Ignored("stopped before the end"));
            }
            Action::Seen {
                at: timestamp(field(object, "Date")),
            }
        }
        "item.markplayed" => Action::Seen {
            at: timestamp(field(object, "Date")),
        },
        "item.markunplayed" => Action::Unseen,
        "item.rate" => {
            let liked = match field(object, "UserData").or_else(|| field(item, "UserData")) {
                Some(Value::Object(data)) => boolean(field(data, "IsFavorite"), "IsFavorite")?
                    .or(boolean(field(data, "Likes"), "Likes")?),
                _ => None,
            };
            Action::Liked(liked.unwrap_or(true))
        }
        _ => return Ok(Parsed::Ignored("not a play or a rating")),
    };
    let ids = match field(item, "ProviderIds") {
        Some(Value::Object(ids)) => ids.clone(),
        _ => Map::new(),
    };
    let account = match field(object, "User") {
        Some(Value::Object(user)) => text(field(user, "Name")),
        _ => None,
    };
    Ok(Parsed::Event(MediaEvent {
        film: film(
            text(field(&ids, "Imdb")),
            text(field(&ids, "Tmdb")),
            text(field(item, "Name")),
            number(field(item, "ProductionYear"), "Item.ProductionYear")?,
        )?,
        action,
        account,
        shared_user: false,
    }))
}

#[cfg(test)]
mod tests {
    use super::super::{Server, parse};
    use super::*;
    use crate::domain::ImdbId;

    /// A `playback.stop` as Emby sends it (most keys left out).
    const STOP: &str = r#"{
        "Title": "ana has finished playing The Matrix on Living room",
        "Description": "", "Date": "2026-12-07T18:02:11.0000000Z", "Event": "playback.stop",
        "Severity": "Info",
        "User": {"Name": "ana", "Id": "8e1d3c5b7a9f4e2d", "HasPassword": true},
        "Item": {"Name": "The Matrix", "ServerId": "a1b2c3", "Id": "41", "Type": "Movie",
            "ProductionYear": 1999, "IsFolder": false, "RunTimeTicks": 81720000000,
            "ProviderIds": {"Tmdb": "603", "Imdb": "tt0133093"}},
        "Server": {"Name": "den", "Id": "a1b2c3", "Version": "4.8.10.0"},
        "Session": {"RemoteEndPoint": "192.168.1.20", "Client": "Emby Web", "DeviceName": "Living room"},
        "PlaybackInfo": {"PlayedToCompletion": true, "PositionTicks": 81700000000, "PlaylistIndex": 0, "PlaylistLength": 1}
    }"#;

    #[test]
    fn a_film_played_to_the_end_and_marks_both_ways() {
        let Parsed::Event(e) = parse(Server::Emby, STOP.as_bytes()).unwrap() else {
            panic!()
        };
        assert_eq!(
            e.action,
            Action::Seen {
                at: Some(1_796_666_531)
            }
        );
        assert_eq!(e.film.imdb_id, Some(ImdbId::parse("tt0133093").unwrap()));
        assert_eq!((e.film.tmdb_id, e.film.year), (Some(603), Some(1999)));
        assert_eq!(e.account.as_deref(), Some("ana"));
        let unplayed = STOP.replace("playback.stop", "item.markunplayed");
        let Parsed::Event(e) = parse(Server::Emby, unplayed.as_bytes()).unwrap() else {
            panic!()
        };
        assert_eq!(e.action, Action::Unseen);
    }

    #[test]
    fn a_stop_before_the_end_and_an_episode_are_ignored() {
        let early = STOP.replace(
            r#""PlayedToCompletion": true"#,
            r#""PlayedToCompletion": false"#,
        );
        assert!(matches!(
            parse(Server::Emby, early.as_bytes()),
            Ok(Parsed::Ignored(_))
        ));
        let episode = STOP.replace(r#""Type": "Movie""#, r#""Type": "Episode""#);
        assert!(matches!(
            parse(Server::Emby, episode.as_bytes()),
            Ok(Parsed::Ignored(_))
        ));
    }
}
