//! `movierec recommend`: a user's top N from a model file.

use std::fs::File;
use std::io::{BufReader, Write};

use anyhow::{Context, bail};
use movierec_engine::{ItemIdx, Model};

use super::inputs;
use super::options::RecommendOptions;

pub fn run(args: RecommendOptions) -> anyhow::Result<()> {
    let file =
        File::open(&args.model).with_context(|| format!("cannot open {}", args.model.display()))?;
    // Ids as the file's text, whoever wrote it: a file's user names, or a stored model's
    // decimal ids.
    let model: Model = Model::load(BufReader::new(file))
        .with_context(|| format!("cannot load {}", args.model.display()))?;
    let ratings = args.ratings.as_deref().map(inputs::load).transpose()?;
    // The user's ratings from the file, as model item indices.
    let rated: Vec<(ItemIdx, f32)> = match &ratings {
        Some(data) => match data.users().get(&args.user) {
            Some(u) => {
                let (items, values) = data.ratings().user_ratings(u);
                items
                    .iter()
                    .zip(values)
                    .filter_map(|(&i, &r)| model.items().get(data.items().ext(i)).map(|m| (m, r)))
                    .collect()
            }
            None => Vec::new(),
        },
        None => Vec::new(),
    };
    let user = match model.users().get(&args.user) {
        Some(u) => model.user(u),
        None if !rated.is_empty() => model.fold_in(&rated, &[]),
        None => bail!(
            "user {:?} is not in the model ({} users){}",
            args.user,
            model.users().len(),
            if args.ratings.is_some() {
                " nor has ratings of known items in the ratings file"
            } else {
                ""
            }
        ),
    };
    let mut seen: Vec<ItemIdx> = rated.iter().map(|&(i, _)| i).collect();
    seen.sort_unstable();
    let top = model.recommend(&user, args.n, |i| {
        model.item_count(i) == 0 || seen.binary_search(&i).is_ok()
    });
    let mut out = std::io::stdout().lock();
    for pick in top {
        let r = pick.predicted();
        writeln!(out, "{}\t{r:.2}", model.items().ext(pick.item()))?;
    }
    Ok(())
}
