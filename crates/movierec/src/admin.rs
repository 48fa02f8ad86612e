//! `movierec admin`: grant or revoke the administrator role from the command line, the
//! way back in when no administrator can log in.

use std::str::FromStr;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use sqlx::sqlite::SqliteConnectOptions;

use crate::store::users::RoleChange;

#[derive(Debug, Args)]
pub struct AdminArgs {
    #[command(subcommand)]
    pub action: AdminAction,
    /// The app's database.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/movierec.db",
        global = true
    )]
    pub database_url: String,
}

#[derive(Debug, Subcommand)]
pub enum AdminAction {
    /// Make an account an administrator: it may train models and change site settings.
    Grant {
        /// The account's username (any case).
        name: String,
    },
    /// Make an administrator a regular user again; the last administrator stays.
    Revoke {
        /// The account's username (any case).
        name: String,
    },
}

pub fn run(args: &AdminArgs) -> anyhow::Result<()> {
    let (name, admin) = match &args.action {
        AdminAction::Grant { name } => (name, true),
        AdminAction::Revoke { name } => (name, false),
    };
    let lower = name.trim().to_lowercase();
    // Connecting would create an empty database, where no account is found anyway.
    let options = SqliteConnectOptions::from_str(&args.database_url)
        .with_context(|| format!("invalid database URL {:?}", args.database_url))?;
    let file = options.get_filename();
    if !file.exists() {
        bail!(
            "there is no database at {} (give the server's --database-url)",
            file.display()
        );
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let change = runtime.block_on(async {
        let pool = crate::store::connect(&args.database_url).await?;
        let change = crate::store::users::set_admin(&pool, &lower, admin).await;
        pool.close().await;
        anyhow::Ok(change?)
    })?;
    let name = name.trim();
    match (change, admin) {
        (RoleChange::Changed, true) => println!("{name} is now an administrator."),
        (RoleChange::Changed, false) => println!("{name} is no longer an administrator."),
        (RoleChange::AlreadySo, true) => println!("{name} is already an administrator."),
        (RoleChange::AlreadySo, false) => println!("{name} is not an administrator."),
        (RoleChange::NoSuchAccount, _) => bail!("there is no account named {name:?}"),
        (RoleChange::CriticAccount, _) => {
            bail!("{name:?} is a critic account: it cannot log in, so it has no role")
        }
        (RoleChange::LastAdmin, _) => bail!(
            "{name} is the only administrator: grant another account first \
             (movierec admin grant NAME), then revoke this one"
        ),
    }
    Ok(())
}
