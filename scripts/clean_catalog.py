#!/usr/bin/env python3
"""Clean vega-datasets' movies.json into the catalog embedded in the movierec binary.

Usage:
    npm pack vega-datasets@3.2.1 && tar xzf vega-datasets-3.2.1.tgz
    python3 scripts/clean_catalog.py package/data/movies.json crates/movierec/catalog/movies.json \
        [--corrections-md corrections.md]

The source is a teaching data set with deliberate and accidental errors; every fix below says what
it repairs and why, and the run prints how many films each fix touched so PROVENANCE.md can quote
the figures. After the rule-based fixes come the reviewed corrections of single films (wrong years,
titles, genres and IMDb scores), written below as facts with their evidence; the run needs no other
data set. Standard library only, deterministic output: the same source always yields the same
file, ids included, and ids never move: they follow the order of the titles before correction, and
the run refuses to write a file whose ids name other films than the file it replaces.
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

# The site's one genre vocabulary; `src/catalog/genres.rs` holds the same list for the Rust code.
GENRES = [
    "Action", "Adventure", "Animation", "Biography", "Comedy", "Crime", "Documentary", "Drama",
    "Family", "Fantasy", "Film-Noir", "History", "Horror", "Music", "Musical", "Mystery", "Romance",
    "Sci-Fi", "Sport", "Thriller", "War", "Western",
]

# The source's "Major Genre" values on the vocabulary. Concert films and stand-up shows are
# filmed performances; the reviewed corrections add Music or Comedy to each.
MAJOR_GENRE = {
    "Action": ["Action"],
    "Adventure": ["Adventure"],
    "Black Comedy": ["Comedy"],
    "Comedy": ["Comedy"],
    "Concert/Performance": ["Documentary"],
    "Documentary": ["Documentary"],
    "Drama": ["Drama"],
    "Horror": ["Horror"],
    "Musical": ["Musical"],
    "Romantic Comedy": ["Comedy", "Romance"],
    "Thriller/Suspense": ["Thriller"],
    "Western": ["Western"],
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
    "Major Genre mapped onto the vocabulary",
    "Sci-Fi added from creative type Science Fiction",
    "Fantasy added from creative type Fantasy (not on horror films)",
    "Family added from creative type Kids Fiction (rated G or PG)",
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
    "IMDb score of a namesake dropped",
    "genres added (MovieLens 100k)",
    "genres added (filmed performance)",
    "wrong genre removed",
    "title corrected",
    "other title added",
    "year corrected to the original release",
]


# Reviewed corrections of single films. Each names the film by its title and year as the rules
# above leave them (the key its id is sorted by, so a correction never renumbers a film), the
# field, the right value and the evidence. Found by comparing the catalog with the MovieLens 100k
# titles, years and genres, then checked one by one: the source often gives the year of the US
# release, where the site wants the original release (IMDb's year). A corrected year also clears
# the release date, which belongs to the later release (or is wrong).
#
# Disagreements reviewed and kept: Monty Python and the Holy Grail 1975, Conan the Barbarian 1982
# and The Jerky Boys 1995 (MovieLens says 1974, 1981, 1994; the films opened in 1975, 1982, 1995).
CORRECTIONS = [
    # Years.
    ("Good Will Hunting", 1987, "year", 1997, "released December 1997; MovieLens 1997"),
    ("Akira", 2001, "year", 1988, "Japanese release July 1988, 2001 is a US re-release; MovieLens 1988"),
    ("Shichinin no samurai", 1956, "year", 1954, "Japanese release April 1954; 1956 is the US release"),
    ("Il buono, il brutto, il cattivo", 1967, "year", 1966, "Italian release December 1966; MovieLens 1966"),
    ("C'era una volta il West", 1969, "year", 1968, "Italian release December 1968; 1969 is the US release"),
    ("Per qualche dollaro in più", 1967, "year", 1965, "Italian release December 1965; 1967 is the US release"),
    ("Per un pugno di dollari", 1967, "year", 1964, "Italian release September 1964; 1967 is the US release"),
    ("Dr. No", 1963, "year", 1962, "UK release October 1962; 1963 is the US release"),
    ("El Mariachi", 1993, "year", 1992, "festival premiere 1992; 1993 is the US release"),
    ("La Guerre du feu", 1982, "year", 1981, "French release December 1981; 1982 is the US release"),
    ("Le Violon rouge", 1999, "year", 1998, "Venice and Canadian release 1998; 1999 is the US release"),
    ("Les Visiteurs", 1996, "year", 1993, "French release January 1993; MovieLens 1993"),
    ("Rumble in the Bronx", 1996, "year", 1995, "Hong Kong release January 1995; MovieLens 1995"),
    ("Welcome to the Dollhouse", 1996, "year", 1995, "Toronto premiere 1995; MovieLens 1995"),
    ("Le hussard sur le toit", 1996, "year", 1995, "French release September 1995; MovieLens 1995"),
    ("Nikita", 1991, "year", 1990, "French release February 1990; MovieLens 1990"),
    ("Boot, Das", 1982, "year", 1981, "West German release September 1981; MovieLens 1981"),
    ("The Deer Hunter", 1979, "year", 1978, "premiere December 1978 (not a Jan 01 placeholder); MovieLens 1978"),
    ("Romeo Is Bleeding", 1994, "year", 1993, "Toronto premiere September 1993; MovieLens 1993"),
    ("Braindead", 1993, "year", 1992, "New Zealand release August 1992; MovieLens 1992"),
    ("Love and Death on Long Island", 1998, "year", 1997, "Cannes premiere 1997; MovieLens 1997"),
    ("Waiting for Guffman", 1997, "year", 1996, "festival premiere 1996; MovieLens 1996"),
    ("Albino Alligator", 1997, "year", 1996, "Toronto premiere 1996; MovieLens 1996"),
    ("Love and Other Catastrophes", 1997, "year", 1996, "Australian release 1996; MovieLens 1996"),
    ("Stonewall", 1996, "year", 1995, "UK premiere 1995; MovieLens 1995"),
    ("Highlander III: The Sorcerer", 1995, "year", 1994, "released outside the US in 1994; MovieLens 1994"),
    ("Shooting Fish", 1998, "year", 1997, "UK release October 1997; MovieLens 1997"),
    ("Spiceworld", 1998, "year", 1997, "UK release December 1997; MovieLens 1997"),
    ("Kama Sutra", 1997, "year", 1996, "Toronto premiere 1996; MovieLens 1996"),
    ("Aimée & Jaguar", 2000, "year", 1999, "German release February 1999"),
    ("Cidade de Deus", 2003, "year", 2002, "Cannes premiere and Brazilian release 2002"),
    ("Das Leben der Anderen", 2007, "year", 2006, "German release March 2006"),
    ("Die Fälscher", 2008, "year", 2007, "German release March 2007"),
    ("Gake no ue no Ponyo", 2009, "year", 2008, "Japanese release July 2008"),
    ("Joyeux Noël", 2006, "year", 2005, "Cannes premiere and French release 2005"),
    ("Obsluhoval jsem anglického krále", 2008, "year", 2006, "Czech release December 2006"),
    # Titles.
    ("Boot, Das", 1982, "title", "Das Boot", "German article written after the title"),
    ("Couloirs du temps: Les visiteurs 2, Les", 1998, "title", "Les Couloirs du temps: Les visiteurs 2", "French article written after the title"),
    ("Grosse Point Blank", 1997, "title", "Grosse Pointe Blank", "misspelt; the film is set in Grosse Pointe; MovieLens"),
    ("ET: The Extra-Terrestrial", 1982, "title", "E.T. the Extra-Terrestrial", "title as released; MovieLens"),
    ("Speed II: Cruise Control", 1997, "title", "Speed 2: Cruise Control", "title as released; MovieLens"),
    ("Spiceworld", 1998, "title", "Spice World", "title as released; MovieLens"),
    ("Father's Day", 1997, "title", "Fathers' Day", "title as released (two fathers); MovieLens"),
    ("When The Cat's Away", 1996, "title", "When the Cat's Away", "capital letter in the middle of the title"),
    ("The Life of Brian", 1979, "title", "Life of Brian", "no article in the title; MovieLens: Monty Python's Life of Brian"),
    ("Dracula", 1992, "title", "Bram Stoker's Dracula", "Coppola's film is released under this title; MovieLens"),
    # Other titles: what a film was released as, kept beside the title so that search finds it
    # by that name as an exact match (see the `also` field).
    ("Star Wars Ep. IV: A New Hope", 1977, "also", "Star Wars", "released in 1977 as Star Wars, the episode title came with the 1981 re-release; MovieLens"),
    ("Star Wars Ep. V: The Empire Strikes Back", 1980, "also", "The Empire Strikes Back", "title on the 1980 release's posters; MovieLens"),
    ("Star Wars Ep. VI: Return of the Jedi", 1983, "also", "Return of the Jedi", "title on the 1983 release's posters; MovieLens"),
    ("Frankenstein", 1994, "title", "Mary Shelley's Frankenstein", "Branagh's film is released under this title; MovieLens"),
    ("Ri¢hie Ri¢h", 1994, "title", "Richie Rich", "the cent signs are the poster's lettering, not the title; MovieLens"),
    ("Kama Sutra", 1997, "title", "Kama Sutra: A Tale of Love", "title as released; MovieLens"),
    ("Tales from the Crypt: Demon Knight", 1995, "title", "Tales from the Crypt Presents: Demon Knight", "title as released; MovieLens"),
    # IMDb scores of another film: the source joined IMDb by title alone (see "IMDb score shared"),
    # and these films carry a namesake's score, told apart by a vote count far too small for
    # a film hundreds of MovieLens 100k users rated (or, for M*A*S*H, the TV series' rating).
    ("The Sound of Music", 1965, "imdb", None, "6.3 from 45 votes; 222 MovieLens 100k raters"),
    ("Aliens", 1986, "imdb", None, "7.5 from 84 votes; 284 MovieLens 100k raters"),
    ("Scream", 1996, "imdb", None, "2.9 from 217 votes; 478 MovieLens 100k raters"),
    ("Heavy Metal", 1981, "imdb", None, "6.0 from 45 votes; 73 MovieLens 100k raters"),
    ("Die Hard", 1988, "imdb", None, "7.3 from 237 votes; 243 MovieLens 100k raters"),
    ("Beauty and the Beast", 1991, "imdb", None, "3.4 from 354 votes; 202 MovieLens 100k raters"),
    ("Swingers", 1996, "imdb", None, "6.2 from 431 votes; 157 MovieLens 100k raters"),
    ("Cinderella", 1950, "imdb", None, "5.1 from 373 votes; 129 MovieLens 100k raters"),
    ("Boomerang", 1992, "imdb", None, "5.9 from 202 votes; 32 MovieLens 100k raters"),
    ("The Firm", 1993, "imdb", None, "5.5 from 957 votes; 151 MovieLens 100k raters"),
    ("Boot, Das", 1982, "imdb", None, "4.3 from 2,184 votes for a film rated among the best war films; 201 MovieLens 100k raters"),
    ("Fair Game", 1995, "imdb", None, "6.6 from 194 votes, another film of the name"),
    ("Speed", 1994, "imdb", None, "2.6 from 4,175 votes; 230 MovieLens 100k raters"),
    ("M*A*S*H", 1970, "imdb", None, "8.6 is the TV series' rating, not the film's"),
    ("Il buono, il brutto, il cattivo", 1967, "imdb", None, "6.8 from 104 votes for one of IMDb's most-voted westerns"),
    ("Dracula", 1992, "imdb", None, "5.9 from 136 votes for Coppola's widely seen film"),
    ("Caché", 2005, "imdb", None, "26 votes for a film with a wide release in 2005-2006"),
    # Genres wrong for the film (removed) and genres of filmed performances (added).
    ("Titanic", 1997, "genres-", ["Thriller"], "a romance and disaster drama; MovieLens: Action, Drama, Romance"),
    ("Cinderella", 1950, "genres-", ["Drama"], "Disney's animated musical fairy tale; MovieLens: Animation, Children's, Musical"),
    ("My Own Private Idaho", 1991, "genres-", ["Comedy"], "a drama, not a black comedy; MovieLens: Drama"),
    ("U2 3D", 2008, "genres+", ["Music"], "concert film"),
    ("Hannah Montana/Miley Cyrus: Best of Both Worlds Concert Tour", 2008, "genres+", ["Music"], "concert film"),
    ("DysFunkTional Family", 2003, "genres+", ["Comedy"], "stand-up comedy film"),
    ("Martin Lawrence Live: RunTelDat", 2002, "genres+", ["Comedy"], "stand-up comedy film"),
    ("The Original Kings of Comedy", 2000, "genres+", ["Comedy"], "stand-up comedy film"),
]

# Genres MovieLens 100k gives the films matched to it (by title key and year, each match
# reviewed), beyond those the source has: a merge of the two takes the union, so the catalog
# starts with it. Facts, one line a film; The Godfather and its Part II keep Crime and Drama
# without MovieLens's "Action".
GENRES_FROM_MOVIELENS = [
    ("20,000 Leagues Under the Sea", 1954, ["Family", "Fantasy", "Sci-Fi"]),
    ("2001: A Space Odyssey", 1968, ["Drama", "Mystery", "Thriller"]),
    ("A Low Down Dirty Shame", 1994, ["Comedy"]),
    ("A Simple Wish", 1997, ["Family"]),
    ("A Streetcar Named Desire", 1951, ["Drama"]),
    ("Absolute Power", 1997, ["Mystery"]),
    ("Air Force One", 1997, ["Thriller"]),
    ("Akira", 2001, ["Adventure", "Animation", "Sci-Fi", "Thriller"]),
    ("Aladdin", 1992, ["Animation", "Family", "Musical"]),
    ("Albino Alligator", 1997, ["Crime", "Thriller"]),
    ("Alice in Wonderland", 1951, ["Animation", "Family"]),
    ("Alien", 1979, ["Action", "Thriller"]),
    ("Alien: Resurrection", 1997, ["Horror"]),
    ("Aliens", 1986, ["Thriller", "War"]),
    ("Alien³", 1992, ["Horror", "Thriller"]),
    ("Amadeus", 1984, ["Mystery"]),
    ("Anaconda", 1997, ["Action", "Adventure", "Thriller"]),
    ("Anastasia", 1997, ["Animation", "Family"]),
    ("Annie Hall", 1977, ["Romance"]),
    ("Apocalypse Now", 1979, ["Drama", "War"]),
    ("Apollo 13", 1995, ["Action", "Thriller"]),
    ("April Fool's Day", 1986, ["Comedy"]),
    ("Army of Darkness", 1993, ["Action", "Adventure", "Comedy", "Sci-Fi"]),
    ("Around the World in 80 Days", 1956, ["Comedy"]),
    ("As Good as it Gets", 1997, ["Drama"]),
    ("Assassins", 1995, ["Thriller"]),
    ("Babe", 1995, ["Family", "Comedy", "Drama"]),
    ("Back to the Future", 1985, ["Comedy"]),
    ("Bananas", 1971, ["War"]),
    ("Batman", 1989, ["Adventure", "Crime", "Drama"]),
    ("Batman & Robin", 1997, ["Adventure", "Crime"]),
    ("Batman Forever", 1995, ["Adventure", "Comedy", "Crime"]),
    ("Batman Returns", 1992, ["Adventure", "Comedy", "Crime"]),
    ("Beauty and the Beast", 1991, ["Animation", "Family"]),
    ("Beavis and Butt-head Do America", 1996, ["Animation"]),
    ("Before Sunrise", 1995, ["Romance"]),
    ("Ben-Hur", 1959, ["Action", "Drama"]),
    ("Beverly Hills Cop III", 1994, ["Comedy"]),
    ("Blade Runner", 1982, ["Film-Noir"]),
    ("Blood and Wine", 1997, ["Drama"]),
    ("Bogus", 1996, ["Family", "Drama"]),
    ("Boomerang", 1992, ["Romance"]),
    ("Boot, Das", 1982, ["Action", "War"]),
    ("Bottle Rocket", 1996, ["Comedy"]),
    ("Bound", 1996, ["Crime", "Drama", "Romance"]),
    ("Braindead", 1993, ["Comedy"]),
    ("Braveheart", 1995, ["Action", "War"]),
    ("Brazil", 1985, ["Sci-Fi"]),
    ("Breakdown", 1997, ["Action"]),
    ("Broken Arrow", 1996, ["Thriller"]),
    ("Butch Cassidy and the Sundance Kid", 1969, ["Action", "Comedy"]),
    ("Casablanca", 1942, ["Romance", "War"]),
    ("Casper", 1995, ["Adventure", "Family"]),
    ("Cats Don't Dance", 1997, ["Animation", "Family"]),
    ("Chain Reaction", 1996, ["Adventure", "Thriller"]),
    ("Chasing Amy", 1997, ["Drama"]),
    ("Cinderella", 1950, ["Animation", "Family", "Musical"]),
    ("City Hall", 1996, ["Thriller"]),
    ("City of Angels", 1998, ["Romance"]),
    ("Clear and Present Danger", 1994, ["Adventure", "Thriller"]),
    ("Cliffhanger", 1993, ["Adventure", "Crime"]),
    ("Con Air", 1997, ["Adventure", "Thriller"]),
    ("Conan the Barbarian", 1982, ["Adventure"]),
    ("Congo", 1995, ["Action", "Mystery", "Sci-Fi"]),
    ("Conspiracy Theory", 1997, ["Action", "Mystery", "Romance"]),
    ("Cop Land", 1997, ["Crime", "Mystery"]),
    ("Copycat", 1995, ["Crime", "Drama"]),
    ("Courage Under Fire", 1996, ["War"]),
    ("Crash", 1996, ["Thriller"]),
    ("Crimson Tide", 1995, ["Drama", "Thriller", "War"]),
    ("Critical Care", 1997, ["Comedy"]),
    ("Cutthroat Island", 1995, ["Action", "Romance"]),
    ("Dances with Wolves", 1990, ["Adventure", "Drama"]),
    ("Dante's Peak", 1997, ["Action", "Thriller"]),
    ("Dark City", 1998, ["Film-Noir", "Sci-Fi"]),
    ("Daylight", 1996, ["Adventure", "Thriller"]),
    ("Days of Thunder", 1990, ["Romance"]),
    ("Deconstructing Harry", 1997, ["Drama"]),
    ("Deep Rising", 1998, ["Horror", "Sci-Fi"]),
    ("Desperado", 1995, ["Romance", "Thriller"]),
    ("Devil's Advocate", 1997, ["Crime", "Horror", "Mystery", "Thriller"]),
    ("Die Hard", 1988, ["Thriller"]),
    ("Die Hard 2", 1990, ["Thriller"]),
    ("Die Hard: With a Vengeance", 1995, ["Thriller"]),
    ("Don Juan DeMarco", 1995, ["Comedy", "Romance"]),
    ("Donnie Brasco", 1997, ["Crime"]),
    ("Dracula", 1992, ["Romance"]),
    ("Dragonheart", 1996, ["Action"]),
    ("Ed Wood", 1994, ["Drama"]),
    ("Emma", 1996, ["Drama"]),
    ("Eraser", 1996, ["Thriller"]),
    ("Escape from L.A.", 1996, ["Adventure", "Thriller"]),
    ("Escape from New York", 1981, ["Adventure", "Thriller"]),
    ("ET: The Extra-Terrestrial", 1982, ["Family", "Fantasy"]),
    ("Event Horizon", 1997, ["Action", "Mystery", "Thriller"]),
    ("Everyone Says I Love You", 1996, ["Comedy", "Romance"]),
    ("Evil Dead II", 1987, ["Action", "Adventure", "Comedy"]),
    ("Evita", 1996, ["Drama"]),
    ("Executive Decision", 1996, ["Action"]),
    ("Extreme Measures", 1996, ["Thriller"]),
    ("Eye for an Eye", 1996, ["Thriller"]),
    ("Face/Off", 1997, ["Sci-Fi", "Thriller"]),
    ("Fantasia", 1940, ["Animation", "Family"]),
    ("Fargo", 1996, ["Crime", "Drama"]),
    ("Firestorm", 1998, ["Adventure", "Thriller"]),
    ("First Knight", 1995, ["Action", "Adventure", "Romance"]),
    ("Fled", 1996, ["Adventure"]),
    ("Flubber", 1997, ["Fantasy"]),
    ("Forrest Gump", 1994, ["Comedy", "Romance", "War"]),
    ("Four Rooms", 1995, ["Thriller"]),
    ("Frankenstein", 1994, ["Drama"]),
    ("From Dusk Till Dawn", 1996, ["Action", "Comedy", "Crime", "Thriller"]),
    ("G.I.Jane", 1997, ["Action", "War"]),
    ("Gattaca", 1997, ["Thriller"]),
    ("Get Shorty", 1995, ["Action", "Drama"]),
    ("Ghost", 1990, ["Comedy", "Romance", "Thriller"]),
    ("Glory", 1989, ["Drama", "War"]),
    ("Goldeneye", 1995, ["Adventure", "Thriller"]),
    ("Gone with the Wind", 1939, ["Romance", "War"]),
    ("Goodfellas", 1990, ["Crime"]),
    ("Grease", 1978, ["Comedy", "Romance"]),
    ("Grosse Point Blank", 1997, ["Crime"]),
    ("Groundhog Day", 1993, ["Romance"]),
    ("Halloween: The Curse of Michael Myers", 1995, ["Thriller"]),
    ("Hard Rain", 1998, ["Thriller"]),
    ("Harriet the Spy", 1996, ["Comedy"]),
    ("Heavy Metal", 1981, ["Action", "Animation", "Horror"]),
    ("Henry V", 1989, ["Drama", "War"]),
    ("Hercules", 1997, ["Animation", "Family", "Comedy", "Musical"]),
    ("High Noon", 1952, ["Western"]),
    ("Highlander", 1986, ["Adventure"]),
    ("Highlander III: The Sorcerer", 1995, ["Sci-Fi"]),
    ("Home Alone", 1990, ["Family"]),
    ("I Know What You Did Last Summer", 1997, ["Mystery", "Thriller"]),
    ("Il buono, il brutto, il cattivo", 1967, ["Action"]),
    ("Independence Day", 1996, ["Action", "War"]),
    ("Indiana Jones and the Last Crusade", 1989, ["Action"]),
    ("Interview with the Vampire: The Vampire Chronicles", 1994, ["Drama"]),
    ("It's a Wonderful Life", 1946, ["Drama"]),
    ("Jack", 1996, ["Comedy"]),
    ("Jackie Brown", 1997, ["Crime"]),
    ("Jaws", 1975, ["Action"]),
    ("Jaws 2", 1978, ["Action"]),
    ("Jerry Maguire", 1996, ["Drama"]),
    ("Jingle All the Way", 1996, ["Adventure"]),
    ("Judge Dredd", 1995, ["Adventure"]),
    ("Jumanji", 1995, ["Action", "Family", "Sci-Fi"]),
    ("Jurassic Park", 1993, ["Adventure"]),
    ("Kama Sutra", 1997, ["Romance"]),
    ("Kansas City", 1996, ["Crime"]),
    ("Kiss of Death", 1995, ["Crime", "Thriller"]),
    ("Kiss the Girls", 1997, ["Crime", "Drama"]),
    ("L.A. Confidential", 1997, ["Crime", "Film-Noir", "Mystery", "Thriller"]),
    ("Last Action Hero", 1993, ["Comedy"]),
    ("Last Man Standing", 1996, ["Drama", "Western"]),
    ("Lawrence of Arabia", 1962, ["War"]),
    ("Leaving Las Vegas", 1995, ["Romance"]),
    ("Legends of the Fall", 1994, ["Romance", "War", "Western"]),
    ("Les Visiteurs", 1996, ["Sci-Fi"]),
    ("Lone Star", 1996, ["Mystery"]),
    ("Lost In Space", 1998, ["Action", "Thriller"]),
    ("Love and Death on Long Island", 1998, ["Comedy"]),
    ("Love and Other Catastrophes", 1997, ["Romance"]),
    ("Love Jones", 1997, ["Romance"]),
    ("M*A*S*H", 1970, ["Comedy", "War"]),
    ("Mad City", 1997, ["Action"]),
    ("Mars Attacks!", 1996, ["Action", "War"]),
    ("Mary Poppins", 1964, ["Family", "Comedy"]),
    ("Mary Reilly", 1996, ["Thriller"]),
    ("Maximum Risk", 1996, ["Adventure", "Thriller"]),
    ("McHale's Navy", 1997, ["War"]),
    ("Men in Black", 1997, ["Action", "Comedy"]),
    ("Menace II Society", 1993, ["Crime", "Drama"]),
    ("Mercury Rising", 1998, ["Action", "Drama"]),
    ("Michael Collins", 1996, ["War"]),
    ("Midnight in the Garden of Good and Evil", 1997, ["Comedy", "Crime", "Mystery"]),
    ("Mission: Impossible", 1996, ["Adventure", "Mystery"]),
    ("Money Talks", 1997, ["Comedy"]),
    ("Monty Python and the Holy Grail", 1975, ["Comedy"]),
    ("Mortal Kombat", 1995, ["Adventure"]),
    ("Mortal Kombat: Annihilation", 1997, ["Adventure"]),
    ("Much Ado About Nothing", 1993, ["Comedy", "Romance"]),
    ("My Best Friend's Wedding", 1997, ["Romance"]),
    ("My Fair Lady", 1964, ["Romance"]),
    ("My Own Private Idaho", 1991, ["Drama"]),
    ("Notorious", 1946, ["Film-Noir", "Romance", "Thriller"]),
    ("One Flew Over the Cuckoo's Nest", 1975, ["Drama"]),
    ("Oscar and Lucinda", 1997, ["Romance"]),
    ("Outbreak", 1995, ["Action", "Drama"]),
    ("Patton", 1970, ["Drama", "War"]),
    ("Pete's Dragon", 1977, ["Adventure", "Animation", "Family", "Musical"]),
    ("Phenomenon", 1996, ["Romance"]),
    ("Platoon", 1986, ["War"]),
    ("Pocahontas", 1995, ["Animation", "Family", "Musical", "Romance"]),
    ("Primary Colors", 1998, ["Drama"]),
    ("Pulp Fiction", 1994, ["Crime"]),
    ("Raiders of the Lost Ark", 1981, ["Action"]),
    ("Ransom", 1996, ["Drama", "Thriller"]),
    ("Rebecca", 1940, ["Romance", "Thriller"]),
    ("Renaissance Man", 1994, ["Drama", "War"]),
    ("Reservoir Dogs", 1992, ["Crime", "Thriller"]),
    ("Richard III", 1995, ["War"]),
    ("Ri¢hie Ri¢h", 1994, ["Family"]),
    ("Rob Roy", 1995, ["Romance", "War"]),
    ("Robin Hood: Prince of Thieves", 1991, ["Drama"]),
    ("RoboCop 3", 1993, ["Thriller"]),
    ("Romeo Is Bleeding", 1994, ["Crime", "Thriller"]),
    ("Rumble in the Bronx", 1996, ["Adventure", "Crime"]),
    ("Schindler's List", 1993, ["War"]),
    ("Scream", 1996, ["Thriller"]),
    ("Scream 2", 1997, ["Thriller"]),
    ("Se7en", 1995, ["Crime"]),
    ("Selena", 1997, ["Musical"]),
    ("Sense and Sensibility", 1995, ["Romance"]),
    ("Serial Mom", 1994, ["Crime", "Horror"]),
    ("Set It Off", 1996, ["Action", "Crime"]),
    ("Seven Years in Tibet", 1997, ["War"]),
    ("Sex, Lies, and Videotape", 1989, ["Drama"]),
    ("Shadowlands", 1993, ["Romance"]),
    ("Shine", 1996, ["Romance"]),
    ("Shooting Fish", 1998, ["Romance"]),
    ("Singin' in the Rain", 1952, ["Musical", "Romance"]),
    ("Sleeper", 1973, ["Sci-Fi"]),
    ("Sleepers", 1996, ["Crime"]),
    ("Sling Blade", 1996, ["Thriller"]),
    ("Smilla's Sense of Snow", 1997, ["Action", "Drama"]),
    ("Snow White and the Seven Dwarfs", 1937, ["Animation", "Family"]),
    ("Some Like it Hot", 1959, ["Comedy", "Crime"]),
    ("Somewhere in Time", 1980, ["Romance"]),
    ("Soul Food", 1997, ["Drama"]),
    ("Space Jam", 1996, ["Adventure", "Animation", "Fantasy"]),
    ("Spawn", 1997, ["Adventure", "Sci-Fi", "Thriller"]),
    ("Speed", 1994, ["Romance", "Thriller"]),
    ("Speed II: Cruise Control", 1997, ["Romance", "Thriller"]),
    ("Spellbound", 1945, ["Mystery", "Romance", "Thriller"]),
    ("Sphere", 1998, ["Adventure", "Thriller"]),
    ("Spiceworld", 1998, ["Musical"]),
    ("Stand by Me", 1986, ["Adventure", "Comedy"]),
    ("Star Trek II: The Wrath of Khan", 1982, ["Action"]),
    ("Star Trek III: The Search for Spock", 1984, ["Action"]),
    ("Star Trek IV: The Voyage Home", 1986, ["Action"]),
    ("Star Trek V: The Final Frontier", 1989, ["Adventure"]),
    ("Star Trek VI: The Undiscovered Country", 1991, ["Adventure"]),
    ("Star Trek: First Contact", 1996, ["Action"]),
    ("Star Trek: Generations", 1994, ["Action"]),
    ("Star Trek: The Motion Picture", 1979, ["Action"]),
    ("Star Wars Ep. IV: A New Hope", 1977, ["Action", "Romance", "War"]),
    ("Star Wars Ep. V: The Empire Strikes Back", 1980, ["Action", "Drama", "Romance", "War"]),
    ("Star Wars Ep. VI: Return of the Jedi", 1983, ["Action", "Romance", "War"]),
    ("Stargate", 1994, ["Adventure"]),
    ("Starship Troopers", 1997, ["Adventure", "War"]),
    ("Striptease", 1996, ["Crime"]),
    ("Super Mario Bros.", 1993, ["Adventure", "Family", "Sci-Fi"]),
    ("Swingers", 1996, ["Drama"]),
    ("Switchback", 1997, ["Thriller"]),
    ("Tales from the Hood", 1995, ["Comedy"]),
    ("Tank Girl", 1995, ["Comedy", "Musical"]),
    ("Taxi Driver", 1976, ["Thriller"]),
    ("Terminator 2: Judgment Day", 1991, ["Thriller"]),
    ("That Thing You Do!", 1996, ["Comedy"]),
    ("The Abyss", 1989, ["Adventure", "Thriller"]),
    ("The Adventures of Pinocchio", 1996, ["Family"]),
    ("The American President", 1995, ["Drama"]),
    ("The Apartment", 1960, ["Drama"]),
    ("The Big Lebowski", 1998, ["Crime", "Mystery", "Thriller"]),
    ("The Blues Brothers", 1980, ["Action", "Comedy"]),
    ("The Bridge on the River Kwai", 1957, ["War"]),
    ("The Bridges of Madison County", 1995, ["Romance"]),
    ("The Brothers McMullen", 1995, ["Comedy"]),
    ("The Client", 1994, ["Mystery", "Thriller"]),
    ("The Craft", 1996, ["Drama", "Horror"]),
    ("The Crying Game", 1992, ["Action", "Romance", "War"]),
    ("The Deer Hunter", 1979, ["War"]),
    ("The Devil's Own", 1997, ["Action", "Drama", "War"]),
    ("The Doors", 1991, ["Musical"]),
    ("The English Patient", 1996, ["Romance", "War"]),
    ("The Firm", 1993, ["Drama"]),
    ("The Flintstones", 1994, ["Family"]),
    ("The Fugitive", 1993, ["Action"]),
    ("The Game", 1997, ["Mystery"]),
    ("The Ghost and the Darkness", 1996, ["Adventure"]),
    ("The Glimmer Man", 1996, ["Thriller"]),
    ("The Godfather", 1972, ["Crime", "Drama"]),
    ("The Godfather: Part II", 1974, ["Crime", "Drama"]),
    ("The Great Escape", 1963, ["Adventure", "War"]),
    ("The Howling", 1981, ["Comedy", "Horror"]),
    ("The Hudsucker Proxy", 1994, ["Romance"]),
    ("The Hunchback of Notre Dame", 1996, ["Animation", "Family", "Musical"]),
    ("The Hunt for Red October", 1990, ["Action"]),
    ("The Indian in the Cupboard", 1995, ["Fantasy"]),
    ("The Inkwell", 1994, ["Drama"]),
    ("The Island of Dr. Moreau", 1996, ["Thriller"]),
    ("The Jackal", 1997, ["Action"]),
    ("The Jerky Boys", 1995, ["Action"]),
    ("The Jungle Book", 1994, ["Family", "Romance"]),
    ("The Juror", 1996, ["Drama"]),
    ("The Last of the Mohicans", 1992, ["Romance", "War"]),
    ("The Last Time I Committed Suicide", 1997, ["Drama"]),
    ("The Lawnmower Man", 1992, ["Thriller"]),
    ("The Lion King", 1994, ["Animation", "Musical"]),
    ("The Long Kiss Goodnight", 1996, ["Thriller"]),
    ("The Lost World: Jurassic Park", 1997, ["Adventure", "Thriller"]),
    ("The Man in the Iron Mask", 1998, ["Action", "Drama", "Romance"]),
    ("The Man Who Knew Too Little", 1997, ["Mystery"]),
    ("The Mask", 1994, ["Crime"]),
    ("The Newton Boys", 1998, ["Crime"]),
    ("The Nutty Professor", 1996, ["Fantasy", "Romance", "Sci-Fi"]),
    ("The Peacemaker", 1997, ["Thriller", "War"]),
    ("The Perez Family", 1995, ["Romance"]),
    ("The Phantom", 1996, ["Adventure"]),
    ("The Postman", 1997, ["Drama"]),
    ("The Princess Bride", 1987, ["Action", "Comedy", "Romance"]),
    ("The Quick and the Dead", 1995, ["Action", "Adventure"]),
    ("The Replacement Killers", 1998, ["Thriller"]),
    ("The Right Stuff", 1983, ["Drama"]),
    ("The River Wild", 1994, ["Thriller"]),
    ("The Rock", 1996, ["Adventure", "Thriller"]),
    ("The Saint", 1997, ["Romance", "Thriller"]),
    ("The Silence of the Lambs", 1991, ["Drama"]),
    ("The Sting", 1973, ["Comedy", "Crime"]),
    ("The Terminator", 1984, ["Thriller"]),
    ("The Usual Suspects", 1995, ["Crime", "Thriller"]),
    ("The Wizard of Oz", 1939, ["Adventure", "Family", "Drama"]),
    ("Things to Do in Denver when You're Dead", 1995, ["Crime", "Drama", "Romance"]),
    ("Thinner", 1996, ["Thriller"]),
    ("Titanic", 1997, ["Action", "Drama", "Romance"]),
    ("To Die For", 1995, ["Drama"]),
    ("To Kill A Mockingbird", 1962, ["Drama"]),
    ("Tomorrow Never Dies", 1997, ["Romance", "Thriller"]),
    ("Top Gun", 1986, ["Romance"]),
    ("Toy Story", 1995, ["Animation", "Comedy"]),
    ("True Lies", 1994, ["Adventure", "Comedy", "Romance"]),
    ("True Romance", 1993, ["Action", "Crime", "Romance"]),
    ("Twilight", 1998, ["Crime"]),
    ("Twister", 1996, ["Adventure", "Thriller"]),
    ("Vampire in Brooklyn", 1995, ["Comedy", "Romance"]),
    ("Virtuosity", 1995, ["Thriller"]),
    ("Volcano", 1997, ["Drama", "Thriller"]),
    ("Wag the Dog", 1997, ["Comedy"]),
    ("Warriors of Virtue", 1997, ["Adventure", "Family", "Fantasy"]),
    ("Waterworld", 1995, ["Adventure"]),
    ("Welcome to the Dollhouse", 1996, ["Drama"]),
    ("What's Eating Gilbert Grape", 1993, ["Comedy"]),
    ("When The Cat's Away", 1996, ["Romance"]),
    ("White Squall", 1996, ["Drama"]),
    ("Wild Things", 1998, ["Crime", "Drama", "Mystery"]),
    ("Willy Wonka & the Chocolate Factory", 1971, ["Adventure", "Family", "Comedy"]),
    ("Witness", 1985, ["Drama", "Romance"]),
    ("Wolf", 1994, ["Drama", "Horror"]),
    ("Young Frankenstein", 1974, ["Comedy", "Horror"]),
    ("Young Guns", 1988, ["Action", "Comedy"]),
]


def sort_genres(genres):
    for genre in genres:
        if genre not in GENRES:
            fail(f"internal: genre {genre!r} is not in the vocabulary")
    return sorted(set(genres), key=GENRES.index)


def apply_corrections(films, fixes):
    """Applies CORRECTIONS and GENRES_FROM_MOVIELENS to the films (already numbered) and returns
    the rows of the corrections table: (film, field, was, now, evidence)."""
    by_key = {(f["title"], f["year"]): f for f in films}
    table = []
    rows = [(t, y, "genres+", g, "MovieLens 100k genres") for t, y, g in GENRES_FROM_MOVIELENS]
    # Titles and years last, so every row finds the film by its key before correction.
    order = {"imdb": 0, "genres+": 1, "genres-": 2, "also": 3, "title": 4, "year": 5}
    rows = sorted(CORRECTIONS + rows, key=lambda r: order[r[2]])
    for title, year, field, value, evidence in rows:
        film = by_key.get((title, year))
        if film is None:
            fail(f"correction for {title!r} ({year}): no such film in the source")
        name = f"{film['title']} ({film['year']})"
        if field == "year":
            was, film["year"], film["release_date"] = film["year"], value, None
            now = value
            fixes.hit("year corrected to the original release")
        elif field == "title":
            was, film["title"], now = film["title"], value, value
            fixes.hit("title corrected")
        elif field == "also":
            was = ", ".join(film.get("also", [])) or "none"
            film.setdefault("also", []).append(value)
            now = ", ".join(film["also"])
            fixes.hit("other title added")
        elif field == "imdb":
            if film["imdb_votes"] is None:
                fail(f"correction for {name}: no IMDb score to drop")
            was = f"{film['imdb_rating']} ({film['imdb_votes']:,} votes)"
            now = "none"
            film["imdb_rating"] = film["imdb_votes"] = None
            fixes.hit("IMDb score of a namesake dropped")
        elif field in ("genres+", "genres-"):
            was = ", ".join(film["genres"]) or "none"
            if field == "genres+":
                if any(g in film["genres"] for g in value):
                    fail(f"correction for {name}: adds a genre it has: {value}")
                film["genres"] = sort_genres(film["genres"] + value)
                fixes.hit("genres added (MovieLens 100k)" if evidence.startswith("MovieLens 100k")
                          else "genres added (filmed performance)")
            else:
                if not all(g in film["genres"] for g in value):
                    fail(f"correction for {name}: removes a genre it lacks: {value}")
                film["genres"] = [g for g in film["genres"] if g not in value]
                fixes.hit("wrong genre removed")
            now = ", ".join(film["genres"]) or "none"
        else:
            fail(f"internal: unknown correction field {field!r}")
        if was == now:
            fail(f"correction for {name}: {field} is already {now}")
        table.append((film, field, was, now, evidence))
    # Each row names the film as the output does, after all its corrections.
    table = [(f"{film['title']} ({film['year']})", *rest) for film, *rest in table]
    keys = collections.Counter((f["title"].casefold(), f["year"]) for f in films)
    for key, n in keys.items():
        if n > 1:
            fail(f"corrections made two films {key}")
    return table


def check_ids_unchanged(films, old_path):
    """Every id of the file being replaced must name the same film: same title and year, before
    or after correction. Users' ratings are keyed by these ids."""
    try:
        with open(old_path, encoding="utf-8") as f:
            old = json.load(f)
    except FileNotFoundError:
        print(f"ids: no previous {old_path} to compare with")
        return
    by_id = {film["id"]: film for film in films}
    for film in old:
        new = by_id.get(film["id"])
        names = {(new["title"], new["year"]), new["_key"]} if new else set()
        if (film["title"], film["year"]) not in names:
            fail(f"id {film['id']} was {film['title']!r} ({film['year']}), would be "
                 f"{new and (new['title'], new['year'])}: ids must not move")
    print(f"ids: all {len(old)} ids of the previous file name the same films")


def write_corrections_md(path, table):
    def cell(value):
        return str(value).replace("|", "\\|")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("| Film | Field | Was | Now | Evidence |\n|---|---|---|---|---|\n")
        for row in sorted(table, key=lambda r: (r[0].casefold(), r[1])):
            f.write("| " + " | ".join(cell(v) for v in row) + " |\n")


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

    major = clean_text(raw.get("Major Genre"), where, fixes)
    if major is not None and major not in MAJOR_GENRE:
        fail(f"{where}: unknown Major Genre {major!r}")
    genres = list(MAJOR_GENRE.get(major, []))
    if major is not None and genres != [major]:
        fixes.hit("Major Genre mapped onto the vocabulary")
    creative_type = raw.get("Creative Type")
    # The creative type says what kind of story it is; three of its values are genres too.
    # "Fantasy" on a horror film marks the supernatural (The Shining), not a fantasy film, and
    # "Kids Fiction" includes PG-13 comedies (The Nutty Professor), so those are left out.
    if creative_type == "Science Fiction":
        genres.append("Sci-Fi")
        fixes.hit("Sci-Fi added from creative type Science Fiction")
    elif creative_type == "Fantasy" and major != "Horror":
        genres.append("Fantasy")
        fixes.hit("Fantasy added from creative type Fantasy (not on horror films)")
    elif creative_type == "Kids Fiction" and raw.get("MPAA Rating") in ("G", "PG"):
        genres.append("Family")
        fixes.hit("Family added from creative type Kids Fiction (rated G or PG)")
    if not genres:
        fixes.hit("missing genre left as an empty list")

    film = {
        "title": title,
        "year": year,
        "release_date": release_date,
        "genres": sort_genres(genres),
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
    md_path = None
    if len(argv) == 5 and argv[3] == "--corrections-md":
        md_path = argv[4]
    elif len(argv) != 3:
        fail("usage: clean_catalog.py <vega-datasets data/movies.json> <output movies.json> "
             "[--corrections-md <file>]")
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

    # Ids follow the sorted (title, year) order before correction, so they are the same on every
    # run and a corrected title or year does not renumber anything.
    films.sort(key=lambda f: (f["title"].casefold(), f["year"], f["title"]))
    films = [{"id": n, **film, "_key": (film["title"], film["year"])}
             for n, film in enumerate(films, start=1)]
    table = apply_corrections(films, fixes)
    check_ids_unchanged(films, out_path)
    out = [{k: v for k, v in film.items() if k != "_key"} for film in films]

    with open(out_path, "w", encoding="utf-8", newline="\n") as f:
        f.write("[\n")
        f.write(",\n".join(json.dumps(film, ensure_ascii=False, separators=(",", ":")) for film in out))
        f.write("\n]\n")

    print(f"source: {len(source)} films, sha256 {digest}")
    for name, count in fixes.counts.items():
        print(f"{count:5d}  {name}")
    print(f"output: {len(out)} films -> {out_path}")
    if md_path:
        write_corrections_md(md_path, table)
        print(f"corrections: {len(table)} rows -> {md_path}")


if __name__ == "__main__":
    main(sys.argv)
