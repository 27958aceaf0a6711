//! One GET of a registry's `/v2/`, which every registry answers (200, or 401 asking for
//! credentials) without any image being named.

use std::net::SocketAddr;
use std::time::Duration;

use crate::model::format_duration;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// `Docker-Distribution-API-Version`, which registries send and other web servers do not.
    pub api_version: Option<String>,
}

/// Plain HTTP to each address in turn until one answers. This is for registries on loopback,
/// which docker trusts without TLS. The addresses are the ones the caller resolved, so the
/// request goes to each by number and names the registry in `Host`.
pub async fn plain_get(
    addrs: &[SocketAddr],
    authority: &str,
    path: &str,
) -> Result<Answer, String> {
    if addrs.is_empty() {
        return Err("no address to connect to".into());
    }
    let addrs = addrs.to_vec();
    let authority = authority.to_string();
    let path = path.to_string();
    blocking(move || {
        let agent = loopback_agent();
        let mut errors = Vec::new();
        for addr in addrs {
            let url = format!("http://{addr}{path}");
            match agent.get(&url).header("Host", &authority).call() {
                Ok(response) => return Ok(answer(&response)),
                Err(e) => errors.push(format!("{addr}: {}", describe(e))),
            }
        }
        Err(errors.join("; "))
    })
    .await
}

/// HTTPS with rustls and bundled root certificates.
pub async fn https_get(url: String) -> Result<Answer, String> {
    blocking(move || {
        let agent: ureq::Agent = base_config().build().into();
        let response = agent.get(&url).call().map_err(describe)?;
        Ok(answer(&response))
    })
    .await
}

/// No proxy from the environment: the engine, not this process, pushes to the registry, so the
/// probe asks the registry the way the engine reaches it, and a loopback request never leaves
/// the machine.
fn base_config() -> ureq::config::ConfigBuilder<ureq::typestate::AgentScope> {
    ureq::Agent::config_builder()
        .proxy(None)
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_global(Some(ANSWER_TIMEOUT))
        .http_status_as_error(false)
}

/// A redirect would hide the status `/v2/` itself answered with.
fn loopback_agent() -> ureq::Agent {
    base_config()
        .max_redirects(0)
        .user_agent("archgrid-doctor")
        .build()
        .into()
}

/// ureq blocks, so the request runs on a blocking thread while the other checks go on.
async fn blocking(
    request: impl FnOnce() -> Result<Answer, String> + Send + 'static,
) -> Result<Answer, String> {
    tokio::task::spawn_blocking(request)
        .await
        .map_err(|e| format!("the HTTP request did not finish: {e}"))?
}

fn answer(response: &ureq::http::Response<ureq::Body>) -> Answer {
    Answer {
        status: response.status().as_u16(),
        api_version: response
            .headers()
            .get("docker-distribution-api-version")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_string()),
    }
}

fn describe(e: ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(ureq::Timeout::Connect) => {
            format!("no connection within {}", format_duration(CONNECT_TIMEOUT))
        }
        ureq::Error::Timeout(_) => format!("no answer within {}", format_duration(ANSWER_TIMEOUT)),
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the connection closed without an answer".to_string()
        }
        ureq::Error::Protocol(e) => format!("not an HTTP answer: {e}"),
        // Without ureq's "io: " prefix, a refused connection reads as the OS words it.
        ureq::Error::Io(e) => e.to_string(),
        e => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// Answers one connection with `reply` after reading the request, and hands the request
    /// back.
    async fn serve_once(reply: &'static [u8]) -> (SocketAddr, tokio::task::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 1024];
            let n = s.read(&mut buf).await.unwrap();
            s.write_all(reply).await.unwrap();
            String::from_utf8_lossy(&buf[..n]).into_owned()
        });
        (addr, server)
    }

    async fn get(reply: &'static [u8]) -> Result<Answer, String> {
        let (addr, server) = serve_once(reply).await;
        let answer = plain_get(&[addr], &addr.to_string(), "/v2/").await;
        server.await.unwrap();
        answer
    }

    #[tokio::test]
    async fn heads_are_parsed() {
        let a = get(
            b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n\
              docker-distribution-api-version: registry/2.0\r\nWww-Authenticate: Bearer x\r\n\r\n{}",
        )
        .await
        .unwrap();
        assert_eq!(a.status, 401);
        assert_eq!(a.api_version.as_deref(), Some("registry/2.0"));
        let a = get(b"HTTP/1.0 200 OK\r\n\r\n").await.unwrap();
        assert_eq!((a.status, a.api_version), (200, None));
        assert!(get(b"").await.unwrap_err().contains("closed without"));
        assert!(get(b"SSH-2.0-OpenSSH_9.2\r\n")
            .await
            .unwrap_err()
            .contains("not an HTTP answer"));
    }

    #[tokio::test]
    async fn a_loopback_server_is_asked_for_v2() {
        let (addr, server) = serve_once(
            b"HTTP/1.1 200 OK\r\nDocker-Distribution-Api-Version: registry/2.0\r\nContent-Length: 2\r\n\r\n{}",
        )
        .await;
        let answer = plain_get(&[addr], &addr.to_string(), "/v2/").await.unwrap();
        assert_eq!(answer.status, 200);
        assert_eq!(answer.api_version.as_deref(), Some("registry/2.0"));
        let request = server.await.unwrap();
        assert!(request.starts_with("GET /v2/ HTTP/1.1\r\n"), "{request}");
        // Header names are case-insensitive, and ureq writes them in lower case.
        assert!(
            request
                .to_ascii_lowercase()
                .contains(&format!("host: {addr}\r\n")),
            "{request}"
        );
    }

    #[tokio::test]
    async fn a_closed_port_is_named() {
        let addr = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let e = plain_get(&[addr], &addr.to_string(), "/v2/")
            .await
            .unwrap_err();
        assert!(e.starts_with(&format!("{addr}: ")), "{e}");
        assert!(e.to_lowercase().contains("refused"), "{e}");
    }
}
