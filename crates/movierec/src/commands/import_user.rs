//! `movierec import user NAME FILE`: a user's history from another service, as the import
//! page would bring it in, with the report printed.

use anyhow::Context;

use super::UserImport;
use crate::services::history::{self, Report};

pub fn run(database_url: &str, options: &UserImport) -> anyhow::Result<()> {
    let runtime = crate::runtime()?;
    let report = runtime.block_on(async {
        let pool = crate::store::connect_existing(database_url).await?;
        let user_id = crate::store::users::id_by_name(&pool, &options.name.to_lowercase())
            .await?
            .with_context(|| format!("there is no account named {:?}", options.name))?;
        let bytes = std::fs::read(&options.file)
            .with_context(|| format!("cannot read {}", options.file.display()))?;
        let name = options
            .file
            .file_name()
            .map_or_else(|| "upload".to_owned(), |n| n.to_string_lossy().into_owned());
        let parsing = history::HistoryParsing::for_this_machine();
        let report = if options.dry_run {
            history::preview(&parsing, &pool, user_id, &name, bytes, options.conflicts).await
        } else {
            history::import(&parsing, &pool, user_id, &name, bytes, options.conflicts).await
        }
        .with_context(|| format!("cannot import {}", options.file.display()))?;
        pool.close().await;
        anyhow::Ok(report)
    })?;
    print!("{}", describe(&report));
    Ok(())
}

/// The report as the command prints it.
fn describe(r: &Report) -> String {
    let c = &r.counts;
    let mut out = format!(
        "{} {} ({}){}:\n",
        if r.applied {
            "Imported"
        } else {
            "Would import"
        },
        r.file_name,
        r.format_label,
        if r.applied {
            ""
        } else {
            " (dry run: nothing changed)"
        }
    );
    out.push_str(&format!(
        "  rows: {} ({} series, episodes or extras skipped)\n",
        c.rows, c.skipped
    ));
    out.push_str(&format!(
        "  matched: {} by IMDb id, {} by TMDB id, {} by earlier hand match, {} by title and year\n",
        c.matched_by_imdb, c.matched_by_tmdb, c.matched_by_hand, c.matched_by_title
    ));
    out.push_str(&format!(
        "  ratings: {} new, {} changed, {} conflicts; {} unchanged\n",
        c.new, c.changed, c.conflicts, c.unchanged
    ));
    out.push_str(&format!(
        "  seen: {} new; watchlist: {} new\n",
        c.seen, c.watchlist
    ));
    out.push_str(&format!("  unmatched: {}\n", c.unmatched));
    for u in &r.unmatched {
        let year = u.year.map_or_else(String::new, |y| format!(" ({y})"));
        let why = if u.ambiguous {
            ", several films fit"
        } else {
            ""
        };
        out.push_str(&format!(
            "    {}:{}: {}{year} [{}{why}]\n",
            u.file,
            u.line,
            u.title,
            u.entry.list()
        ));
    }
    out
}
