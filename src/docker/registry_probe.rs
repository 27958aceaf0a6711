//! Does a registry that refused a connection listen again? One GET of its `/v2/`, which every
//! registry answers (200, or 401 asking for credentials) without an image being named. Any
//! answer will do: what is waited out is a registry that is not listening, not one that says
//! no.

use std::time::Duration;

use super::host::{is_loopback, split_port};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// `authority` is the registry's `host:port`.
pub async fn answers(authority: &str) -> bool {
    let url = v2_url(authority);
    // ureq blocks; the probe must not hold up the runtime's other tasks (the console's loop).
    tokio::task::spawn_blocking(move || get(&url))
        .await
        .unwrap_or(false)
}

/// Docker speaks plain HTTP to a registry on loopback and HTTPS to any other.
fn v2_url(authority: &str) -> String {
    let scheme = if is_loopback(split_port(authority).0) {
        "http"
    } else {
        "https"
    };
    format!("{scheme}://{authority}/v2/")
}

fn get(url: &str) -> bool {
    // No proxy from the environment: the engine, not this process, talks to the registry, and a
    // loopback request must never leave the machine.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .proxy(None)
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_global(Some(ANSWER_TIMEOUT))
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent("archgrid")
        .build()
        .into();
    match agent.get(url).call() {
        Ok(_) => true,
        // A certificate this process does not trust (one the engine was told to) still comes
        // from a registry that listens.
        Err(ureq::Error::Tls(_) | ureq::Error::Rustls(_)) => true,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn loopback_is_plain_http_and_the_rest_https() {
        assert_eq!(v2_url("127.0.0.1:5000"), "http://127.0.0.1:5000/v2/");
        assert_eq!(v2_url("localhost:5000"), "http://localhost:5000/v2/");
        assert_eq!(v2_url("[::1]:5000"), "http://[::1]:5000/v2/");
        assert_eq!(
            v2_url("registry.example.com:443"),
            "https://registry.example.com:443/v2/"
        );
    }

    #[tokio::test]
    async fn a_closed_port_does_not_answer_and_a_listening_one_does() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 1024];
            let n = s.read(&mut buf).await.unwrap();
            s.write_all(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")
                .await
                .unwrap();
            String::from_utf8_lossy(&buf[..n]).into_owned()
        });
        assert!(answers(&addr).await);
        assert!(server.await.unwrap().starts_with("GET /v2/ HTTP/1.1\r\n"));
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().to_string()
        };
        assert!(!answers(&closed).await);
    }
}
