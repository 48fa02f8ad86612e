//! TLS for outgoing HTTPS (data set downloads, OMDb and TMDB): rustls on the `ring` provider, which builds
//! without cmake, unlike reqwest's default provider.
//!
//! With reqwest's `rustls-no-provider` feature, building any `reqwest::Client` panics unless
//! a provider is installed first, so every process that builds one calls [`install`] at the
//! start: `main`, the examples and the test helpers.

/// Installs `ring` as the process's TLS provider. Idempotent: a second call, or a provider
/// installed by someone else, leaves things as they are.
pub fn install() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
