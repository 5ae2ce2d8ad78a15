//! An operation of one API's IR carried into another's, with the named types it reaches: how a
//! crate over a series of releases keeps an operation the newest release removed (its
//! definition is the last release's that has it). A type the receiving API already has, under
//! the same name and of the same shape, is that type; any other is added, its name made unique
//! among the receiver's types.

use std::collections::{HashMap, HashSet};

use super::model::{Api, Operation, Shape};
use super::naming::{operation_name, unique};
use super::types::{StructDef, Ty, TypeDef, TypeId, TypeKind, TypeSpace};

/// Adds `ops` (operations of `from`) to `into`, with the types they reach, each such type once
/// for all of them: marked deprecated, each module name unique among `into`'s operations.
pub fn transplant(into: &mut Api, from: &Api, ops: &[&Operation]) {
    let roots: Vec<&Ty> = ops.iter().flat_map(|op| operation_types(op)).collect();
    let reached = from.types.reachable(roots.iter().copied());
    let mut taken: HashSet<String> = into.types.defs.iter().map(|d| d.name.clone()).collect();
    let mut map: HashMap<TypeId, TypeId> = HashMap::new();
    let mut added: Vec<TypeId> = Vec::new();
    for id in &reached {
        let def = from.types.get(*id);
        let same = into
            .types
            .defs
            .iter()
            .position(|d| d.name == def.name && same_shape(&from.types, def, &into.types, d, &mut HashSet::new()));
        let new = match same {
            Some(index) => TypeId(index),
            None => {
                let new = TypeId(into.types.defs.len() + added.len());
                added.push(*id);
                new
            }
        };
        map.insert(*id, new);
    }
    for id in added {
        let mut def = from.types.get(id).clone();
        def.name = unique(&def.name, &mut taken);
        remap_kind(&mut def.kind, &map);
        into.types.defs.push(def);
    }
    let mut names: HashSet<String> = into.operations.iter().map(|o| o.name.clone()).collect();
    for op in ops {
        let mut op = (*op).clone();
        remap_operation(&mut op, &map);
        op.name = operation_name(&op.id, &mut names);
        op.deprecated = true;
        into.operations.push(op);
    }
}

/// Every type expression an operation holds at its top: its parameters', its request body's,
/// and its responses' bodies and headers.
fn operation_types(op: &Operation) -> Vec<&Ty> {
    let mut out: Vec<&Ty> = op.params.iter().map(|p| &p.ty).collect();
    if let Some(body) = &op.body {
        out.extend(body.shape.roots());
    }
    for r in std::iter::once(&op.success).chain(&op.responses) {
        if let Some(shape) = &r.body {
            out.extend(shape.roots());
        }
        out.extend(r.headers.iter().map(|h| &h.ty));
    }
    out
}

/// Whether `a` (of `sa`) and `b` (of `sb`) are the same type: the same kind, fields and
/// variants, their named types the same in turn (a pair met again, in a cycle, counts as the
/// same).
fn same_shape(sa: &TypeSpace, a: &TypeDef, sb: &TypeSpace, b: &TypeDef, seen: &mut HashSet<(String, String)>) -> bool {
    if !seen.insert((a.name.clone(), b.name.clone())) {
        return true;
    }
    match (&a.kind, &b.kind) {
        (TypeKind::Enum(x), TypeKind::Enum(y)) => x == y,
        (TypeKind::Union(x), TypeKind::Union(y)) => {
            x.variants.len() == y.variants.len()
                && x.variants
                    .iter()
                    .zip(&y.variants)
                    .all(|(p, q)| p.name == q.name && same_ty(sa, &p.ty, sb, &q.ty, seen))
        }
        (TypeKind::Struct(x), TypeKind::Struct(y)) => same_struct(sa, x, sb, y, seen),
        _ => false,
    }
}

fn same_struct(
    sa: &TypeSpace,
    x: &StructDef,
    sb: &TypeSpace,
    y: &StructDef,
    seen: &mut HashSet<(String, String)>,
) -> bool {
    let additional = match (&x.additional, &y.additional) {
        (None, None) => true,
        (Some(p), Some(q)) => same_ty(sa, p, sb, q, seen),
        _ => false,
    };
    additional
        && x.closed == y.closed
        && x.fields.len() == y.fields.len()
        && x.fields.iter().zip(&y.fields).all(|(f, g)| {
            f.wire == g.wire
                && f.name == g.name
                && f.required == g.required
                && f.nullable == g.nullable
                && f.absent == g.absent
                && same_ty(sa, &f.ty, sb, &g.ty, seen)
        })
}

fn same_ty(sa: &TypeSpace, a: &Ty, sb: &TypeSpace, b: &Ty, seen: &mut HashSet<(String, String)>) -> bool {
    match (a, b) {
        (Ty::Named(x), Ty::Named(y)) => {
            let (x, y) = (sa.get(*x), sb.get(*y));
            x.name == y.name && same_shape(sa, x, sb, y, seen)
        }
        (Ty::Vec(x), Ty::Vec(y)) | (Ty::Map(x), Ty::Map(y)) | (Ty::Nullable(x), Ty::Nullable(y)) => {
            same_ty(sa, x, sb, y, seen)
        }
        _ => a == b,
    }
}

fn remap_ty(ty: &mut Ty, map: &HashMap<TypeId, TypeId>) {
    match ty {
        Ty::Named(id) => {
            if let Some(new) = map.get(id) {
                *id = *new;
            }
        }
        Ty::Vec(t) | Ty::Map(t) | Ty::Nullable(t) => remap_ty(t, map),
        _ => {}
    }
}

fn remap_struct(def: &mut StructDef, map: &HashMap<TypeId, TypeId>) {
    for f in &mut def.fields {
        remap_ty(&mut f.ty, map);
    }
    if let Some(t) = &mut def.additional {
        remap_ty(t, map);
    }
}

fn remap_kind(kind: &mut TypeKind, map: &HashMap<TypeId, TypeId>) {
    match kind {
        TypeKind::Struct(def) => remap_struct(def, map),
        TypeKind::Union(u) => u.variants.iter_mut().for_each(|v| remap_ty(&mut v.ty, map)),
        TypeKind::Enum(_) => {}
    }
}

fn remap_shape(shape: &mut Shape, map: &HashMap<TypeId, TypeId>) {
    match shape {
        Shape::Fields(def) => remap_struct(def, map),
        Shape::Whole(ty) => remap_ty(ty, map),
        Shape::Binary => {}
    }
}

fn remap_operation(op: &mut Operation, map: &HashMap<TypeId, TypeId>) {
    for p in &mut op.params {
        remap_ty(&mut p.ty, map);
    }
    if let Some(body) = &mut op.body {
        remap_shape(&mut body.shape, map);
    }
    for r in std::iter::once(&mut op.success).chain(&mut op.responses) {
        if let Some(shape) = &mut r.body {
            remap_shape(shape, map);
        }
        for h in &mut r.headers {
            remap_ty(&mut h.ty, map);
        }
    }
}
