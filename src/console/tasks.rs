//! The slow work effects ask for, each on its own task: the doctor, a publish, an export.
//! Progress and results come back as messages, so the loop never waits on docker.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use super::msg::Msg;
use crate::config::{Matrix, RetryPolicy};
use crate::doctor;
use crate::publish::create::{self, ListPlan};
use crate::publish::export::{self, ExportPlan};

pub fn run_doctor(matrix: Arc<Matrix>, tx: &UnboundedSender<Msg>) {
    let tx = tx.clone();
    tokio::spawn(async move {
        let report = doctor::run(&matrix).await;
        let _ = tx.send(Msg::Doctor(report));
    });
}

pub fn publish(lists: Vec<ListPlan>, policy: RetryPolicy, tx: &UnboundedSender<Msg>) {
    let tx = tx.clone();
    tokio::spawn(async move {
        let progress_tx = tx.clone();
        let work = tokio::spawn(async move {
            let mut progress = move |p| {
                let _ = progress_tx.send(Msg::Publish(p));
            };
            create::publish(&lists, &policy, &mut progress).await;
        });
        // A panic in the task still has to end the publish in the console.
        let error = work.await.err().map(|e| e.to_string());
        let _ = tx.send(Msg::PublishEnded(error));
    });
}

pub fn export(mut plan: ExportPlan, tx: &UnboundedSender<Msg>) {
    plan.dir = expand_home(&plan.dir, std::env::var_os("HOME").map(PathBuf::from));
    let tx = tx.clone();
    tokio::spawn(async move {
        let progress_tx = tx.clone();
        let work = tokio::spawn(async move {
            let mut progress = move |p| {
                let _ = progress_tx.send(Msg::Export(p));
            };
            export::export(&plan, &mut progress).await
        });
        let result = work.await.map_err(|e| e.to_string());
        let _ = tx.send(Msg::ExportEnded(result));
    });
}

/// A typed `~/out` means the home directory, as in a shell; without this it would create a
/// directory named `~`.
pub fn expand_home(dir: &Path, home: Option<PathBuf>) -> PathBuf {
    let Some(home) = home else {
        return dir.to_path_buf();
    };
    match dir.strip_prefix("~") {
        Ok(rest) => home.join(rest),
        Err(_) => dir.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leading_tilde_is_the_home_directory() {
        let home = Some(PathBuf::from("/home/u"));
        assert_eq!(
            expand_home(Path::new("~/out"), home.clone()),
            Path::new("/home/u/out")
        );
        assert_eq!(
            expand_home(Path::new("~"), home.clone()),
            Path::new("/home/u")
        );
        assert_eq!(
            expand_home(Path::new("./~x"), home.clone()),
            Path::new("./~x")
        );
        assert_eq!(expand_home(Path::new("~/out"), None), Path::new("~/out"));
    }
}
