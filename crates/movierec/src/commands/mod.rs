//! The file-based commands: `eval`, `train` (from a file, or into the database) and `recommend`.

pub mod eval;
mod inputs;
mod progress;
pub mod recommend;
pub mod train;
