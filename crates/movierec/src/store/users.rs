use crate::domain::UserId;
use crate::store::Db;

/// What logging in needs to know about an account.
#[derive(Debug, sqlx::FromRow)]
pub struct LoginRecord {
    pub id: UserId,
    pub username: String,
    /// `None` for critic accounts: they have no password and cannot log in.
    pub password_hash: Option<String>,
    /// Stored in the session at log-in; see [`SessionAccount`].
    pub session_stamp: String,
}

/// A newly created account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Created {
    pub id: UserId,
    #[sqlx(try_from = "super::Flag")]
    pub is_admin: bool,
}

/// Creates a regular account; the first one on the site becomes its administrator. With
/// `open` false only that first one is created. Returns `None` when nothing was created:
/// the name is taken, whatever its case, or registration is closed.
///
/// Two simultaneous first registrations must not both find the site empty: SQLite runs write
/// transactions one at a time, and on PostgreSQL, where a statement does not see rows that
/// another transaction inserts meanwhile, registrations take a transaction-scoped advisory
/// lock first, so the second sees the first's row.
pub async fn create(
    pool: &Db,
    username: &str,
    username_lower: &str,
    password_hash: &str,
    session_stamp: &str,
    open: bool,
) -> sqlx::Result<Option<Created>> {
    let mut tx = super::begin_write(pool).await?;
    if super::Backend::of(pool) == super::Backend::Postgres {
        sqlx::query("SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock($1)) AS l")
            .bind(REGISTRATION_LOCK)
            .fetch_one(&mut *tx)
            .await?;
    }
    let created = sqlx::query_as(
        "INSERT INTO users
           (username, username_lower, password_hash, kind, created_at, role, session_stamp)
         SELECT $1, $2, $3, 'user', $4,
                CASE WHEN EXISTS (SELECT 1 FROM users WHERE kind = 'user')
                     THEN 'user' ELSE 'admin' END,
                $5
          WHERE $6 OR NOT EXISTS (SELECT 1 FROM users WHERE kind = 'user')
         ON CONFLICT (username_lower) DO NOTHING
         RETURNING id, role = 'admin' AS is_admin",
    )
    .bind(username)
    .bind(username_lower)
    .bind(password_hash)
    .bind(super::now())
    .bind(session_stamp)
    .bind(open)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(created)
}

/// The PostgreSQL advisory lock key that serialises registrations (any fixed number unused by
/// other locks).
const REGISTRATION_LOCK: i64 = 0x6d6f_7669_6572_6563;

/// Whether any person has an account (critic accounts do not count).
pub async fn any_person(pool: &Db) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE kind = 'user')")
        .fetch_one(pool)
        .await
        .map(|found: super::Flag| found.0)
}

/// Whether an account, critic accounts included, has this name in any case.
pub async fn name_taken(pool: &Db, username_lower: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE username_lower = $1)")
        .bind(username_lower)
        .fetch_one(pool)
        .await
        .map(|taken: super::Flag| taken.0)
}

/// The id of the person account (not a critic or community rater) with this name.
pub async fn id_by_name(pool: &Db, username_lower: &str) -> sqlx::Result<Option<UserId>> {
    sqlx::query_scalar("SELECT id FROM users WHERE username_lower = $1 AND kind = 'user'")
        .bind(username_lower)
        .fetch_optional(pool)
        .await
}

pub async fn find_for_login(pool: &Db, username_lower: &str) -> sqlx::Result<Option<LoginRecord>> {
    sqlx::query_as(
        "SELECT id, username, password_hash, session_stamp
           FROM users WHERE username_lower = $1",
    )
    .bind(username_lower)
    .fetch_optional(pool)
    .await
}

/// What every request of a logged-in visitor reads about their account.
#[derive(Debug, sqlx::FromRow)]
pub struct SessionAccount {
    pub username: String,
    #[sqlx(try_from = "super::Flag")]
    pub is_admin: bool,
    /// A session whose stamp differs began before the password changed and is over.
    pub session_stamp: String,
}

pub async fn find_for_session(pool: &Db, id: UserId) -> sqlx::Result<Option<SessionAccount>> {
    sqlx::query_as(
        "SELECT username, role = 'admin' AS is_admin, session_stamp
           FROM users WHERE id = $1 AND kind = 'user'",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
}

pub async fn password_hash(pool: &Db, id: UserId) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1 AND kind = 'user'")
        .bind(id)
        .fetch_optional(pool)
        .await
        .map(Option::flatten)
}

/// Sets a new password and session stamp; returns whether the account exists.
pub async fn set_password(
    pool: &Db,
    id: UserId,
    password_hash: &str,
    session_stamp: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE users SET password_hash = $2, session_stamp = $3 WHERE id = $1 AND kind = 'user'",
    )
    .bind(id)
    .bind(password_hash)
    .bind(session_stamp)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// What making an account an administrator, or a regular user again, did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleChange {
    Changed,
    AlreadySo,
    NoSuchAccount,
    /// Critic accounts cannot log in, so they have no role to change.
    CriticAccount,
    /// Revoking would leave the site without an administrator.
    LastAdmin,
}

/// Grants (`admin` true) or revokes the administrator role. Revoking the last
/// administrator is refused in the same statement that would do it, so two revocations
/// at once cannot leave none.
pub async fn set_admin(pool: &Db, username_lower: &str, admin: bool) -> sqlx::Result<RoleChange> {
    let role = if admin { "admin" } else { "user" };
    let done = sqlx::query(
        "UPDATE users SET role = $2
          WHERE username_lower = $1 AND kind = 'user' AND role <> $2
            AND ($2 = 'admin' OR (SELECT COUNT(*) FROM users WHERE role = 'admin') > 1)",
    )
    .bind(username_lower)
    .bind(role)
    .execute(pool)
    .await?;
    if done.rows_affected() > 0 {
        return Ok(RoleChange::Changed);
    }
    let found: Option<(String, String)> =
        sqlx::query_as("SELECT kind, role FROM users WHERE username_lower = $1")
            .bind(username_lower)
            .fetch_optional(pool)
            .await?;
    Ok(match found {
        None => RoleChange::NoSuchAccount,
        Some((kind, _)) if kind != "user" => RoleChange::CriticAccount,
        Some((_, current)) if current == role => RoleChange::AlreadySo,
        Some(_) => RoleChange::LastAdmin,
    })
}

/// Deletes a person's account; their ratings and lists go with it (`ON DELETE CASCADE`).
/// Returns `false`, deleting nothing, when that would leave other people on a site without
/// an administrator (checked in the same statement), or when there is no such account.
pub async fn delete(pool: &Db, id: UserId) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "DELETE FROM users
          WHERE id = $1 AND kind = 'user'
            AND NOT (role = 'admin'
                     AND (SELECT COUNT(*) FROM users WHERE role = 'admin') = 1
                     AND (SELECT COUNT(*) FROM users WHERE kind = 'user') > 1)",
    )
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}
