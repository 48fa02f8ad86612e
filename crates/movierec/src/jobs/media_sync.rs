//! The media-server sync of `serve`: every linked user's library read again every so often,
//! catching what webhooks missed (Plex sends none for "mark as played"). With several
//! instances, the one holding the lease syncs.

use std::time::Duration;

use crate::jobs::lease::{Lease, LeaseConfig};
use crate::services::media_servers::pull;
use crate::store::Db;

const LEASE: &str = "media-sync";

/// Syncs every `every` until aborted; `None` never does.
pub async fn background(pool: Db, every: Option<Duration>) {
    let Some(every) = every else {
        return;
    };
    loop {
        tokio::time::sleep(every).await;
        match Lease::acquire(&pool, LEASE, "media-server sync", LeaseConfig::default()).await {
            Ok(Ok(lease)) => {
                match pull::sync_everyone(&pool).await {
                    Ok(done) => tracing::info!(synced = done, "media-server sync done"),
                    Err(e) => tracing::warn!(error = %e, "media-server sync failed"),
                }
                if let Err(e) = lease.release().await {
                    tracing::warn!(error = %e, "cannot release the media-sync lease");
                }
            }
            // Another instance syncs this round.
            Ok(Err(_held)) => {}
            Err(e) => tracing::warn!(error = %e, "cannot take the media-sync lease"),
        }
    }
}
