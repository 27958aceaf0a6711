//! Streaming decoder for `docker buildx build --progress=rawjson`.
//!
//! buildx writes one BuildKit `SolveStatus` JSON object after another. Versions 0.12–0.14
//! indent each object over many lines, 0.15 and later put one object on a line; both are
//! just a sequence of JSON values separated by whitespace, so the decoder never looks at
//! line breaks. When a build fails, buildx prints plain text after the last object (the
//! Dockerfile excerpt and the `ERROR:` line): that is returned as the trailer.

use serde::de::IgnoredAny;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct SolveStatus {
    #[serde(default)]
    pub vertexes: Vec<Vertex>,
    #[serde(default)]
    pub statuses: Vec<VertexStatus>,
    #[serde(default)]
    pub logs: Vec<VertexLog>,
    #[serde(default)]
    pub warnings: Vec<VertexWarning>,
}

/// One build step. BuildKit sends the same digest many times as the step progresses.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Vertex {
    pub digest: String,
    #[serde(default)]
    pub inputs: Vec<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub cached: bool,
    pub started: Option<String>,
    pub completed: Option<String>,
    pub error: Option<String>,
}

/// Progress of a sub-task of a vertex (a transfer, a layer push).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct VertexStatus {
    pub id: String,
    pub vertex: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub current: i64,
    pub total: Option<i64>,
    pub started: Option<String>,
    pub completed: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct VertexLog {
    pub vertex: String,
    /// 1 is stdout, 2 is stderr of the step's process.
    pub stream: i32,
    /// Base64 of raw bytes; a chunk may end inside a line or a UTF-8 character.
    pub data: String,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct VertexWarning {
    pub vertex: String,
    #[serde(default)]
    pub level: i32,
    /// Base64.
    pub short: String,
    /// Base64, one entry per paragraph.
    #[serde(default)]
    pub detail: Vec<String>,
}

/// One object of the stream, as [`RawJsonDecoder::push_each`] hands it on.
#[derive(Debug, PartialEq)]
pub enum Object<'a> {
    /// An object of output only (`logs`) in the plain form a flood of output comes in, read
    /// where it lies in the stream rather than copied out into a [`SolveStatus`].
    Output(&'a [Output<'a>]),
    Status(SolveStatus),
}

/// One `logs` entry, borrowed from the stream; [`VertexLog`] owns the same fields.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Output<'a> {
    pub vertex: &'a str,
    pub stream: i32,
    pub data: &'a str,
}

impl Object<'_> {
    pub fn into_status(self) -> SolveStatus {
        match self {
            Object::Output(entries) => SolveStatus {
                logs: entries
                    .iter()
                    .map(|e| VertexLog {
                        vertex: e.vertex.to_string(),
                        stream: e.stream,
                        data: e.data.to_string(),
                    })
                    .collect(),
                ..SolveStatus::default()
            },
            Object::Status(status) => status,
        }
    }
}

/// Past this, an object that still has not closed is taken for garbage rather than progress:
/// real SolveStatus objects are a few KiB, even with a warning's embedded Dockerfile.
const MAX_PENDING_OBJECT: usize = 16 * 1024 * 1024;

/// Only the end of a runaway trailer is kept, because the `ERROR:` line buildx ends with is
/// what classification and the grid cell need.
const MAX_TRAILER: usize = 1024 * 1024;

#[derive(Debug, Default)]
pub struct RawJsonDecoder {
    /// Bytes not yet decoded: at most one incomplete object, preceded by whitespace.
    buf: Vec<u8>,
    /// Set once plain text has started; everything after that is trailer.
    trailer: Option<Vec<u8>>,
    /// The tail of `buf` was a valid but incomplete object when last parsed. Only a `}` can
    /// complete it, so pushes without one need not parse it again; with 1-byte chunks that
    /// avoids reparsing every object once per byte.
    waiting_for_close: bool,
    skipped: usize,
}

#[derive(Debug, PartialEq)]
enum Step {
    /// An object of output whose entries [`next_value`] put in the vector it was given.
    Output(usize),
    Value(SolveStatus, usize),
    /// Well-formed JSON that is not a SolveStatus (a field changed type in some future
    /// buildx): dropping that one object beats losing every later one to the trailer.
    Skip(usize),
    Incomplete,
    Text,
}

impl RawJsonDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every object completed by these bytes, in order. An incomplete object is kept for
    /// the next push.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<SolveStatus> {
        let mut out = Vec::new();
        self.push_each(bytes, |object| out.push(object.into_status()));
        out
    }

    /// [`RawJsonDecoder::push`], handing each object to `f` as soon as it is decoded, output
    /// without copying it out of the stream. Under a flood of output, where one read holds
    /// dozens of objects each with one line, the copies and the collecting were what a
    /// profile showed most of after the parsing itself (glibc sorting and consolidating its
    /// free lists, from objects allocated all at once and freed all at once).
    pub fn push_each(&mut self, bytes: &[u8], f: impl FnMut(Object<'_>)) {
        if let Some(trailer) = &mut self.trailer {
            append_trailer(trailer, bytes);
            return;
        }
        self.buf.extend_from_slice(bytes);
        if self.waiting_for_close && !bytes.contains(&b'}') && self.buf.len() <= MAX_PENDING_OBJECT
        {
            return;
        }
        self.decode(f);
    }

    /// Objects still buffered and the plain text that followed the JSON, lossily decoded
    /// and trimmed. An object cut off by the end of the stream (a killed buildx) is
    /// dropped: it is not text a person should read as the error.
    pub fn finish(mut self) -> (Vec<SolveStatus>, String) {
        let mut objects = Vec::new();
        if self.trailer.is_none() {
            self.decode(|object| objects.push(object.into_status()));
        }
        let mut trailer = self.trailer.unwrap_or_default();
        keep_tail(&mut trailer);
        let text = String::from_utf8_lossy(&trailer);
        (objects, text.trim().to_string())
    }

    /// How many well-formed objects were dropped because they did not fit SolveStatus.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    fn decode(&mut self, mut f: impl FnMut(Object<'_>)) {
        let mut pos = 0;
        self.waiting_for_close = false;
        let buf = &self.buf;
        let mut entries = Vec::new();
        loop {
            pos += buf[pos..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
            if pos == buf.len() {
                break;
            }
            match next_value(&buf[pos..], &mut entries) {
                Step::Output(used) => {
                    f(Object::Output(&entries));
                    pos += used;
                }
                Step::Value(status, used) => {
                    f(Object::Status(status));
                    pos += used;
                }
                Step::Skip(used) => {
                    self.skipped += 1;
                    pos += used;
                }
                Step::Incomplete if buf.len() - pos <= MAX_PENDING_OBJECT => {
                    self.waiting_for_close = true;
                    break;
                }
                Step::Incomplete | Step::Text => {
                    let mut trailer = Vec::new();
                    append_trailer(&mut trailer, &buf[pos..]);
                    self.trailer = Some(trailer);
                    pos = buf.len();
                    break;
                }
            }
        }
        drop(entries);
        self.buf.drain(..pos);
        if self.trailer.is_some() {
            self.buf = Vec::new();
        }
    }
}

/// Decodes the value at the start of `bytes`, which starts with a non-whitespace byte.
fn next_value<'a>(bytes: &'a [u8], entries: &mut Vec<Output<'a>>) -> Step {
    // BuildKit only ever sends objects. Anything else is the start of the plain-text trailer,
    // even where it could begin some other JSON value: `1 warning found`, `[+] Building`.
    if bytes[0] != b'{' {
        return Step::Text;
    }
    if let Some(used) = output_only(bytes, entries) {
        return Step::Output(used);
    }
    serde_value(bytes)
}

/// What serde_json makes of the object at the start of `bytes`.
fn serde_value(bytes: &[u8]) -> Step {
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<SolveStatus>();
    match stream.next() {
        Some(Ok(status)) => return Step::Value(status, stream.byte_offset()),
        Some(Err(e)) if e.is_eof() => return Step::Incomplete,
        Some(Err(_)) => {}
        None => return Step::Incomplete,
    }
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<IgnoredAny>();
    match stream.next() {
        Some(Ok(_)) => Step::Skip(stream.byte_offset()),
        Some(Err(e)) if e.is_eof() => Step::Incomplete,
        Some(Err(_)) => Step::Text,
        None => Step::Incomplete,
    }
}

/// The object a flood of output is made of, one `logs` entry after another, read without
/// serde_json: this was most of the time a build spends on its progress stream. Only a plain
/// form is taken (known keys, each once; strings of printable ASCII without escapes; a small
/// non-negative stream number); for anything else this returns `None` and serde_json decodes
/// it, so the result is always what serde_json would give. The entries go to `entries`, and
/// the length of the object is returned.
fn output_only<'a>(bytes: &'a [u8], entries: &mut Vec<Output<'a>>) -> Option<usize> {
    entries.clear();
    let mut p = Plain { bytes, at: 0 };
    p.byte(b'{')?;
    if p.string()? != b"logs" {
        return None;
    }
    p.byte(b':')?;
    p.byte(b'[')?;
    if p.peek()? == b']' {
        p.at += 1;
    } else {
        loop {
            entries.push(p.log()?);
            match p.next()? {
                b',' => continue,
                b']' => break,
                _ => return None,
            }
        }
    }
    p.byte(b'}')?;
    Some(p.at)
}

/// A cursor for [`output_only`]. Each method skips JSON whitespace before what it reads.
struct Plain<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Plain<'a> {
    fn peek(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    fn byte(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    /// The bytes of a string that needs no unescaping: printable ASCII.
    fn string(&mut self) -> Option<&'a [u8]> {
        self.byte(b'"')?;
        let rest = &self.bytes[self.at..];
        // Sixteen bytes at a time without a branch, which the compiler turns into vector
        // instructions: these strings are mostly digests and base64, 70 bytes and more.
        let mut len = 0;
        for chunk in rest.chunks_exact(16) {
            if !chunk.iter().fold(true, |all, &b| all & is_plain(b)) {
                break;
            }
            len += 16;
        }
        len += rest[len..].iter().position(|&b| !is_plain(b))?;
        if rest[len] != b'"' {
            return None;
        }
        self.at += len + 1;
        Some(&rest[..len])
    }

    /// [`Plain::string`] as a `str`; only values kept are turned into one.
    fn str(&mut self) -> Option<&'a str> {
        // Printable ASCII, so this cannot fail.
        std::str::from_utf8(self.string()?).ok()
    }

    /// Nine digits at most, without a leading zero, sign, fraction or exponent: always an
    /// i32, read as serde_json reads it.
    fn stream(&mut self) -> Option<i32> {
        self.peek()?;
        let rest = &self.bytes[self.at..];
        let len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if len == 0 || len > 9 || (len > 1 && rest[0] == b'0') {
            return None;
        }
        if let Some(b'.' | b'e' | b'E') = rest.get(len) {
            return None;
        }
        self.at += len;
        let digits = rest[..len].iter().map(|b| i32::from(b - b'0'));
        Some(digits.fold(0, |n, d| n * 10 + d))
    }

    fn log(&mut self) -> Option<Output<'a>> {
        self.byte(b'{')?;
        let (mut vertex, mut stream, mut data, mut timestamp) = (None, None, None, None);
        loop {
            let key = self.string()?;
            self.byte(b':')?;
            match key {
                b"vertex" if vertex.is_none() => vertex = Some(self.str()?),
                b"stream" if stream.is_none() => stream = Some(self.stream()?),
                b"data" if data.is_none() => data = Some(self.str()?),
                b"timestamp" if timestamp.is_none() => timestamp = Some(self.string()?),
                _ => return None,
            }
            match self.next()? {
                b',' => continue,
                b'}' => break,
                _ => return None,
            }
        }
        Some(Output {
            vertex: vertex?,
            stream: stream?,
            data: data?,
        })
    }
}

/// Printable ASCII but the quote and the backslash: a string of these is its own value.
/// `&` rather than `&&`, so that a run of them is checked without branches.
fn is_plain(b: u8) -> bool {
    (b' '..=b'~').contains(&b) & (b != b'"') & (b != b'\\')
}

fn append_trailer(trailer: &mut Vec<u8>, bytes: &[u8]) {
    trailer.extend_from_slice(bytes);
    // Trimming only at twice the limit keeps the cost of a flood of small chunks linear.
    if trailer.len() > 2 * MAX_TRAILER {
        keep_tail(trailer);
    }
}

fn keep_tail(trailer: &mut Vec<u8>) {
    if trailer.len() > MAX_TRAILER {
        let excess = trailer.len() - MAX_TRAILER;
        trailer.drain(..excess);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(name: &str) -> Vec<u8> {
        crate::samples::bytes(name)
    }

    fn decode_chunked(bytes: &[u8], chunk: usize) -> (Vec<SolveStatus>, String) {
        let mut decoder = RawJsonDecoder::new();
        let mut objects = Vec::new();
        for piece in bytes.chunks(chunk) {
            objects.extend(decoder.push(piece));
        }
        let (rest, trailer) = decoder.finish();
        objects.extend(rest);
        (objects, trailer)
    }

    /// Decodes whole and in chunks of 1, 7 and 4096 bytes and checks all agree.
    fn decode_all_ways(name: &str) -> (Vec<SolveStatus>, String) {
        let bytes = reference(name);
        let whole = decode_chunked(&bytes, bytes.len().max(1));
        for chunk in [1, 7, 4096] {
            let got = decode_chunked(&bytes, chunk);
            assert_eq!(got, whole, "{name} in chunks of {chunk}");
        }
        whole
    }

    fn count<T>(objects: &[SolveStatus], f: impl Fn(&SolveStatus) -> &Vec<T>) -> usize {
        objects.iter().map(|o| f(o).len()).sum()
    }

    #[test]
    fn indented_success_streams() {
        for (name, objects, vertexes, statuses, logs, warnings) in [
            ("rawjson-raw-full.txt", 55, 27, 35, 3, 1),
            ("rawjson-cacheonly-raw.txt", 27, 22, 9, 3, 1),
            ("rawjson-pull-raw.txt", 25, 19, 8, 1, 0),
        ] {
            let (got, trailer) = decode_all_ways(name);
            assert_eq!(got.len(), objects, "{name}");
            assert_eq!(count(&got, |o| &o.vertexes), vertexes, "{name}");
            assert_eq!(count(&got, |o| &o.statuses), statuses, "{name}");
            assert_eq!(count(&got, |o| &o.logs), logs, "{name}");
            assert_eq!(count(&got, |o| &o.warnings), warnings, "{name}");
            assert_eq!(trailer, "", "{name}");
        }
    }

    #[test]
    fn fields_are_decoded() {
        let (got, _) = decode_all_ways("rawjson-raw-full.txt");
        let first = &got[0].vertexes[0];
        assert_eq!(
            first.digest,
            "sha256:a163f6c421fd3d71858753a3dcea2d171f6475f6fce7bf6a14241b0dd692496d"
        );
        assert_eq!(
            first.name,
            "[internal] load build definition from Dockerfile.sample"
        );
        assert!(first.started.is_none() && first.completed.is_none());
        let cached = got
            .iter()
            .flat_map(|o| &o.vertexes)
            .find(|v| v.cached)
            .expect("a cached vertex");
        assert!(cached.completed.is_some());
        assert_eq!(cached.inputs.len(), 1);
        let warning = got.iter().flat_map(|o| &o.warnings).next().unwrap();
        assert_eq!(warning.level, 1);
        assert_eq!(warning.detail.len(), 1);
        let log = got.iter().flat_map(|o| &o.logs).next().unwrap();
        assert_eq!((log.stream, log.data.as_str()), (1, "Y2FjaGVidXN0PTg5MQo="));
        let status = got.iter().flat_map(|o| &o.statuses).next().unwrap();
        assert_eq!(status.id, "transferring dockerfile:");
        assert_eq!(status.name, "transferring");
    }

    #[test]
    fn failure_stream_has_trailer() {
        for name in ["rawjson-fail-raw.txt", "rawjson-sample-fail.txt"] {
            let (got, trailer) = decode_all_ways(name);
            assert_eq!(got.len(), 27, "{name}");
            assert!(
                trailer.starts_with("Dockerfile.samplefail:9\n----"),
                "{name}: {trailer}"
            );
            assert!(
                trailer.contains("9 | >>> RUN echo \"about to fail\""),
                "{name}"
            );
            assert!(
                trailer.contains("ERROR: failed to solve: process"),
                "{name}"
            );
            assert!(trailer.ends_with("did not complete successfully: exit code: 3"));
            let errors: Vec<_> = got
                .iter()
                .flat_map(|o| &o.vertexes)
                .filter_map(|v| v.error.as_deref())
                .collect();
            assert_eq!(errors.len(), 1, "{name}");
            assert!(errors[0].ends_with("exit code: 3"));
        }
    }

    #[test]
    fn canceled_stream() {
        let (got, trailer) = decode_all_ways("rawjson-canceled-raw.txt");
        assert_eq!(got.len(), 23);
        assert_eq!(
            trailer,
            "ERROR: failed to solve: Canceled: context canceled"
        );
    }

    #[test]
    fn line_framing_decodes_like_indented() {
        // The line-framed samples are the same builds as two indented ones.
        let (lines, _) = decode_all_ways("rawjson-sample.txt");
        let (indented, _) = decode_all_ways("rawjson-cacheonly-raw.txt");
        assert_eq!(lines, indented);
        let (lines, lt) = decode_all_ways("rawjson-sample-fail.txt");
        let (indented, it) = decode_all_ways("rawjson-fail-raw.txt");
        assert_eq!(lines, indented);
        assert_eq!(lt, it);
    }

    #[test]
    fn utf8_split_across_chunks() {
        let text = "{\"vertexes\":[{\"digest\":\"d\",\"name\":\"RUN echo h\u{e9}llo \u{1f600}\"}]}\nfin \u{e9}\u{1f600}";
        let (whole, trailer) = decode_chunked(text.as_bytes(), text.len());
        assert_eq!(whole[0].vertexes[0].name, "RUN echo h\u{e9}llo \u{1f600}");
        assert_eq!(trailer, "fin \u{e9}\u{1f600}");
        for chunk in 1..8 {
            assert_eq!(
                decode_chunked(text.as_bytes(), chunk),
                (whole.clone(), trailer.clone())
            );
        }
    }

    #[test]
    fn unknown_fields_and_wrong_types() {
        let text = concat!(
            r#"{"vertexes":[{"digest":"a","future":{"x":[1]}}],"newkind":[]}"#,
            r#"{"logs":[{"vertex":"a","stream":"one","data":""}]}"#,
            r#"{"logs":[{"vertex":"a","stream":1,"data":"eA=="}]}"#,
        );
        let mut decoder = RawJsonDecoder::new();
        let got = decoder.push(text.as_bytes());
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].vertexes[0].digest, "a");
        assert_eq!(got[1].logs[0].data, "eA==");
        assert_eq!(decoder.skipped(), 1);
        let (rest, trailer) = decoder.finish();
        assert!(rest.is_empty());
        assert_eq!(trailer, "");
    }

    #[test]
    fn trailer_that_looks_like_json() {
        for text in [
            "1 warning found",
            "[+] Building 0.1s",
            "true story",
            "-----\nERROR: x",
        ] {
            let input = format!("{{}}\n{text}\n{{\"vertexes\":[]}}\n");
            let (got, trailer) = decode_chunked(input.as_bytes(), 3);
            assert_eq!(got, vec![SolveStatus::default()], "{text}");
            assert_eq!(trailer, format!("{text}\n{{\"vertexes\":[]}}"));
        }
    }

    #[test]
    fn bad_syntax_inside_an_object_is_trailer() {
        let (got, trailer) = decode_chunked(b"{}{oops}\nmore", 2);
        assert_eq!(got.len(), 1);
        assert_eq!(trailer, "{oops}\nmore");
    }

    #[test]
    fn incomplete_last_object_is_dropped() {
        let mut decoder = RawJsonDecoder::new();
        assert_eq!(decoder.push(b"{} {\"vertexes\": [{\"dig").len(), 1);
        assert_eq!(decoder.finish(), (Vec::new(), String::new()));
    }

    #[test]
    fn buffer_is_drained() {
        let mut decoder = RawJsonDecoder::new();
        let object = b"{\"statuses\":[{\"id\":\"x\",\"vertex\":\"v\",\"current\":1}]}\n";
        for _ in 0..1000 {
            assert_eq!(decoder.push(object).len(), 1);
        }
        assert!(decoder.buf.capacity() < 4 * object.len());
        decoder.push(b"ERROR: ");
        for _ in 0..100_000 {
            decoder.push(b"0123456789abcdef");
        }
        assert!(decoder.trailer.as_ref().unwrap().len() <= 2 * MAX_TRAILER);
        let (_, trailer) = decoder.finish();
        assert_eq!(trailer.len(), MAX_TRAILER);
        assert!(trailer.ends_with("abcdef"));
    }

    /// Every object of every captured stream, the flood's shape in both framings and forms
    /// the plain reader must leave to serde_json.
    fn log_objects() -> Vec<Vec<u8>> {
        let mut objects = Vec::new();
        for name in crate::samples::RAWJSON_STREAMS {
            let bytes = reference(name);
            let mut at = 0;
            while let Some(start) = bytes[at..].iter().position(|&b| b == b'{') {
                let start = at + start;
                let Step::Value(_, used) = serde_value(&bytes[start..]) else {
                    break;
                };
                objects.push(bytes[start..start + used].to_vec());
                at = start + used;
            }
        }
        let log = |entry: &str| format!(r#"{{"logs":[{entry}]}}"#).into_bytes();
        objects.extend(
            [
                r#"{"vertex":"sha256:ab","stream":1,"data":"aGkK","timestamp":"2026-11-22T09:54:07.1Z"}"#,
                r#"{"data":"aGkK","stream":2,"vertex":"v"}"#,
                r#"{"vertex":"v","stream":0,"data":""}"#,
                r#"{"vertex":"v","stream":123456789,"data":"aGkK"}"#,
                // Left to serde_json: numbers that are not plain, escapes, non-ASCII, control
                // characters, duplicate and unknown keys, missing fields, other types.
                r#"{"vertex":"v","stream":1234567890,"data":"aGkK"}"#,
                r#"{"vertex":"v","stream":2147483648,"data":"aGkK"}"#,
                r#"{"vertex":"v","stream":-1,"data":"aGkK"}"#,
                r#"{"vertex":"v","stream":01,"data":"aGkK"}"#,
                r#"{"vertex":"v","stream":1.0,"data":"aGkK"}"#,
                r#"{"vertex":"v","stream":1e0,"data":"aGkK"}"#,
                r#"{"vertex":"v","stream":"1","data":"aGkK"}"#,
                r#"{"vertex":"v","stream":1x,"data":"aGkK"}"#,
                r#"{"vertex":"v\"w","stream":1,"data":"aGkK"}"#,
                r#"{"vertex":"v\u0041","stream":1,"data":"aGkK"}"#,
                "{\"vertex\":\"v\u{e9}\",\"stream\":1,\"data\":\"aGkK\"}",
                "{\"vertex\":\"v\x01\",\"stream\":1,\"data\":\"aGkK\"}",
                "{\"vertex\":\"v\x7f\",\"stream\":1,\"data\":\"aGkK\"}",
                r#"{"vertex":"v","stream":1,"data":"aGkK","vertex":"w"}"#,
                r#"{"vertex":"v","stream":1,"data":"aGkK","timestamp":"a","timestamp":"b"}"#,
                r#"{"vertex":"v","stream":1,"data":"aGkK","timestamp":null}"#,
                r#"{"vertex":"v","stream":1,"data":"aGkK","other":1}"#,
                r#"{"vertex":"v","stream":1}"#,
                r#"{"vertex":null,"stream":1,"data":"aGkK"}"#,
                r#"{}"#,
                r#"[]"#,
            ]
            .into_iter()
            .map(log),
        );
        objects.extend(
            [
                r#"{"logs":[]}"#,
                r#"{ "logs" : [ ] }"#,
                "{\n\t\"logs\"\r\n:\n[\n{\"vertex\":\"v\",\"stream\":1,\"data\":\"aGkK\"}\n,\n{\"vertex\":\"w\",\"stream\":2,\"data\":\"\"}\n]\n}",
                r#"{"logs":null}"#,
                r#"{"logs":[],"logs":[]}"#,
                r#"{"logs":[],"vertexes":[]}"#,
                r#"{"vertexes":[],"logs":[]}"#,
                r#"{"l\u006fgs":[]}"#,
                r#"{"logs":[{"vertex":"v","stream":1,"data":"aGkK"},]}"#,
                r#"{"logs":[{"vertex":"v","stream":1,"data":"aGkK"}}"#,
                r#"{"logs":[{"vertex":"v","stream":1,"data":"aGkK"}]]"#,
            ]
            .map(|o| o.as_bytes().to_vec()),
        );
        objects
    }

    /// [`next_value`] with the output it reads in place made a [`SolveStatus`].
    fn owned_value(bytes: &[u8]) -> Step {
        let mut entries = Vec::new();
        match next_value(bytes, &mut entries) {
            Step::Output(used) => Step::Value(Object::Output(&entries).into_status(), used),
            step => step,
        }
    }

    #[test]
    fn the_plain_reader_agrees_with_serde_json() {
        let mut plain = 0;
        for object in log_objects() {
            let mut entries = Vec::new();
            // Whole, followed by more, and cut off at every byte.
            let mut followed = object.clone();
            followed.extend_from_slice(b"\n{}");
            for bytes in [&object[..], &followed[..]] {
                assert_eq!(
                    owned_value(bytes),
                    serde_value(bytes),
                    "{}",
                    String::from_utf8_lossy(bytes)
                );
            }
            for cut in 1..object.len() {
                let bytes = &object[..cut];
                assert_eq!(output_only(bytes, &mut entries), None);
                assert_eq!(owned_value(bytes), serde_value(bytes));
            }
            plain += usize::from(output_only(&object, &mut entries).is_some());
        }
        // The captures' 17 output objects, four plain entries and three plain lists.
        assert_eq!(plain, 17 + 4 + 3);
    }

    #[test]
    fn runaway_object_becomes_trailer() {
        let mut decoder = RawJsonDecoder::new();
        decoder.push(br#"{"vertexes":[{"digest":""#);
        let chunk = vec![b'a'; 64 * 1024];
        for _ in 0..=(MAX_PENDING_OBJECT / chunk.len()) {
            assert!(decoder.push(&chunk).is_empty());
        }
        assert!(decoder.trailer.is_some());
        assert!(decoder.buf.is_empty());
    }
}
