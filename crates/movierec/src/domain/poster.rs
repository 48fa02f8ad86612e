//! A poster's stored sizes: what the provider client makes of an image and the store keeps.

/// The sizes the pages use, 2:3 like a film poster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PosterSize {
    /// Movie cards on home, search, lists and similar movies.
    Card,
    /// The movie page.
    Page,
}

impl PosterSize {
    pub const ALL: [PosterSize; 2] = [PosterSize::Card, PosterSize::Page];

    /// Width and height the image is fitted into.
    pub fn bounds(self) -> (u32, u32) {
        match self {
            PosterSize::Card => (154, 231),
            PosterSize::Page => (342, 513),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PosterSize::Card => "card",
            PosterSize::Page => "page",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// One stored size of a poster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PosterImage {
    pub size: PosterSize,
    pub width: u32,
    pub height: u32,
    /// JPEG.
    pub bytes: Vec<u8>,
    /// 16 hex digits of the bytes' hash: the file name, so a new image gets a new URL and
    /// browsers may keep each one forever.
    pub hash: String,
}
