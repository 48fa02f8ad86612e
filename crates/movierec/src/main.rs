//! `movierec`: parse the command line and run the one command asked for. This is the only
//! place that knows every command.

use clap::Parser;
use movierec::cli::{Cli, Command};
use movierec::{offline, startup, telemetry};

fn main() -> anyhow::Result<()> {
    match Cli::parse().into_command() {
        Command::Serve(args) => {
            telemetry::init(&args.log)?;
            startup::serve(args.to_config())
        }
        Command::Eval(args) => offline::eval(args.into()),
        Command::Train(args) => offline::train(args.into()),
        Command::Recommend(args) => offline::recommend(args.into()),
    }
}
