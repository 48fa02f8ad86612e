#!/usr/bin/env python3
"""Clean vega-datasets' movies.json into the catalog embedded in the movierec binary.

Usage:
    npm pack vega-datasets@3.2.1 && tar xzf vega-datasets-3.2.1.tgz
    python3 scripts/clean_catalog.py package/data/movies.json crates/movierec/catalog/movies.json

The source is a teaching data set with deliberate and accidental errors; every fix below says what
it repairs and why, and the run prints how many films each fix touched so PROVENANCE.md can quote
the figures. Standard library only, deterministic output: the same source always yields the same
file, ids included.
"""

import collections
import hashlib
import html
import json
import re
import sys
from datetime import datetime

SOURCE_SHA256 = "e63c499759e3b07b49563e036f55290f87feb56def8703ec049ca305ab1523d3"

# The newest films in the source were released in 2010 (a few announced for 2011), so a later
# year can only be a two-digit year expanded into the wrong century ("Wings", 1927 -> 2027).
LAST_PLAUSIBLE_YEAR = 2011

# Before this year a "Dec 31" date is a "Jan 01 <next year>" placeholder shifted back a day by a
# time-zone conversion (Casablanca, Dec 31 1941; Rebecca, Dec 31 1939; It's a Wonderful Life,
# Dec 31 1945). Later Dec 31 dates include real award-season openings (Defiance, 2008).
DEC31_SHIFT_BEFORE = 1995

# "Open" is not an MPAA certificate; both films carrying it (Requiem for a Dream, L.I.E.) were
# released unrated.
MPAA_ALIASES = {"Open": "Not Rated", "Unrated": "Not Rated", "None": None, "": None}
MPAA_VALUES = {"G", "PG", "PG-13", "R", "NC-17", "Not Rated"}

# Release-variant suffixes name a cut or a market, not a different film.
RELEASE_VARIANT = re.compile(r"\s*\((IMAX|Theatrical Release|Canadian Release)\)$")
YEAR_SUFFIX = re.compile(r"\s*\((\d{4})\)$")
ARTICLE_SUFFIX = re.compile(r"^(?P<rest>.+), (?P<article>The|A|An)$")

# Mac Roman letters that appear when Windows-1252 bytes were decoded as Mac Roman ("LÈon").
MOJIBAKE_HINT = re.compile("[ÈÍ˘ÖΩÛ‰‡Ë·ÙÎ]")

STRING_FIELDS = {
    "Director": "director",
    "Distributor": "distributor",
    "Source": "source",
    "Creative Type": "creative_type",
}


FIXES = [
    "numeric title turned into text",
    "HTML entity decoded in title",
    "mojibake repaired (Windows-1252 read as Mac Roman)",
    "stray whitespace trimmed or collapsed",
    "empty string turned into null",
    "trailing article moved to the front",
    "release-variant suffix removed from title",
    "year suffix removed from title",
    "two-digit year moved back a century",
    "Dec 31 placeholder read as the following year, day unknown",
    "Jan 01 placeholder kept as year only",
    "MPAA variant mapped to a standard value",
    "missing genre left as an empty list",
    "runtime out of range dropped",
    "IMDb rating out of range dropped",
    "IMDb votes out of range dropped",
    "Rotten Tomatoes rating out of range dropped",
    "IMDb rating without votes (or votes without rating) dropped",
    "IMDb score shared by differently dated films dropped (title-only join)",
    "duplicate film merged",
    "dropped: no title",
    "dropped: no usable release year",
]


class Fixes:
    """Counts how many films each fix touched; every fix is listed, so a zero is a finding too."""

    def __init__(self):
        self.counts = {name: 0 for name in FIXES}

    def hit(self, name):
        if name not in self.counts:
            fail(f"internal: undeclared fix {name!r}")
        self.counts[name] += 1


def fail(msg):
    print(f"clean_catalog: {msg}", file=sys.stderr)
    sys.exit(1)


def clean_text(value, where, fixes):
    """Trim, collapse runs of spaces, and turn empty strings into nulls."""
    if value is None:
        return None
    if not isinstance(value, str):
        fail(f"{where}: expected a string, found {value!r}")
    cleaned = re.sub(r"\s{2,}", " ", value.strip())
    if cleaned != value:
        fixes.hit("stray whitespace trimmed or collapsed")
    if cleaned == "":
        fixes.hit("empty string turned into null")
        return None
    return cleaned


def fix_mojibake(text, fixes):
    if not MOJIBAKE_HINT.search(text):
        return text
    try:
        repaired = text.encode("mac_roman").decode("cp1252")
    except UnicodeError:
        # Not reversible, so not this kind of damage (e.g. "Alien³" is the real title).
        return text
    if repaired != text:
        fixes.hit("mojibake repaired (Windows-1252 read as Mac Roman)")
    return repaired


def clean_title(raw, where, fixes):
    if raw is None:
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        # JSON numbers for titles such as "300", "1776" or "2012"; the film is called by the digits.
        fixes.hit("numeric title turned into text")
        raw = str(int(raw)) if float(raw).is_integer() else str(raw)
    title = clean_text(raw, where, fixes)
    if title is None:
        return None
    if re.search(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);", title):
        title = html.unescape(title)
        fixes.hit("HTML entity decoded in title")
    title = fix_mojibake(title, fixes)
    match = ARTICLE_SUFFIX.match(title)
    if match:
        # Library-style "Barbarians, The" sorts and searches apart from every other "The ..." title.
        title = f"{match['article']} {match['rest']}"
        fixes.hit("trailing article moved to the front")
    if RELEASE_VARIANT.search(title):
        title = RELEASE_VARIANT.sub("", title)
        fixes.hit("release-variant suffix removed from title")
    return title


def parse_date(raw, had_us_release, where, fixes):
    """Returns (year, iso date or None), or None when no year can be trusted."""
    if raw is None or raw == "":
        return None
    try:
        # Every date in the 3.2.1 file reads "Jun 12 1998"; anything else means a new source.
        parsed = datetime.strptime(raw, "%b %d %Y")
    except (TypeError, ValueError):
        fail(f"{where}: unrecognised release date {raw!r}")
    year, month, day = parsed.year, parsed.month, parsed.day
    if year > LAST_PLAUSIBLE_YEAR:
        year -= 100
        fixes.hit("two-digit year moved back a century")
    if (month, day) == (12, 31) and year == 1969 and not had_us_release:
        # Dec 31 1969 is the Unix epoch seen from an American time zone: the date was missing.
        # All such films grossed nothing in the US (Barney's Version, Drei), i.e. no US release;
        # one that did (The Molly Maguires) follows the general Dec 31 rule below.
        return "epoch"
    iso = f"{year:04d}-{month:02d}-{day:02d}"
    if (month, day) == (12, 31) and year < DEC31_SHIFT_BEFORE:
        fixes.hit("Dec 31 placeholder read as the following year, day unknown")
        return year + 1, None
    if (month, day) == (1, 1):
        # Jan 1 stands for "some time this year"; the year holds, the day does not.
        fixes.hit("Jan 01 placeholder kept as year only")
        return year, None
    return year, iso


def clean_mpaa(raw, where, fixes):
    value = clean_text(raw, where, fixes)
    if value in MPAA_ALIASES:
        if MPAA_ALIASES[value] != value:
            fixes.hit("MPAA variant mapped to a standard value")
        return MPAA_ALIASES[value]
    if value is not None and value not in MPAA_VALUES:
        fail(f"{where}: unknown MPAA rating {value!r}")
    return value


def in_range(value, low, high, name, where, fixes):
    if value is None:
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        fail(f"{where}: {name} is not a number: {value!r}")
    if not low <= value <= high:
        fixes.hit(f"{name} out of range dropped")
        return None
    return value


def clean_film(i, raw, fixes):
    where = f"film #{i}"
    title = clean_title(raw.get("Title"), where, fixes)
    if title is None:
        fixes.hit("dropped: no title")
        return None
    where = f"film #{i} ({title})"
    had_us_release = bool(raw.get("US Gross"))
    dated = parse_date(raw.get("Release Date"), had_us_release, where, fixes)
    if dated is None or dated == "epoch":
        fixes.hit("dropped: no usable release year")
        return None
    year, release_date = dated
    year_match = YEAR_SUFFIX.search(title)
    if year_match and int(year_match[1]) == year:
        # "King Kong (1933)": the year has its own field now.
        title = title[: year_match.start()]
        fixes.hit("year suffix removed from title")

    genre = clean_text(raw.get("Major Genre"), where, fixes)
    if genre is None:
        fixes.hit("missing genre left as an empty list")

    film = {
        "title": title,
        "year": year,
        "release_date": release_date,
        "genres": [genre] if genre else [],
        "director": None,
        "mpaa": clean_mpaa(raw.get("MPAA Rating"), where, fixes),
        "runtime_min": in_range(raw.get("Running Time min"), 1, 600, "runtime", where, fixes),
        "imdb_rating": in_range(raw.get("IMDB Rating"), 0, 10, "IMDb rating", where, fixes),
        "imdb_votes": in_range(raw.get("IMDB Votes"), 0, 10**8, "IMDb votes", where, fixes),
        "rotten_tomatoes": in_range(
            raw.get("Rotten Tomatoes Rating"), 0, 100, "Rotten Tomatoes rating", where, fixes
        ),
        "creative_type": None,
        "source": None,
        "distributor": None,
    }
    for src, dst in STRING_FIELDS.items():
        value = clean_text(raw.get(src), where, fixes)
        film[dst] = fix_mojibake(value, fixes) if value else value
    if film["imdb_rating"] is not None:
        film["imdb_rating"] = round(float(film["imdb_rating"]), 1)
    if (film["imdb_rating"] is None) != (film["imdb_votes"] is None):
        fixes.hit("IMDb rating without votes (or votes without rating) dropped")
        film["imdb_rating"] = film["imdb_votes"] = None
    return film


def drop_shared_imdb(films, fixes):
    """The source joined IMDb to films by title alone, so remakes and near-namesakes share one
    IMDb record (Casino Royale 1967 and 2006 both show 8.0 from 172,936 votes; Jurassic Park and
    Jurassic Park 3 likewise). Identical vote counts on different films cannot be told apart, so
    the score is dropped from every film in such a group rather than kept on a guess."""
    groups = collections.defaultdict(list)
    for film in films:
        if film["imdb_votes"] is not None:
            groups[(film["imdb_rating"], film["imdb_votes"])].append(film)
    for group in groups.values():
        if len(group) > 1:
            for film in group:
                film["imdb_rating"] = film["imdb_votes"] = None
                fixes.hit("IMDb score shared by differently dated films dropped (title-only join)")


def merge_duplicates(films, fixes):
    """Films with the same title and year are one film (e.g. the IMAX and the theatrical release
    of Fantasia 2000): keep the first record and fill its gaps from the others."""
    merged = collections.OrderedDict()
    for film in films:
        key = (film["title"].casefold(), film["year"])
        if key not in merged:
            merged[key] = film
            continue
        fixes.hit("duplicate film merged")
        kept = merged[key]
        for field, value in film.items():
            if kept[field] in (None, []) and value not in (None, []):
                kept[field] = value
    return list(merged.values())


def main(argv):
    if len(argv) != 3:
        fail("usage: clean_catalog.py <vega-datasets data/movies.json> <output movies.json>")
    src_path, out_path = argv[1], argv[2]
    with open(src_path, "rb") as f:
        raw_bytes = f.read()
    digest = hashlib.sha256(raw_bytes).hexdigest()
    if digest != SOURCE_SHA256:
        fail(f"{src_path}: sha256 {digest} is not the vega-datasets 3.2.1 file ({SOURCE_SHA256})")
    try:
        source = json.loads(raw_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        fail(f"{src_path}: not valid UTF-8 JSON: {e}")
    if not isinstance(source, list):
        fail(f"{src_path}: expected a JSON array of films")

    fixes = Fixes()
    films = []
    for i, raw in enumerate(source, start=1):
        if not isinstance(raw, dict):
            fail(f"film #{i}: expected an object, found {type(raw).__name__}")
        film = clean_film(i, raw, fixes)
        if film is not None:
            films.append(film)

    drop_shared_imdb(films, fixes)
    films = merge_duplicates(films, fixes)

    # Ids follow the sorted (title, year) order so they are the same on every run.
    films.sort(key=lambda f: (f["title"].casefold(), f["year"], f["title"]))
    out = [{"id": n, **film} for n, film in enumerate(films, start=1)]

    with open(out_path, "w", encoding="utf-8", newline="\n") as f:
        f.write("[\n")
        f.write(",\n".join(json.dumps(film, ensure_ascii=False, separators=(",", ":")) for film in out))
        f.write("\n]\n")

    print(f"source: {len(source)} films, sha256 {digest}")
    for name, count in fixes.counts.items():
        print(f"{count:5d}  {name}")
    print(f"output: {len(out)} films -> {out_path}")


if __name__ == "__main__":
    main(sys.argv)
