//! `movierec copy --from URL --to URL`: a whole site into an empty database, SQLite to
//! PostgreSQL or back, checked by per-table counts and a checksum of the ratings.

use anyhow::{Context, bail};

use crate::store::copy;

pub fn run(from_url: &str, to_url: &str) -> anyhow::Result<()> {
    let runtime = crate::runtime()?;
    runtime.block_on(async {
        let from = crate::store::connect_existing(from_url).await?;
        let to = crate::store::connect(to_url).await?;
        if let Some((table, n)) = copy::counts(&to).await?.into_iter().find(|(_, n)| *n > 0) {
            bail!(
                "the target database is not empty ({table} has {n} rows): copy only into a new one"
            );
        }
        copy::copy_all(&from, &to, |table, n| println!("{table}: {n} rows"))
            .await
            .context("cannot copy the site")?;
        let (before, after) = (copy::counts(&from).await?, copy::counts(&to).await?);
        for ((table, a), (_, b)) in before.iter().zip(&after) {
            if a != b {
                bail!("{table} has {a} rows in the source but {b} in the copy");
            }
        }
        let (a, b) = (
            copy::ratings_checksum(&from).await?,
            copy::ratings_checksum(&to).await?,
        );
        if a != b {
            bail!("the ratings differ after the copy (checksums {a:016x} and {b:016x})");
        }
        let rows: i64 = after.iter().map(|(_, n)| n).sum();
        println!(
            "Copied {rows} rows in {} tables; counts equal, ratings checksum {a:016x} equal.",
            after.len()
        );
        from.close().await;
        to.close().await;
        anyhow::Ok(())
    })
}
