//! File-based commands: `eval`, `train --ratings`, `recommend --model`.

use crate::cli::{EvalArgs, RecommendArgs, TrainArgs};

pub fn eval(_args: EvalArgs) -> anyhow::Result<()> {
    anyhow::bail!("eval: not built yet")
}

pub fn train(_args: TrainArgs) -> anyhow::Result<()> {
    anyhow::bail!("train: not built yet")
}

pub fn recommend(_args: RecommendArgs) -> anyhow::Result<()> {
    anyhow::bail!("recommend: not built yet")
}
