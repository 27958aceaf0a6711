//! buildx's `--progress=rawjson` stderr, from the bytes read off the pipe to the masked events
//! the runner passes on. The runner and the benchmarks that measure decoding
//! (examples/decoder_throughput.rs, examples/console_flood/) share this one path, so what
//! they measure is what a build runs.

use std::sync::Arc;

use super::masking::mask_event;
use super::progress::{BuildEvent, ProgressTracker};
use super::rawjson::{Object, RawJsonDecoder};
use crate::model::redact::Redactor;

#[derive(Debug)]
pub struct StderrEvents {
    decoder: RawJsonDecoder,
    tracker: ProgressTracker,
    redactor: Arc<Redactor>,
    /// The events of one read before they are masked: the tracker adds a line to the event
    /// before it, which must not have been masked or passed on yet.
    unmasked: Vec<BuildEvent>,
}

impl StderrEvents {
    pub fn new(redactor: Arc<Redactor>) -> Self {
        StderrEvents {
            decoder: RawJsonDecoder::new(),
            tracker: ProgressTracker::cutting_around(redactor.clone()),
            redactor,
            unmasked: Vec::new(),
        }
    }

    /// Appends to `out` the events of every object these bytes complete, each masked. The
    /// output lines of one step that follow one another are one event.
    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<BuildEvent>) {
        let StderrEvents {
            decoder,
            tracker,
            unmasked,
            ..
        } = self;
        decoder.push_each(bytes, |object| match object {
            Object::Output(entries) => {
                for e in entries {
                    tracker.output(e.vertex, e.stream, e.data, unmasked);
                }
            }
            Object::Status(status) => tracker.apply_into(&status, unmasked),
        });
        self.pass_on(out);
    }

    /// Once the pipe is closed: appends the events of what was still buffered (objects, and
    /// output lines that never ended), and returns the plain text buildx printed after the
    /// JSON, masked whole so that a value split between two reads of the pipe is masked too.
    pub fn finish(&mut self, out: &mut Vec<BuildEvent>) -> String {
        let (rest, trailer) = std::mem::take(&mut self.decoder).finish();
        for status in rest {
            self.tracker.apply_into(&status, &mut self.unmasked);
        }
        self.unmasked.extend(self.tracker.finish());
        self.pass_on(out);
        self.redactor.redact(&trailer).into_owned()
    }

    fn pass_on(&mut self, out: &mut Vec<BuildEvent>) {
        for ev in &mut self.unmasked {
            mask_event(ev, &self.redactor);
        }
        out.append(&mut self.unmasked);
    }

    pub fn tracker(&self) -> &ProgressTracker {
        &self.tracker
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

    /// Events with every `Log` split into one event per line: how many lines travel
    /// together depends on the reads, what they say and in which order does not.
    fn line_by_line((events, trailer): (Vec<BuildEvent>, String)) -> (Vec<BuildEvent>, String) {
        let mut each = Vec::new();
        for ev in events {
            match ev {
                BuildEvent::Log {
                    step,
                    stream,
                    lines,
                } => each.extend(lines.iter().map(|line| BuildEvent::Log {
                    step: step.clone(),
                    stream,
                    lines: line.into(),
                })),
                other => each.push(other),
            }
        }
        (each, trailer)
    }

    #[test]
    fn events_and_trailer_do_not_depend_on_read_sizes() {
        for name in ["rawjson-raw-full.txt", "rawjson-fail-raw.txt"] {
            let bytes = crate::samples::bytes(name);
            let whole = line_by_line(read(&bytes, bytes.len(), &[]));
            for chunk in [1, 100, 4096, 64 * 1024] {
                let pieces = line_by_line(read(&bytes, chunk, &[]));
                assert_eq!(pieces, whole, "{name} in {chunk}");
            }
        }
    }

    #[test]
    fn the_lines_of_one_read_are_one_event_per_step_and_stream() {
        let bytes = crate::samples::bytes("rawjson-raw-full.txt");
        let (events, _) = read(&bytes, bytes.len(), &[]);
        let logs: Vec<(&str, i32, Vec<&str>)> = events
            .iter()
            .filter_map(|e| match e {
                BuildEvent::Log {
                    step,
                    stream,
                    lines,
                } => Some((step.as_str(), *stream, lines.iter().collect())),
                _ => None,
            })
            .collect();
        let step = "[stage-1 1/2] RUN echo \"cachebust=891\" &&     echo \"arch=$(uname -m)\" && echo warn-on-stderr >&2";
        assert_eq!(
            logs,
            [
                (step, 1, vec!["cachebust=891", "arch=aarch64"]),
                (step, 2, vec!["warn-on-stderr"])
            ]
        );
    }

    /// What the decoder, tracker and masking give one object at a time, owned.
    fn read_owned(bytes: &[u8], chunk: usize) -> (Vec<BuildEvent>, String) {
        let (events, trailer, _) = super::super::progress::decode_all(bytes, chunk);
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
        streams.extend(crate::samples::RAWJSON_STREAMS.map(crate::samples::bytes));
        for bytes in streams {
            for chunk in [1, 333, 64 * 1024] {
                assert_eq!(
                    line_by_line(read(&bytes, chunk, &[])),
                    line_by_line(read_owned(&bytes, chunk))
                );
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
            lines: "step one 27844 on ***".into(),
        }));
        assert!(trailer.contains("9 | >>> RUN echo \"***\""), "{trailer}");
        assert!(!trailer.contains("about to fail"));
    }
}
