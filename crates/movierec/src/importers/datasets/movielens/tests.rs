use std::io::{Cursor, Write};

use proptest::prelude::*;
use zip::write::SimpleFileOptions;

use super::*;

const MOVIES_CSV: &str = r#"movieId,title,genres
1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy
2,"Matrix, The (1999)",Action|Sci-Fi|Thriller
3,"Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)",Comedy|Romance
4,"Good, the Bad and the Ugly, The (Buono, il brutto, il cattivo, Il) (1966)",Action|Adventure|Western
5,"Seven (a.k.a. Se7en) (1995)",Mystery|Thriller
6,"""Great Performances"" Cats (1998)",Musical
7,Black Mirror,(no genres listed)
8,"Fawlty Towers (1975-1979)",Comedy
9,"Avventura, L' (Adventure, The) (1960) ",Drama
"#;

const LINKS_CSV: &str = "movieId,imdbId,tmdbId
1,0114709,862
2,0133093,603
3,0211915,194
4,0060196,429
5,114369,807
6,0173714,
";

const RATINGS_CSV: &str = "userId,movieId,rating,timestamp
1,1,4.0,964982703
1,2,0.5,964981247
2,2,5.0,1445714835
2,3,3.5,1445714885
3,6,2.5,1494273047
";

fn zip_of(files: &[(&str, &[u8])], top: Option<&str>, method: CompressionMethod) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(method);
    if let Some(top) = top {
        writer.add_directory(format!("{top}/"), options).unwrap();
    }
    for (name, bytes) in files {
        let name = top.map_or(name.to_string(), |t| format!("{t}/{name}"));
        writer.start_file(name, options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn csv_files() -> Vec<(&'static str, &'static [u8])> {
    vec![
        ("movies.csv", MOVIES_CSV.as_bytes()),
        ("links.csv", LINKS_CSV.as_bytes()),
        ("ratings.csv", RATINGS_CSV.as_bytes()),
        ("README.txt", b"Summary\n"),
    ]
}

fn write_folder(dir: &Path, files: &[(&str, &[u8])]) {
    fs::create_dir_all(dir).unwrap();
    for (name, bytes) in files {
        fs::write(dir.join(name), bytes).unwrap();
    }
}

fn all<T>(records: Records<T>) -> Vec<T> {
    records.collect::<Result<_, _>>().unwrap()
}

#[test]
fn a_rating_stays_compact() {
    // ml-32m's 32 million ratings: 512 MB at 16 bytes each if a caller holds them all.
    assert_eq!(std::mem::size_of::<Rating>(), 16);
}

#[test]
fn titles_are_taken_apart() {
    let cases: [(&str, &str, Option<&str>, Option<u16>); 12] = [
        ("Toy Story (1995)", "Toy Story", None, Some(1995)),
        ("Toy Story (1995)  ", "Toy Story", None, Some(1995)),
        ("Matrix, The (1999)", "The Matrix", None, Some(1999)),
        (
            "Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)",
            "Amelie",
            Some("Le Fabuleux destin d'Amélie Poulain"),
            Some(2001),
        ),
        ("Misérables, Les (1995)", "Les Misérables", None, Some(1995)),
        ("Dolce Vita, La (1960)", "La Dolce Vita", None, Some(1960)),
        ("Gattopardo, Il (1963)", "Il Gattopardo", None, Some(1963)),
        ("Boot, Das (1981)", "Das Boot", None, Some(1981)),
        (
            "Laberinto del fauno, El (2006)",
            "El Laberinto del fauno",
            None,
            Some(2006),
        ),
        ("Avventura, L' (1960)", "L'Avventura", None, Some(1960)),
        ("Black Mirror", "Black Mirror", None, None),
        (
            "(500) Days of Summer (2009)",
            "(500) Days of Summer",
            None,
            Some(2009),
        ),
    ];
    for (raw, title, original, year) in cases {
        let parts = parse_title(raw);
        assert_eq!(parts.title, title, "{raw}");
        assert_eq!(parts.original_title.as_deref(), original, "{raw}");
        assert_eq!(parts.year, year, "{raw}");
    }
    let seven = parse_title("Seven (a.k.a. Se7en) (1995)");
    assert_eq!(
        (seven.title.as_str(), seven.aka.as_slice()),
        ("Seven", ["Se7en".to_owned()].as_slice())
    );
    assert_eq!(seven.original_title, None);
    // Two groups: an "a.k.a." and the original title; neither stays in the display title.
    let leon = parse_title("Léon: The Professional (a.k.a. The Professional) (Léon) (1994)");
    assert_eq!(leon.title, "Léon: The Professional");
    assert_eq!(leon.aka, ["The Professional"]);
    assert_eq!(leon.original_title.as_deref(), Some("Léon"));
    assert_eq!(leon.year, Some(1994));
    let city = parse_title("City of Lost Children, The (Cité des enfants perdus, La) (1995)");
    assert_eq!(city.title, "The City of Lost Children");
    assert_eq!(
        city.original_title.as_deref(),
        Some("La Cité des enfants perdus")
    );
    // Article words inside a title stay where they are.
    assert_eq!(parse_title("Die Hard (1988)").title, "Die Hard");
    assert_eq!(
        parse_title("Me, Myself & Irene (2000)").title,
        "Me, Myself & Irene"
    );
    assert_eq!(parse_title("Fawlty Towers (1975-1979)").year, Some(1975));
    assert_eq!(parse_title("(1995)").title, "(1995)");
}

fn check_csv_set(set: &MovieLensSet) {
    assert_eq!(set.layout(), Layout::Csv);
    let movies = all(set.movies().unwrap());
    assert_eq!(movies.len(), 9);
    let matrix = &movies[1];
    assert_eq!(matrix.title, "The Matrix");
    assert_eq!(matrix.year, Some(1999));
    assert_eq!(matrix.genres, ["Action", "Sci-Fi", "Thriller"]);
    assert_eq!(matrix.imdb_id.unwrap().to_string(), "tt0133093");
    assert_eq!(matrix.tmdb_id, Some(603));
    assert_eq!(
        movies[2].original_title.as_deref(),
        Some("Le Fabuleux destin d'Amélie Poulain")
    );
    assert_eq!(movies[3].title, "The Good, the Bad and the Ugly");
    assert_eq!(
        movies[3].original_title.as_deref(),
        Some("Il Buono, il brutto, il cattivo")
    );
    // An id written without its leading zero.
    assert_eq!(movies[4].imdb_id.unwrap().to_string(), "tt0114369");
    assert_eq!(movies[5].title, "\"Great Performances\" Cats");
    assert_eq!(movies[5].tmdb_id, None);
    assert!(movies[5].imdb_id.is_some());
    assert!(movies[6].genres.is_empty());
    assert_eq!(movies[6].year, None);
    assert_eq!(movies[6].imdb_id, None);
    assert_eq!(movies[8].title, "L'Avventura");
    assert_eq!(movies[8].original_title.as_deref(), Some("The Adventure"));

    let ratings = all(set.ratings().unwrap());
    assert_eq!(ratings.len(), 5);
    assert_eq!(
        ratings[1],
        Rating {
            user_id: 1,
            movie_id: 2,
            stars: Stars::from_f64(0.5).unwrap(),
            timestamp: 964_981_247
        }
    );
    assert_eq!(ratings[3].stars.value(), 3.5);
    assert_eq!(all(set.links().unwrap().unwrap()).len(), 6);
}

#[test]
fn reads_the_csv_layout_from_a_folder_with_or_without_a_top_folder() {
    let dir = tempfile::tempdir().unwrap();
    let set_dir = dir.path().join("ml-latest-small");
    write_folder(&set_dir, &csv_files());
    let direct = MovieLensSet::open(&set_dir).unwrap();
    assert_eq!(direct.name(), "ml-latest-small");
    check_csv_set(&direct);
    // The folder the archive was unpacked into.
    let parent = MovieLensSet::open(dir.path()).unwrap();
    assert_eq!(parent.name(), "ml-latest-small");
    check_csv_set(&parent);
}

#[test]
fn reads_the_csv_layout_from_zips_as_published_and_flat() {
    let dir = tempfile::tempdir().unwrap();
    let published = dir.path().join("ml-25m.zip");
    fs::write(
        &published,
        zip_of(&csv_files(), Some("ml-25m"), CompressionMethod::Deflated),
    )
    .unwrap();
    let set = MovieLensSet::open(&published).unwrap();
    assert_eq!(set.name(), "ml-25m");
    check_csv_set(&set);

    let flat = dir.path().join("mine.zip");
    fs::write(&flat, zip_of(&csv_files(), None, CompressionMethod::Stored)).unwrap();
    let set = MovieLensSet::open(&flat).unwrap();
    assert_eq!(set.name(), "mine");
    check_csv_set(&set);
}

#[test]
fn errors_in_a_zip_name_the_entry_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ml-32m.zip");
    let bad = format!("{RATINGS_CSV}4,1,six,1494273047\n");
    let mut files = csv_files();
    files[2].1 = bad.as_bytes();
    fs::write(
        &path,
        zip_of(&files, Some("ml-32m"), CompressionMethod::Deflated),
    )
    .unwrap();
    let set = MovieLensSet::open(&path).unwrap();
    let results: Vec<_> = set.ratings().unwrap().collect();
    assert_eq!(results.len(), 6, "stops after the error");
    let err = results.last().unwrap().as_ref().unwrap_err();
    assert_eq!(
        err.to_string(),
        "ml-32m/ratings.csv:7: rating: 'six' is not a number"
    );
}

#[test]
fn a_corrupt_entry_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ml.zip");
    let mut bytes = zip_of(&csv_files(), Some("ml"), CompressionMethod::Stored);
    let at = bytes.windows(9).position(|w| w == b"964982703").unwrap();
    bytes[at] = b'8';
    fs::write(&path, bytes).unwrap();
    let set = MovieLensSet::open(&path).unwrap();
    let err = set.ratings().unwrap().find_map(Result::err).unwrap();
    assert!(matches!(err, ParseError::Io { .. }), "{err}");
    assert_eq!(err.file(), "ml/ratings.csv");
}

#[test]
fn reads_ml_100k_with_latin1_titles() {
    let mut item = Vec::new();
    item.extend_from_slice(
        b"1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n",
    );
    item.extend_from_slice(b"2|Mis\xe9rables, Les (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Miserables|0|0|0|0|0|0|0|0|1|0|0|0|1|0|0|0|0|0|0\n");
    item.extend_from_slice(b"267|unknown||||1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n");
    item.extend_from_slice(b"1300|'Til There Was You (1997)|01-Jan-1997||http://x|0|0|0|0|0|0|0|0|1|0|0|0|0|0|1|0|0|0|0\n");
    let data = b"196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ml-100k.zip");
    let files: [(&str, &[u8]); 3] = [("u.item", &item), ("u.data", data), ("u1.base", data)];
    fs::write(
        &path,
        zip_of(&files, Some("ml-100k"), CompressionMethod::Deflated),
    )
    .unwrap();
    let set = MovieLensSet::open(&path).unwrap();
    assert_eq!(set.layout(), Layout::Ml100k);
    assert!(set.links().unwrap().is_none());
    let movies = all(set.movies().unwrap());
    assert_eq!(movies[0].genres, ["Animation", "Children", "Comedy"]);
    assert_eq!(movies[1].title, "Les Misérables");
    assert_eq!(movies[1].genres, ["Drama", "Musical"]);
    assert_eq!(movies[2].title, "unknown");
    assert!(movies[2].genres.is_empty());
    assert_eq!(movies[3].year, Some(1997));
    let ratings = all(set.ratings().unwrap());
    assert_eq!(ratings.len(), 3);
    assert_eq!(
        (
            ratings[0].user_id,
            ratings[0].movie_id,
            ratings[0].stars.value()
        ),
        (196, 242, 3.0)
    );
}

#[test]
fn reads_ml_1m_with_latin1_titles() {
    let movies = b"1::Toy Story (1995)::Animation|Children's|Comedy\n73::Mis\xe9rables, Les (1995)::Drama|Musical\n2019::Seven Samurai (The Magnificent Seven) (Shichinin no samurai) (1954)::Action|Drama\n";
    let ratings = b"1::1193::5::978300760\r\n1::661::3::978302109\r\n";
    let dir = tempfile::tempdir().unwrap();
    write_folder(
        &dir.path().join("ml-1m"),
        &[
            ("movies.dat", movies),
            ("ratings.dat", ratings),
            ("users.dat", b"1::F::1::10::48067\n"),
        ],
    );
    let set = MovieLensSet::open(dir.path()).unwrap();
    assert_eq!(set.layout(), Layout::Ml1m);
    let movies = all(set.movies().unwrap());
    assert_eq!(movies[0].genres, ["Animation", "Children", "Comedy"]);
    assert_eq!(movies[1].title, "Les Misérables");
    assert_eq!(movies[2].title, "Seven Samurai");
    assert_eq!(movies[2].aka, ["The Magnificent Seven"]);
    assert_eq!(
        movies[2].original_title.as_deref(),
        Some("Shichinin no samurai")
    );
    let ratings = all(set.ratings().unwrap());
    assert_eq!(ratings[1].timestamp, 978_302_109);
    assert_eq!(ratings[0].stars.value(), 5.0);
}

#[test]
fn refuses_what_is_not_a_set() {
    let dir = tempfile::tempdir().unwrap();
    write_folder(dir.path(), &[("movies.csv", MOVIES_CSV.as_bytes())]);
    let err = MovieLensSet::open(dir.path()).err().unwrap();
    assert!(matches!(err, ParseError::Layout { .. }));
    assert!(err.to_string().contains("not a MovieLens set"), "{err}");
    let file = dir.path().join("movies.csv");
    assert!(matches!(
        MovieLensSet::open(&file),
        Err(ParseError::Layout { .. })
    ));
    assert!(matches!(
        MovieLensSet::open(&dir.path().join("none")),
        Err(ParseError::Io { .. })
    ));
}

#[test]
fn bad_lines_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, String, &str); 5] = [
        (
            "movies.csv",
            MOVIES_CSV.replace("3,\"Amelie", "x,\"Amelie"),
            "movies.csv:4: movieId: 'x' is not an id",
        ),
        (
            "links.csv",
            format!("{LINKS_CSV}7,tt12x,1\n"),
            "links.csv:8: imdbId: 'tt12x' is not an IMDb id.",
        ),
        (
            "ratings.csv",
            RATINGS_CSV.replace("3.5", "3.2"),
            "ratings.csv:5: rating: '3.2': A rating is in half stars: 0.5, 1, 1.5 … 5.",
        ),
        (
            "ratings.csv",
            format!("{RATINGS_CSV}1,2,3\n"),
            "ratings.csv:7: 3 fields separated by ',' where 4 are expected",
        ),
        (
            "ratings.csv",
            RATINGS_CSV.replace("userId", "user"),
            "ratings.csv:1: the first line must be the header userId,movieId,rating,timestamp",
        ),
    ];
    for (i, (file, text, expected)) in cases.into_iter().enumerate() {
        let set_dir = dir.path().join(i.to_string());
        let mut files = csv_files();
        let slot = files.iter_mut().find(|(name, _)| *name == file).unwrap();
        slot.1 = text.as_bytes();
        write_folder(&set_dir, &files);
        let set = MovieLensSet::open(&set_dir).unwrap();
        let err = match file {
            "ratings.csv" => set.ratings().unwrap().find_map(Result::err),
            _ => set
                .movies()
                .err()
                .or_else(|| set.movies().unwrap().find_map(Result::err)),
        }
        .unwrap();
        assert_eq!(err.to_string(), expected);
    }
}

#[test]
fn a_crlf_set_reads_as_its_lf_twin() {
    let dir = tempfile::tempdir().unwrap();
    let crlf: Vec<(&str, Vec<u8>)> = csv_files()
        .into_iter()
        .map(|(name, bytes)| {
            let text = String::from_utf8(bytes.to_vec()).unwrap();
            (name, text.replace('\n', "\r\n").into_bytes())
        })
        .collect();
    let files: Vec<(&str, &[u8])> = crlf.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    write_folder(&dir.path().join("ml-latest-small"), &files);
    check_csv_set(&MovieLensSet::open(dir.path()).unwrap());
    // And with a byte-order mark, as a spreadsheet saves it.
    let with_bom: Vec<(&str, Vec<u8>)> = crlf
        .iter()
        .map(|(n, b)| (*n, [b"\xef\xbb\xbf".as_slice(), b].concat()))
        .collect();
    let files: Vec<(&str, &[u8])> = with_bom.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    write_folder(&dir.path().join("bom"), &files);
    check_csv_set(&MovieLensSet::open(&dir.path().join("bom")).unwrap());
}

/// `head`, then a line of `long` bytes of `x` (generated as it is read, never held), then
/// `tail`; counts the bytes the reader pulled.
struct Generated {
    head: Cursor<Vec<u8>>,
    long: usize,
    tail: Cursor<Vec<u8>>,
    pulled: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Generated {
    fn new(
        head: &str,
        long: usize,
        tail: &str,
    ) -> (Self, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        let pulled = std::sync::Arc::default();
        let generated = Self {
            head: Cursor::new(head.as_bytes().to_vec()),
            long,
            tail: Cursor::new(tail.as_bytes().to_vec()),
            pulled: std::sync::Arc::clone(&pulled),
        };
        (generated, pulled)
    }
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = self.head.read(buf)?;
        if n == 0 && self.long > 0 {
            n = buf.len().min(self.long);
            buf[..n].fill(b'x');
            self.long -= n;
        }
        if n == 0 {
            n = self.tail.read(buf)?;
        }
        self.pulled
            .fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

#[test]
fn a_50_mb_line_is_refused_at_its_line_without_being_read_whole() {
    const LONG: usize = 50 << 20;
    let expected = |file: &str| format!("{file}:3: the line is longer than 1048576 bytes");
    // The csv reader's path (movies.csv) and the line reader's (the other files).
    let (input, pulled) = Generated::new(
        "movieId,title,genres\n1,Toy Story (1995),Comedy\n2,",
        LONG,
        " (1999),Drama\n",
    );
    let started = std::time::Instant::now();
    let input: Input = Box::new(io::BufReader::new(input));
    let mut movies = movies_csv(input, "movies.csv".into(), HashMap::new());
    assert_eq!(movies.next().unwrap().unwrap().title, "Toy Story");
    let err = movies.next().unwrap().unwrap_err();
    assert_eq!(err.to_string(), expected("movies.csv"));
    assert!(movies.next().is_none());
    let read = pulled.load(std::sync::atomic::Ordering::Relaxed);
    assert!(read < 3 << 20, "{read} bytes read of a 50 MB line");

    let (input, pulled) = Generated::new("1::Toy Story (1995)::Comedy\n\n2::", LONG, "::Drama\n");
    let mut movies = line_records(
        Lines::new(crate::importers::maybe_gunzip(input).unwrap(), "movies.dat"),
        parse_movies_dat,
    );
    assert!(movies.next().unwrap().is_ok());
    assert_eq!(
        movies.next().unwrap().unwrap_err().to_string(),
        expected("movies.dat")
    );
    assert!(movies.next().is_none());
    let read = pulled.load(std::sync::atomic::Ordering::Relaxed);
    assert!(read < 3 << 20, "{read} bytes read of a 50 MB line");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn fields_past_their_bounds_are_refused_naming_the_field() {
    let long_title = "x".repeat(501);
    let many_genres = vec!["Drama"; 31].join("|");
    let cases: [(String, &str); 5] = [
        (
            format!(
                "movieId,title,genres\n1,Toy Story (1995),Comedy\n2,{long_title} (1999),Drama\n"
            ),
            "movies.csv:3: title: longer than 500 characters (501 bytes)",
        ),
        (
            format!("movieId,title,genres\n2,\"Lost (Original {long_title}) (1999)\",Drama\n"),
            "movies.csv:2: title (the original in parentheses): longer than 500 characters (510 bytes)",
        ),
        (
            "movieId,title,genres\n2,Far Future (3001),Drama\n".to_owned(),
            "movies.csv:2: year: 3001 is not a year from 1870 to 2200",
        ),
        (
            "movieId,title,genres\n2,Before Film (1200),Drama\n".to_owned(),
            "movies.csv:2: year: 1200 is not a year from 1870 to 2200",
        ),
        (
            format!("movieId,title,genres\n2,Everything (1999),{many_genres}\n"),
            "movies.csv:2: genres: 31 genres, more than 30",
        ),
    ];
    for (text, expected) in cases {
        let input: Input = Box::new(Cursor::new(text.into_bytes()));
        let err = movies_csv(input, "movies.csv".into(), HashMap::new())
            .find_map(Result::err)
            .unwrap();
        assert_eq!(err.to_string(), expected);
    }
    // ml-100k's release date is a field of its own.
    let u_item = format!("1|Untitled|01-Jan-1700||http://x|{}\n", ["0"; 19].join("|"));
    let err = line_records(
        Lines::new(Box::new(Cursor::new(u_item.into_bytes())), "u.item"),
        parse_u_item,
    )
    .find_map(Result::err)
    .unwrap();
    assert_eq!(
        err.to_string(),
        "u.item:1: release date: 1700 is not a year from 1870 to 2200"
    );
}

/// Runs each parser of the module over `bytes` as if it were that file.
fn parse_everything(bytes: &[u8]) -> Vec<(&'static str, ParseError)> {
    fn errors<T>(name: &'static str, records: Records<T>) -> Vec<(&'static str, ParseError)> {
        records.filter_map(Result::err).map(|e| (name, e)).collect()
    }
    let lines = |name: &'static str| Lines::new(Box::new(Cursor::new(bytes.to_vec())), name);
    let input = || -> Input { Box::new(Cursor::new(bytes.to_vec())) };
    let mut found = Vec::new();
    found.extend(errors(
        "u.item",
        line_records(lines("u.item"), parse_u_item),
    ));
    found.extend(errors(
        "u.data",
        line_records(lines("u.data"), |l| parse_rating(l, "\t")),
    ));
    found.extend(errors(
        "movies.dat",
        line_records(lines("movies.dat"), parse_movies_dat),
    ));
    found.extend(errors(
        "ratings.dat",
        line_records(lines("ratings.dat"), |l| parse_rating(l, "::")),
    ));
    found.extend(errors(
        "movies.csv",
        movies_csv(input(), "movies.csv".into(), HashMap::new()),
    ));
    found.extend(errors(
        "links.csv",
        with_header(lines("links.csv"), "movieId,imdbId,tmdbId", parse_link),
    ));
    found.extend(errors(
        "ratings.csv",
        with_header(
            lines("ratings.csv"),
            "userId,movieId,rating,timestamp",
            |l| parse_rating(l, ","),
        ),
    ));
    found
}

fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    let line_count = bytes.split(|b| *b == b'\n').count() as u64;
    for (name, err) in parse_everything(bytes) {
        prop_assert_eq!(err.file(), name);
        let line = err.line();
        prop_assert!(
            line.is_some_and(|l| (1..=line_count).contains(&l)),
            "{}: {:?} of {}",
            name,
            line,
            line_count
        );
    }
    Ok(())
}

fn rows() -> impl Strategy<Value = Vec<u8>> {
    let field = prop_oneof![
        "[0-9]{1,10}",
        "[0-5]\\.[05]",
        "\"[A-Za-z, ]{0,10}\"",
        "[A-Za-z, ()]{0,20}\\([0-9]{4}\\)",
        "[A-Za-z|']{0,12}",
        any::<String>(),
    ];
    let sep = prop_oneof![Just(","), Just("::"), Just("|"), Just("\t")];
    proptest::collection::vec((proptest::collection::vec(field, 1..25), sep), 0..6).prop_map(
        |rows| {
            let mut text = String::from("movieId,imdbId,tmdbId\n");
            for (fields, sep) in rows {
                text.push_str(&fields.join(sep));
                text.push('\n');
            }
            text.into_bytes()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check(&bytes)?;
    }

    #[test]
    fn arbitrary_rows_never_panic(bytes in rows()) {
        check(&bytes)?;
    }

    #[test]
    fn arbitrary_titles_never_panic(raw in any::<String>()) {
        let parts = parse_title(&raw);
        prop_assert!(parts.title.chars().count() <= raw.chars().count() + 1);
    }
}
