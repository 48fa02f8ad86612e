//! The log-in allowances, and the browsers an account knows (see the module above).

use crate::domain::UserId;
use anyhow::Context;

use crate::store;
use crate::store::Db;

/// Failed log-ins allowed per bucket (an account, or one known browser of an account)
/// within [`THROTTLE_WINDOW_SECS`].
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failed log-ins allowed per client address within the window, for browsers not known
/// to the account; higher because many people can share one address.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
pub const THROTTLE_WINDOW_SECS: i64 = 15 * 60;
/// A device token is remembered this long after its last successful log-in.
pub const DEVICE_TOKEN_DAYS: i64 = 365;

/// The allowances an attempt from a browser unknown to the account counts against: the
/// account's shared one (`key` is the lowercased name) and the client address's.
pub fn shared_buckets(key: &str, address: &str) -> Vec<(String, i64)> {
    vec![
        (format!("account:{key}"), MAX_FAILURES_PER_ACCOUNT),
        (format!("address:{address}"), MAX_FAILURES_PER_ADDRESS),
    ]
}

/// "Too many attempts, try again in N minutes."
pub fn try_again_in(retry_after_secs: i64) -> String {
    let minutes = (retry_after_secs + 59) / 60;
    format!(
        "Too many attempts, try again in {minutes} minute{}.",
        if minutes == 1 { "" } else { "s" }
    )
}

/// Makes the browser a known browser of the account; the token goes into its cookie.
pub async fn remember_device(pool: &Db, user_id: UserId) -> anyhow::Result<String> {
    let token = random_token()?;
    store::devices::insert(pool, &token, user_id, store::now())
        .await
        .context("storing the device token")?;
    Ok(token)
}

/// 32 random bytes as hex.
fn random_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
