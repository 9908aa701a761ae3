//! What keeps slow or idle clients from holding the API's connections: every connection has an
//! idle deadline (no byte read or written for [`IDLE`] closes it — a request trickled in, a
//! half-sent header, a client that stopped reading), and connections are capped per client
//! address and in all, so one machine cannot take every file descriptor.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// A connection with no byte moving for this long is closed.
pub const IDLE: Duration = Duration::from_secs(10);
/// The most connections one client address holds at once.
pub const PER_ADDRESS: usize = 32;
/// The most connections in all (well under the process's file-descriptor limit).
pub const TOTAL: usize = 512;

/// Counts open connections per address.
#[derive(Debug, Default)]
struct Open {
    per_address: HashMap<IpAddr, usize>,
    total: usize,
}

/// Wraps a listener: refuses a connection beyond the caps (closing it at once) and hands out the
/// others with an idle deadline.
#[derive(Debug)]
pub struct Guarded<L> {
    inner: L,
    open: Arc<Mutex<Open>>,
    idle: Duration,
    per_address: usize,
    total: usize,
}

impl<L> Guarded<L> {
    pub fn with_limits(inner: L, idle: Duration, per_address: usize, total: usize) -> Guarded<L> {
        Guarded { inner, open: Arc::default(), idle, per_address, total }
    }
}

impl<L> axum::serve::Listener for Guarded<L>
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    type Io = Idle<L::Io>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (io, addr) = self.inner.accept().await;
            let admitted = {
                let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
                let mine = open.per_address.get(&addr.ip()).copied().unwrap_or(0);
                if mine >= self.per_address || open.total >= self.total {
                    false
                } else {
                    *open.per_address.entry(addr.ip()).or_insert(0) += 1;
                    open.total += 1;
                    true
                }
            };
            if !admitted {
                tracing::info!("API connection refused: too many open from one address, or in all");
                drop(io);
                continue;
            }
            let slot = Slot { open: Arc::clone(&self.open), address: addr.ip() };
            return (Idle::new(io, self.idle, slot), addr);
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// Gives a connection's place back when it closes.
#[derive(Debug)]
struct Slot {
    open: Arc<Mutex<Open>>,
    address: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.total = open.total.saturating_sub(1);
        if let Some(count) = open.per_address.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                open.per_address.remove(&self.address);
            }
        }
    }
}

/// A connection that fails with `TimedOut` once no byte has moved for its idle time.
#[derive(Debug)]
pub struct Idle<I> {
    inner: I,
    idle: Duration,
    deadline: Pin<Box<Sleep>>,
    _slot: Slot,
}

impl<I> Idle<I> {
    fn new(inner: I, idle: Duration, slot: Slot) -> Idle<I> {
        Idle { inner, idle, deadline: Box::pin(tokio::time::sleep(idle)), _slot: slot }
    }

    /// The connection inside (the hub reads the TLS session's client certificate from it).
    pub fn get_ref(&self) -> &I {
        &self.inner
    }

    fn moved(&mut self) {
        self.deadline.as_mut().reset(Instant::now() + self.idle);
    }

    /// After the inner stream said "not yet": is the connection past its deadline?
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        self.deadline.as_mut().poll(cx).is_ready()
    }
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "API connection idle for too long")
}

impl<I: AsyncRead + Unpin> AsyncRead for Idle<I> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    self.moved();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(timed_out())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Idle<I> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, data) {
            Poll::Ready(Ok(n)) => {
                if n > 0 {
                    self.moved();
                }
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(timed_out())),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.inner).poll_flush(cx) {
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(timed_out())),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
