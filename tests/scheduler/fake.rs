//! A runner that plays scripted attempts, and an engine and registry that can go away.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use archgrid::build::history::StepTime;
use archgrid::build::outage::Resource;
use archgrid::build::runner::child::BoxFuture;
use archgrid::build::runner::classify::classify;
use archgrid::build::runner::{AttemptOutcome, BuildEvent, RunOpts, Runner};
use archgrid::plan::Cell;
use tokio::sync::{mpsc, watch};

/// What the fake does for one attempt of one cell.
#[derive(Clone)]
pub enum Script {
    Green,
    /// Green, after this long instead of the fake's usual time.
    GreenAfter(Duration),
    /// Green, every step from the cache.
    CacheHit,
    Fail(&'static str),
    /// Runs until canceled.
    Hang,
}

#[derive(Default)]
pub struct Log {
    pub started: Vec<(String, u32, RunOpts)>,
    pub running: usize,
    pub max_running: usize,
    pub max_per_platform: HashMap<String, usize>,
    pub running_per_platform: HashMap<String, usize>,
    pub finished: Vec<String>,
}

#[derive(Clone)]
pub struct Fake {
    scripts: Arc<Mutex<HashMap<String, Vec<Script>>>>,
    /// Steps each attempt of a cell reports as started and ended, whatever its script.
    steps: Arc<Mutex<HashMap<String, Vec<StepTime>>>>,
    pub log: Arc<Mutex<Log>>,
    work: Duration,
    /// Docker contexts whose engine is down (`None`: the default one). A cell on a down
    /// engine fails the way buildx does: at once if it starts then, mid-build if it was running.
    pub down: Arc<watch::Sender<BTreeSet<Option<String>>>>,
    /// Registries (`host:port`) that refuse connections: a cell pushing there fails at its end.
    pub registry_down: Arc<watch::Sender<bool>>,
    /// Engines that stopped answering while the builds already running on them hang on.
    pub frozen: Arc<Mutex<BTreeSet<Option<String>>>>,
    /// How many times each resource was asked whether it answers.
    pub probes: Arc<Mutex<Vec<Resource>>>,
}

/// What buildx printed when the daemon was killed mid-build and when it was not there at all,
/// and when the registry refused a push (tests/fixtures/buildx-0.13.1/infra/, registry-down-*).
pub const DAEMON_KILLED: &str =
    "ERROR: failed to solve: Unavailable: error reading from server: EOF";
pub const DAEMON_DOWN: &str = "ERROR: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?";
pub const REGISTRY_DOWN: &str = "ERROR: failed to solve: failed to push 127.0.0.1:5000/x:1: failed to do request: Head \"https://127.0.0.1:5000/v2/x/blobs/sha256:0d\": dial tcp 127.0.0.1:5000: connect: connection refused";

impl Fake {
    pub fn new(work: Duration) -> Fake {
        Fake {
            scripts: Default::default(),
            steps: Default::default(),
            log: Default::default(),
            work,
            down: Arc::new(watch::channel(BTreeSet::new()).0),
            registry_down: Arc::new(watch::channel(false).0),
            probes: Default::default(),
            frozen: Default::default(),
        }
    }

    pub fn freeze(&self, context: Option<&str>) {
        self.frozen
            .lock()
            .unwrap()
            .insert(context.map(str::to_string));
    }

    pub fn engine(&self, context: Option<&str>, up: bool) {
        let context = context.map(str::to_string);
        self.down.send_modify(|down| {
            if up {
                down.remove(&context);
            } else {
                down.insert(context);
            }
        });
    }

    pub fn script(self, cell: &str, steps: Vec<Script>) -> Fake {
        self.scripts.lock().unwrap().insert(cell.to_string(), steps);
        self
    }

    /// Steps that every attempt of `cell` reports as started and ended, before its end.
    pub fn steps(self, cell: &str, steps: &[StepTime]) -> Fake {
        self.steps
            .lock()
            .unwrap()
            .insert(cell.to_string(), steps.to_vec());
        self
    }
}

impl Runner for Fake {
    fn run(
        &self,
        cell: Arc<Cell>,
        attempt: u32,
        opts: RunOpts,
        events: mpsc::Sender<BuildEvent>,
        mut cancel: watch::Receiver<bool>,
    ) -> BoxFuture<AttemptOutcome> {
        let id = cell.id();
        // Scripts are for attempts; a cache-warming build just takes its time.
        let script = match self.scripts.lock().unwrap().get_mut(&id) {
            _ if opts.warm => Script::Green,
            Some(s) if !s.is_empty() => s.remove(0),
            _ => Script::Green,
        };
        let steps = self
            .steps
            .lock()
            .unwrap()
            .get(&id)
            .cloned()
            .unwrap_or_default();
        let log = self.log.clone();
        let work = self.work;
        let platform = cell.platform.to_string();
        let context = cell.docker_context.clone();
        let mut down = self.down.subscribe();
        let registry_down = *self.registry_down.borrow();
        let pushes = cell.image.starts_with("127.0.0.1:5000/");
        let frozen = self.frozen.lock().unwrap().contains(&context);
        Box::pin(async move {
            if frozen || down.borrow().contains(&context) {
                log.lock()
                    .unwrap()
                    .started
                    .push((id.clone(), attempt, opts));
                return failed(DAEMON_DOWN);
            }
            {
                let mut l = log.lock().unwrap();
                l.started.push((id.clone(), attempt, opts));
                l.running += 1;
                l.max_running = l.max_running.max(l.running);
                let n = l.running_per_platform.entry(platform.clone()).or_default();
                *n += 1;
                let n = *n;
                let m = l.max_per_platform.entry(platform.clone()).or_default();
                *m = (*m).max(n);
            }
            let _ = events
                .send(BuildEvent::Log {
                    step: "RUN x".into(),
                    stream: 1,
                    lines: format!("hello from {id}").into(),
                })
                .await;
            for step in steps {
                let started = BuildEvent::StepStarted {
                    step: step.name.clone(),
                };
                let _ = events.send(started).await;
                let ended = BuildEvent::StepEnded {
                    step: step.name,
                    duration: step.duration,
                    cached: step.cached,
                };
                let _ = events.send(ended).await;
            }
            let outcome = match script {
                Script::Hang => {
                    let _ = cancel.wait_for(|c| *c).await;
                    AttemptOutcome::Canceled
                }
                other => {
                    let work = match other {
                        Script::GreenAfter(took) => took,
                        _ => work,
                    };
                    tokio::select! {
                        _ = tokio::time::sleep(work) => match other {
                            Script::Green if pushes && registry_down => failed(REGISTRY_DOWN),
                            Script::Green | Script::GreenAfter(_) => AttemptOutcome::Green { digest: Some(format!("sha256:{id}")), cached: false },
                            Script::CacheHit => AttemptOutcome::Green { digest: Some(format!("sha256:{id}")), cached: true },
                            Script::Fail(text) => failed(text),
                            Script::Hang => unreachable!(),
                        },
                        _ = cancel.wait_for(|c| *c) => AttemptOutcome::Canceled,
                        _ = down.wait_for(|d| d.contains(&context)) => failed(DAEMON_KILLED),
                    }
                }
            };
            let mut l = log.lock().unwrap();
            l.running -= 1;
            *l.running_per_platform.get_mut(&platform).unwrap() -= 1;
            l.finished.push(id);
            outcome
        })
    }

    fn answers(&self, resource: Resource) -> BoxFuture<Result<(), String>> {
        self.probes.lock().unwrap().push(resource.clone());
        let answer = match &resource {
            Resource::Engine(context)
                if self.down.borrow().contains(context)
                    || self.frozen.lock().unwrap().contains(context) =>
            {
                Err("Cannot connect to the Docker daemon".to_string())
            }
            Resource::Registry(host) if *self.registry_down.borrow() => {
                Err(format!("{host}: connection refused"))
            }
            _ => Ok(()),
        };
        Box::pin(async move { answer })
    }
}

fn failed(text: &str) -> AttemptOutcome {
    AttemptOutcome::Failed {
        text: text.to_string(),
        classification: classify(text),
        exit_code: Some(1),
    }
}
