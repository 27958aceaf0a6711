//! Secret values masked in what the buildx child prints, before anything keeps or shows it.

use std::borrow::Cow;
use std::sync::Arc;

use super::progress::BuildEvent;
use crate::model::redact::Redactor;

/// Past this, a stdout line that still has not ended is passed on in parts, so that memory
/// stays bounded.
const MAX_PENDING_LINE: usize = 64 * 1024;

/// Masks every text an event carries. The match names each variant so that a new one cannot
/// be sent unmasked by oversight.
pub fn mask_event(event: &mut BuildEvent, redactor: &Redactor) {
    if redactor.is_empty() {
        return;
    }
    match event {
        BuildEvent::Steps(summary) => {
            if let Some(current) = &mut summary.current {
                mask(current, redactor);
            }
        }
        BuildEvent::StepStarted { step } | BuildEvent::StepEnded { step, .. } => {
            mask(step, redactor)
        }
        BuildEvent::Log { step, lines, .. } => {
            mask(step, redactor);
            lines.mask(redactor);
        }
        BuildEvent::Warning(warning) => mask(warning, redactor),
        BuildEvent::StepError { step, error } => {
            mask(step, redactor);
            mask(error, redactor);
        }
    }
}

fn mask(text: &mut String, redactor: &Redactor) {
    let masked = match redactor.redact(text) {
        Cow::Owned(masked) => Some(masked),
        Cow::Borrowed(_) => None,
    };
    if let Some(masked) = masked {
        *text = masked;
    }
}

/// buildx's stdout, which comes in chunks that may end anywhere: it is passed on a line at a
/// time, so that a value split between two reads is still masked whole.
pub struct MaskedStdout {
    redactor: Arc<Redactor>,
    pending: Vec<u8>,
}

impl MaskedStdout {
    pub fn new(redactor: Arc<Redactor>) -> Self {
        MaskedStdout {
            redactor,
            pending: Vec::new(),
        }
    }

    /// What of the output so far can be written now, masked. With nothing to mask, each
    /// chunk is passed on as it comes, unfinished line included.
    pub fn push<'a>(&mut self, chunk: &'a [u8]) -> Cow<'a, [u8]> {
        if self.redactor.is_empty() {
            return Cow::Borrowed(chunk);
        }
        self.pending.extend_from_slice(chunk);
        let ready = match self.pending.iter().rposition(|&b| b == b'\n') {
            Some(nl) => nl + 1,
            None if self.pending.len() > MAX_PENDING_LINE => {
                match self.redactor.safe_cut(&self.pending) {
                    // One run of values as long as the limit: memory bound wins.
                    0 => self.pending.len(),
                    cut => cut,
                }
            }
            None => 0,
        };
        let line: Vec<u8> = self.pending.drain(..ready).collect();
        Cow::Owned(self.redactor.redact_bytes(&line).into_owned())
    }

    /// The unfinished last line, masked, once the child closed its stdout.
    pub fn finish(&mut self) -> Vec<u8> {
        let rest = std::mem::take(&mut self.pending);
        self.redactor.redact_bytes(&rest).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::runner::progress::StepSummary;

    fn redactor() -> Arc<Redactor> {
        Arc::new(Redactor::new(["s3cr3t-value".to_string()]))
    }

    #[test]
    fn every_text_of_every_event_is_masked() {
        let r = redactor();
        let mut events = vec![
            BuildEvent::Steps(StepSummary {
                current: Some("RUN echo s3cr3t-value".into()),
                ..StepSummary::default()
            }),
            BuildEvent::Log {
                step: "RUN echo s3cr3t-value".into(),
                stream: 1,
                lines: "got s3cr3t-value".into(),
            },
            BuildEvent::Warning("ARG s3cr3t-value".into()),
            BuildEvent::StepStarted {
                step: "RUN echo s3cr3t-value".into(),
            },
            BuildEvent::StepEnded {
                step: "RUN echo s3cr3t-value".into(),
                duration: std::time::Duration::from_secs(1),
                cached: false,
            },
            BuildEvent::StepError {
                step: "RUN echo s3cr3t-value".into(),
                error: "exit s3cr3t-value".into(),
            },
        ];
        for event in &mut events {
            mask_event(event, &r);
        }
        let shown = format!("{events:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert_eq!(shown.matches("***").count(), 8, "{shown}");
    }

    #[test]
    fn stdout_is_masked_across_reads() {
        let mut out = MaskedStdout::new(redactor());
        let mut written = Vec::new();
        for chunk in [&b"one s3c"[..], b"r3t-va", b"lue\ntwo s3cr3t", b"-value"] {
            written.extend_from_slice(&out.push(chunk));
        }
        assert_eq!(written, b"one ***\n");
        written.extend(out.finish());
        assert_eq!(written, b"one ***\ntwo ***");
    }

    #[test]
    fn an_endless_stdout_line_is_cut_between_values() {
        let mut out = MaskedStdout::new(redactor());
        let mut written = Vec::new();
        let text = "x s3cr3t-value ".repeat(20_000);
        for chunk in text.as_bytes().chunks(4093) {
            let part = out.push(chunk);
            assert!(part.len() <= 2 * MAX_PENDING_LINE);
            written.extend_from_slice(&part);
        }
        written.extend(out.finish());
        assert_eq!(written, "x *** ".repeat(20_000).as_bytes());
    }

    #[test]
    fn without_values_stdout_passes_through_at_once() {
        let mut out = MaskedStdout::new(Arc::new(Redactor::default()));
        assert!(matches!(
            out.push(b"no newline"),
            Cow::Borrowed(b"no newline")
        ));
        assert!(out.finish().is_empty());
    }
}
