//! The real buildx 0.13.1 outputs in tests/fixtures/buildx-0.13.1/, for unit tests.

use std::path::PathBuf;

/// Every captured rawjson stream: both framings, a push, a pull, a cache-only build, a failure
/// with its trailer, a cancel.
pub const RAWJSON_STREAMS: [&str; 7] = [
    "rawjson-raw-full.txt",
    "rawjson-cacheonly-raw.txt",
    "rawjson-pull-raw.txt",
    "rawjson-fail-raw.txt",
    "rawjson-canceled-raw.txt",
    "rawjson-sample.txt",
    "rawjson-sample-fail.txt",
];

pub fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/buildx-0.13.1")
        .join(name)
}

pub fn bytes(name: &str) -> Vec<u8> {
    let path = path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn text(name: &str) -> String {
    String::from_utf8(bytes(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}
