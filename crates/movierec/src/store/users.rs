use sqlx::SqlitePool;

/// What logging in needs to know about an account.
#[derive(Debug, sqlx::FromRow)]
pub struct LoginRecord {
    pub id: i64,
    pub username: String,
    /// `None` for critic accounts: they have no password and cannot log in.
    pub password_hash: Option<String>,
}

/// Creates a regular account. Returns `None` when the name is taken, whatever its case.
pub async fn create(
    pool: &SqlitePool,
    username: &str,
    username_lower: &str,
    password_hash: &str,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "INSERT INTO users (username, username_lower, password_hash, kind, created_at)
         VALUES ($1, $2, $3, 'user', $4)
         ON CONFLICT (username_lower) DO NOTHING
         RETURNING id",
    )
    .bind(username)
    .bind(username_lower)
    .bind(password_hash)
    .bind(super::now())
    .fetch_optional(pool)
    .await
}

pub async fn find_for_login(
    pool: &SqlitePool,
    username_lower: &str,
) -> sqlx::Result<Option<LoginRecord>> {
    sqlx::query_as("SELECT id, username, password_hash FROM users WHERE username_lower = $1")
        .bind(username_lower)
        .fetch_optional(pool)
        .await
}
