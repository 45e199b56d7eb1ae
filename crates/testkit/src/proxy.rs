//! A TCP proxy on 127.0.0.1 whose behaviour a test switches at run time, to inject faults between a
//! client and a real (or mock) server without touching either: forward, refuse connections (the server
//! "is down"), or accept and stall (the server "hangs").

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What the proxy does with connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward to the upstream server (normal operation).
    Forward,
    /// Stop listening: new connections are refused, open ones are cut (a killed server).
    Down,
    /// Accept connections and never answer (a hung server).
    Stall,
}

/// A fault-injecting proxy; dropped, it stops.
pub struct FaultProxy {
    addr: SocketAddr,
    fault: watch::Sender<Fault>,
    task: JoinHandle<()>,
    connections: Arc<Mutex<usize>>,
}

impl FaultProxy {
    /// Starts a proxy on a free loopback port forwarding to `upstream`. Must be called inside a Tokio
    /// runtime.
    pub async fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let (fault, mut changes) = watch::channel(Fault::Forward);
        let connections = Arc::new(Mutex::new(0));
        let counter = connections.clone();
        let task = tokio::spawn(async move {
            let mut listener = Some(listener);
            loop {
                let current = *changes.borrow_and_update();
                match (current, listener.as_ref()) {
                    (Fault::Down, Some(_)) => listener = None, // closing the socket refuses new connections
                    (Fault::Down, None) => {}
                    (_, None) => {
                        listener = Some(TcpListener::bind(addr).await.expect("re-bind proxy port"))
                    }
                    (_, Some(_)) => {}
                }
                let Some(l) = listener.as_ref() else {
                    if changes.changed().await.is_err() {
                        return;
                    }
                    continue;
                };
                tokio::select! {
                    changed = changes.changed() => if changed.is_err() { return },
                    accepted = l.accept() => {
                        let Ok((client, _)) = accepted else { continue };
                        *counter.lock().expect("counter") += 1;
                        let mut fault_rx = changes.clone();
                        tokio::spawn(async move { serve(client, upstream, current, &mut fault_rx).await });
                    }
                }
            }
        });
        FaultProxy {
            addr,
            fault,
            task,
            connections,
        }
    }

    /// The proxy's address (point the client here).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Switches the behaviour for new (and, for [`Fault::Down`], existing) connections.
    pub fn set(&self, fault: Fault) {
        self.fault.send_replace(fault);
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        *self.connections.lock().expect("counter")
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    mut client: TcpStream,
    upstream: SocketAddr,
    fault: Fault,
    changes: &mut watch::Receiver<Fault>,
) {
    match fault {
        Fault::Down => {}
        // Hold the connection open, reading nothing, until the proxy goes down or away.
        Fault::Stall => until_down(changes).await,
        Fault::Forward => {
            let Ok(mut server) = TcpStream::connect(upstream).await else {
                return;
            };
            tokio::select! {
                _ = copy_bidirectional(&mut client, &mut server) => {}
                _ = until_down(changes) => {}
            }
        }
    }
}

/// Returns when the proxy is switched to [`Fault::Down`] or dropped.
async fn until_down(changes: &mut watch::Receiver<Fault>) {
    while changes.changed().await.is_ok() {
        if *changes.borrow() == Fault::Down {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn forwards_refuses_and_recovers() {
        let echo = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let upstream = echo.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let (mut s, _) = echo.accept().await.unwrap();
                tokio::spawn(async move {
                    let mut buf = [0u8; 4];
                    if s.read_exact(&mut buf).await.is_ok() {
                        let _ = s.write_all(&buf).await;
                    }
                });
            }
        });
        let proxy = FaultProxy::start(upstream).await;
        let roundtrip = |addr| async move {
            let mut s = TcpStream::connect(addr).await?;
            s.write_all(b"ping").await?;
            let mut buf = [0u8; 4];
            s.read_exact(&mut buf).await?;
            Ok::<_, std::io::Error>(buf)
        };
        assert_eq!(&roundtrip(proxy.addr()).await.unwrap(), b"ping");
        proxy.set(Fault::Down);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(
            TcpStream::connect(proxy.addr()).await.is_err(),
            "refused while down"
        );
        proxy.set(Fault::Forward);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert_eq!(&roundtrip(proxy.addr()).await.unwrap(), b"ping");
        proxy.set(Fault::Stall);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let stalled = tokio::time::timeout(
            std::time::Duration::from_millis(300),
            roundtrip(proxy.addr()),
        )
        .await;
        assert!(stalled.is_err(), "no answer while stalled");
        assert!(proxy.connections() >= 3);
    }
}
