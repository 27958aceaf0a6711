//! What buildx writes to stderr with `--progress=rawjson` for one synthetic build: BuildKit
//! SolveStatus objects shaped like the captures in tests/fixtures/buildx-0.13.1/rawjson-*.txt.
//! Every line a step prints is its own object with one base64 `logs` entry, as each write of a
//! step's process is in those captures.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::Serialize;

/// How buildx separates the objects.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Framing {
    /// buildx 0.12 to 0.14 (the captures' `*-raw*` files): each object indented over many
    /// lines.
    Indented,
    /// buildx 0.15 and later (rawjson-sample*.txt): one object per line.
    Lines,
}

pub struct SolveStream {
    framing: Framing,
    digests: Vec<String>,
    names: Vec<String>,
    started: Vec<Option<String>>,
    /// Per step, an output object up to its base64 data, which is all that changes between
    /// lines but the timestamp.
    output_heads: Vec<Vec<u8>>,
}

impl SolveStream {
    /// `names` are the build's steps in order; each runs on the one before it.
    pub fn new(cell: usize, names: Vec<String>, framing: Framing) -> Self {
        let digests: Vec<String> = (0..names.len())
            .map(|step| format!("sha256:{:032x}{:032x}", cell + 1, step + 1))
            .collect();
        let output_heads = digests
            .iter()
            .map(|digest| match framing {
                Framing::Indented => format!(
                    "{{\n  \"logs\": [\n    {{\n      \"vertex\": \"{digest}\",\n      \"stream\": 1,\n      \"data\": \""
                ),
                Framing::Lines => format!("{{\"logs\":[{{\"vertex\":\"{digest}\",\"stream\":1,\"data\":\""),
            })
            .map(String::into_bytes)
            .collect();
        SolveStream {
            framing,
            started: vec![None; names.len()],
            digests,
            names,
            output_heads,
        }
    }

    /// BuildKit lists the steps it will run before any starts.
    pub fn steps_listed(&self, out: &mut Vec<u8>) {
        let vertexes = (0..self.names.len())
            .map(|i| self.vertex(i, None))
            .collect();
        self.object(out, vertexes);
    }

    /// `step` completes, if it had started, at `at`.
    pub fn step_completed(&self, step: usize, at: &str, out: &mut Vec<u8>) {
        if self.started[step].is_some() {
            self.object(out, vec![self.vertex(step, Some(at))]);
        }
    }

    pub fn step_started(&mut self, step: usize, at: &str, out: &mut Vec<u8>) {
        self.started[step] = Some(at.to_string());
        self.object(out, vec![self.vertex(step, None)]);
    }

    /// One write of `step`'s process to stdout: `bytes` with its line break. By hand rather
    /// than through serde_json, since this is the flood itself; none of these strings needs
    /// escaping.
    pub fn output(&self, step: usize, bytes: &[u8], at: &str, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.output_heads[step]);
        let from = out.len();
        out.resize(
            from + base64::encoded_len(bytes.len(), true).expect("small"),
            0,
        );
        let written = STANDARD
            .encode_slice(bytes, &mut out[from..])
            .expect("sized for it");
        out.truncate(from + written);
        let tail: [&[u8]; 3] = match self.framing {
            Framing::Indented => [
                b"\",\n      \"timestamp\": \"",
                at.as_bytes(),
                b"\"\n    }\n  ]\n}\n",
            ],
            Framing::Lines => [b"\",\"timestamp\":\"", at.as_bytes(), b"\"}]}\n"],
        };
        for part in tail {
            out.extend_from_slice(part);
        }
    }

    fn vertex<'a>(&'a self, step: usize, completed: Option<&'a str>) -> Vertex<'a> {
        Vertex {
            digest: &self.digests[step],
            inputs: step
                .checked_sub(1)
                .map(|before| [self.digests[before].as_str()]),
            name: &self.names[step],
            started: self.started[step].as_deref(),
            completed,
        }
    }

    fn object(&self, out: &mut Vec<u8>, vertexes: Vec<Vertex<'_>>) {
        let object = Vertexes { vertexes };
        match self.framing {
            Framing::Indented => serde_json::to_writer_pretty(&mut *out, &object),
            Framing::Lines => serde_json::to_writer(&mut *out, &object),
        }
        .expect("JSON to memory");
        out.push(b'\n');
    }
}

/// In the order and with the omissions of BuildKit's Go structs.
#[derive(Serialize)]
struct Vertex<'a> {
    digest: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    inputs: Option<[&'a str; 1]>,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    started: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    completed: Option<&'a str>,
}

#[derive(Serialize)]
struct Vertexes<'a> {
    vertexes: Vec<Vertex<'a>>,
}
