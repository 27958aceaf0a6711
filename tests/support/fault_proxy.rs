//! A loopback TCP proxy that breaks the first few connections on purpose.
//!
//! Integration tests put it between the build engine and the lab registry
//! (`127.0.0.1:<proxy port>` instead of `127.0.0.1:5000`) to produce real network faults:
//! the first `faulty` accepted connections suffer a [`Fault`], every later one is forwarded
//! byte-for-byte in both directions. [`FaultProxy::cut_and_arm`] also resets the connections
//! it is forwarding, as a network blip would.
//!
//! Only loopback addresses are accepted, for both the listener and the upstream.

#![allow(dead_code)]

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::{JoinHandle, JoinSet};

/// What happens to a faulty connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Accept, read what the client sends first (up to a short grace period), then close with
    /// `SO_LINGER` 0 so that the peer sees "connection reset by peer".
    Reset,
    /// Accept and hold the connection open without answering for the duration (whatever the
    /// client sends is read and discarded), then close it normally.
    Stall(Duration),
}

/// How long a [`Fault::Reset`] connection waits for the client's first bytes before the reset.
const RESET_GRACE: Duration = Duration::from_millis(500);

/// A running proxy. Dropping it stops the listener and every connection it still serves.
pub struct FaultProxy {
    /// The address to connect to instead of the upstream, always `127.0.0.1:<port>`.
    pub addr: SocketAddr,
    counters: Arc<Counters>,
    task: JoinHandle<()>,
}

#[derive(Default)]
struct Counters {
    /// Connections still to be faulted, as they are accepted.
    to_fault: AtomicUsize,
    accepted: AtomicUsize,
    faulted: AtomicUsize,
    forwarded: AtomicUsize,
    /// Forwarded connections not yet closed.
    open: AtomicUsize,
    /// Wakes every forwarded connection still open, to reset it.
    cut: Notify,
}

impl FaultProxy {
    /// Listens on `127.0.0.1:0` and forwards to `upstream` (e.g. `127.0.0.1:5000`). The first
    /// `faulty` accepted connections suffer `fault`, later ones are forwarded.
    pub async fn start(
        upstream: SocketAddr,
        faulty: usize,
        fault: Fault,
    ) -> io::Result<FaultProxy> {
        FaultProxy::start_on(0, upstream, faulty, fault).await
    }

    /// [`FaultProxy::start`] on `127.0.0.1:port`, for a Dockerfile that names the port.
    pub async fn start_on(
        port: u16,
        upstream: SocketAddr,
        faulty: usize,
        fault: Fault,
    ) -> io::Result<FaultProxy> {
        if !upstream.ip().is_loopback() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("fault proxy only forwards to loopback, not {upstream}"),
            ));
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        let counters = Arc::new(Counters {
            to_fault: AtomicUsize::new(faulty),
            ..Counters::default()
        });
        let task = tokio::spawn(accept_loop(listener, upstream, fault, counters.clone()));
        Ok(FaultProxy {
            addr,
            counters,
            task,
        })
    }

    /// The next `faulty` connections suffer the fault, on top of any still to come.
    pub fn arm(&self, faulty: usize) {
        self.counters.to_fault.fetch_add(faulty, Ordering::SeqCst);
    }

    /// A network blip: every forwarded connection still open is reset now, idle keep-alive
    /// ones included, and the next `faulty` connections suffer the fault. Returns how many
    /// were open.
    pub fn cut_and_arm(&self, faulty: usize) -> usize {
        self.arm(faulty);
        let open = self.counters.open.load(Ordering::SeqCst);
        self.counters.cut.notify_waiters();
        open
    }

    /// No connection from now on suffers the fault.
    pub fn disarm(&self) {
        self.counters.to_fault.store(0, Ordering::SeqCst);
    }

    /// How many connections were faulted so far (counted when the fault starts).
    pub fn faulted(&self) -> usize {
        self.counters.faulted.load(Ordering::SeqCst)
    }

    /// How many connections were handed to the upstream so far (counted when accepted).
    pub fn forwarded(&self) -> usize {
        self.counters.forwarded.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        // The accept loop owns the listener and a JoinSet of the connection tasks: aborting it
        // drops both, which closes the port and aborts every connection still open.
        self.task.abort();
    }
}

async fn accept_loop(
    listener: TcpListener,
    upstream: SocketAddr,
    fault: Fault,
    counters: Arc<Counters>,
) {
    let mut conns = JoinSet::new();
    loop {
        // Reap finished connections so the set does not grow without bound.
        while conns.try_join_next().is_some() {}
        let (client, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            // Transient accept errors (e.g. the peer gave up before accept): keep serving.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        counters.accepted.fetch_add(1, Ordering::SeqCst);
        let faulted = counters
            .to_fault
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if faulted {
            counters.faulted.fetch_add(1, Ordering::SeqCst);
            conns.spawn(apply_fault(client, fault));
        } else {
            counters.forwarded.fetch_add(1, Ordering::SeqCst);
            conns.spawn(forward(client, upstream, counters.clone()));
        }
    }
}

async fn apply_fault(mut client: TcpStream, fault: Fault) {
    let mut buf = [0u8; 4096];
    match fault {
        Fault::Reset => {
            // Let the client's first request arrive, so the reset hits a request in flight.
            let _ = tokio::time::timeout(RESET_GRACE, client.read(&mut buf)).await;
            // With SO_LINGER 0 the close sends RST instead of FIN; it never blocks.
            let _ = client.set_zero_linger();
            drop(client);
        }
        Fault::Stall(duration) => {
            let _ = tokio::time::timeout(duration, async {
                // Swallow whatever the client sends, answer nothing.
                loop {
                    match client.read(&mut buf).await {
                        Ok(0) | Err(_) => {
                            // The client went away; keep our end until the stall is over.
                            std::future::pending::<()>().await;
                        }
                        Ok(_) => {}
                    }
                }
            })
            .await;
            drop(client);
        }
    }
}

async fn forward(mut client: TcpStream, upstream: SocketAddr, counters: Arc<Counters>) {
    let _ = client.set_nodelay(true);
    match TcpStream::connect(upstream).await {
        Ok(mut server) => {
            let _ = server.set_nodelay(true);
            // Registered before the copy starts, so a cut from now on reaches this connection.
            let cut = counters.cut.notified();
            counters.open.fetch_add(1, Ordering::SeqCst);
            tokio::select! {
                _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                _ = cut => {
                    let _ = client.set_zero_linger();
                }
            }
            counters.open.fetch_sub(1, Ordering::SeqCst);
        }
        Err(_) => {
            // Upstream down: reset the client so it fails fast rather than hanging.
            let _ = client.set_zero_linger();
        }
    }
}
