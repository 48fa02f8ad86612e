//! The media servers a history pull reads: Jellyfin's and Plex's HTTP APIs, as JSON for
//! [`crate::importers::media`] to read. Only what a pull needs: who the server is, its
//! accounts (Jellyfin), its film sections (Plex), and the films of a library page by page.

use serde_json::Value;

use super::ProviderError;
use super::server::{SERVER_TIMEOUT, ServerClient};

/// Films asked for per request: a few hundred kilobytes of JSON a page.
pub(crate) const PAGE_SIZE: u64 = 500;

/// A Jellyfin server, read with an API key an administrator made (Dashboard → API Keys).
#[derive(Debug, Clone)]
pub(crate) struct Jellyfin {
    client: ServerClient,
}

impl Jellyfin {
    pub(crate) fn new(url: &str, api_key: &str) -> Result<Self, ProviderError> {
        // Jellyfin 10.x reads the token from this header; newer versions read nothing else.
        let authorization = format!(
            "MediaBrowser Client=\"movierec\", Device=\"movierec\", DeviceId=\"movierec\", \
             Version=\"{}\", Token=\"{}\"",
            env!("CARGO_PKG_VERSION"),
            api_key.trim()
        );
        Ok(Self {
            client: ServerClient::new(url, &[("authorization", authorization)], SERVER_TIMEOUT)?,
        })
    }

    /// `GET /System/Info`: the server's `ServerName` and `Version`; answers only to a valid
    /// key.
    pub(crate) async fn info(&self) -> Result<Value, ProviderError> {
        self.client.get("/System/Info").await
    }

    /// `GET /Users`: every account of the server.
    pub(crate) async fn users(&self) -> Result<Value, ProviderError> {
        self.client.get("/Users").await
    }

    /// One page of an account's films with its play state.
    pub(crate) async fn movies(&self, user_id: &str, start: u64) -> Result<Value, ProviderError> {
        if user_id.is_empty() || !user_id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Err(ProviderError::Malformed(format!(
                "'{user_id}' is not a Jellyfin user id"
            )));
        }
        self.client
            .get(&format!(
                "/Users/{user_id}/Items?IncludeItemTypes=Movie&Recursive=true\
                 &Fields=ProviderIds&EnableUserData=true&SortBy=SortName\
                 &StartIndex={start}&Limit={PAGE_SIZE}"
            ))
            .await
    }
}

/// A Plex Media Server, read with an `X-Plex-Token`: the server owner's (set by the admin) or
/// a user's own, which shows that account's play state.
#[derive(Debug, Clone)]
pub(crate) struct Plex {
    client: ServerClient,
}

impl Plex {
    pub(crate) fn new(url: &str, token: &str) -> Result<Self, ProviderError> {
        Ok(Self {
            client: ServerClient::new(
                url,
                &[("x-plex-token", token.trim().to_owned())],
                SERVER_TIMEOUT,
            )?,
        })
    }

    /// `GET /identity`: the server's `machineIdentifier` and `version`.
    pub(crate) async fn identity(&self) -> Result<Value, ProviderError> {
        self.client.get("/identity").await
    }

    /// `GET /library/sections`: the server's libraries; answers only to a valid token.
    pub(crate) async fn sections(&self) -> Result<Value, ProviderError> {
        self.client.get("/library/sections").await
    }

    /// One page of a film section's items with the account's play state and every guid.
    pub(crate) async fn movies(&self, section: &str, start: u64) -> Result<Value, ProviderError> {
        if section.is_empty() || !section.chars().all(|c| c.is_ascii_digit()) {
            return Err(ProviderError::Malformed(format!(
                "'{section}' is not a Plex section key"
            )));
        }
        self.client
            .get(&format!(
                "/library/sections/{section}/all?type=1&includeGuids=1\
                 &X-Plex-Container-Start={start}&X-Plex-Container-Size={PAGE_SIZE}"
            ))
            .await
    }
}
