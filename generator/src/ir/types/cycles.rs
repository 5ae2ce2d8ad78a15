//! Recursive types: a field whose type contains the type itself, without a list or map in
//! between, is boxed where the cycle closes.

use super::model::{Ty, TypeId, TypeKind, TypeSpace};

/// The named struct a field holds directly (not behind a `Vec` or map), if any.
fn direct(ty: &Ty) -> Option<TypeId> {
    match ty {
        Ty::Named(id) => Some(*id),
        _ => None,
    }
}

/// Marks as boxed every field that closes a cycle of structs holding each other directly.
pub fn box_cycles(space: &mut TypeSpace) {
    let edges: Vec<Vec<TypeId>> = space
        .defs
        .iter()
        .map(|d| match &d.kind {
            TypeKind::Struct(s) => s.fields.iter().filter_map(|f| direct(&f.ty)).collect(),
            // a union holds named types boxed
            TypeKind::Enum(_) | TypeKind::Union(_) => Vec::new(),
        })
        .collect();
    let reaches = |from: TypeId, to: TypeId| -> bool {
        let mut seen = vec![false; edges.len()];
        let mut stack = vec![from];
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if std::mem::replace(&mut seen[n.0], true) {
                continue;
            }
            stack.extend(edges[n.0].iter().copied());
        }
        false
    };
    for id in 0..space.defs.len() {
        let boxed: Vec<bool> = match &space.defs[id].kind {
            TypeKind::Struct(s) => s
                .fields
                .iter()
                .map(|f| direct(&f.ty).is_some_and(|to| reaches(to, TypeId(id))))
                .collect(),
            TypeKind::Enum(_) | TypeKind::Union(_) => continue,
        };
        if let TypeKind::Struct(s) = &mut space.defs[id].kind {
            for (f, b) in s.fields.iter_mut().zip(boxed) {
                f.boxed = b;
            }
        }
    }
}
