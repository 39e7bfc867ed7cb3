//! OAuth scopes: what a connector signed in with OAuth may do. Every tool
//! names the one scope it needs (`#[tool(scope = "…")]`, checked against
//! [`ALL`] at compile time by the macro, which keeps its own copy of the
//! names; a test here keeps the two in step). A personal API token holds
//! every scope.

pub const TRACKS_READ: &str = "tracks:read";
pub const TRACKS_WRITE: &str = "tracks:write";
pub const INVOICES: &str = "invoices";
pub const ADMIN: &str = "admin";

/// Every scope, in the order a consent page lists them, with what it grants
/// in the words a user reads there.
pub const ALL: &[(&str, &str)] = &[
    (
        TRACKS_READ,
        "See your timers, tracks, projects, clients, tags, reports and settings",
    ),
    (
        TRACKS_WRITE,
        "Start and stop timers; add, change and delete tracks, projects, clients and tags",
    ),
    (INVOICES, "See, create, send and change your invoices"),
    (ADMIN, "Change your settings"),
];

/// The scope a tool needs when it names none: the narrowest grant that
/// still lets the user's own full-access tokens call it.
pub const DEFAULT: &str = ADMIN;

pub fn is_known(scope: &str) -> bool {
    ALL.iter().any(|(name, _)| *name == scope)
}

pub fn describe(scope: &str) -> Option<&'static str> {
    ALL.iter().find(|(name, _)| *name == scope).map(|(_, d)| *d)
}

/// Every scope, space-separated: what a client gets that asks for none.
pub fn all_joined() -> String {
    ALL.iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_names_a_known_scope() {
        for tool in crate::registry() {
            let scope = tool
                .scope
                .unwrap_or_else(|| panic!("{} names no scope", tool.name));
            assert!(is_known(scope), "{}: {scope}", tool.name);
            if tool.read_only && tool.area() != "invoices" {
                assert_eq!(scope, TRACKS_READ, "{} is read-only", tool.name);
            }
        }
    }
}
