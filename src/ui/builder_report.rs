//! What is wrong with the builders for this plan, in words: the builder pane shows it and its
//! tab title flags it, so a configuration that cannot work is seen before builds fail on it.

use crate::platform::Platform;

use super::app::App;

pub fn builder_label(name: &Option<String>) -> String {
    match name {
        Some(n) => n.clone(),
        None => "(current)".into(),
    }
}

/// Platforms of the cells that build on `builder`.
pub fn platforms_on(app: &App, builder: &Option<String>) -> Vec<Platform> {
    let mut out: Vec<Platform> = Vec::new();
    for cell in app.plan.cells.iter().filter(|c| &c.builder == builder) {
        if !out.contains(&cell.platform) {
            out.push(cell.platform.clone());
        }
    }
    out
}

pub fn warnings(app: &App) -> Vec<String> {
    let Some(facts) = &app.builders else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, result) in &facts.used {
        let b = match result {
            Ok(b) => b,
            Err(e) => {
                out.push(format!(
                    "cannot inspect builder {}: {e}",
                    builder_label(name)
                ));
                continue;
            }
        };
        if let Some(e) = &b.error {
            out.push(format!("builder {}: {e}", b.name));
        }
        for node in &b.nodes {
            if let Some(e) = &node.error {
                out.push(format!("node {} of builder {}: {e}", node.name, b.name));
            }
        }
        if app.wants_network_host {
            for node in b.nodes_refusing_network_host() {
                out.push(format!(
                    "builds ask for --allow network.host ([builder] network = \"host\"), but node {} of \
                     builder {} ({} driver) has no --allow-insecure-entitlement network.host in its \
                     daemon flags, so BuildKit will refuse them; recreate the builder with \
                     --buildkitd-flags '--allow-insecure-entitlement network.host'",
                    node.name, b.name, b.driver
                ));
            }
        }
        for p in b.missing_platforms(&platforms_on(app, name)) {
            out.push(format!(
                "no node of builder {} lists {p}, which cells build for",
                b.name
            ));
        }
    }
    out
}
