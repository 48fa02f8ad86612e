use clap::Parser;
use movierec::cli::Cli;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    movierec::cli::run(cli)
}
