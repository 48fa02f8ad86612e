//! A film's cover when no poster is known: its title and year set in type on a tint of its
//! genre. Drawn here, so every card and movie page looks intended without a provider key, and
//! a pure function of the film's facts, so its URL can carry a hash of it and be cached long.

use std::hash::{DefaultHasher, Hash, Hasher};

use crate::catalog::genres;

/// The drawing's size: a poster's 2:3.
const WIDTH: u32 = 200;
const HEIGHT: u32 = 300;
/// Room for the title inside the frame, in drawing units.
const TEXT_WIDTH: f64 = 164.0;
/// Title sizes tried, largest first, each with the lines it may take.
const SIZES: [(f64, usize); 4] = [(30.0, 3), (26.0, 4), (22.0, 5), (18.0, 6)];
/// A serif letter's average width, in ems: a conservative guess, as the font is the reader's.
const LETTER_EM: f64 = 0.56;

/// One tint per vocabulary genre, dark enough for white type (checked in the tests).
const TINTS: [(&str, [u8; 3]); 22] = [
    ("Action", [0x9b, 0x2c, 0x2c]),
    ("Adventure", [0x8a, 0x4b, 0x12]),
    ("Animation", [0x6b, 0x3f, 0xa0]),
    ("Biography", [0x5e, 0x4b, 0x3c]),
    ("Comedy", [0x7a, 0x5c, 0x00]),
    ("Crime", [0x2f, 0x3e, 0x4e]),
    ("Documentary", [0x3d, 0x5a, 0x40]),
    ("Drama", [0x3b, 0x4a, 0x7a]),
    ("Family", [0x1f, 0x6e, 0x64]),
    ("Fantasy", [0x5a, 0x2d, 0x82]),
    ("Film-Noir", [0x38, 0x38, 0x3c]),
    ("History", [0x6e, 0x4b, 0x2a]),
    ("Horror", [0x5a, 0x12, 0x18]),
    ("Music", [0x9a, 0x2e, 0x66]),
    ("Musical", [0x96, 0x3a, 0x50]),
    ("Mystery", [0x2d, 0x3a, 0x5c]),
    ("Romance", [0xa0, 0x36, 0x58]),
    ("Sci-Fi", [0x0f, 0x5c, 0x73]),
    ("Sport", [0x2e, 0x6b, 0x2e]),
    ("Thriller", [0x3a, 0x2f, 0x4f]),
    ("War", [0x4b, 0x53, 0x20]),
    ("Western", [0x85, 0x55, 0x26]),
];

/// The tint of a film without a genre.
const NEUTRAL: [u8; 3] = [0x4a, 0x4f, 0x57];

/// Genres from the most telling to the least: a horror comedy is drawn as horror, and drama,
/// which most films share, only when nothing says more.
const TELLING: [&str; 22] = [
    "Animation",
    "Documentary",
    "Film-Noir",
    "Western",
    "Horror",
    "Sci-Fi",
    "Musical",
    "War",
    "Fantasy",
    "Music",
    "Sport",
    "Biography",
    "History",
    "Family",
    "Mystery",
    "Thriller",
    "Crime",
    "Romance",
    "Comedy",
    "Adventure",
    "Action",
    "Drama",
];

/// A film as its cover shows it.
#[derive(Debug, Clone, Copy)]
pub struct Cover<'a> {
    pub title: &'a str,
    pub year: Option<i64>,
    /// In any order and any source's spelling.
    pub genres: &'a [String],
}

impl Cover<'_> {
    /// The genre the cover is tinted by, `None` when the film has none the site knows.
    pub fn genre(&self) -> Option<&'static str> {
        let known: Vec<&str> = self
            .genres
            .iter()
            .flat_map(|g| genres::canonical_all(g))
            .collect();
        TELLING.iter().copied().find(|g| known.contains(g))
    }

    /// What a screen reader says: the title, and the year when known.
    pub fn label(&self) -> String {
        match self.year {
            Some(year) => format!("{} ({year})", self.title.trim()),
            None => self.title.trim().to_owned(),
        }
    }

    /// The SVG document.
    pub fn svg(&self) -> String {
        let genre = self.genre();
        let base = tint(genre);
        let (size, lines) = layout(self.title);
        let line_height = size * 1.15;
        // The title's block centred a little above the middle, clear of the genre and year.
        let block = line_height * (lines.len() as f64 - 1.0);
        let first = 140.0 - block / 2.0 + size * 0.35;
        let mut title = String::new();
        for (i, line) in lines.iter().enumerate() {
            title.push_str(&format!(
                "<tspan x=\"18\" y=\"{:.1}\">{}</tspan>",
                first + line_height * i as f64,
                escape(line)
            ));
        }
        let kicker = genre.map_or(String::new(), |g| {
            format!(
                "<text x=\"18\" y=\"36\" class=\"kicker\">{}</text>",
                escape(&g.to_uppercase())
            )
        });
        let year = self.year.map_or(String::new(), |y| {
            format!(
                "<path d=\"M18 246h40\" stroke=\"#fff\" stroke-width=\"2\"/>\
                 <text x=\"18\" y=\"272\" class=\"year\">{y}</text>"
            )
        });
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
             viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-labelledby=\"cover-title\">\
             <title id=\"cover-title\">{label}</title>\
             <style>\
             .top{{stop-color:{top}}}.bottom{{stop-color:{bottom}}}\
             @media (prefers-color-scheme: dark){{.top{{stop-color:{dark_top}}}.bottom{{stop-color:{dark_bottom}}}}}\
             text{{fill:#fff}}\
             .title{{font:600 {size}px Georgia,'Times New Roman','DejaVu Serif',serif}}\
             .kicker{{font:600 11px system-ui,'DejaVu Sans',sans-serif;letter-spacing:2px}}\
             .year{{font:500 20px system-ui,'DejaVu Sans',sans-serif}}\
             </style>\
             <defs><linearGradient id=\"tint\" x1=\"0\" y1=\"0\" x2=\"0.4\" y2=\"1\">\
             <stop offset=\"0\" class=\"top\"/><stop offset=\"1\" class=\"bottom\"/>\
             </linearGradient></defs>\
             <rect width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"url(#tint)\"/>\
             <circle cx=\"190\" cy=\"250\" r=\"110\" fill=\"#fff\" opacity=\"0.06\"/>\
             <rect x=\"8\" y=\"8\" width=\"184\" height=\"284\" fill=\"none\" stroke=\"#fff\" \
             stroke-opacity=\"0.3\" stroke-width=\"1.5\"/>\
             {kicker}<text class=\"title\">{title}</text>{year}</svg>",
            label = escape(&self.label()),
            top = hex(base, 1.0),
            bottom = hex(base, 0.7),
            dark_top = hex(base, 0.78),
            dark_bottom = hex(base, 0.5),
        )
    }
}

/// A short tag of a cover's content: its URL's version and its ETag.
pub fn version(svg: &str) -> String {
    // SipHash with fixed keys: the same drawing gives the same tag across restarts.
    let mut hasher = DefaultHasher::new();
    svg.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// A genre's tint, the neutral one for none.
fn tint(genre: Option<&str>) -> [u8; 3] {
    genre
        .and_then(|g| TINTS.iter().find(|(name, _)| *name == g))
        .map_or(NEUTRAL, |(_, rgb)| *rgb)
}

/// `rgb` darkened by `factor` (1 keeps it), as `#rrggbb`.
fn hex(rgb: [u8; 3], factor: f64) -> String {
    let [r, g, b] = rgb.map(|c| (f64::from(c) * factor).round() as u8);
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The largest type size at which the title fits its lines, and the lines. A title too long
/// even at the smallest size drops its subtitle (after a colon or a dash) when the main part
/// fits, else ends in an ellipsis: the cover's `<title>` keeps the whole.
fn layout(title: &str) -> (f64, Vec<String>) {
    let title = title.trim();
    for (size, max_lines) in SIZES {
        let lines = wrap(title, per_line(size));
        if lines.len() <= max_lines {
            return (size, lines);
        }
    }
    let (size, max_lines) = SIZES[SIZES.len() - 1];
    let width = per_line(size);
    let main = [": ", " - ", " – ", " — "]
        .iter()
        .filter_map(|sep| title.split_once(sep).map(|(head, _)| head.trim()))
        .find(|head| !head.is_empty() && wrap(head, width).len() <= max_lines);
    if let Some(main) = main {
        return (size, wrap(main, width));
    }
    let mut lines = wrap(title, width);
    lines.truncate(max_lines);
    let last = lines.last_mut().expect("a title too long has lines");
    // Room for the ellipsis, cutting back to a word boundary when there is one.
    let mut kept: Vec<char> = last.chars().take(width - 1).collect();
    if let Some(space) = kept.iter().rposition(|c| *c == ' ')
        && space > 0
    {
        kept.truncate(space);
    }
    let kept: String = kept.into_iter().collect();
    *last = format!("{}…", kept.trim_end_matches([' ', ',', ':', ';', '-']));
    (size, lines)
}

/// Letters a line holds at `size`.
fn per_line(size: f64) -> usize {
    (TEXT_WIDTH / (size * LETTER_EM)).floor() as usize
}

/// Words filled into lines of at most `width` letters; a word longer than a line is cut.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let rest = word.split_off(width);
            lines.push(word.into_iter().collect());
            word = rest;
        }
        let needed = line.chars().count() + usize::from(!line.is_empty()) + word.len();
        if needed > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.extend(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Text and attribute values safe inside the SVG.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0 at all.
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cover<'a>(title: &'a str, year: Option<i64>, genres: &'a [String]) -> Cover<'a> {
        Cover {
            title,
            year,
            genres,
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    /// The title's lines as drawn.
    fn drawn_lines(svg: &str) -> Vec<String> {
        svg.split("<tspan")
            .skip(1)
            .map(|part| {
                let text = &part[part.find('>').unwrap() + 1..];
                text[..text.find("</tspan>").unwrap()].to_owned()
            })
            .collect()
    }

    #[test]
    fn the_title_and_year_are_escaped_in_the_text_and_the_label() {
        let genres = names(&["Comedy"]);
        let svg = cover("Tom & Jerry <\"The\" Movie>", Some(1992), &genres).svg();
        assert!(svg.contains("<title id=\"cover-title\">Tom &amp; Jerry &lt;&quot;The&quot; Movie&gt; (1992)</title>"), "{svg}");
        let drawn = drawn_lines(&svg).join(" ");
        assert_eq!(drawn, "Tom &amp; Jerry &lt;&quot;The&quot; Movie&gt;");
        assert!(svg.contains(">1992</text>"));
        // Nothing unescaped gets through: every `&` starts an entity.
        for (i, _) in svg.match_indices('&') {
            let entity = &svg[i..svg[i..].find(';').map_or(svg.len(), |e| i + e + 1)];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"].contains(&entity),
                "{entity}"
            );
        }
    }

    #[test]
    fn a_short_title_is_large_on_one_line_and_a_longer_one_wraps_between_words() {
        let (size, lines) = layout("Alien");
        assert_eq!(lines, ["Alien"]);
        assert_eq!(size, SIZES[0].0);

        let title = "The Lord of the Rings: The Fellowship of the Ring";
        let (size, lines) = layout(title);
        assert!(size < SIZES[0].0);
        assert!(lines.len() > 1);
        assert_eq!(lines.join(" "), title, "every word kept, in order");
        let width = per_line(size);
        assert!(
            lines.iter().all(|l| l.chars().count() <= width),
            "{lines:?}"
        );
        let max_lines = SIZES.iter().find(|(s, _)| *s == size).unwrap().1;
        assert!(lines.len() <= max_lines);
    }

    #[test]
    fn a_word_longer_than_a_line_is_cut() {
        let width = per_line(SIZES[0].0);
        let word = "Supercalifragilisticexpialidocious";
        let lines = wrap(word, width);
        assert!(
            lines.iter().all(|l| l.chars().count() <= width),
            "{lines:?}"
        );
        assert_eq!(lines.concat(), word);
    }

    #[test]
    fn a_title_too_long_drops_its_subtitle_or_ends_in_an_ellipsis() {
        let long_subtitle = "Borat: Cultural Learnings of America for Make Benefit Glorious Nation of Kazakhstan and Many Other Places Besides";
        let (_, lines) = layout(long_subtitle);
        assert_eq!(lines, ["Borat"]);

        let endless = "word ".repeat(60);
        let (size, lines) = layout(&endless);
        assert_eq!(size, SIZES[SIZES.len() - 1].0);
        assert_eq!(lines.len(), SIZES[SIZES.len() - 1].1);
        let last = lines.last().unwrap();
        assert!(last.ends_with("word…"), "{last}");
        assert!(last.chars().count() <= per_line(size));
        // The label still names the whole film.
        let svg = cover(&endless, None, &[]).svg();
        assert!(svg.contains(&format!(
            "<title id=\"cover-title\">{}</title>",
            endless.trim()
        )));
    }

    #[test]
    fn the_tint_follows_the_most_telling_genre() {
        let horror_comedy = names(&["Comedy", "Horror"]);
        assert_eq!(cover("x", None, &horror_comedy).genre(), Some("Horror"));
        let drama = names(&["Drama"]);
        assert_eq!(cover("x", None, &drama).genre(), Some("Drama"));
        // Any source's spelling counts.
        let science_fiction = names(&["Drama", "Science Fiction"]);
        assert_eq!(cover("x", None, &science_fiction).genre(), Some("Sci-Fi"));
        assert_eq!(cover("x", None, &names(&["IMAX"])).genre(), None);

        let sci_fi = cover("x", None, &science_fiction).svg();
        let western = cover("x", None, &names(&["Western"])).svg();
        let none = cover("x", None, &[]).svg();
        assert!(sci_fi.contains(&hex(tint(Some("Sci-Fi")), 1.0)));
        assert!(sci_fi.contains(">SCI-FI</text>"));
        assert!(western.contains(&hex(tint(Some("Western")), 1.0)));
        assert!(none.contains(&hex(NEUTRAL, 1.0)));
        assert!(!none.contains("class=\"kicker\""), "no genre is named");
        assert_ne!(version(&sci_fi), version(&western));
    }

    /// WCAG's relative luminance of an sRGB colour.
    fn luminance(rgb: [u8; 3]) -> f64 {
        let [r, g, b] = rgb.map(|c| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        });
        0.2126 * r + 0.7152 * g + 0.0722 * b
    }

    #[test]
    fn every_genre_has_its_own_tint_and_white_type_reads_on_it() {
        for genre in genres::GENRES {
            assert!(
                TINTS.iter().any(|(name, _)| *name == genre),
                "{genre} has no tint"
            );
            assert!(TELLING.contains(&genre), "{genre} is not ranked");
        }
        let mut seen = std::collections::HashSet::new();
        for (name, rgb) in TINTS.iter().chain([("none", NEUTRAL)].iter()) {
            assert!(seen.insert(*rgb), "{name} shares its tint");
            // The lightest point of the cover (its top, in light mode) against white type.
            let contrast = 1.05 / (luminance(*rgb) + 0.05);
            assert!(contrast >= 4.5, "{name}: {contrast:.2}:1");
        }
    }

    #[test]
    fn the_drawing_is_a_poster_shaped_labelled_image_with_a_dark_variant() {
        let genres = names(&["Drama"]);
        let svg = cover("Heat", Some(1995), &genres).svg();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("viewBox=\"0 0 200 300\""));
        assert!(svg.contains("role=\"img\" aria-labelledby=\"cover-title\""));
        assert!(svg.contains("@media (prefers-color-scheme: dark)"));
        assert!(svg.ends_with("</svg>"));
        // Well formed enough: every element opened is closed.
        assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
        assert_eq!(
            svg.matches("<tspan").count(),
            svg.matches("</tspan>").count()
        );
        let without_year = cover("Heat", None, &genres).svg();
        assert!(!without_year.contains("class=\"year\""));
        assert!(without_year.contains("<title id=\"cover-title\">Heat</title>"));
        assert_eq!(
            version(&svg),
            version(&cover("Heat", Some(1995), &genres).svg())
        );
        assert_ne!(version(&svg), version(&without_year));
    }
}
