//! buildx's `--progress=rawjson` stderr, from the bytes read off the pipe to the masked events
//! the runner passes on. The runner and the benchmarks that measure decoding
//! (examples/decoder_throughput.rs, examples/console_flood/) share this one path, so what
//! they measure is what a build runs.

use std::sync::Arc;

use super::masking::mask_event;
use super::progress::{BuildEvent, ProgressTracker};
use super::rawjson::{Object, RawJsonDecoder, SolveStatus};
use crate::model::redact::Redactor;

#[derive(Debug)]
pub struct StderrEvents {
    decoder: RawJsonDecoder,
    tracker: ProgressTracker,
    redactor: Arc<Redactor>,
}

impl StderrEvents {
    pub fn new(redactor: Arc<Redactor>) -> Self {
        StderrEvents {
            decoder: RawJsonDecoder::new(),
            tracker: ProgressTracker::cutting_around(redactor.clone()),
            redactor,
        }
    }

    /// Appends to `out` the events of every object these bytes complete, each masked.
    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<BuildEvent>) {
        let StderrEvents {
            decoder,
            tracker,
            redactor,
        } = self;
        decoder.push_each(bytes, |object| {
            let from = out.len();
            match object {
                Object::Output(entries) => {
                    for e in entries {
                        tracker.output(e.vertex, e.stream, e.data, out);
                    }
                }
                Object::Status(status) => tracker.apply_into(&status, out),
            }
            mask(redactor, &mut out[from..]);
        });
    }

    /// Once the pipe is closed: appends the events of what was still buffered (objects, and
    /// output lines that never ended), and returns the plain text buildx printed after the
    /// JSON, masked whole so that a value split between two reads of the pipe is masked too.
    pub fn finish(&mut self, out: &mut Vec<BuildEvent>) -> String {
        let (rest, trailer) = std::mem::take(&mut self.decoder).finish();
        for status in rest {
            apply(&mut self.tracker, &self.redactor, &status, out);
        }
        let from = out.len();
        out.extend(self.tracker.finish());
        mask(&self.redactor, &mut out[from..]);
        self.redactor.redact(&trailer).into_owned()
    }

    pub fn tracker(&self) -> &ProgressTracker {
        &self.tracker
    }
}

fn apply(
    tracker: &mut ProgressTracker,
    redactor: &Redactor,
    status: &SolveStatus,
    out: &mut Vec<BuildEvent>,
) {
    let from = out.len();
    tracker.apply_into(status, out);
    mask(redactor, &mut out[from..]);
}

fn mask(redactor: &Redactor, events: &mut [BuildEvent]) {
    for ev in events {
        mask_event(ev, redactor);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The events and trailer of a whole stream read in chunks of `chunk` bytes.
    fn read(bytes: &[u8], chunk: usize, secrets: &[&str]) -> (Vec<BuildEvent>, String) {
        let redactor = Arc::new(Redactor::new(secrets.iter().map(|s| s.to_string())));
        let mut stream = StderrEvents::new(redactor);
        let mut events = Vec::new();
        for piece in bytes.chunks(chunk) {
            stream.push(piece, &mut events);
        }
        let trailer = stream.finish(&mut events);
        (events, trailer)
    }

    #[test]
    fn events_and_trailer_do_not_depend_on_read_sizes() {
        for name in ["rawjson-raw-full.txt", "rawjson-fail-raw.txt"] {
            let bytes = crate::samples::bytes(name);
            let whole = read(&bytes, bytes.len(), &[]);
            for chunk in [1, 100, 4096, 64 * 1024] {
                assert_eq!(read(&bytes, chunk, &[]), whole, "{name} in {chunk}");
            }
        }
    }

    /// What the decoder, tracker and masking give one object at a time, owned.
    fn read_owned(bytes: &[u8], chunk: usize) -> (Vec<BuildEvent>, String) {
        let mut decoder = RawJsonDecoder::new();
        let mut tracker = ProgressTracker::new();
        let mut events = Vec::new();
        for piece in bytes.chunks(chunk) {
            for status in decoder.push(piece) {
                events.extend(tracker.apply(&status));
            }
        }
        let (rest, trailer) = decoder.finish();
        for status in rest {
            events.extend(tracker.apply(&status));
        }
        events.extend(tracker.finish());
        (events, trailer)
    }

    #[test]
    fn output_read_in_place_gives_the_events_of_decoded_objects() {
        // Entries of several lines, lines split across entries and objects, two vertexes and
        // both streams, and an object of output that is not in the plain form.
        let entry = |vertex: &str, stream: i32, data: &str| {
            use base64::Engine as _;
            let data = base64::engine::general_purpose::STANDARD.encode(data);
            format!(r#"{{"vertex":"{vertex}","stream":{stream},"data":"{data}","timestamp":"t"}}"#)
        };
        let mut flood = String::from(
            r#"{"vertexes":[{"digest":"a","name":"RUN a","started":"2026-11-22T09:54:07Z"}]}"#,
        );
        for n in 0..50 {
            flood.push_str(&format!(
                "{{\"logs\":[{},{}]}}\n",
                entry("a", 1, &format!("line {n}\nhalf ")),
                entry("b", 2 - n % 2, "err\r\nmore")
            ));
            flood.push_str(&format!("{{\"logs\":[{}]}}\n", entry("a", 1, "done\n")));
        }
        flood.push_str(r#"{"logs":[{"vertex":"a","stream":1,"data":"w6k=","extra":[]}]}"#);
        flood.push_str("\nERROR: the end\n");
        let mut streams = vec![flood.into_bytes()];
        streams.extend(
            [
                "rawjson-raw-full.txt",
                "rawjson-cacheonly-raw.txt",
                "rawjson-pull-raw.txt",
                "rawjson-fail-raw.txt",
                "rawjson-canceled-raw.txt",
                "rawjson-sample.txt",
                "rawjson-sample-fail.txt",
            ]
            .map(crate::samples::bytes),
        );
        for bytes in streams {
            for chunk in [1, 333, 64 * 1024] {
                assert_eq!(read(&bytes, chunk, &[]), read_owned(&bytes, chunk));
            }
        }
    }

    #[test]
    fn log_lines_steps_and_trailer_are_masked() {
        let bytes = crate::samples::bytes("rawjson-fail-raw.txt");
        let (events, trailer) = read(&bytes, 4096, &["about to fail", "aarch64"]);
        let shown = format!("{events:?}");
        assert!(!shown.contains("about to fail") && !shown.contains("aarch64"));
        assert!(events.contains(&BuildEvent::Log {
            step: "[stage-1 1/2] RUN echo \"step one 27844 on $(uname -m)\"".into(),
            stream: 1,
            line: "step one 27844 on ***".into(),
        }));
        assert!(trailer.contains("9 | >>> RUN echo \"***\""), "{trailer}");
        assert!(!trailer.contains("about to fail"));
    }
}
