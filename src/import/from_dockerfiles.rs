//! The Dockerfiles under a folder → a proposed matrix: one component per Dockerfile, its
//! context the Dockerfile's folder.

use std::path::Path;

use super::names;
use super::paths;
use super::proposal::{Component, Origin, Platforms, Project, Proposal, Registry, Tag};
use super::scan::{self, Found};
use super::{Choices, Error, Place};

pub fn propose(
    dir: &Path,
    dir_given: &Path,
    choices: &Choices,
    place: &Place<'_>,
) -> Result<(Proposal, Vec<Found>), Error> {
    let dir = dir.canonicalize().map_err(|e| Error::Scan {
        message: format!("cannot read {}: {e}", dir_given.display()),
        hint: "name a folder that exists: archgrid init DIR".into(),
    })?;
    let found = scan::dockerfiles(&dir).map_err(|message| Error::Scan {
        message,
        hint: "make the folder readable, or name another: archgrid init DIR".into(),
    })?;
    if found.is_empty() {
        return Err(Error::Scan {
            message: format!("no Dockerfile under {}", dir_given.display()),
            hint: "init looks for Dockerfile, Dockerfile.* and *.Dockerfile outside hidden folders, .git, node_modules, vendor and target; name the folder that has them, or use archgrid import for compose and bake files".into(),
        });
    }
    let root_name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "root".into());
    let names = scan::component_names(&found, &dir, &root_name);
    let mut components: Vec<Component> = found
        .iter()
        .zip(names)
        .map(|(f, name)| {
            let file_name = f.file_name();
            Component {
                name,
                source: paths::from_matrix(&dir, &f.path),
                context: paths::from_matrix(place.matrix_dir, f.folder()),
                dockerfile: (file_name != "Dockerfile").then_some(file_name),
                ..Component::default()
            }
        })
        .collect();
    let project = Project {
        name: names::project_name(place.matrix_dir),
        labels: Default::default(),
        registry: match &choices.registry {
            Some(r) => Registry::Flag(r.clone()),
            None => Registry::None,
        },
        tag: match &choices.tag {
            Some(t) => Tag::Flag(t.clone()),
            None => Tag::Default,
        },
        platforms: match &choices.platforms {
            Some(p) => Platforms::Flag(p.clone()),
            None => Platforms::Default,
        },
    };
    super::deps::add_from_dockerfiles(
        &mut components,
        place.matrix_dir,
        project.registry.value(),
        &project.name,
        &project.platforms.list(),
    );
    let proposal = Proposal {
        origin: Origin::Dockerfiles {
            dir: dir_given.display().to_string(),
        },
        project,
        components: super::from_bake::dependencies_first(components),
        secrets: Vec::new(),
        skipped: Vec::new(),
        left_out: Vec::new(),
    };
    Ok((proposal, found))
}
