//! The one rule for which image references mean a project's component: planning and import
//! both read Dockerfiles with it, so what import writes is what the plan finds.

use std::collections::BTreeMap;

use super::reference::{familiar, repository};

#[derive(Debug, Clone, Default)]
pub struct ComponentNames {
    /// The bare name, only untagged: `FROM nginx:1.25` in a project with an `nginx` component
    /// still means the public image.
    bare: BTreeMap<String, String>,
    /// `{registry}/{component}` and aliases, with any tag.
    repositories: BTreeMap<String, String>,
}

impl ComponentNames {
    /// Without a registry, images are `localhost/{project}/{component}`.
    pub fn new<'a>(
        registry: Option<&str>,
        project: &str,
        components: impl IntoIterator<Item = (&'a str, &'a [String])>,
    ) -> Self {
        let mut names = ComponentNames::default();
        for (name, aliases) in components {
            names.bare.insert(name.to_string(), name.to_string());
            let image = match registry {
                Some(registry) => format!("{registry}/{name}"),
                None => format!("localhost/{project}/{name}"),
            };
            names
                .repositories
                .insert(repository(&image), name.to_string());
            for alias in aliases {
                names
                    .repositories
                    .insert(repository(alias), name.to_string());
            }
        }
        names
    }

    /// The component `reference` means, if any.
    pub fn component(&self, reference: &str) -> Option<&str> {
        self.bare
            .get(&familiar(reference))
            .or_else(|| self.repositories.get(&repository(reference)))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_untagged_registry_and_aliases_with_any_tag() {
        let aliases = ["acme/web".to_string()];
        let names = ComponentNames::new(
            Some("localhost:5000/shop"),
            "shop",
            [("nginx", &[][..]), ("web", &aliases[..])],
        );
        assert_eq!(names.component("nginx"), Some("nginx"));
        assert_eq!(
            names.component("docker.io/library/nginx:latest"),
            Some("nginx")
        );
        assert_eq!(names.component("nginx:1.25"), None);
        assert_eq!(
            names.component("localhost:5000/shop/nginx:9"),
            Some("nginx")
        );
        assert_eq!(names.component("acme/web:2@sha256:ab"), Some("web"));
        assert_eq!(names.component("localhost:5000/other/nginx:9"), None);
        let local = ComponentNames::new(None, "shop", [("web", &[][..])]);
        assert_eq!(local.component("localhost/shop/web:v1-arm64"), Some("web"));
    }
}
