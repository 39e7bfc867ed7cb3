//! The committed site is what the registry generates now, and generating it
//! is reproducible: same bytes every run, nothing of the machine in them.

use catalogue::registry;

#[test]
fn the_committed_site_is_up_to_date() {
    let problems = docs_gen::check(&docs_gen::docs_dir()).expect("docs/ readable");
    assert!(
        problems.is_empty(),
        "docs/ is stale; regenerate it with `{}`:\n  {}",
        docs_gen::WRITE_COMMAND,
        problems.join("\n  ")
    );
}

#[test]
fn the_site_is_reproducible_and_holds_no_machine_paths() {
    let first = docs_gen::generate();
    let second = docs_gen::generate();
    assert!(first == second, "two runs generated different sites");

    let workspace = docs_gen::docs_dir().parent().unwrap().display().to_string();
    let temp = std::env::temp_dir().display().to_string();
    let home = std::env::var("HOME").unwrap_or_default();
    let mut needles = vec![workspace.as_str(), temp.as_str(), "/home/", "/Users/"];
    if home.len() > 1 {
        needles.push(&home);
    }
    for (path, content) in &first {
        for needle in &needles {
            assert!(
                !content.contains(needle),
                "{path} holds the machine path {needle:?}"
            );
        }
    }
}

#[test]
fn every_tool_has_a_page_an_index_entry_and_a_search_entry() {
    let site = docs_gen::generate();
    let index = &site["index.html"];
    let search = &site["search-index.js"];
    for tool in registry() {
        let page = site
            .get(&format!("tools/{}.html", tool.name))
            .unwrap_or_else(|| panic!("no page for {}", tool.name));
        assert!(page.contains(&format!("<code>{}</code>", tool.name)));
        assert!(
            index.contains(&format!("href=\"tools/{}.html\"", tool.name)),
            "{} not in the index",
            tool.name
        );
        assert!(
            search.contains(&format!("\"name\":\"{}\"", tool.name)),
            "{} not in the search index",
            tool.name
        );
    }
    let pages = site.keys().filter(|p| p.starts_with("tools/")).count();
    assert_eq!(pages, registry().len(), "a page for a tool that is gone");
}
