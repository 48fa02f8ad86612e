//! A whole site from one database to another (SQLite to PostgreSQL and back), table by
//! table in the order of their references, and the figures that prove the copy whole.

use futures_util::TryStreamExt;
use sqlx::any::{AnyRow, AnyTypeInfoKind};
use sqlx::{Row, ValueRef};

use super::{Backend, Db, DbConn};

/// Every table of the site with its columns, each after the tables it refers to. The
/// migrations' bookkeeping is not copied: each side has its own.
pub const TABLES: &[(&str, &[&str])] = &[
    (
        "users",
        &[
            "id",
            "username",
            "username_lower",
            "password_hash",
            "kind",
            "created_at",
            "role",
            "session_stamp",
        ],
    ),
    (
        "movies",
        &[
            "id",
            "title",
            "year",
            "release_date",
            "director",
            "mpaa",
            "runtime_min",
            "imdb_rating",
            "imdb_votes",
            "rotten_tomatoes",
            "creative_type",
            "source",
            "distributor",
            "imdb_id",
            "tmdb_id",
            "movielens_id",
            "original_title",
            "community_rating",
            "community_votes",
            "year_source",
            "votes",
        ],
    ),
    ("genres", &["id", "name"]),
    ("movie_genres", &["movie_id", "genre_id"]),
    (
        "ratings",
        &["user_id", "movie_id", "rating", "updated_at", "rated_at"],
    ),
    (
        "models",
        &[
            "id",
            "created_at",
            "finished_at",
            "fit_seconds",
            "algorithm",
            "params",
            "n_ratings",
            "n_users",
            "n_items",
            "holdout_rmse",
            "epochs",
            "data",
        ],
    ),
    ("hidden_movies", &["user_id", "movie_id", "created_at"]),
    ("watchlist", &["user_id", "movie_id", "created_at"]),
    ("settings", &["name", "value"]),
    ("registrations_per_address", &["ip", "window_start", "n"]),
    ("throttle", &["bucket", "window_start", "attempts"]),
    (
        "known_devices",
        &["token", "user_id", "created_at", "last_login_at"],
    ),
    (
        "catalog_sources",
        &[
            "kind",
            "name",
            "data_date",
            "imported_at",
            "movies",
            "ratings",
            "raters",
        ],
    ),
    (
        "seen_movies",
        &["user_id", "movie_id", "watched_at", "created_at"],
    ),
    (
        "import_matches",
        &["user_id", "title_key", "movie_id", "created_at"],
    ),
    (
        "history_imports",
        &[
            "id",
            "user_id",
            "file_name",
            "conflicts",
            "report",
            "plan",
            "created_at",
            "applied_at",
        ],
    ),
    (
        "movie_details",
        &[
            "movie_id",
            "found",
            "plot",
            "actors",
            "writers",
            "language",
            "country",
            "metacritic",
            "sources",
            "fetched_at",
        ],
    ),
    (
        "posters",
        &["movie_id", "size", "hash", "width", "height", "bytes"],
    ),
    ("provider_state", &["provider", "paused_until", "reason"]),
    (
        "movie_titles",
        &["movie_id", "title_key", "title", "year", "source"],
    ),
    ("movie_redirects", &["from_id", "to_id", "merged_at"]),
    ("sessions", &["id", "data", "expires_at"]),
    (
        "media_hooks",
        &[
            "user_id",
            "lookup",
            "token",
            "shared_users",
            "account",
            "created_at",
        ],
    ),
    (
        "media_events",
        &[
            "id",
            "user_id",
            "server",
            "action",
            "movie_id",
            "rating",
            "title",
            "year",
            "imdb_id",
            "tmdb_id",
            "created_at",
        ],
    ),
    (
        "media_links",
        &[
            "user_id",
            "server",
            "account",
            "secret",
            "linked_at",
            "synced_at",
            "last_result",
            "last_report",
        ],
    ),
    (
        "library_movies",
        &["user_id", "server", "movie_id", "added_at"],
    ),
    (
        "radarr_requests",
        &["movie_id", "user_id", "state", "requested_at"],
    ),
    ("radarr_lists", &["user_id", "top_picks"]),
    ("movie_search", &["rowid", "search_title"]),
    (
        "nights",
        &[
            "id",
            "creator_id",
            "strategy",
            "invite_token",
            "exclude_genres",
            "max_runtime",
            "year_from",
            "year_to",
            "library_only",
            "created_at",
        ],
    ),
    ("night_members", &["night_id", "user_id", "joined_at"]),
    (
        "night_ballot",
        &["night_id", "movie_id", "position", "group_score"],
    ),
    ("night_votes", &["night_id", "user_id", "movie_id", "place"]),
];

/// Tables the copy leaves alone: the migrations fill them, and writing the copy maintains
/// them (the catalog's generation is bumped by triggers as the movies arrive); the leases
/// belong to the processes running on the source, which a site being copied has none of.
#[cfg(test)]
const NOT_COPIED: &[&str] = &["catalog_generation", "leases"];

/// Tables whose `id` the database assigns: their sequences follow the copied ids.
const ID_TABLES: &[&str] = &[
    "users",
    "movies",
    "genres",
    "models",
    "history_imports",
    "media_events",
    "nights",
];

/// What a target column holds, as far as binding a value to it goes: PostgreSQL types its
/// parameters (a NULL too), SQLite takes any value in any column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Untyped,
    Bool,
    Int,
    Float,
    Text,
    Blob,
}

/// The types of `table`'s `columns` on the target.
async fn column_types(to: &mut DbConn, table: &str, columns: &[&str]) -> sqlx::Result<Vec<Column>> {
    if Backend::of_conn(to) == Backend::Sqlite {
        return Ok(vec![Column::Untyped; columns.len()]);
    }
    let types: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::TEXT, data_type::TEXT FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1",
    )
    .bind(table)
    .fetch_all(&mut *to)
    .await?;
    columns
        .iter()
        .map(|c| {
            let found = types.iter().find(|(name, _)| name == c);
            match found.map(|(_, t)| t.as_str()) {
                Some("boolean") => Ok(Column::Bool),
                Some("bigint" | "integer" | "smallint") => Ok(Column::Int),
                Some("double precision" | "real") => Ok(Column::Float),
                Some("text") => Ok(Column::Text),
                Some("bytea") => Ok(Column::Blob),
                other => Err(sqlx::Error::Protocol(format!(
                    "cannot copy {table}.{c}: the target column is {other:?}"
                ))),
            }
        })
        .collect()
}

/// Parameters per insert statement at most: SQLite looks each numbered one up by a linear
/// scan, so statements stay small (see `Backend::values`).
const PARAMETERS_PER_STATEMENT: usize = 400;

/// One value in transit.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Blob(Vec<u8>),
}

fn value(row: &AnyRow, i: usize) -> sqlx::Result<Value> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let kind = raw.type_info().kind();
    Ok(match kind {
        AnyTypeInfoKind::Bool => Value::Bool(row.try_get(i)?),
        AnyTypeInfoKind::SmallInt | AnyTypeInfoKind::Integer | AnyTypeInfoKind::BigInt => {
            Value::Int(row.try_get(i)?)
        }
        AnyTypeInfoKind::Real | AnyTypeInfoKind::Double => Value::Float(row.try_get(i)?),
        AnyTypeInfoKind::Text => Value::Text(row.try_get(i)?),
        AnyTypeInfoKind::Blob => Value::Blob(row.try_get(i)?),
        AnyTypeInfoKind::Null => Value::Null,
    })
}

/// The number of rows of each of [`TABLES`].
pub async fn counts(pool: &Db) -> sqlx::Result<Vec<(&'static str, i64)>> {
    let mut out = Vec::with_capacity(TABLES.len());
    for (table, _) in TABLES {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(pool)
            .await?;
        out.push((*table, n));
    }
    Ok(out)
}

/// A checksum of every rating (account, movie, stars, both times), in key order: equal on
/// two databases only when they hold the same ratings.
pub async fn ratings_checksum(pool: &Db) -> sqlx::Result<u64> {
    let mut rows = sqlx::query_as::<_, (i64, i64, f64, i64, Option<i64>)>(
        "SELECT user_id, movie_id, rating, updated_at, rated_at FROM ratings
         ORDER BY user_id, movie_id",
    )
    .fetch(pool);
    // FNV-1a over the fields' bytes.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    while let Some((user, movie, stars, updated, rated)) = rows.try_next().await? {
        let fields = [
            user.to_le_bytes(),
            movie.to_le_bytes(),
            stars.to_bits().to_le_bytes(),
            updated.to_le_bytes(),
            rated.unwrap_or(i64::MIN).to_le_bytes(),
        ];
        for byte in fields.iter().flatten() {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    Ok(hash)
}

/// Copies every row of [`TABLES`] from `from` into `to` in one transaction, so a failure
/// leaves `to` as it was; `progress` hears each table's name and row count once copied.
/// The caller checks that `to` is empty first.
pub async fn copy_all(from: &Db, to: &Db, mut progress: impl FnMut(&str, u64)) -> sqlx::Result<()> {
    let mut tx = super::begin_write(to).await?;
    for (table, columns) in TABLES {
        let copied = copy_table(from, &mut tx, table, columns).await?;
        progress(table, copied);
    }
    for table in ID_TABLES {
        super::sync_id_sequence(&mut tx, table).await?;
    }
    tx.commit().await
}

async fn copy_table(
    from: &Db,
    to: &mut DbConn,
    table: &str,
    columns: &[&str],
) -> sqlx::Result<u64> {
    let list = columns.join(", ");
    let select = format!("SELECT {list} FROM {table}");
    let types = column_types(to, table, columns).await?;
    let per_statement = (PARAMETERS_PER_STATEMENT / columns.len()).max(1);
    let mut rows = sqlx::query(&select).fetch(from);
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(per_statement);
    let mut copied = 0;
    while let Some(row) = rows.try_next().await? {
        let mut values = Vec::with_capacity(columns.len());
        for (i, column) in types.iter().enumerate() {
            values.push(match (value(&row, i)?, column) {
                // SQLite's 0/1 into a PostgreSQL BOOLEAN.
                (Value::Int(n), Column::Bool) => Value::Bool(n != 0),
                (v, _) => v,
            });
        }
        batch.push(values);
        if batch.len() == per_statement {
            copied += insert(to, table, &list, &types, &batch).await?;
            batch.clear();
        }
    }
    copied += insert(to, table, &list, &types, &batch).await?;
    Ok(copied)
}

async fn insert(
    to: &mut DbConn,
    table: &str,
    list: &str,
    types: &[Column],
    rows: &[Vec<Value>],
) -> sqlx::Result<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    let width = types.len();
    let mut sql = format!("INSERT INTO {table} ({list}) VALUES ");
    for r in 0..rows.len() {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..width {
            if c > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("${}", r * width + c + 1));
        }
        sql.push(')');
    }
    let mut query = sqlx::query(&sql);
    for (v, column) in rows.iter().flatten().zip(types.iter().cycle()) {
        query = match v {
            Value::Null => match column {
                Column::Bool => query.bind(None::<bool>),
                Column::Untyped | Column::Int => query.bind(None::<i64>),
                Column::Float => query.bind(super::NullableF64(None)),
                Column::Text => query.bind(None::<String>),
                Column::Blob => query.bind(None::<Vec<u8>>),
            },
            Value::Bool(b) => query.bind(*b),
            Value::Int(n) => query.bind(*n),
            Value::Float(x) => query.bind(*x),
            Value::Text(s) => query.bind(s.clone()),
            Value::Blob(b) => query.bind(b.clone()),
        };
    }
    Ok(query.execute(&mut *to).await?.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The copy names every table of the schema with all its columns, so a migration that
    /// adds one cannot leave it behind. SQLite's own tables (`sqlite_sequence`, kept for
    /// ids that are never given twice) are its bookkeeping, not the site's data.
    #[tokio::test]
    async fn every_table_and_column_is_copied() {
        let (_dir, pool) = crate::store::test_db::with_movies(1).await;
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master
             WHERE type = 'table' AND name NOT LIKE '\\_sqlx%' ESCAPE '\\'
               AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
               AND name NOT LIKE 'movie\\_search\\_%' ESCAPE '\\'
             ORDER BY name",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        let mut listed: Vec<String> = TABLES
            .iter()
            .map(|(t, _)| *t)
            .chain(NOT_COPIED.iter().copied())
            .map(str::to_owned)
            .collect();
        listed.sort();
        assert_eq!(tables, listed);
        for (table, columns) in TABLES {
            if *table == "movie_search" {
                // FTS5 hides `rowid`; the indexed column is all it declares.
                continue;
            }
            let mut actual: Vec<String> =
                sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            actual.sort();
            let mut ours: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
            ours.sort();
            assert_eq!(actual, ours, "columns of {table}");
        }
    }
}
