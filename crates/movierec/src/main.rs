//! `movierec`: parse the command line and run the one command asked for. This is the only
//! place that knows every command.

use clap::Parser;
use movierec::cli::{Cli, Command, ExportWhat};
use movierec::{commands, startup, telemetry};

fn main() -> anyhow::Result<()> {
    movierec::tls::install();
    match run(Cli::parse().into_command()) {
        // A reader that stopped early (`movierec eval --json | head -1`) got what it wanted.
        Err(e) if is_broken_pipe(&e) => Ok(()),
        result => result,
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => {
            let config = args.to_config()?;
            telemetry::init(&args.log)?;
            startup::serve(config)
        }
        Command::Eval(args) => commands::eval::run(args.into()),
        Command::Train(args) => commands::train::run(args.into()),
        Command::Recommend(args) => commands::recommend::run(args.into()),
        Command::Admin(args) => commands::admin::run(args.into()),
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
