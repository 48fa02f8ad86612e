//! The client of a server an administrator connects (Jellyfin, Plex, Radarr): its base URL
//! comes from the admin, never from a user; every request has the providers' timeout, a
//! size cap on the answer and no redirect to another host; the secret travels in a header
//! marked sensitive, so it is never printed.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{
    ProviderError, build_client, client_builder, read_capped, same_host_redirects, transport_error,
};

/// Largest answer read from a connected server: a page of a library listing with its
/// metadata is a few megabytes at most.
pub(crate) const MAX_SERVER_BYTES: usize = 16 * 1024 * 1024;

/// Whole-request timeout for a connected server: a library page may take a few seconds.
pub(crate) const SERVER_TIMEOUT: Duration = Duration::from_secs(15);

/// One connected server: its base URL and the headers every request carries.
#[derive(Debug, Clone)]
pub(crate) struct ServerClient {
    http: reqwest::Client,
    /// Without a trailing slash; request paths start with one.
    base: String,
    headers: HeaderMap,
    timeout: Duration,
}

/// Why a base URL was refused, in words for the admin.
pub(crate) fn check_base_url(raw: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(raw.trim())
        .map_err(|e| format!("'{}' is not a URL: {e}", raw.trim()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("'{url}' is not an http or https URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("'{url}' names no host"));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(format!(
            "'{url}' must be the server's address only, without a query, fragment or user"
        ));
    }
    Ok(url)
}

impl ServerClient {
    /// A client of the server at `base_url` whose requests all carry `headers` (the
    /// secret among them, marked sensitive here).
    pub(crate) fn new(
        base_url: &str,
        headers: &[(&'static str, String)],
        timeout: Duration,
    ) -> Result<Self, ProviderError> {
        crate::tls::install();
        let url = check_base_url(base_url).map_err(ProviderError::Unreachable)?;
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            let mut value = HeaderValue::from_str(value).map_err(|_| {
                ProviderError::Unreachable(format!(
                    "the {name} header holds a character HTTP refuses"
                ))
            })?;
            value.set_sensitive(true);
            map.insert(HeaderName::from_static(name), value);
        }
        Ok(Self {
            http: build_client(client_builder(timeout).redirect(same_host_redirects()))?,
            base: url.as_str().trim_end_matches('/').to_owned(),
            headers: map,
            timeout,
        })
    }

    /// `GET {base}{path}` read as JSON; `path` starts with `/` and may carry a query.
    pub(crate) async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ProviderError> {
        let request = self.http.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    /// `POST {base}{path}` with a JSON body, where a 4xx answer other than 401, 403 and 404
    /// is the server's refusal of the body (a validation error): returned with its text,
    /// not as a fault of the server.
    pub(crate) async fn post_or_refusal<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<Result<T, Refusal>, ProviderError> {
        let request = self.http.post(format!("{}{path}", self.base)).json(body);
        let response = self.exchange(request).await?;
        let status = response.status();
        if status.is_client_error() {
            let bytes = read_capped(response, MAX_REFUSAL_BYTES, self.timeout).await?;
            return Ok(Err(Refusal {
                status: status.as_u16(),
                body: String::from_utf8_lossy(&bytes).into_owned(),
            }));
        }
        self.read(response).await.map(Ok)
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ProviderError> {
        let response = self.exchange(request).await?;
        self.read(response).await
    }

    /// Sends a request: 401/403 is a refused key, 404 not found, 5xx a fault; other answers
    /// are left to the caller.
    async fn exchange(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ProviderError> {
        let response = request
            .headers(self.headers.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| transport_error(&e, self.timeout))?;
        let status = response.status();
        match status.as_u16() {
            401 | 403 => Err(ProviderError::InvalidKey(format!(
                "the server answered HTTP {status} to the key"
            ))),
            404 => Err(ProviderError::NotFound),
            _ if status.is_server_error() || status.is_informational() => {
                Err(ProviderError::Status(status.as_u16()))
            }
            _ => Ok(response),
        }
    }

    /// A success's body as JSON; any other answer is a fault.
    async fn read<T: DeserializeOwned>(
        &self,
        response: reqwest::Response,
    ) -> Result<T, ProviderError> {
        let status = response.status();
        if !status.is_success() {
            return Err(ProviderError::Status(status.as_u16()));
        }
        let bytes = read_capped(response, MAX_SERVER_BYTES, self.timeout).await?;
        serde_json::from_slice(&bytes).map_err(|e| ProviderError::Malformed(e.to_string()))
    }
}

/// Largest refusal read: a list of validation errors is a few kilobytes.
const MAX_REFUSAL_BYTES: usize = 64 * 1024;

/// A server's 4xx answer to a body it would not take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) status: u16,
    /// The answer's text, as the server wrote it.
    pub(crate) body: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_plain_http_address_is_a_server() {
        assert!(check_base_url("http://jellyfin.lan:8096").is_ok());
        assert!(check_base_url(" https://media.example.org/jellyfin/ ").is_ok());
        for bad in [
            "jellyfin.lan:8096",
            "ftp://jellyfin.lan",
            "file:///etc/passwd",
            "http://user:pw@jellyfin.lan",
            "http://jellyfin.lan/?api_key=1",
            "",
        ] {
            assert!(check_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_secret_header_is_never_printed() {
        let client = ServerClient::new(
            "http://127.0.0.1:9/",
            &[("x-api-key", "s3cret-value".to_owned())],
            Duration::from_secs(1),
        )
        .unwrap();
        assert_eq!(client.base, "http://127.0.0.1:9");
        assert!(!format!("{client:?}").contains("s3cret-value"));
    }
}
