//! The domain's ids and stars as sqlx binds and reads them, so store functions take and
//! return the typed values. Each is written for any database whose driver handles the
//! underlying number (SQLite, PostgreSQL and the generic driver the pool uses alike). A
//! stored value the type refuses (a movie id below 1, a rating off the half-star scale) is a
//! decode error, not a silent clamp: only the app writes these columns, through these types.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Type};

use crate::domain::{MovieId, NightId, Stars, UserId};

/// Implements `Type`, `Encode` and `Decode` for `$ty`, stored as `$raw`: `$to` gives the raw
/// value, `$from` checks one read back.
macro_rules! stored_as {
    ($ty:ty, $raw:ty, $to:expr, $from:expr) => {
        impl<DB: Database> Type<DB> for $ty
        where
            $raw: Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <$raw as Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <$raw as Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: Database> Encode<'q, DB> for $ty
        where
            $raw: Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as Database>::ArgumentBuffer<'q>,
            ) -> Result<IsNull, BoxDynError> {
                let to: fn(&$ty) -> $raw = $to;
                to(self).encode_by_ref(buf)
            }
        }

        impl<'r, DB: Database> Decode<'r, DB> for $ty
        where
            $raw: Decode<'r, DB>,
        {
            fn decode(value: <DB as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let from: fn($raw) -> Result<$ty, String> = $from;
                from(<$raw as Decode<DB>>::decode(value)?).map_err(Into::into)
            }
        }
    };
}

stored_as!(MovieId, i64, |id| id.get(), MovieId::new);
stored_as!(UserId, i64, |id| id.get(), |id| Ok(UserId::new(id)));
stored_as!(NightId, i64, |id| id.get(), NightId::new);
stored_as!(Stars, f64, |stars| stars.value(), Stars::from_f64);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_db::{movie, user, with_movies};

    /// Ids and stars go in and come back out as themselves, on the app's pool.
    #[tokio::test]
    async fn typed_values_round_trip() {
        let (_dir, pool) = with_movies(2).await;
        let ann = user(&pool, "ann").await;
        let stars = Stars::parse("3.5").unwrap();
        sqlx::query(
            "INSERT INTO ratings (user_id, movie_id, rating, updated_at) VALUES ($1, $2, $3, 0)",
        )
        .bind(ann)
        .bind(movie(2))
        .bind(stars)
        .execute(&pool)
        .await
        .unwrap();
        let read: (UserId, MovieId, Stars) =
            sqlx::query_as("SELECT user_id, movie_id, rating FROM ratings WHERE user_id = $1")
                .bind(ann)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(read, (ann, movie(2), stars));
    }

    /// A stored rating off the half-star scale or a movie id below 1 is refused when read,
    /// not rounded or clamped into something else.
    #[tokio::test]
    async fn values_the_types_refuse_fail_to_decode() {
        let (_dir, pool) = with_movies(1).await;
        let off_scale = sqlx::query_scalar::<_, Stars>("SELECT 3.7")
            .fetch_one(&pool)
            .await;
        assert!(
            matches!(off_scale, Err(sqlx::Error::ColumnDecode { .. })),
            "{off_scale:?}"
        );
        let not_an_id = sqlx::query_scalar::<_, MovieId>("SELECT CAST(0 AS BIGINT)")
            .fetch_one(&pool)
            .await;
        assert!(
            matches!(not_an_id, Err(sqlx::Error::ColumnDecode { .. })),
            "{not_an_id:?}"
        );
    }
}
