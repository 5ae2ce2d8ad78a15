//! A wall of the design, checked: the modules of `generator/src` form no cycle (a module that
//! uses another module's items, both ways, directly or around a ring). (That no function is over
//! 80 lines is clippy's `too_many_lines`, at the threshold of `clippy.toml`.) Each file is a module; a module uses another where it names one of its
//! items in a `use` or a path (`crate::ir::Ty`, `super::docs::render`), a re-export followed to
//! the module that defines the item. Code under `#[cfg(test)]` and inside macros (the emitted
//! `quote!` code) is not the design's and is left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// A module: its path from the crate (`["ir", "types"]`) and its file.
struct Module {
    file: PathBuf,
    /// Every path it names, as written (`crate::ir::Ty`, `super::docs`), made absolute.
    names: Vec<Vec<String>>,
    /// Its re-exports: an item name to the path it stands for.
    reexports: BTreeMap<String, Vec<String>>,
    /// The modules it re-exports whole (`pub use model::*`).
    globs: Vec<Vec<String>>,
    /// Its items' names (functions, types, constants...) defined in it.
    items: BTreeSet<String>,
}

fn modules(src: &Path) -> BTreeMap<Vec<String>, Module> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel: Vec<String> = path
                .strip_prefix(src)
                .unwrap()
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let module: Vec<String> = match rel.last().map(String::as_str) {
                Some("lib") if rel.len() == 1 => Vec::new(),
                Some("mod") => rel[..rel.len() - 1].to_vec(),
                _ => rel,
            };
            let text = std::fs::read_to_string(&path).unwrap();
            let file = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let mut visitor = Names {
                module: module.clone(),
                names: Vec::new(),
                relative: Vec::new(),
                reexports: BTreeMap::new(),
                globs: Vec::new(),
                items: BTreeSet::new(),
                depth: 0,
            };
            visitor.visit_file(&file);
            let child = |p: &Vec<String>| p.len() > module.len() + 1;
            visitor
                .names
                .extend(visitor.relative.iter().filter(|p| child(p)).cloned());
            out.insert(
                module,
                Module {
                    file: path,
                    names: visitor.names,
                    reexports: visitor.reexports,
                    globs: visitor.globs,
                    items: visitor.items,
                },
            );
        }
    }
    out
}

struct Names {
    module: Vec<String>,
    names: Vec<Vec<String>>,
    /// Paths that may name a child module, made absolute.
    relative: Vec<Vec<String>>,
    reexports: BTreeMap<String, Vec<String>>,
    globs: Vec<Vec<String>>,
    items: BTreeSet<String>,
    /// How deep in nested items (only the file's own items are its items).
    depth: usize,
}

fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.meta
                .require_list()
                .is_ok_and(|l| l.tokens.to_string().contains("test"))
    })
}

impl Names {
    /// `segments` (as written) made absolute, or `None` for a path that names no crate module
    /// (a local, std, another crate).
    fn absolute(&self, segments: &[String]) -> Option<Vec<String>> {
        let first = segments.first()?;
        let mut base = match first.as_str() {
            "crate" => Vec::new(),
            "super" => {
                let mut b = self.module.clone();
                b.pop();
                b
            }
            "self" => self.module.clone(),
            _ => return None,
        };
        for s in &segments[1..] {
            match s.as_str() {
                "super" => {
                    base.pop();
                }
                "self" => {}
                other => base.push(other.to_owned()),
            }
        }
        Some(base)
    }

    fn use_tree(&mut self, prefix: Vec<String>, tree: &syn::UseTree, public: bool) {
        match tree {
            syn::UseTree::Path(p) => {
                let mut next = prefix;
                next.push(p.ident.to_string());
                self.use_tree(next, &p.tree, public);
            }
            syn::UseTree::Name(n) => {
                let mut full = prefix;
                let name = n.ident.to_string();
                if name != "self" {
                    full.push(name.clone());
                }
                self.used(full, public.then_some(name));
            }
            syn::UseTree::Rename(r) => {
                let mut full = prefix;
                full.push(r.ident.to_string());
                self.used(full, public.then(|| r.rename.to_string()));
            }
            syn::UseTree::Glob(_) => {
                if public {
                    let mut target = self.module.clone();
                    target.extend(prefix.iter().cloned());
                    self.globs.push(self.absolute(&prefix).unwrap_or(target));
                }
                self.used(prefix, None);
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(prefix.clone(), t, public);
                }
            }
        }
    }

    /// A `use` of `segments` (as written), re-exported as `name` if public; a relative `use`
    /// (`use types::Ty` in `ir`) names a child module.
    fn used(&mut self, segments: Vec<String>, reexport: Option<String>) {
        let absolute = self.absolute(&segments).or_else(|| {
            // `use child::Item` (2018 paths name a child module without `self::`)
            let mut b = self.module.clone();
            b.extend(segments.iter().cloned());
            (!segments.is_empty()).then_some(b)
        });
        if let Some(a) = absolute {
            if let Some(name) = reexport {
                self.reexports.insert(name, a.clone());
            }
            self.names.push(a);
        }
    }
}

impl<'ast> Visit<'ast> for Names {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Use(u) => &u.attrs,
            syn::Item::Const(c) => &c.attrs,
            syn::Item::Struct(s) => &s.attrs,
            syn::Item::Enum(e) => &e.attrs,
            _ => &Vec::new(),
        };
        if is_test(attrs) {
            return;
        }
        if self.depth == 0 {
            let name = match item {
                syn::Item::Fn(f) => Some(f.sig.ident.to_string()),
                syn::Item::Struct(s) => Some(s.ident.to_string()),
                syn::Item::Enum(e) => Some(e.ident.to_string()),
                syn::Item::Const(c) => Some(c.ident.to_string()),
                syn::Item::Static(s) => Some(s.ident.to_string()),
                syn::Item::Type(t) => Some(t.ident.to_string()),
                syn::Item::Trait(t) => Some(t.ident.to_string()),
                _ => None,
            };
            self.items.extend(name);
        }
        if let syn::Item::Use(u) = item {
            let public = matches!(u.vis, syn::Visibility::Public(_) | syn::Visibility::Restricted(_));
            self.use_tree(Vec::new(), &u.tree, public);
            return;
        }
        self.depth += 1;
        syn::visit::visit_item(self, item);
        self.depth -= 1;
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if let Some(a) = self.absolute(&segments) {
            self.names.push(a);
        } else if path.leading_colon.is_none() && segments.len() > 1 {
            // a child module named without `self::` (`types::TypeSpace` in `ir`): kept, and
            // kept only where it names a module (see `module_graph`)
            let mut relative = self.module.clone();
            relative.extend(segments);
            self.relative.push(relative);
        }
        syn::visit::visit_path(self, path);
    }

    // `pub(crate)` names no item
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    // the emitted code in `quote!` is not the generator's own; the arguments of other macros
    // (`format!`, `matches!`, ...) are, where they read as expressions
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if mac
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident.to_string().starts_with("quote"))
        {
            return;
        }
        let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        if let Ok(args) = syn::parse::Parser::parse2(parser, mac.tokens.clone()) {
            for arg in &args {
                self.visit_expr(arg);
            }
        }
    }
}

/// The module a name stands for: the longest module prefix of the path, a re-export of that
/// module followed to where it leads.
fn resolve(mods: &BTreeMap<Vec<String>, Module>, name: &[String], depth: usize) -> Option<Vec<String>> {
    let mut len = name.len();
    while len > 0 && !mods.contains_key(&name[..len]) {
        len -= 1;
    }
    let module = name[..len].to_vec();
    let found = mods.get(&module)?;
    if let (Some(item), true) = (name.get(len), depth < 8) {
        if !found.items.contains(item) {
            if let Some(target) = found.reexports.get(item) {
                let mut further = target.clone();
                further.extend(name[len + 1..].iter().cloned());
                return resolve(mods, &further, depth + 1).or(Some(module));
            }
            // a glob re-export of a module that has the item
            for glob in &found.globs {
                if mods
                    .get(glob)
                    .is_some_and(|m| m.items.contains(item) || m.reexports.contains_key(item))
                {
                    let mut further = glob.clone();
                    further.extend(name[len..].iter().cloned());
                    return resolve(mods, &further, depth + 1).or(Some(module));
                }
            }
        }
    }
    Some(module)
}

/// The cycles of the module graph: each strongly connected component of two modules or more.
fn cycles(edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<Vec<String>>> {
    // Tarjan's algorithm
    struct State<'a> {
        edges: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on_stack: BTreeSet<&'a Vec<String>>,
        out: Vec<Vec<Vec<String>>>,
    }
    fn connect<'a>(s: &mut State<'a>, v: &'a Vec<String>) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        let edges = s.edges;
        for w in edges.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                connect(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.clone());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.out.push(component);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v) {
            connect(&mut s, v);
        }
    }
    s.out
}

/// A module's path from the crate (`["ir", "types"]`).
type ModulePath = Vec<String>;

/// Each module and the modules it uses.
type Edges = BTreeMap<ModulePath, BTreeSet<ModulePath>>;

fn module_graph(src: &Path) -> (BTreeMap<ModulePath, Module>, Edges) {
    let mods = modules(src);
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (name, module) in &mods {
        let out = edges.entry(name.clone()).or_default();
        for used in &module.names {
            if let Some(target) = resolve(&mods, used, 0) {
                if &target != name {
                    out.insert(target);
                }
            }
        }
    }
    (mods, edges)
}

#[test]
fn the_generator_s_modules_form_no_cycle() {
    let src = matrix_api_tests::workspace().join("generator/src");
    let (mods, edges) = module_graph(&src);
    assert!(mods.len() > 20, "{} modules", mods.len());
    let found = cycles(&edges);
    let described: Vec<String> = found
        .iter()
        .map(|c| {
            let file = |m: &Vec<String>| mods[m].file.strip_prefix(&src).unwrap().display().to_string();
            let uses: Vec<String> = c
                .iter()
                .flat_map(|m| {
                    edges[m]
                        .iter()
                        .filter(|t| c.contains(t))
                        .map(move |t| format!("{} uses {}", file(m), file(t)))
                })
                .collect();
            format!(
                "{}: {}",
                c.iter().map(file).collect::<Vec<_>>().join(" ↔ "),
                uses.join("; ")
            )
        })
        .collect();
    assert!(
        described.is_empty(),
        "the modules form cycles:\n{}",
        described.join("\n")
    );
}

#[test]
fn a_cycle_is_found_and_named() {
    // the check itself, on a crate made to have one: `a` uses `b::B`, `b` uses `crate::a::A`
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lib.rs"), "mod a;\nmod b;\nmod c;\n").unwrap();
    std::fs::write(
        dir.path().join("a.rs"),
        "pub struct A;\nfn f() -> crate::b::B { todo!() }\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("b.rs"), "use crate::a::A;\npub struct B(A);\n").unwrap();
    std::fs::write(
        dir.path().join("c.rs"),
        "use super::a::A;\n#[cfg(test)]\nmod tests { use crate::c::*; }\n",
    )
    .unwrap();
    let (_, edges) = module_graph(dir.path());
    let found = cycles(&edges);
    assert_eq!(found, vec![vec![vec!["a".to_owned()], vec!["b".to_owned()]]]);
}
