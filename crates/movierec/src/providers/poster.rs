//! Poster images: downloaded once from the provider, checked (declared type, size, and
//! that the bytes really decode to an image of sane dimensions), then resized to the
//! sizes the pages show and re-encoded as JPEG, so what we serve is our own file.

use std::hash::{Hash, Hasher};
use std::io::Cursor;
use std::sync::Arc;
use std::time::Duration;

use image::{ImageFormat, imageops::FilterType};

use super::{ProviderError, RateLimiter, http_client, transport_error};

/// Larger downloads are refused (a poster is a few hundred kilobytes).
pub const MAX_BYTES: usize = 2 * 1024 * 1024;

/// Smallest and largest plausible poster sides, in pixels.
const MIN_SIDE: u32 = 16;
const MAX_SIDE: u32 = 8000;

/// JPEG quality of the stored sizes: small files, no visible loss at these sizes.
const JPEG_QUALITY: u8 = 82;

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

/// Downloads images with the providers' timeout, rate limit and size cap.
#[derive(Debug)]
pub struct ImageFetcher {
    http: reqwest::Client,
    timeout: Duration,
    limiter: Arc<RateLimiter>,
}

impl ImageFetcher {
    pub fn new(timeout: Duration, limiter: Arc<RateLimiter>) -> Result<Self, ProviderError> {
        Ok(Self {
            // Fetching and decoding a poster is allowed a little more than an API call.
            http: http_client(timeout * 2)?,
            timeout: timeout * 2,
            limiter,
        })
    }

    /// The image at `url`, checked and resized to every [`PosterSize`].
    pub async fn fetch(&self, url: &str) -> Result<Vec<PosterImage>, ProviderError> {
        let (content_type, bytes) = self.download(url).await?;
        // Decoding and resizing take tens of milliseconds: off the async threads.
        tokio::task::spawn_blocking(move || process(content_type.as_deref(), &bytes))
            .await
            .map_err(|e| ProviderError::BadImage(format!("resizing stopped: {e}")))?
    }

    async fn download(&self, url: &str) -> Result<(Option<String>, Vec<u8>), ProviderError> {
        self.limiter.acquire().await;
        let mut response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| transport_error(&e, self.timeout))?;
        let status = response.status();
        if status.as_u16() == 404 {
            return Err(ProviderError::NotFound);
        }
        if !status.is_success() {
            return Err(ProviderError::Status(status.as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_BYTES as u64)
        {
            return Err(too_large());
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut bytes = Vec::new();
        // Counted as it arrives: a missing or false Content-Length cannot make us hold more.
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| transport_error(&e, self.timeout))?
        {
            if bytes.len() + chunk.len() > MAX_BYTES {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok((content_type, bytes))
    }
}

fn too_large() -> ProviderError {
    ProviderError::BadImage(format!("larger than {} MB", MAX_BYTES / (1024 * 1024)))
}

/// The formats accepted, by declared content type.
fn declared_format(content_type: Option<&str>) -> Result<ImageFormat, ProviderError> {
    let essence = content_type
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase());
    match essence.as_deref() {
        Some("image/jpeg" | "image/jpg") => Ok(ImageFormat::Jpeg),
        Some("image/png") => Ok(ImageFormat::Png),
        Some("image/webp") => Ok(ImageFormat::WebP),
        other => Err(ProviderError::BadImage(format!(
            "content type {} is not JPEG, PNG or WebP",
            other.unwrap_or("(none)")
        ))),
    }
}

/// Checks an image and makes every stored size of it.
pub fn process(
    content_type: Option<&str>,
    bytes: &[u8],
) -> Result<Vec<PosterImage>, ProviderError> {
    if bytes.len() > MAX_BYTES {
        return Err(too_large());
    }
    let declared = declared_format(content_type)?;
    let actual = image::guess_format(bytes)
        .map_err(|_| ProviderError::BadImage("the bytes are not an image".into()))?;
    if actual != declared {
        return Err(ProviderError::BadImage(format!(
            "declared {declared:?} but the bytes are {actual:?}"
        )));
    }
    let reader = image::ImageReader::with_format(Cursor::new(bytes), actual);
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| ProviderError::BadImage(format!("unreadable header: {e}")))?;
    if !(MIN_SIDE..=MAX_SIDE).contains(&width) || !(MIN_SIDE..=MAX_SIDE).contains(&height) {
        return Err(ProviderError::BadImage(format!(
            "{width}×{height} pixels is not a poster"
        )));
    }
    let decoded = image::load_from_memory_with_format(bytes, actual)
        .map_err(|e| ProviderError::BadImage(format!("does not decode: {e}")))?;
    PosterSize::ALL
        .into_iter()
        .map(|size| {
            let (w, h) = size.bounds();
            // Never enlarge: a small source stays its size.
            let resized = if decoded.width() > w || decoded.height() > h {
                decoded.resize(w, h, FilterType::Triangle)
            } else {
                decoded.clone()
            };
            let rgb = resized.to_rgb8();
            let mut out = Vec::new();
            let encoder =
                image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY);
            rgb.write_with_encoder(encoder)
                .map_err(|e| ProviderError::BadImage(format!("cannot encode: {e}")))?;
            Ok(PosterImage {
                size,
                width: rgb.width(),
                height: rgb.height(),
                hash: content_hash(&out),
                bytes: out,
            })
        })
        .collect()
}

fn content_hash(bytes: &[u8]) -> String {
    // SipHash with fixed keys: stable for stored bytes, and the hash is stored with them.
    let mut hasher = std::hash::DefaultHasher::new();
    bytes.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut out = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn a_poster_becomes_both_sizes_within_bounds_keeping_its_shape() {
        let images = process(Some("image/png"), &png(500, 750)).unwrap();
        assert_eq!(images.len(), 2);
        assert_eq!((images[0].width, images[0].height), (154, 231));
        assert_eq!((images[1].width, images[1].height), (342, 513));
        for image in &images {
            assert_eq!(
                image::guess_format(&image.bytes).unwrap(),
                ImageFormat::Jpeg
            );
            assert_eq!(image.hash.len(), 16);
        }
        assert_ne!(images[0].hash, images[1].hash);
    }

    #[test]
    fn small_images_are_not_enlarged() {
        let images = process(Some("image/png; charset=binary"), &png(100, 150)).unwrap();
        assert!(images.iter().all(|i| (i.width, i.height) == (100, 150)));
    }

    #[test]
    fn non_images_and_lies_are_refused() {
        let html = b"<html>not found</html>";
        assert!(matches!(
            process(Some("text/html"), html),
            Err(ProviderError::BadImage(_))
        ));
        assert!(matches!(
            process(Some("image/jpeg"), html),
            Err(ProviderError::BadImage(_))
        ));
        // PNG bytes declared as JPEG.
        assert!(matches!(
            process(Some("image/jpeg"), &png(50, 75)),
            Err(ProviderError::BadImage(_))
        ));
        // A PNG header with a body cut off does not decode.
        let mut cut = png(300, 450);
        cut.truncate(cut.len() / 3);
        assert!(matches!(
            process(Some("image/png"), &cut),
            Err(ProviderError::BadImage(_))
        ));
        // Degenerate sizes.
        assert!(matches!(
            process(Some("image/png"), &png(4, 4)),
            Err(ProviderError::BadImage(_))
        ));
        assert!(matches!(
            process(None, &png(50, 75)),
            Err(ProviderError::BadImage(_))
        ));
    }
}
