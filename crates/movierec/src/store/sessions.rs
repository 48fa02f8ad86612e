//! Log-in sessions, kept in the app's database so every instance on it knows every session.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

use super::Db;

/// A `tower-sessions` store over the app's pool, on either backend: one row per session,
/// its record as JSON and its expiry in epoch seconds.
///
/// Sessions expire after a time without requests, so every request moves the expiry and
/// asks for a save. Writing each of them would make every page view a database write,
/// serialised with every other on SQLite; so a save whose data is what this process last
/// read or wrote, and whose expiry moved less than [`EXPIRY_SLACK_SECS`], is skipped.
#[derive(Debug, Clone)]
pub struct DbSessionStore {
    pool: Db,
    /// Per session id: a digest of its data and the expiry stored with it, as this process
    /// last loaded or saved them.
    stored: Arc<Mutex<HashMap<String, Stored>>>,
}

/// How far a session's expiry may lag behind the one a request asks for: at most one
/// write per session in this long when nothing else changes.
pub const EXPIRY_SLACK_SECS: i64 = 3600;
/// Sessions remembered; past this the memory is cleared and the next saves write.
const REMEMBERED: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stored {
    data: u64,
    expires_at: i64,
}

impl DbSessionStore {
    pub fn new(pool: Db) -> Self {
        Self {
            pool,
            stored: Arc::default(),
        }
    }

    fn remember(&self, id: &Id, stored: Option<Stored>) {
        let mut map = self.stored.lock().unwrap_or_else(|e| e.into_inner());
        match stored {
            Some(stored) => {
                if map.len() >= REMEMBERED {
                    map.clear();
                }
                map.insert(id.to_string(), stored);
            }
            None => {
                map.remove(&id.to_string());
            }
        }
    }

    /// Whether saving `record` would write nothing new: same data as stored, expiry close.
    fn unchanged(&self, record: &Record) -> bool {
        let map = self.stored.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&record.id.to_string()).is_some_and(|stored| {
            stored.data == data_digest(record)
                && record.expiry_date.unix_timestamp() - stored.expires_at < EXPIRY_SLACK_SECS
        })
    }

    /// Deletes the expired sessions every `period`, for as long as the app runs.
    pub async fn delete_expired_every(self, period: std::time::Duration) {
        let mut tick = tokio::time::interval(period);
        loop {
            tick.tick().await;
            if let Err(e) = self.delete_expired().await {
                tracing::warn!(error = %e, "cannot delete expired sessions");
            }
        }
    }
}

fn backend(e: sqlx::Error) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

/// A digest of a session's data, independent of its map's iteration order.
fn data_digest(record: &Record) -> u64 {
    let sorted: BTreeMap<&String, String> = record
        .data
        .iter()
        .map(|(key, value)| (key, value.to_string()))
        .collect();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    sorted.hash(&mut hasher);
    hasher.finish()
}

fn stored(record: &Record) -> Stored {
    Stored {
        data: data_digest(record),
        expires_at: record.expiry_date.unix_timestamp(),
    }
}

fn encode(record: &Record) -> session_store::Result<Vec<u8>> {
    serde_json::to_vec(record).map_err(|e| session_store::Error::Encode(e.to_string()))
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let inserted = sqlx::query(
                "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3)
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(record.id.to_string())
            .bind(encode(record)?)
            .bind(record.expiry_date.unix_timestamp())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
            if inserted.rows_affected() == 1 {
                self.remember(&record.id, Some(stored(record)));
                return Ok(());
            }
            // An id already taken (vanishingly rare): draw another.
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        if self.unchanged(record) {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(record.id.to_string())
        .bind(encode(record)?)
        .bind(record.expiry_date.unix_timestamp())
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        self.remember(&record.id, Some(stored(record)));
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row: Option<(Vec<u8>, i64)> = sqlx::query_as(
            "SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2",
        )
        .bind(id.to_string())
        .bind(super::now())
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        let Some((data, expires_at)) = row else {
            self.remember(id, None);
            return Ok(None);
        };
        let record: Record = serde_json::from_slice(&data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        self.remember(
            id,
            Some(Stored {
                data: data_digest(&record),
                expires_at,
            }),
        );
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.remember(id, None);
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(super::now())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_db::with_movies;
    use tower_sessions::cookie::time;

    async fn stored_row(pool: &Db, id: &Id) -> (Vec<u8>, i64) {
        sqlx::query_as("SELECT data, expires_at FROM sessions WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(pool)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn saves_write_only_new_data_or_an_expiry_moved_past_the_slack() {
        let (_dir, pool) = with_movies(1).await;
        let store = DbSessionStore::new(pool.clone());
        let start = time::OffsetDateTime::now_utc() + time::Duration::days(14);
        let mut record = Record {
            id: Id::default(),
            data: HashMap::from([("user".to_owned(), serde_json::json!(7))]),
            expiry_date: start,
        };
        store.create(&mut record).await.unwrap();
        let (_, created_expiry) = stored_row(&pool, &record.id).await;

        // A later request, same data, expiry a minute on: nothing is written.
        let loaded = store.load(&record.id).await.unwrap().unwrap();
        let mut later = loaded.clone();
        later.expiry_date = start + time::Duration::minutes(1);
        store.save(&later).await.unwrap();
        assert_eq!(stored_row(&pool, &record.id).await.1, created_expiry);

        // New data is written at once, whatever the expiry.
        later
            .data
            .insert("flash".to_owned(), serde_json::json!("saved"));
        store.save(&later).await.unwrap();
        let (data, expiry) = stored_row(&pool, &record.id).await;
        assert_eq!(expiry, later.expiry_date.unix_timestamp());
        let written: Record = serde_json::from_slice(&data).unwrap();
        assert_eq!(written.data, later.data);

        // An expiry moved past the slack is written too.
        let mut much_later = later.clone();
        much_later.expiry_date += time::Duration::seconds(EXPIRY_SLACK_SECS + 1);
        store.save(&much_later).await.unwrap();
        assert_eq!(
            stored_row(&pool, &record.id).await.1,
            much_later.expiry_date.unix_timestamp()
        );

        // A store in another process knows nothing yet: its first save writes.
        let other = DbSessionStore::new(pool.clone());
        let mut elsewhere = much_later.clone();
        elsewhere.expiry_date += time::Duration::minutes(1);
        other.save(&elsewhere).await.unwrap();
        assert_eq!(
            stored_row(&pool, &record.id).await.1,
            elsewhere.expiry_date.unix_timestamp()
        );

        // A deleted session is forgotten: saving it again writes it.
        store.delete(&record.id).await.unwrap();
        store.save(&elsewhere).await.unwrap();
        assert_eq!(
            stored_row(&pool, &record.id).await.1,
            elsewhere.expiry_date.unix_timestamp()
        );
    }
}
