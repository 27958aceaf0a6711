//! Registry commands (`imagetools inspect`, `imagetools create`) tried again through transient
//! failures the way builds are: the failure text is classified by the same rules, with the
//! same attempts and backoff from `[retry]`. A registry that refuses connections is most often
//! restarting, so instead of spending the attempts within seconds it is probed until it
//! listens again, for up to `[retry] engine_wait`, and then the command runs again.

use std::future::Future;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use tokio::time::Instant;

use crate::build::failure::summarize;
use crate::build::runner::classify::classify;
use crate::build::scheduler::backoff;
use crate::config::RetryPolicy;
use crate::docker::command::{docker, Ran};
use crate::docker::registry_probe;
use crate::model::format_duration;
use crate::model::FailureClass;

/// How often a registry that refused a connection is asked whether it listens again.
const PROBE_EVERY: Duration = Duration::from_secs(2);

/// A failed try that was followed by another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retried {
    /// The try that failed, from 1.
    pub attempt: u32,
    /// What made the failure transient, in the classifier's words (`i/o timeout`).
    pub cause: String,
    /// The failure's own line.
    pub reason: String,
}

/// What a front end shows while a command is being retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryNote {
    /// A transient failure; the command runs again after `delay`.
    Retrying {
        next: u32,
        of: u32,
        delay: Duration,
        reason: String,
    },
    /// The registry refused the connection; it is waited for, up to `limit`.
    Unreachable {
        /// `host:port` of the registry, as the failed request named it.
        registry: String,
        since: SystemTime,
        limit: Duration,
    },
    /// It listens again after `after`; the command runs again now.
    Answering { registry: String, after: Duration },
}

/// `retried 2× after: connection refused (registry)`; `None` when nothing was retried.
pub fn retried_words(retries: &[Retried]) -> Option<String> {
    if retries.is_empty() {
        return None;
    }
    let mut causes: Vec<&str> = Vec::new();
    for r in retries {
        if !causes.contains(&r.cause.as_str()) {
            causes.push(&r.cause);
        }
    }
    Some(format!(
        "retried {}× after: {}",
        retries.len(),
        causes.join(", ")
    ))
}

/// Runs `docker ARGV` (bounded by `limit` each time) until it succeeds, the registry says the
/// reference is not there, the failure is permanent, or the attempts are spent. Returns the
/// last result and the tries that were retried.
pub(crate) async fn docker_retrying(
    argv: &[String],
    limit: Duration,
    policy: &RetryPolicy,
    notes: &mut (dyn FnMut(RetryNote) + Send),
) -> (Result<Ran, String>, Vec<Retried>) {
    retrying(&Live, argv, limit, policy, notes).await
}

/// What the retry loop needs from the world; tests answer for it.
trait Registry: Sync {
    fn run(
        &self,
        argv: &[String],
        limit: Duration,
    ) -> impl Future<Output = Result<Ran, String>> + Send;
    fn answers(&self, authority: &str) -> impl Future<Output = bool> + Send;
}

struct Live;

impl Registry for Live {
    fn run(
        &self,
        argv: &[String],
        limit: Duration,
    ) -> impl Future<Output = Result<Ran, String>> + Send {
        docker(argv, None, Some(limit))
    }

    fn answers(&self, authority: &str) -> impl Future<Output = bool> + Send {
        registry_probe::answers(authority)
    }
}

async fn retrying<R: Registry>(
    registry: &R,
    argv: &[String],
    limit: Duration,
    policy: &RetryPolicy,
    notes: &mut (dyn FnMut(RetryNote) + Send),
) -> (Result<Ran, String>, Vec<Retried>) {
    let attempts = policy.attempts.max(1);
    let mut retries = Vec::new();
    let mut attempt = 1;
    loop {
        let result = registry.run(argv, limit).await;
        let text = match &result {
            Ok(ran) if ran.success || ran.not_found() => return (result, retries),
            Ok(ran) => ran.error_text(),
            Err(e) => e.clone(),
        };
        let class = classify(&text);
        if class.class != FailureClass::Transient || attempt >= attempts {
            return (result, retries);
        }
        let reason = summarize(&text).cause;
        match refused_registry(&text) {
            Some(address) => {
                if let Err(gave_up) = wait_for(registry, address, policy.engine_wait, notes).await {
                    return (Err(format!("{text}\n{gave_up}")), retries);
                }
            }
            None => {
                let delay = backoff(policy.backoff, attempt);
                notes(RetryNote::Retrying {
                    next: attempt + 1,
                    of: attempts,
                    delay,
                    reason: reason.clone(),
                });
                tokio::time::sleep(delay).await;
            }
        }
        retries.push(Retried {
            attempt,
            cause: class.reason.to_string(),
            reason,
        });
        attempt += 1;
    }
}

/// Probes `address` every [`PROBE_EVERY`] until it listens, or says why it stopped after
/// `limit`.
async fn wait_for<R: Registry>(
    registry: &R,
    address: &str,
    limit: Duration,
    notes: &mut (dyn FnMut(RetryNote) + Send),
) -> Result<(), String> {
    let started = Instant::now();
    notes(RetryNote::Unreachable {
        registry: address.to_string(),
        since: SystemTime::now(),
        limit,
    });
    loop {
        if registry.answers(address).await {
            notes(RetryNote::Answering {
                registry: address.to_string(),
                after: started.elapsed(),
            });
            return Ok(());
        }
        let waited = started.elapsed();
        if waited >= limit {
            return Err(format!(
                "registry {address} did not answer for {} ([retry] engine_wait); start it, or \
                 give it longer with engine_wait in matrix.toml",
                format_duration(waited)
            ));
        }
        tokio::time::sleep(PROBE_EVERY.min(limit - waited)).await;
    }
}

const REFUSED: &str = ": connect: connection refused";

/// The registry a refused connection was for. The request's host as the reference named it
/// (`localhost:5000` of `Head "http://localhost:5000/v2/…": dial tcp 127.0.0.1:5000: connect:
/// connection refused`) is preferred to the address dialed: a name can stand for several
/// addresses, the error names only one, and the registry may come back on another.
fn refused_registry(text: &str) -> Option<&str> {
    if !text.contains(REFUSED) {
        return None;
    }
    request_host(text).or_else(|| dialed(text))
}

/// `localhost:5000` of `http://localhost:5000/v2/…`.
fn request_host(text: &str) -> Option<&str> {
    text.match_indices("://").find_map(|(at, m)| {
        let rest = &text[at + m.len()..];
        let end = rest.find('/')?;
        let host = &rest[..end];
        (rest[end..].starts_with("/v2/") && plain_word(host)).then_some(host)
    })
}

/// `127.0.0.1:5000` of `dial tcp 127.0.0.1:5000: connect: connection refused`.
fn dialed(text: &str) -> Option<&str> {
    const DIAL: &str = "dial tcp ";
    text.match_indices(DIAL).find_map(|(at, _)| {
        let rest = &text[at + DIAL.len()..];
        let address = &rest[..rest.find(REFUSED)?];
        plain_word(address).then_some(address)
    })
}

fn plain_word(s: &str) -> bool {
    !s.is_empty() && !s.contains(|c: char| c.is_whitespace() || c == '"')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Mutex;

    const INSPECT_REFUSED: &str = "registry-down-imagetools.err";
    const PUSH_REFUSED: &str = "registry-down-push.rawjson.err";
    const UNAVAILABLE: &str = "ERROR: failed to copy: httpReadSeeker: failed open: unexpected \
                               status code http://127.0.0.1:5000/v2/x/manifests/v1: 503 Service Unavailable";

    fn sample(name: &str) -> String {
        crate::samples::text(name)
    }

    fn failed(stderr: &str) -> (bool, String) {
        (false, stderr.to_string())
    }

    fn ok() -> (bool, String) {
        (true, String::new())
    }

    /// Answers each run with the next of `runs`, and says the registry listens from the
    /// `listens_from`-th probe on.
    struct Fake {
        runs: Mutex<VecDeque<(bool, String)>>,
        ran: AtomicU32,
        probes: AtomicU32,
        listens_from: u32,
    }

    impl Fake {
        fn new(runs: Vec<(bool, String)>, listens_from: u32) -> Fake {
            Fake {
                runs: Mutex::new(runs.into()),
                ran: AtomicU32::new(0),
                probes: AtomicU32::new(0),
                listens_from,
            }
        }
    }

    impl Registry for Fake {
        fn run(
            &self,
            _argv: &[String],
            _limit: Duration,
        ) -> impl Future<Output = Result<Ran, String>> + Send {
            self.ran.fetch_add(1, Ordering::SeqCst);
            let (success, stderr) = self
                .runs
                .lock()
                .unwrap()
                .pop_front()
                .expect("no more runs were expected");
            std::future::ready(Ok(Ran {
                success,
                stdout: String::new(),
                stderr,
            }))
        }

        fn answers(&self, authority: &str) -> impl Future<Output = bool> + Send {
            assert_eq!(authority, "127.0.0.1:5000");
            let n = self.probes.fetch_add(1, Ordering::SeqCst) + 1;
            std::future::ready(n >= self.listens_from)
        }
    }

    fn policy(attempts: u32) -> RetryPolicy {
        RetryPolicy {
            attempts,
            backoff: Duration::from_secs(5),
            engine_wait: Duration::from_secs(60),
        }
    }

    async fn run(fake: &Fake, policy: &RetryPolicy) -> (bool, Vec<Retried>, Vec<RetryNote>) {
        let mut notes = Vec::new();
        let (result, retries) = retrying(
            fake,
            &["buildx".into()],
            Duration::from_secs(1),
            policy,
            &mut |n| notes.push(n),
        )
        .await;
        (result.is_ok_and(|r| r.success), retries, notes)
    }

    #[test]
    fn the_captured_refusals_name_the_registry_and_are_transient() {
        for name in [INSPECT_REFUSED, PUSH_REFUSED] {
            let ran = Ran {
                success: false,
                stdout: String::new(),
                stderr: sample(name),
            };
            let text = ran.error_text();
            assert_eq!(refused_registry(&text), Some("127.0.0.1:5000"), "{name}");
            let class = classify(&text);
            assert_eq!(class.class, FailureClass::Transient, "{name}");
            assert_eq!(class.reason, "connection refused (registry)", "{name}");
        }
        // The name the reference used, not the one address the error happens to name.
        assert_eq!(
            refused_registry(
                "ERROR: failed to do request: Head \"http://localhost:5000/v2/d/app/manifests/v1\": \
                 dial tcp [::1]:5000: connect: connection refused"
            ),
            Some("localhost:5000")
        );
        assert_eq!(
            refused_registry("ERROR: dial tcp [::1]:5000: connect: connection refused"),
            Some("[::1]:5000")
        );
        assert_eq!(
            refused_registry("ERROR: failed to do request: dial tcp: lookup r: no such host"),
            None
        );
        assert_eq!(
            refused_registry("ERROR: Head \"http://r:5000/v2/x\": 503 Service Unavailable"),
            None
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_refusing_registry_is_waited_for_then_the_command_runs_again() {
        let fake = Fake::new(vec![failed(&sample(INSPECT_REFUSED)), ok()], 4);
        let started = Instant::now();
        let (ok, retries, notes) = run(&fake, &policy(3)).await;
        assert!(ok);
        assert_eq!(fake.ran.load(Ordering::SeqCst), 2);
        assert_eq!(fake.probes.load(Ordering::SeqCst), 4);
        // Three probes that found nothing, two seconds apart, then one that did.
        assert_eq!(started.elapsed(), Duration::from_secs(6));
        let [RetryNote::Unreachable {
            registry, limit, ..
        }, RetryNote::Answering {
            registry: back,
            after,
        }] = notes.as_slice()
        else {
            panic!("{notes:?}")
        };
        assert_eq!(
            (registry.as_str(), *limit),
            ("127.0.0.1:5000", policy(3).engine_wait)
        );
        assert_eq!(
            (back.as_str(), *after),
            ("127.0.0.1:5000", Duration::from_secs(6))
        );
        assert_eq!(retries.len(), 1);
        assert_eq!(retries[0].cause, "connection refused (registry)");
        assert!(
            retries[0].reason.starts_with("failed to do request: Head "),
            "{:?}",
            retries[0]
        );
        assert_eq!(
            retried_words(&retries).as_deref(),
            Some("retried 1× after: connection refused (registry)")
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_registry_that_stays_down_ends_the_wait_after_engine_wait() {
        let fake = Fake::new(vec![failed(&sample(PUSH_REFUSED))], u32::MAX);
        let started = Instant::now();
        let mut notes = Vec::new();
        let (result, retries) = retrying(
            &fake,
            &["buildx".into()],
            Duration::from_secs(1),
            &policy(3),
            &mut |n| notes.push(n),
        )
        .await;
        assert_eq!(started.elapsed(), Duration::from_secs(60));
        let e = result.err().expect("the wait gave up");
        assert!(
            e.starts_with("ERROR: failed to solve: failed to push"),
            "{e}"
        );
        assert!(
            e.ends_with(
                "registry 127.0.0.1:5000 did not answer for 1m00s ([retry] engine_wait); start it, \
                 or give it longer with engine_wait in matrix.toml"
            ),
            "{e}"
        );
        assert_eq!(retries, []);
        assert_eq!(notes.len(), 1, "{notes:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn other_transient_failures_back_off_as_builds_do() {
        let fake = Fake::new(vec![failed(UNAVAILABLE), failed(UNAVAILABLE), ok()], 1);
        let (ok, retries, notes) = run(&fake, &policy(3)).await;
        assert!(ok);
        let delays: Vec<(u32, u32, Duration)> = notes
            .iter()
            .map(|n| match n {
                RetryNote::Retrying {
                    next, of, delay, ..
                } => (*next, *of, *delay),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(delays.len(), 2);
        assert_eq!((delays[0].0, delays[0].1), (2, 3));
        assert_eq!((delays[1].0, delays[1].1), (3, 3));
        // 5s, then 10s, each ±20%.
        let within = |d: Duration, base: f64| (base * 0.8..=base * 1.2).contains(&d.as_secs_f64());
        assert!(
            within(delays[0].2, 5.0) && within(delays[1].2, 10.0),
            "{delays:?}"
        );
        assert_eq!(fake.probes.load(Ordering::SeqCst), 0);
        assert_eq!(
            retried_words(&retries).as_deref(),
            Some("retried 2× after: 503 service unavailable")
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_attempts_bound_the_tries() {
        let fake = Fake::new(vec![failed(UNAVAILABLE); 3], 1);
        let (ok, retries, _) = run(&fake, &policy(3)).await;
        assert!(!ok);
        assert_eq!(fake.ran.load(Ordering::SeqCst), 3);
        assert_eq!(retries.len(), 2);
        // One attempt means no retry, not even a wait for a refusing registry.
        let fake = Fake::new(vec![failed(&sample(INSPECT_REFUSED))], 1);
        let (ok, retries, notes) = run(&fake, &policy(1)).await;
        assert!(!ok && retries.is_empty() && notes.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn permanent_failures_and_a_missing_tag_are_answers() {
        for stderr in [
            "ERROR: unexpected status: 401 Unauthorized\n",
            "ERROR: localhost:5000/x/app:v1: not found\n",
        ] {
            let fake = Fake::new(vec![failed(stderr)], 1);
            let (ok, retries, notes) = run(&fake, &policy(3)).await;
            assert!(!ok && retries.is_empty() && notes.is_empty(), "{stderr}");
            assert_eq!(fake.ran.load(Ordering::SeqCst), 1);
        }
    }
}
