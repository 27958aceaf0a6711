//! One GET of a registry's `/v2/`, which every registry answers (200, or 401 asking for
//! credentials) without any image being named.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);
/// A response head larger than this is not a registry's.
const MAX_HEAD: usize = 16 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// `Docker-Distribution-API-Version`, which registries send and other web servers do not.
    pub api_version: Option<String>,
}

/// Plain HTTP to each address in turn until one answers. This is for registries on loopback,
/// which docker trusts without TLS: a status line is all doctor needs, so a request written by
/// hand over a TcpStream is simpler than a client stack, and no proxy variable in the
/// environment can send a loopback request somewhere else.
pub async fn plain_get(
    addrs: &[SocketAddr],
    authority: &str,
    path: &str,
) -> Result<Answer, String> {
    let mut errors = Vec::new();
    for addr in addrs {
        match tokio::time::timeout(ANSWER_TIMEOUT, get_from(*addr, authority, path)).await {
            Ok(Ok(answer)) => return Ok(answer),
            Ok(Err(e)) => errors.push(format!("{addr}: {e}")),
            Err(_) => errors.push(format!(
                "{addr}: no answer within {}s",
                ANSWER_TIMEOUT.as_secs()
            )),
        }
    }
    if errors.is_empty() {
        return Err("no address to connect to".into());
    }
    Err(errors.join("; "))
}

async fn get_from(addr: SocketAddr, authority: &str, path: &str) -> Result<Answer, String> {
    let mut stream = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(e.to_string()),
        Err(_) => {
            return Err(format!(
                "no connection within {}s",
                CONNECT_TIMEOUT.as_secs()
            ))
        }
    };
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: archgrid-doctor\r\n\
         Accept: */*\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD {
        let n = stream.read(&mut buf).await.map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    parse_head(&head)
}

fn parse_head(head: &[u8]) -> Result<Answer, String> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .strip_prefix("HTTP/1.")
        .and_then(|rest| rest.get(2..5))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| {
            if status_line.is_empty() {
                "the connection closed without an answer".to_string()
            } else {
                format!("not an HTTP answer: {:?}", truncate(status_line, 80))
            }
        })?;
    let api_version = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| {
            name.trim()
                .eq_ignore_ascii_case("docker-distribution-api-version")
        })
        .map(|(_, value)| value.trim().to_string());
    Ok(Answer {
        status,
        api_version,
    })
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// HTTPS through ureq, a small blocking client with rustls and bundled root certificates, on a
/// blocking thread so the other checks go on meanwhile.
pub async fn https_get(url: String) -> Result<Answer, String> {
    let task = tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(ANSWER_TIMEOUT))
            .http_status_as_error(false)
            .build()
            .into();
        let response = agent.get(&url).call().map_err(|e| e.to_string())?;
        Ok(Answer {
            status: response.status().as_u16(),
            api_version: response
                .headers()
                .get("docker-distribution-api-version")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        })
    });
    task.await
        .map_err(|e| format!("the HTTPS request did not finish: {e}"))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    #[test]
    fn heads_are_parsed() {
        let a = parse_head(
            b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n\
              docker-distribution-api-version: registry/2.0\r\nWww-Authenticate: Bearer x\r\n\r\n{}",
        )
        .unwrap();
        assert_eq!(a.status, 401);
        assert_eq!(a.api_version.as_deref(), Some("registry/2.0"));
        let a = parse_head(b"HTTP/1.0 200 OK\r\n\r\n").unwrap();
        assert_eq!((a.status, a.api_version), (200, None));
        assert!(parse_head(b"").unwrap_err().contains("closed without"));
        assert!(parse_head(b"SSH-2.0-OpenSSH_9.2\r\n")
            .unwrap_err()
            .contains("not an HTTP answer"));
    }

    #[tokio::test]
    async fn a_loopback_server_is_asked_for_v2() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 1024];
            let n = s.read(&mut buf).await.unwrap();
            s.write_all(b"HTTP/1.1 200 OK\r\nDocker-Distribution-Api-Version: registry/2.0\r\nContent-Length: 2\r\n\r\n{}")
                .await
                .unwrap();
            String::from_utf8_lossy(&buf[..n]).into_owned()
        });
        let answer = plain_get(&[addr], &addr.to_string(), "/v2/").await.unwrap();
        assert_eq!(answer.status, 200);
        assert_eq!(answer.api_version.as_deref(), Some("registry/2.0"));
        let request = server.await.unwrap();
        assert!(request.starts_with("GET /v2/ HTTP/1.1\r\n"), "{request}");
        assert!(request.contains(&format!("Host: {addr}\r\n")), "{request}");
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
