//! Host names as Docker reads them: the port of an authority, and which hosts are this machine
//! (Docker speaks plain HTTP only to a loopback registry).

/// `host:port` split, with brackets around an IPv6 address taken off.
pub fn split_port(authority: &str) -> (&str, Option<u16>) {
    if let Some(rest) = authority.strip_prefix('[') {
        if let Some((host, after)) = rest.split_once(']') {
            return (host, after.strip_prefix(':').and_then(|p| p.parse().ok()));
        }
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => (host, port.parse().ok()),
        _ => (authority, None),
    }
}

pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_and_loopback() {
        assert_eq!(split_port("localhost:5000"), ("localhost", Some(5000)));
        assert_eq!(split_port("[::1]:5000"), ("::1", Some(5000)));
        assert_eq!(
            split_port("registry.example.com"),
            ("registry.example.com", None)
        );
        assert!(is_loopback("127.0.0.1") && is_loopback("[::1]") && is_loopback("localhost"));
        assert!(!is_loopback("registry.example.com"));
    }
}
