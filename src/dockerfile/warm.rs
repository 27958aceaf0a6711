//! Where a build can begin before an image it reads late exists. A Dockerfile that starts
//! `FROM base`, runs its own steps and only then `COPY --from=api` can have those steps built,
//! as a cache-only build, while `api` still builds; its real build later finds them cached.

use std::collections::BTreeMap;

use super::{Dockerfile, Resolved};
use crate::model::Platform;

impl Dockerfile {
    /// The first line a cache-warming build of `target` leaves out: the start of the first
    /// instruction that reads an image `late` accepts. Everything before it is the warming
    /// build's Dockerfile.
    ///
    /// None when that would be unsound or gain nothing: a stage the target needs starts FROM a
    /// late image, a late image is read outside the target's own stage, the part kept needs a
    /// stage written after the cut, or the part kept runs no step.
    pub fn warm_cut(
        &self,
        args: &BTreeMap<String, String>,
        platform: &Platform,
        target: Option<&str>,
        late: &dyn Fn(&str) -> bool,
    ) -> Option<usize> {
        let start = self.target_stage(target)?;
        let (bases, refs) = self.resolve_all(args, platform);
        let needed = self.needed(target, &bases, &refs);
        let is_late = |r: &Resolved| matches!(r, Resolved::Image(image) if late(image));
        let mut cut: Option<usize> = None;
        for i in (0..self.stages.len()).filter(|&i| needed[i]) {
            if is_late(&bases[i]) {
                return None;
            }
            for (resolved, r) in &refs[i] {
                if !is_late(resolved) {
                    continue;
                }
                if i != start {
                    return None;
                }
                cut = Some(cut.map_or(r.line, |c| c.min(r.line)));
            }
        }
        let cut = cut?;
        let kept: Vec<_> = refs
            .iter()
            .enumerate()
            .map(|(i, stage_refs)| {
                stage_refs
                    .iter()
                    .filter(|(_, r)| i != start || r.line < cut)
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .collect();
        let warm_needed = self.needed(target, &bases, &kept);
        let mut steps = 0;
        for (i, stage) in self.stages.iter().enumerate() {
            if !warm_needed[i] {
                continue;
            }
            if stage.line >= cut {
                return None;
            }
            steps += stage.step_lines.iter().filter(|&&l| l < cut).count();
        }
        (steps > 0).then_some(cut)
    }
}

/// The lines of `text` before line `before` (counted from 1, as the reader counts them).
pub fn lines_before(text: &str, before: usize) -> &str {
    let mut end = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        if n + 1 >= before {
            break;
        }
        end += line.len();
    }
    &text[..end]
}
