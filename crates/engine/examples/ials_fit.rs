//! Fits the implicit-feedback model on a ratings file and prints the fit time as one JSON line;
//! with `--dump DIR`, first writes the matrix as raw arrays for a peer to fit on exactly the same
//! data (`DIR/users.u32`, `DIR/items.u32`, little-endian indices, and `DIR/shape.txt`).
//!
//! ```sh
//! cargo run --release -p movierec-engine --example ials_fit -- RATINGS \
//!     [--factors 64] [--epochs 15] [--threads 0] [--cg-steps 3] [--dump DIR]
//! ```

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use movierec_engine::{Dataset, Fit, ImplicitParams, RatingSet};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().ok_or("usage: ials_fit RATINGS [flags]")?);
    let mut params = ImplicitParams::default();
    let mut threads = 0;
    let mut dump: Option<PathBuf> = None;
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--factors" => params.factors = value.parse()?,
            "--epochs" => params.epochs = value.parse()?,
            "--threads" => threads = value.parse()?,
            "--cg-steps" => params.cg_steps = value.parse()?,
            "--reg" => params.reg = value.parse()?,
            "--dump" => dump = Some(PathBuf::from(value)),
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    let started = Instant::now();
    let data = Dataset::load(&path, RatingSet::MovieLens)?;
    let load_seconds = started.elapsed().as_secs_f64();
    let ratings = data.ratings();
    if let Some(dir) = dump {
        std::fs::create_dir_all(&dir)?;
        let mut users = std::io::BufWriter::new(std::fs::File::create(dir.join("users.u32"))?);
        let mut items = std::io::BufWriter::new(std::fs::File::create(dir.join("items.u32"))?);
        for r in ratings.entries() {
            users.write_all(&u32::from(r.user).to_le_bytes())?;
            items.write_all(&u32::from(r.item).to_le_bytes())?;
        }
        users.flush()?;
        items.flush()?;
        std::fs::write(
            dir.join("shape.txt"),
            format!(
                "{} {} {}\n",
                ratings.n_users(),
                ratings.n_items(),
                ratings.len()
            ),
        )?;
    }
    let started = Instant::now();
    let model = Fit::new(&params).threads(threads).run(&data)?;
    let fit_seconds = started.elapsed().as_secs_f64();
    assert_eq!(model.n_items(), ratings.n_items());
    println!(
        "{{\"ratings\": {}, \"users\": {}, \"items\": {}, \"factors\": {}, \"epochs\": {}, \
         \"cg_steps\": {}, \"threads\": {}, \"load_seconds\": {load_seconds:.3}, \
         \"fit_seconds\": {fit_seconds:.3}}}",
        ratings.len(),
        ratings.n_users(),
        ratings.n_items(),
        params.factors,
        params.epochs,
        params.cg_steps,
        threads,
    );
    Ok(())
}
