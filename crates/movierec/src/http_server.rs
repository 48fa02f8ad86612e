//! The HTTP/1 server loop: hyper with the limits that `axum::serve` does not expose, so a
//! client cannot hold connections open by sending nothing, or next to nothing.
//!
//! - **Header read timeout**: a request's head must arrive whole within it (slow-loris).
//! - **Idle timeout**: a kept-alive connection with no traffic for this long is closed.
//! - **Connection cap**: past it, no more connections are accepted until one closes
//!   (they wait in the kernel's backlog rather than being refused outright).
//! - **Per-address cap**: one client address (an IPv6 client's /64) may hold only so many
//!   of those connections; one more is answered 503 and closed at once, so a single client
//!   cannot take every slot and make everyone else wait. Trusted reverse proxies, through
//!   which every visitor comes, are exempt.
//!
//! The request body timeout is a tower layer on the router (see [`crate::startup`]).

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tower::ServiceExt;

use crate::domain::IpNet;

/// Connection limits; see the module docs.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    /// Open connections one client address may hold; kept under `max_connections` so that
    /// no one client fills them.
    pub max_connections_per_address: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: 512,
            max_connections_per_address: 64,
        }
    }
}

/// How long requests in flight get to finish once shutdown begins.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Serves `router` on `listener` until `shutdown` completes, then lets the requests in
/// flight finish. Connections from `proxies` are not held to the per-address cap.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServerLimits,
    proxies: Vec<IpNet>,
    shutdown: impl Future<Output = ()>,
) {
    let max_connections = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let slots = Arc::new(Semaphore::new(max_connections));
    let per_address = PerAddress::new(limits.max_connections_per_address.max(1), proxies);
    let (closing, closing_rx) = watch::channel(false);
    let limits = Arc::new(limits);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, usually: wait for some to close.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(address_slot) = per_address.take(peer.ip()) else {
            tracing::debug!(%peer, "too many connections from one address");
            refuse(&stream);
            // Dropping the stream closes it, and the slot goes back at once.
            continue;
        };
        // Small responses go out at once rather than waiting for more to send.
        stream.set_nodelay(true).ok();
        tokio::spawn(connection(
            stream,
            peer,
            router.clone(),
            Arc::clone(&limits),
            closing_rx.clone(),
            (slot, address_slot),
        ));
    }
    drop(listener);
    closing.send_replace(true);
    // Every slot back means every connection has ended.
    let all = u32::try_from(max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(SHUTDOWN_GRACE, slots.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("some connections were still open when shutdown finished");
    }
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: Arc<ServerLimits>,
    mut closing: watch::Receiver<bool>,
    // Held while the connection lives: the global slot and the address's.
    _slots: (OwnedSemaphorePermit, Option<AddressSlot>),
) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        inner: stream,
        activity: Arc::clone(&activity),
    });
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        router.clone().oneshot(request)
    });
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .serve_connection(io, service);
    tokio::pin!(conn);
    let mut idle_check =
        tokio::time::interval((limits.idle_timeout / 4).max(Duration::from_millis(50)));
    let mut stopping = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, %peer, "connection ended with an error");
                }
                break;
            }
            changed = closing.changed(), if !stopping => {
                if changed.is_err() || *closing.borrow() {
                    stopping = true;
                    conn.as_mut().graceful_shutdown();
                }
            }
            _ = idle_check.tick(), if !stopping => {
                if activity.idle_for() >= limits.idle_timeout {
                    stopping = true;
                    // Finishes a response in progress, then closes.
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// Tells a client over its address's cap why it is closed, if the socket takes the few
/// bytes at once; the server never waits on such a client.
fn refuse(stream: &TcpStream) {
    const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\
        Content-Type: text/plain\r\nContent-Length: 43\r\n\r\n\
        Too many open connections from one address.";
    let _ = stream.try_write(BUSY);
}

/// Open connections per client address, so that one address cannot hold them all.
struct PerAddress {
    max: usize,
    exempt: Vec<IpNet>,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl PerAddress {
    fn new(max: usize, exempt: Vec<IpNet>) -> Self {
        Self {
            max,
            exempt,
            open: Arc::default(),
        }
    }

    /// A place for one more connection from `peer`, `None` when its address has them all;
    /// `Some(None)` for an exempt address, which is not counted.
    fn take(&self, peer: IpAddr) -> Option<Option<AddressSlot>> {
        let peer = crate::domain::ip_net::canonical(peer);
        if self.exempt.iter().any(|net| net.contains(peer)) {
            return Some(None);
        }
        let client = client_block(peer);
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(client).or_default();
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(Some(AddressSlot {
            client,
            open: Arc::clone(&self.open),
        }))
    }
}

/// The part of an address one client controls: all of an IPv4 address, the /64 of an IPv6
/// one (a home or a server is handed a whole /64).
fn client_block(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1_u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
    }
}

/// One connection counted against its address; given back when dropped.
struct AddressSlot {
    client: IpAddr,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                // Addresses come and go; the map keeps only those with connections open.
                open.remove(&self.client);
            }
        }
    }
}

/// When a connection last moved a byte.
struct Activity {
    start: Instant,
    last_millis: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Self {
            start: Instant::now(),
            last_millis: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let now = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_millis.store(now, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_millis.load(Ordering::Relaxed));
        self.start.elapsed().saturating_sub(last)
    }
}

/// A stream that records its traffic in an [`Activity`].
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        poll
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        poll
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        poll
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_address_holds_at_most_its_share_and_gets_it_back_when_they_close() {
        let cap = PerAddress::new(2, vec![IpNet::parse("10.0.0.0/8").unwrap()]);
        let first = cap.take(ip("192.0.2.7")).unwrap();
        let second = cap.take(ip("::ffff:192.0.2.7")).unwrap();
        assert!(first.is_some() && second.is_some());
        assert!(cap.take(ip("192.0.2.7")).is_none(), "a third is over");
        // Other addresses are not held back, nor is a trusted proxy counted.
        assert!(cap.take(ip("192.0.2.8")).unwrap().is_some());
        for _ in 0..10 {
            assert!(matches!(cap.take(ip("10.1.2.3")), Some(None)));
        }
        drop(first);
        let again = cap.take(ip("192.0.2.7")).unwrap();
        assert!(again.is_some());
        drop((second, again));
        assert!(cap.open.lock().unwrap().is_empty(), "nothing left counted");
    }

    #[test]
    fn an_ipv6_client_is_its_64_block() {
        let cap = PerAddress::new(1, Vec::new());
        let _one = cap.take(ip("2001:db8:1:2::1")).unwrap();
        assert!(cap.take(ip("2001:db8:1:2:ffff::9")).is_none());
        assert!(cap.take(ip("2001:db8:1:3::1")).unwrap().is_some());
    }
}
