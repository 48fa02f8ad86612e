//! Charts drawn on the server as inline SVG, so pages need no script to show them.

use plotters::prelude::*;

use crate::services::training::EpochRecord;

/// Training and held-out RMSE per epoch as an SVG document.
pub fn rmse_chart(epochs: &[EpochRecord]) -> Result<String, String> {
    let values = epochs
        .iter()
        .flat_map(|e| std::iter::once(e.train_rmse).chain(e.holdout_rmse));
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let pad = ((hi - lo) * 0.1).max(0.01);
    let last = epochs.last().map_or(1, |e| e.epoch).max(2) as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(1f64..last, (lo - pad)..(hi + pad))
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc("RMSE")
            .draw()
            .map_err(|e| e.to_string())?;
        let train = RGBColor(0x1f, 0x5f, 0xbf);
        let holdout = RGBColor(0xd0, 0x50, 0x20);
        chart
            .draw_series(LineSeries::new(
                epochs.iter().map(|e| (e.epoch as f64, e.train_rmse)),
                train.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label("training ratings")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], train));
        chart
            .draw_series(LineSeries::new(
                epochs
                    .iter()
                    .filter_map(|e| e.holdout_rmse.map(|h| (e.epoch as f64, h))),
                holdout.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label("held-out sample")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], holdout));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_draws_both_curves() {
        let epochs: Vec<EpochRecord> = (1..=5)
            .map(|epoch| EpochRecord {
                epoch,
                train_rmse: 1.0 / epoch as f64,
                holdout_rmse: Some(1.2 / epoch as f64),
                seconds: epoch as f64,
            })
            .collect();
        let svg = rmse_chart(&epochs).unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("held-out sample"));
        // Two curves plus the legend's two samples.
        assert!(svg.matches("<polyline").count() >= 2, "{svg}");
    }
}
