//! `movierec`: parse the command line and run the one command asked for. This is the only
//! place that knows every command.

use clap::Parser;
use movierec::cli::{Cli, Command, ExportWhat};
use movierec::{admin, commands, startup, telemetry};

fn main() -> anyhow::Result<()> {
    movierec::tls::install();
    match Cli::parse().into_command() {
        Command::Serve(args) => {
            // A lease renewed no sooner than it expires would pass to another instance
            // in the middle of every training.
            anyhow::ensure!(
                args.lease_renew_secs < args.lease_secs,
                "--lease-renew-secs ({}) must be less than --lease-secs ({})",
                args.lease_renew_secs,
                args.lease_secs
            );
            telemetry::init(&args.log)?;
            startup::serve(args.to_config())
        }
        Command::Eval(args) => commands::eval::run(args.into()),
        Command::Train(args) => commands::train::run(args.into()),
        Command::Recommend(args) => commands::recommend::run(args.into()),
        Command::Admin(args) => admin::run(args.into()),
        Command::Import(args) => commands::import::run(args.into()),
        Command::Export(args) => match args.what {
            ExportWhat::Ratings { out } => {
                commands::spark::export_ratings(&out, &args.database.database_url)
            }
        },
        Command::Enrich(args) => {
            telemetry::init("warn")?;
            commands::enrich::run(args.into())
        }
        Command::Copy(args) => commands::copy::run(&args.from, &args.to),
        Command::Catalog(args) => commands::catalog::run(args.into()),
    }
}
