//! Turns the SolveStatus stream of one build into the events a grid cell shows.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::build::runner::log_lines::LogLines;
use crate::build::runner::rawjson::{SolveStatus, Vertex};
use crate::model::redact::Redactor;

#[derive(Debug, Clone, PartialEq)]
pub enum BuildEvent {
    /// Sent whenever any field of the summary changed.
    Steps(StepSummary),
    /// A step started, sent once per step, however briefly it ran: the summary names only
    /// the step running when it is sent, and misses one that started and ended in between.
    StepStarted {
        step: String,
    },
    /// A step completed without error, sent once, after its last output. The duration comes
    /// from BuildKit's own timestamps; a cache hit may have none and then took no time.
    StepEnded {
        step: String,
        duration: Duration,
        cached: bool,
    },
    /// Complete lines of a step's output on one stream, raw: they must be sanitized before
    /// drawing. Lines that follow one another in the stream travel together, as many as one
    /// read of buildx's stderr brings, so that a flood of output is not an event per line.
    Log {
        step: String,
        stream: i32,
        lines: LogLines,
    },
    Warning(String),
    StepError {
        step: String,
        error: String,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepSummary {
    /// Distinct vertices seen, including BuildKit's `[internal]` ones.
    pub total: usize,
    pub done: usize,
    /// Done and taken from the cache. `[internal]` vertices are never cached, so this stays
    /// below `done` even when every Dockerfile step was a cache hit.
    pub cached: usize,
    /// Done `[internal]` vertices (loading the Dockerfile and context), which can never be
    /// cached; `done - internal_done == cached` means every real step was a cache hit.
    pub internal_done: usize,
    /// The most recently started step that has not completed.
    pub current: Option<String>,
}

/// A line that never ends (a progress bar redrawn with `\r`) is cut here so that memory
/// stays bounded.
const MAX_PENDING_LINE: usize = 64 * 1024;

#[derive(Debug, Default)]
struct VertexState {
    name: String,
    cached: bool,
    started: Option<String>,
    /// Order in which vertices were (re)started; timestamps are not compared because
    /// BuildKit trims trailing zeros from the fraction, which breaks string ordering.
    start_seq: u64,
    completed: bool,
    error: Option<String>,
    /// `StepStarted` was sent.
    announced: bool,
}

#[derive(Debug, Default)]
pub struct ProgressTracker {
    vertices: HashMap<String, VertexState>,
    next_seq: u64,
    /// Unterminated output per (vertex, stream), in the order they first appeared so that
    /// the final flush is deterministic.
    partial: Vec<((String, i32), Vec<u8>)>,
    summary: StepSummary,
    /// Only consulted where an endless line is cut; see [`ProgressTracker::cutting_around`].
    secrets: Arc<Redactor>,
    /// One log entry's decoded bytes, reused: a flood of output is one entry per line.
    decoded: Vec<u8>,
    /// The vertex whose output came last, with its step name, so that a flood of output
    /// from one step does not hash the digest for every entry. Cleared when a vertex is
    /// renamed.
    output_step: Option<(String, String)>,
}

impl ProgressTracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// A tracker that cuts an endless line only where no secret value is split. The events
    /// are not masked here but by whoever passes them on, one line at a time; a value cut
    /// in two would be masked in neither part.
    pub fn cutting_around(secrets: Arc<Redactor>) -> Self {
        ProgressTracker {
            secrets,
            ..Self::default()
        }
    }

    /// Events in this order: for each vertex, its flushed output and its error; then the
    /// summary if it changed; then log lines; then warnings.
    pub fn apply(&mut self, s: &SolveStatus) -> Vec<BuildEvent> {
        let mut events = Vec::new();
        self.apply_into(s, &mut events);
        events
    }

    /// [`ProgressTracker::apply`], appending to `events`.
    pub fn apply_into(&mut self, s: &SolveStatus, events: &mut Vec<BuildEvent>) {
        for v in &s.vertexes {
            self.merge_vertex(v, events);
        }
        // The summary is made of vertex states only, and most objects carry none (output).
        if !s.vertexes.is_empty() {
            let summary = self.compute_summary();
            if summary != self.summary {
                self.summary = summary;
                events.push(BuildEvent::Steps(self.summary.clone()));
            }
        }
        for log in &s.logs {
            self.output(&log.vertex, log.stream, &log.data, events);
        }
        for w in &s.warnings {
            let short = decode_base64(&w.short);
            events.push(BuildEvent::Warning(
                String::from_utf8_lossy(&short).trim_end().to_string(),
            ));
        }
    }

    /// One `logs` entry: what [`ProgressTracker::apply`] does for each, for an entry the
    /// decoder read in place.
    pub fn output(&mut self, vertex: &str, stream: i32, data: &str, events: &mut Vec<BuildEvent>) {
        let mut decoded = std::mem::take(&mut self.decoded);
        decode_base64_into(data, &mut decoded);
        self.push_output(vertex, stream, &decoded, events);
        self.decoded = decoded;
    }

    /// Output lines still waiting for their newline when the stream ended.
    pub fn finish(&mut self) -> Vec<BuildEvent> {
        let mut events = Vec::new();
        for ((vertex, stream), bytes) in std::mem::take(&mut self.partial) {
            if !bytes.is_empty() {
                self.log_event(&vertex, stream, &bytes, &mut events);
            }
        }
        events
    }

    pub fn summary(&self) -> &StepSummary {
        &self.summary
    }

    /// The names of the steps that came from a cache, local or imported, in the order they
    /// started.
    pub fn cached_steps(&self) -> Vec<String> {
        let mut cached: Vec<&VertexState> = self
            .vertices
            .values()
            .filter(|v| v.cached && v.completed)
            .collect();
        cached.sort_by_key(|v| v.start_seq);
        cached.into_iter().map(|v| v.name.clone()).collect()
    }

    /// BuildKit repeats a vertex in many messages, each with the fields known so far, and
    /// can report a finished vertex as started again; a step that once completed, hit the
    /// cache or failed is kept that way so the counts never go backwards.
    fn merge_vertex(&mut self, v: &Vertex, events: &mut Vec<BuildEvent>) {
        let state = self.vertices.entry(v.digest.clone()).or_default();
        if !v.name.is_empty() && state.name != v.name {
            state.name = v.name.clone();
            self.output_step = None;
        }
        state.cached |= v.cached;
        if let Some(started) = &v.started {
            if state.started.as_ref() != Some(started) {
                state.started = Some(started.clone());
                self.next_seq += 1;
                state.start_seq = self.next_seq;
            }
        }
        if state.started.is_some() && !state.name.is_empty() && !state.announced {
            state.announced = true;
            events.push(BuildEvent::StepStarted {
                step: state.name.clone(),
            });
        }
        let newly_completed = v.completed.is_some() && !state.completed;
        state.completed |= v.completed.is_some();
        let new_error = match &v.error {
            Some(e) if !e.is_empty() && state.error.is_none() => {
                state.error = Some(e.clone());
                Some(e.clone())
            }
            _ => None,
        };
        // A completed step writes no more output, so its last unterminated line can be
        // shown now rather than when the whole build ends.
        if newly_completed {
            self.flush_vertex(&v.digest, events);
        }
        // A failed or canceled step did not end the way a history of timings can use.
        let ended = self
            .vertices
            .get(&v.digest)
            .filter(|s| newly_completed && s.error.is_none());
        if let (Some(state), Some(completed)) = (ended, &v.completed) {
            events.push(BuildEvent::StepEnded {
                step: self.step_name(&v.digest),
                duration: step_duration(state.started.as_deref(), completed),
                cached: state.cached,
            });
        }
        if let Some(error) = new_error {
            events.push(BuildEvent::StepError {
                step: self.step_name(&v.digest),
                error,
            });
        }
    }

    fn compute_summary(&self) -> StepSummary {
        let mut summary = StepSummary {
            total: self.vertices.len(),
            ..StepSummary::default()
        };
        let mut running: Option<&VertexState> = None;
        for state in self.vertices.values() {
            if state.completed {
                summary.done += 1;
                if state.name.starts_with("[internal]") {
                    summary.internal_done += 1;
                }
                if state.cached {
                    summary.cached += 1;
                }
            } else if state.started.is_some()
                && running.is_none_or(|r| state.start_seq > r.start_seq)
            {
                running = Some(state);
            }
        }
        summary.current = running.map(|r| r.name.clone());
        summary
    }

    fn push_output(&mut self, vertex: &str, stream: i32, bytes: &[u8], out: &mut Vec<BuildEvent>) {
        let index = self
            .partial
            .iter()
            .position(|((v, s), _)| v == vertex && *s == stream);
        let mut pending = match index {
            Some(i) => {
                let mut pending = std::mem::take(&mut self.partial[i].1);
                pending.extend_from_slice(bytes);
                let lines = self.log_lines(vertex, stream, &pending, out);
                pending.drain(..lines);
                pending
            }
            // No unfinished line to continue, as for nearly every entry: the lines are taken
            // from `bytes` as they lie and only what follows the last line break is kept.
            None => {
                let lines = self.log_lines(vertex, stream, bytes, out);
                if lines == bytes.len() {
                    return;
                }
                bytes[lines..].to_vec()
            }
        };
        if pending.len() > MAX_PENDING_LINE {
            let whole_chars = complete_utf8_len(&pending);
            let cut = match self.secrets.safe_cut(&pending) {
                // One run of values as long as the limit: memory bound wins.
                0 => whole_chars,
                cut => cut.min(whole_chars),
            };
            self.log_event(vertex, stream, &pending[..cut], out);
            pending.drain(..cut);
        }
        match index {
            Some(i) if pending.is_empty() => {
                self.partial.remove(i);
            }
            Some(i) => self.partial[i].1 = pending,
            None if pending.is_empty() => {}
            None => self.partial.push(((vertex.to_string(), stream), pending)),
        }
    }

    /// Each complete line of `bytes` into `out`; returns how many bytes they took.
    fn log_lines(
        &mut self,
        vertex: &str,
        stream: i32,
        bytes: &[u8],
        out: &mut Vec<BuildEvent>,
    ) -> usize {
        let Some(first) = find_newline(bytes) else {
            return 0;
        };
        let step = self.output_step(vertex);
        push_line(out, step, stream, &bytes[..first]);
        let mut start = first + 1;
        while let Some(nl) = find_newline(&bytes[start..]) {
            push_line(out, step, stream, &bytes[start..start + nl]);
            start += nl + 1;
        }
        start
    }

    /// [`ProgressTracker::step_name`] of the vertex output comes from.
    fn output_step(&mut self, vertex: &str) -> &str {
        if self
            .output_step
            .as_ref()
            .is_none_or(|(digest, _)| digest != vertex)
        {
            self.output_step = Some((vertex.to_string(), self.step_name(vertex)));
        }
        &self.output_step.as_ref().expect("set above").1
    }

    fn flush_vertex(&mut self, vertex: &str, out: &mut Vec<BuildEvent>) {
        let (flushed, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.partial)
            .into_iter()
            .partition(|((v, _), _)| v == vertex);
        self.partial = kept;
        for ((vertex, stream), bytes) in flushed {
            self.log_event(&vertex, stream, &bytes, out);
        }
    }

    fn log_event(&self, vertex: &str, stream: i32, bytes: &[u8], out: &mut Vec<BuildEvent>) {
        push_line(out, &self.step_name(vertex), stream, bytes);
    }

    fn step_name(&self, digest: &str) -> String {
        match self.vertices.get(digest) {
            Some(state) if !state.name.is_empty() => state.name.clone(),
            _ => digest.to_string(),
        }
    }
}

/// `position` of the first `\n`, sixteen bytes at a time where there is none: it runs over
/// every byte of a build's output.
fn find_newline(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    for chunk in bytes.chunks_exact(16) {
        if chunk.iter().fold(false, |any, &b| any | (b == b'\n')) {
            break;
        }
        at += 16;
    }
    bytes[at..].iter().position(|&b| b == b'\n').map(|i| at + i)
}

/// One line of output (without its `\n`) into `out`: added to the last event when that holds
/// lines of the same step and stream, so that the lines of one read travel as one event.
/// Nothing may have seen that event yet, masking included.
fn push_line(out: &mut Vec<BuildEvent>, step: &str, stream: i32, bytes: &[u8]) {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    // `from_utf8_lossy` alone gives the same text, but checks valid UTF-8, the usual case,
    // a good deal more slowly.
    let line = match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    };
    match out.last_mut() {
        Some(BuildEvent::Log {
            step: last_step,
            stream: last_stream,
            lines,
        }) if *last_stream == stream && last_step == step => lines.push(&line),
        _ => out.push(BuildEvent::Log {
            step: step.to_string(),
            stream,
            lines: LogLines::new(line),
        }),
    }
}

/// How long a step ran by BuildKit's clock. The fraction's length varies, so the timestamps
/// are parsed rather than compared as text; one missing or unreadable counts as no time.
fn step_duration(started: Option<&str>, completed: &str) -> Duration {
    let at = |t: &str| t.parse::<jiff::Timestamp>().ok();
    match (started.and_then(at), at(completed)) {
        (Some(started), Some(completed)) => completed
            .duration_since(started)
            .try_into()
            .unwrap_or_default(),
        _ => Duration::ZERO,
    }
}

/// BuildKit always sends valid base64; should that ever change, the text itself is shown
/// rather than nothing.
fn decode_base64(data: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    decode_base64_into(data, &mut bytes);
    bytes
}

/// [`decode_base64`] into a buffer that is cleared first.
fn decode_base64_into(data: &str, bytes: &mut Vec<u8>) {
    bytes.clear();
    if STANDARD.decode_vec(data, bytes).is_err() {
        bytes.clear();
        bytes.extend_from_slice(data.as_bytes());
    }
}

/// Length of `bytes` without an incomplete UTF-8 character at its end, so a forced cut does
/// not split one.
fn complete_utf8_len(bytes: &[u8]) -> usize {
    match std::str::from_utf8(bytes) {
        Err(e) if e.error_len().is_none() && e.valid_up_to() > 0 => e.valid_up_to(),
        _ => bytes.len(),
    }
}

#[cfg(test)]
mod timing_tests;

/// Every event a stream gives, read `chunk` bytes at a time, what trails its JSON, and the
/// tracker as the stream left it.
#[cfg(test)]
pub(crate) fn decode_all(bytes: &[u8], chunk: usize) -> (Vec<BuildEvent>, String, ProgressTracker) {
    let mut decoder = super::rawjson::RawJsonDecoder::new();
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
    (events, trailer, tracker)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::runner::rawjson::{VertexLog, VertexWarning};

    fn reference(name: &str) -> Vec<u8> {
        crate::samples::bytes(name)
    }

    fn run(name: &str) -> (Vec<BuildEvent>, StepSummary) {
        let (events, _, tracker) = super::decode_all(&reference(name), 512);
        (events, tracker.summary().clone())
    }

    fn summary(total: usize, done: usize, cached: usize) -> StepSummary {
        StepSummary {
            total,
            done,
            cached,
            internal_done: 0,
            current: None,
        }
    }

    /// The summary without the internal count, which tests of the totals do not care about.
    fn counts(s: &StepSummary) -> StepSummary {
        StepSummary {
            internal_done: 0,
            ..s.clone()
        }
    }

    fn logs(events: &[BuildEvent]) -> Vec<(&str, i32, &str)> {
        events
            .iter()
            .filter_map(|e| match e {
                BuildEvent::Log {
                    step,
                    stream,
                    lines,
                } => Some(lines.iter().map(|line| (step.as_str(), *stream, line))),
                _ => None,
            })
            .flatten()
            .collect()
    }

    fn errors(events: &[BuildEvent]) -> Vec<(&str, &str)> {
        events
            .iter()
            .filter_map(|e| match e {
                BuildEvent::StepError { step, error } => Some((step.as_str(), error.as_str())),
                _ => None,
            })
            .collect()
    }

    fn steps(events: &[BuildEvent]) -> Vec<&StepSummary> {
        events
            .iter()
            .filter_map(|e| match e {
                BuildEvent::Steps(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    fn currents(events: &[BuildEvent]) -> Vec<&str> {
        steps(events)
            .into_iter()
            .filter_map(|s| s.current.as_deref())
            .collect()
    }

    fn warnings(events: &[BuildEvent]) -> Vec<&str> {
        events
            .iter()
            .filter_map(|e| match e {
                BuildEvent::Warning(w) => Some(w.as_str()),
                _ => None,
            })
            .collect()
    }

    const SAMPLE_WARNING: &str = "Empty continuation line found in: RUN echo \"cachebust=$CACHEBUST\" &&     echo \"arch=$(uname -m)\" && echo warn-on-stderr >&2";

    #[test]
    fn full_build_with_push() {
        let (events, last) = run("rawjson-raw-full.txt");
        assert_eq!(counts(&last), summary(9, 9, 2));
        let step = "[stage-1 1/2] RUN echo \"cachebust=891\" &&     echo \"arch=$(uname -m)\" && echo warn-on-stderr >&2";
        assert_eq!(
            logs(&events),
            [
                (step, 1, "cachebust=891"),
                (step, 1, "arch=aarch64"),
                (step, 2, "warn-on-stderr")
            ]
        );
        assert_eq!(warnings(&events), [SAMPLE_WARNING]);
        assert!(errors(&events).is_empty());
        assert_eq!(
            currents(&events),
            [
                "[base 2/2] RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]",
                step,
                "[stage-1 2/2] RUN uname -m > /arch.txt",
                "exporting to image",
                "pushing 127.0.0.1:5000/research/sample:arm64 with docker",
            ]
        );
        let steps = steps(&events);
        assert_eq!(steps.len(), 16);
        assert!(steps.windows(2).all(|w| w[0] != w[1]));
        assert!(steps.windows(2).all(|w| w[0].done <= w[1].done));
        assert_eq!(counts(steps[0]), summary(1, 0, 0));
    }

    #[test]
    fn cacheonly_output_build() {
        // "cacheonly" is the output type, not the cache state: only the two base steps hit
        // the cache, the RUNs after the CACHEBUST arg ran.
        let (events, last) = run("rawjson-cacheonly-raw.txt");
        assert_eq!(counts(&last), summary(7, 7, 2));
        assert_eq!(logs(&events).len(), 3);
        assert_eq!(warnings(&events), [SAMPLE_WARNING]);
        let (line_events, line_last) = run("rawjson-sample.txt");
        assert_eq!(line_events, events);
        assert_eq!(line_last, last);
    }

    #[test]
    fn pull_build() {
        let (events, last) = run("rawjson-pull-raw.txt");
        assert_eq!(counts(&last), summary(5, 5, 0));
        assert_eq!(logs(&events), [("[2/2] RUN cat /arch.txt", 1, "aarch64")]);
        assert_eq!(
            currents(&events)[0],
            "[internal] load metadata for 127.0.0.1:5000/research/cellnp:tmp-arm64"
        );
    }

    #[test]
    fn failed_build() {
        for name in ["rawjson-fail-raw.txt", "rawjson-sample-fail.txt"] {
            let (events, last) = run(name);
            assert_eq!(counts(&last), summary(7, 7, 2), "{name}");
            let step = "[stage-1 2/2] RUN echo \"about to fail\" && echo oops >&2 && exit 3";
            assert_eq!(
                errors(&events),
                [(
                    step,
                    "process \"/bin/sh -c echo \\\"about to fail\\\" && echo oops >&2 && exit 3\" did not complete successfully: exit code: 3"
                )],
                "{name}"
            );
            assert_eq!(
                logs(&events),
                [
                    (
                        "[stage-1 1/2] RUN echo \"step one 27844 on $(uname -m)\"",
                        1,
                        "step one 27844 on aarch64"
                    ),
                    (step, 1, "about to fail"),
                    (step, 2, "oops"),
                ],
                "{name}"
            );
            assert_eq!(currents(&events).last(), Some(&step));
        }
    }

    #[test]
    fn canceled_build() {
        let (events, last) = run("rawjson-canceled-raw.txt");
        assert_eq!(counts(&last), summary(6, 6, 2));
        let step = "[3/3] RUN echo start 1506; sleep 30; echo end";
        assert_eq!(currents(&events), [step]);
        assert_eq!(logs(&events), [(step, 1, "start 1506")]);
        let errors = errors(&events);
        assert_eq!(errors.len(), 1);
        assert!(errors[0]
            .1
            .ends_with("exit code: 137: context canceled: context canceled"));
    }

    fn vertex(digest: &str, name: &str) -> Vertex {
        Vertex {
            digest: digest.into(),
            name: name.into(),
            ..Vertex::default()
        }
    }

    fn started(digest: &str, name: &str, at: &str) -> Vertex {
        Vertex {
            started: Some(at.into()),
            ..vertex(digest, name)
        }
    }

    fn completed(digest: &str, name: &str, cached: bool) -> Vertex {
        Vertex {
            started: Some("t0".into()),
            completed: Some("t1".into()),
            cached,
            ..vertex(digest, name)
        }
    }

    fn vertexes(v: Vec<Vertex>) -> SolveStatus {
        SolveStatus {
            vertexes: v,
            ..SolveStatus::default()
        }
    }

    fn log(vertex: &str, stream: i32, data: &[u8]) -> SolveStatus {
        SolveStatus {
            logs: vec![VertexLog {
                vertex: vertex.into(),
                stream,
                data: STANDARD.encode(data),
            }],
            ..SolveStatus::default()
        }
    }

    #[test]
    fn merges_repeated_vertexes() {
        let mut t = ProgressTracker::new();
        t.apply(&vertexes(vec![vertex("a", "A"), vertex("b", "B")]));
        assert_eq!(counts(t.summary()), summary(2, 0, 0));
        t.apply(&vertexes(vec![started("a", "A", "t0")]));
        assert_eq!(t.summary().current.as_deref(), Some("A"));
        t.apply(&vertexes(vec![started("b", "B", "t0")]));
        assert_eq!(t.summary().current.as_deref(), Some("B"));
        t.apply(&vertexes(vec![completed("b", "B", true)]));
        assert_eq!(t.summary().current.as_deref(), Some("A"));
        assert_eq!((t.summary().done, t.summary().cached), (1, 1));
        // A later message without the flags must not undo them.
        let events = t.apply(&vertexes(vec![started("b", "", "t9")]));
        assert!(events.is_empty());
        assert_eq!(t.summary().current.as_deref(), Some("A"));
        assert_eq!((t.summary().done, t.summary().cached), (1, 1));
        let failed = Vertex {
            error: Some("boom".into()),
            ..completed("a", "A", false)
        };
        let events = t.apply(&vertexes(vec![failed.clone()]));
        assert_eq!(
            events,
            [
                BuildEvent::StepError {
                    step: "A".into(),
                    error: "boom".into()
                },
                BuildEvent::Steps(summary(2, 2, 1)),
            ]
        );
        assert!(t.apply(&vertexes(vec![failed])).is_empty());
    }

    #[test]
    fn log_lines_split_across_messages() {
        let mut t = ProgressTracker::new();
        t.apply(&vertexes(vec![started("v", "RUN x", "t0")]));
        let mut events = Vec::new();
        events.extend(t.apply(&log("v", 1, b"hel")));
        events.extend(t.apply(&log("v", 2, b"err one\r\nerr ")));
        events.extend(t.apply(&log("v", 1, b"lo\n\nwor")));
        // A UTF-8 character split between two messages.
        events.extend(t.apply(&log("v", 1, "ld \u{e9}".as_bytes().split_at(4).0)));
        events.extend(t.apply(&log("v", 1, &"ld \u{e9}".as_bytes()[4..])));
        events.extend(t.apply(&log("w", 1, b"\x1b[31mred\x1b[0m\n")));
        events.extend(t.finish());
        assert_eq!(
            logs(&events),
            [
                ("RUN x", 2, "err one"),
                ("RUN x", 1, "hello"),
                ("RUN x", 1, ""),
                ("w", 1, "\x1b[31mred\x1b[0m"),
                ("RUN x", 1, "world \u{e9}"),
                ("RUN x", 2, "err "),
            ]
        );
        assert!(t.finish().is_empty());
    }

    #[test]
    fn completion_flushes_partial_lines() {
        let mut t = ProgressTracker::new();
        t.apply(&vertexes(vec![started("v", "RUN x", "t0")]));
        assert!(t.apply(&log("v", 1, b"no newline")).is_empty());
        let events = t.apply(&vertexes(vec![completed("v", "RUN x", false)]));
        assert_eq!(logs(&events), [("RUN x", 1, "no newline")]);
        assert!(t.finish().is_empty());
    }

    #[test]
    fn endless_line_is_cut_between_characters() {
        let mut t = ProgressTracker::new();
        let text = "\u{e9}".repeat(100_000);
        let mut events = Vec::new();
        // An odd chunk size splits many characters between messages.
        for chunk in text.as_bytes().chunks(333) {
            events.extend(t.apply(&log("v", 1, chunk)));
        }
        events.extend(t.finish());
        let lines = logs(&events);
        assert!(lines.len() > 1);
        assert!(lines
            .iter()
            .all(|(_, _, l)| l.len() <= MAX_PENDING_LINE + 333));
        let joined: String = lines.iter().map(|(_, _, l)| *l).collect();
        assert_eq!(joined, text);
    }

    #[test]
    fn an_endless_line_is_not_cut_inside_a_secret() {
        let secrets = Arc::new(Redactor::new(["s3cr3t-\u{e9}-value".to_string()]));
        let mut t = ProgressTracker::cutting_around(secrets.clone());
        // The 19-byte period puts a value across the limit at one offset after another.
        let text = "s3cr3t-\u{e9}-value \u{e9}x".repeat(20_000);
        let mut events = Vec::new();
        for chunk in text.as_bytes().chunks(1000) {
            events.extend(t.apply(&log("v", 1, chunk)));
        }
        events.extend(t.finish());
        let lines = logs(&events);
        assert!(lines.len() > 1);
        let masked: String = lines.iter().map(|(_, _, l)| secrets.redact(l)).collect();
        assert_eq!(masked, "*** \u{e9}x".repeat(20_000));
    }

    #[test]
    fn output_is_named_after_the_step_as_it_is_then() {
        let mut t = ProgressTracker::new();
        let mut events = t.apply(&log("v", 1, b"before the step is known\n"));
        t.apply(&vertexes(vec![vertex("v", "")]));
        events.extend(t.apply(&log("v", 1, b"still no name\n")));
        t.apply(&vertexes(vec![started("v", "RUN x", "t0")]));
        events.extend(t.apply(&log("v", 1, b"named\n")));
        events.extend(t.apply(&log("w", 1, b"another\n")));
        events.extend(t.apply(&log("v", 1, b"named again\n")));
        t.apply(&vertexes(vec![vertex("v", "RUN y")]));
        events.extend(t.apply(&log("v", 1, b"renamed\n")));
        assert_eq!(
            logs(&events),
            [
                ("v", 1, "before the step is known"),
                ("v", 1, "still no name"),
                ("RUN x", 1, "named"),
                ("w", 1, "another"),
                ("RUN x", 1, "named again"),
                ("RUN y", 1, "renamed"),
            ]
        );
    }

    #[test]
    fn newlines_are_found_at_every_offset() {
        for len in 0..50 {
            assert_eq!(find_newline(&vec![b'x'; len]), None);
            for at in 0..len {
                let mut bytes = vec![b'x'; len];
                bytes[at] = b'\n';
                if at + 3 < len {
                    bytes[at + 3] = b'\n';
                }
                assert_eq!(find_newline(&bytes), Some(at), "{len} {at}");
            }
        }
    }

    #[test]
    fn warnings_are_decoded() {
        let mut t = ProgressTracker::new();
        let status = SolveStatus {
            warnings: vec![VertexWarning {
                vertex: "v".into(),
                level: 1,
                short: STANDARD.encode("Empty continuation line\n"),
                detail: vec![],
            }],
            ..SolveStatus::default()
        };
        assert_eq!(
            t.apply(&status),
            [BuildEvent::Warning("Empty continuation line".into())]
        );
    }
}
