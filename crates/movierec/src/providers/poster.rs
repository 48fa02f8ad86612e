//! Poster images: downloaded once from the provider, checked (declared type, size, and
//! that the bytes really decode to an image of sane dimensions), then resized to the
//! sizes the pages show and re-encoded as JPEG, so what we serve is our own file.

use std::cell::Cell;
use std::hash::{Hash, Hasher};
use std::io::{self, BufRead, Cursor, Read, Seek, SeekFrom};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use image::{ImageFormat, imageops::FilterType};

use super::{
    ProviderError, RateLimiter, build_client, client_builder, read_capped, same_host_redirects,
};
use crate::domain::{PosterImage, PosterSize};

/// Larger downloads are refused (a poster is a few hundred kilobytes).
pub const MAX_BYTES: usize = 2 * 1024 * 1024;

/// Smallest and largest plausible poster sides, in pixels. TMDB's originals are at most
/// 2000×3000; past this a decode costs more than any poster is worth.
const MIN_SIDE: u32 = 16;
const MAX_SIDE: u32 = 4096;

/// Memory one decode may take, buffers included: a 4096-pixel-high RGB poster fits.
const MAX_DECODE_ALLOC: u64 = 64 * 1024 * 1024;

/// Decodes running at once, process-wide: memory is bounded by this times
/// [`MAX_DECODE_ALLOC`], however many pages ask.
const DECODES_AT_ONCE: usize = 2;

/// Longest a decode and resize may take before the poster counts as bad.
const DECODE_DEADLINE: Duration = Duration::from_secs(2);

/// JPEG quality of the stored sizes: small files, no visible loss at these sizes.
const JPEG_QUALITY: u8 = 82;

/// Which hosts posters may come from: public addresses only, and the one image host the
/// operator configured (which may be a local mirror, or a test's stub) whatever it resolves
/// to. URLs named by a provider's answer never reach loopback, private or link-local hosts.
#[derive(Debug, Clone, Default)]
pub struct HostPolicy {
    /// Host (and port, for an IP literal) of the configured image root.
    trusted: Option<(String, Option<u16>)>,
}

impl HostPolicy {
    /// Trusting the host of `image_root`, the configured TMDB image URL.
    pub fn trusting(image_root: &str) -> Self {
        let trusted = reqwest::Url::parse(image_root).ok().and_then(|url| {
            let host = url.host_str()?.to_owned();
            Some((host, url.port_or_known_default()))
        });
        Self { trusted }
    }

    fn trusts(&self, host: &str, port: Option<u16>) -> bool {
        self.trusted
            .as_ref()
            .is_some_and(|(h, p)| h == host && *p == port)
    }

    fn trusts_name(&self, host: &str) -> bool {
        self.trusted.as_ref().is_some_and(|(h, _)| h == host)
    }

    /// Refuses a URL whose host is (or resolves to) an address that is not public.
    async fn check(&self, url: &reqwest::Url) -> Result<(), ProviderError> {
        let refuse = |why: String| Err(ProviderError::BadImage(why));
        if !matches!(url.scheme(), "http" | "https") {
            return refuse(format!("{} is not an HTTP URL", url.scheme()));
        }
        let Some(host) = url.host_str() else {
            return refuse("the URL names no host".into());
        };
        if self.trusts(host, url.port_or_known_default()) {
            return Ok(());
        }
        // An IPv6 literal is written in brackets.
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        let addresses: Vec<IpAddr> = match literal.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => match tokio::net::lookup_host((host, 0)).await {
                Ok(found) => found.map(|a| a.ip()).collect(),
                Err(e) => return Err(ProviderError::Unreachable(format!("{host}: {e}"))),
            },
        };
        match addresses.iter().find(|ip| !is_public(**ip)) {
            Some(ip) => refuse(format!("{host} is not a public address ({ip})")),
            None if addresses.is_empty() => refuse(format!("{host} has no address")),
            None => Ok(()),
        }
    }
}

/// Whether an address is on the public internet: not loopback, private, link-local,
/// unspecified, shared (carrier NAT), multicast or reserved for documentation.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (b & 0xc0) == 64)
                || a >= 240)
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80)
            }
        },
    }
}

/// The image client's name resolution: names other than the trusted host resolve to their
/// public addresses only, so a name that changes its answer between our check and the
/// connection still cannot lead inside.
#[derive(Debug)]
struct PublicOnly(HostPolicy);

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        let trusted = self.0.trusts_name(&host);
        Box::pin(async move {
            let kept: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| trusted || is_public(a.ip()))
                .collect();
            if kept.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            Ok(Box::new(kept.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Downloads images with the providers' timeout, rate limit and size cap, from the hosts
/// [`HostPolicy`] allows, and decodes them a few at a time.
#[derive(Debug)]
pub struct ImageFetcher {
    http: reqwest::Client,
    timeout: Duration,
    limiter: Arc<RateLimiter>,
    hosts: HostPolicy,
    decodes: Arc<tokio::sync::Semaphore>,
}

impl ImageFetcher {
    pub fn new(
        timeout: Duration,
        limiter: Arc<RateLimiter>,
        hosts: HostPolicy,
    ) -> Result<Self, ProviderError> {
        // Fetching and decoding a poster is allowed a little more than an API call.
        let builder = client_builder(timeout * 2)
            .redirect(same_host_redirects())
            .dns_resolver(Arc::new(PublicOnly(hosts.clone())));
        Ok(Self {
            http: build_client(builder)?,
            timeout: timeout * 2,
            limiter,
            hosts,
            decodes: Arc::new(tokio::sync::Semaphore::new(DECODES_AT_ONCE)),
        })
    }

    /// The image at `url`, checked and resized to every [`PosterSize`].
    pub async fn fetch(&self, url: &str) -> Result<Vec<PosterImage>, ProviderError> {
        let (content_type, bytes) = self.download(url).await?;
        // Held by the blocking task until it ends, even if this caller goes away first.
        let permit = Arc::clone(&self.decodes)
            .acquire_owned()
            .await
            .map_err(|e| ProviderError::BadImage(e.to_string()))?;
        let cancelled = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&cancelled);
        // Decoding and resizing take tens of milliseconds: off the async threads.
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            process_until(content_type.as_deref(), &bytes, &flag)
        });
        // Marks the work abandoned if this caller is dropped or gives up.
        let _cancel_on_drop = CancelOnDrop(Arc::clone(&cancelled));
        match tokio::time::timeout(DECODE_DEADLINE, task).await {
            Ok(joined) => {
                joined.map_err(|e| ProviderError::BadImage(format!("resizing stopped: {e}")))?
            }
            // A bad image, not a fault of the moment: remembered, not retried each view.
            Err(_) => Err(ProviderError::BadImage(format!(
                "decoding took longer than {DECODE_DEADLINE:?}"
            ))),
        }
    }

    async fn download(&self, url: &str) -> Result<(Option<String>, Vec<u8>), ProviderError> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| ProviderError::BadImage(format!("not a URL: {e}")))?;
        self.hosts.check(&parsed).await?;
        self.limiter.acquire().await;
        let response = self.http.get(parsed).send().await.map_err(|e| {
            if e.is_redirect() {
                ProviderError::BadImage(format!("refused redirect: {e}"))
            } else {
                super::transport_error(&e, self.timeout)
            }
        })?;
        let status = response.status();
        if status.as_u16() == 404 {
            return Err(ProviderError::NotFound);
        }
        if !status.is_success() {
            return Err(ProviderError::Status(status.as_u16()));
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = match read_capped(response, MAX_BYTES, self.timeout).await {
            Err(ProviderError::TooLarge(_)) => return Err(too_large()),
            other => other?,
        };
        Ok((content_type, bytes))
    }
}

/// Sets the flag when dropped: the blocking decode sees it and stops between steps.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
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
    process_until(content_type, bytes, &AtomicBool::new(false))
}

/// [`process`], stopping between steps once `cancelled` is set.
fn process_until(
    content_type: Option<&str>,
    bytes: &[u8],
    cancelled: &AtomicBool,
) -> Result<Vec<PosterImage>, ProviderError> {
    process_reading(content_type, bytes, cancelled, &Cell::new(0))
}

/// The image's bytes as the decoder takes them, keeping the furthest offset it consumed:
/// how much of a file a check read, which tells a refusal from the header from a decode.
struct Consumed<'a> {
    bytes: Cursor<&'a [u8]>,
    furthest: &'a Cell<u64>,
}

impl Consumed<'_> {
    fn note(&self) {
        self.furthest
            .set(self.furthest.get().max(self.bytes.position()));
    }
}

impl Read for Consumed<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.bytes.read(buf)?;
        self.note();
        Ok(n)
    }
}

impl BufRead for Consumed<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.bytes.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.bytes.consume(amount);
        self.note();
    }
}

impl Seek for Consumed<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.bytes.seek(to)
    }
}

/// [`process_until`], recording in `furthest` how far into `bytes` the decoder read.
fn process_reading(
    content_type: Option<&str>,
    bytes: &[u8],
    cancelled: &AtomicBool,
    furthest: &Cell<u64>,
) -> Result<Vec<PosterImage>, ProviderError> {
    let stop = || {
        cancelled
            .load(Ordering::Relaxed)
            .then(|| ProviderError::BadImage("decoding abandoned".into()))
    };
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
    let reader = || {
        let source = Consumed {
            bytes: Cursor::new(bytes),
            furthest,
        };
        let mut reader = image::ImageReader::with_format(source, actual);
        reader.limits(decode_limits());
        reader
    };
    let (width, height) = reader()
        .into_dimensions()
        .map_err(|e| ProviderError::BadImage(format!("unreadable header: {e}")))?;
    if !(MIN_SIDE..=MAX_SIDE).contains(&width) || !(MIN_SIDE..=MAX_SIDE).contains(&height) {
        return Err(ProviderError::BadImage(format!(
            "{width}×{height} pixels is not a poster"
        )));
    }
    // The limits hold the decoder to the checked size and memory whatever the header's
    // other chunks (an embedded colour profile, say) ask for; the profile itself is never
    // read, as the stored JPEG is plain sRGB.
    let decoded = reader()
        .decode()
        .map_err(|e| ProviderError::BadImage(format!("does not decode: {e}")))?;
    if let Some(stopped) = stop() {
        return Err(stopped);
    }
    PosterSize::ALL
        .into_iter()
        .map(|size| {
            if let Some(stopped) = stop() {
                return Err(stopped);
            }
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

/// What one decode may take: [`MAX_SIDE`] a side and [`MAX_DECODE_ALLOC`] bytes.
fn decode_limits() -> image::Limits {
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    limits
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

    /// A PNG declaring `width`×`height` pixels of `color_type` at `depth` bits, all zero:
    /// a few hundred kilobytes that decode to hundreds of megabytes.
    fn png_bomb(
        width: u32,
        height: u32,
        color_type: u8,
        depth: u8,
        bytes_per_pixel: usize,
    ) -> Vec<u8> {
        use std::io::Write;
        fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
            out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
            let start = out.len();
            out.extend_from_slice(kind);
            out.extend_from_slice(data);
            let mut crc = flate2::Crc::new();
            crc.update(&out[start..]);
            out.extend_from_slice(&crc.sum().to_be_bytes());
        }
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut header = Vec::new();
        header.extend_from_slice(&width.to_be_bytes());
        header.extend_from_slice(&height.to_be_bytes());
        header.extend_from_slice(&[depth, color_type, 0, 0, 0]);
        chunk(&mut out, b"IHDR", &header);
        let row = vec![0u8; 1 + width as usize * bytes_per_pixel];
        let mut encoder =
            flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        for _ in 0..height {
            encoder.write_all(&row).unwrap();
        }
        chunk(&mut out, b"IDAT", &encoder.finish().unwrap());
        chunk(&mut out, b"IEND", &[]);
        out
    }

    /// How far into `bytes` the decoder read while [`process`] checked them, and the result.
    fn read_by_process(bytes: &[u8]) -> (u64, Result<Vec<PosterImage>, ProviderError>) {
        let furthest = Cell::new(0);
        let result = process_reading(Some("image/png"), bytes, &AtomicBool::new(false), &furthest);
        (furthest.get(), result)
    }

    /// A bomb's pixels are compressed behind its header; a decode reads them all, a refusal
    /// from the header none of them.
    #[test]
    fn poster_bombs_are_refused_before_they_are_decoded() {
        // The signature (8 bytes), the IHDR chunk (25) and the head of the first pixel
        // chunk (8): all a refusal may read.
        const HEADER: u64 = 8 + 25 + 8;
        // A real poster is read through its pixel data, all but the 12-byte end chunk: the
        // count sees a decode.
        let poster = png(300, 450);
        let (read, decoded) = read_by_process(&poster);
        assert!(decoded.is_ok(), "{decoded:?}");
        assert!(
            read + 12 >= poster.len() as u64,
            "{read} of {}",
            poster.len()
        );

        // 8000×8000 RGB: 192 MB of pixels in a file well under the download cap.
        let bomb = png_bomb(8000, 8000, 2, 8, 3);
        assert!(bomb.len() < MAX_BYTES, "{} bytes", bomb.len());
        let (read, refused) = read_by_process(&bomb);
        assert!(
            matches!(&refused, Err(ProviderError::BadImage(m)) if m.contains("exceeds limit")),
            "{refused:?}"
        );
        assert!(read <= HEADER, "{read} of {} bytes read", bomb.len());
        // Within the side limit, but 16-bit RGBA: 128 MB, past the memory a decode may take.
        let heavy = png_bomb(4000, 4000, 6, 16, 8);
        let (read, refused) = read_by_process(&heavy);
        assert!(
            matches!(refused, Err(ProviderError::BadImage(_))),
            "{refused:?}"
        );
        assert!(read <= HEADER, "{read} of {} bytes read", heavy.len());
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
