//! `movierec admin`: grant or revoke the administrator role from the command line, the
//! way back in when no administrator can log in.

use anyhow::bail;

use crate::store::users::RoleChange;

/// Grant (`admin: true`) or revoke the administrator role of the account `name`.
#[derive(Debug, Clone)]
pub struct RoleRequest {
    pub name: String,
    pub admin: bool,
    pub database_url: String,
}

pub fn run(args: RoleRequest) -> anyhow::Result<()> {
    let (name, admin) = (&args.name, args.admin);
    let lower = name.trim().to_lowercase();
    let runtime = crate::runtime()?;
    let change = runtime.block_on(async {
        // An empty database would be created, where no account is found anyway.
        let pool = crate::store::connect_existing(&args.database_url).await?;
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
