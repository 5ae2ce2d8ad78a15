//! The event types of the spec's event schemas: for each, the type its `content` decodes to and
//! the kind of event it is, read from the core schema it builds on.

use std::collections::HashSet;

use super::docs::render;
use super::naming::{pascal, snake, unique};
use super::types::{EventKind, EventSet, Field, Naming, SchemaKind, Schemas, Ty, TypeBuilder, TypeKind, TypeSpace};
use crate::error::{Location, Result};
use crate::frontend::{JsonType, Schema, SchemaRef, Spec};

/// The kinds of the events built on `event.yaml` (account data, to-device, ephemeral, presence):
/// neither their schemas nor their examples say which, so this table of Matrix knowledge does,
/// as hand-written libraries do. An entry ending in `.` is a prefix. A type it does not name is
/// of every kind of these (it decodes wherever it comes).
const BASIC_KINDS: &[(&str, &[EventSet])] = {
    use EventSet::*;
    &[
        ("m.typing", &[Ephemeral]),
        ("m.receipt", &[Ephemeral]),
        ("m.presence", &[Presence]),
        ("m.direct", &[AccountData]),
        ("m.ignored_user_list", &[AccountData]),
        ("m.push_rules", &[AccountData]),
        ("m.fully_read", &[AccountData]),
        ("m.tag", &[AccountData]),
        ("m.accepted_terms", &[AccountData]),
        ("m.identity_server", &[AccountData]),
        ("m.invite_permission_config", &[AccountData]),
        ("m.marked_unread", &[AccountData]),
        ("m.recent_emoji", &[AccountData]),
        ("m.secret_storage.", &[AccountData]),
        ("m.cross_signing.", &[AccountData]),
        ("m.megolm_backup.", &[AccountData]),
        ("m.dummy", &[ToDevice]),
        ("m.room_key", &[ToDevice]),
        ("m.room_key.withheld", &[ToDevice]),
        ("m.room_key_request", &[ToDevice]),
        ("m.forwarded_room_key", &[ToDevice]),
        ("m.secret.request", &[ToDevice]),
        ("m.secret.send", &[ToDevice]),
        ("m.key.verification.request", &[ToDevice]),
        // in-room verification sends the rest in the timeline too
        ("m.key.verification.", &[ToDevice, Timeline]),
        ("m.room.encrypted", &[Timeline, ToDevice]),
    ]
};

/// The kinds of events an event type is of: from the core schema it builds on, and for basic
/// events from [`BASIC_KINDS`].
pub fn kinds_of(event_type: &str, kind: EventKind) -> Vec<EventSet> {
    match kind {
        EventKind::Message => vec![EventSet::Timeline],
        EventKind::State => vec![EventSet::Timeline, EventSet::State],
        EventKind::Basic => {
            let exact = BASIC_KINDS.iter().find(|(t, _)| *t == event_type);
            let prefix = || {
                BASIC_KINDS
                    .iter()
                    .find(|(t, _)| t.ends_with('.') && event_type.starts_with(t))
            };
            match exact.or_else(prefix) {
                Some((_, kinds)) => kinds.to_vec(),
                None => vec![EventSet::Ephemeral, EventSet::AccountData, EventSet::ToDevice],
            }
        }
    }
}

/// One event type, or one variant of it (`m.room.message` with `msgtype` `m.text`).
#[derive(Clone, Debug)]
pub struct EventDef {
    /// `m.room.member`.
    pub event_type: String,
    /// The variant a file of the form `TYPE$VARIANT` (`TYPE#VARIANT` in the seed era) describes.
    pub variant: Option<String>,
    /// The kind of event.
    pub kind: EventKind,
    /// The kinds of events it is of (beside [`EventSet::All`]), in order.
    pub sets: Vec<EventSet>,
    /// What its `content` decodes to.
    pub content: Ty,
    /// The name of the content's type (`RoomMemberEventContent`): of the struct the content is,
    /// or of the type the events output declares around it.
    pub content_name: String,
    /// Where the schema is.
    pub origin: Location,
}

/// `m.room.message$m.text` → (`m.room.message`, `m.text`).
pub fn split_stem(stem: &str) -> (String, Option<String>) {
    match stem.split_once(['$', '#']) {
        Some((t, v)) => (t.to_owned(), Some(v.to_owned())),
        None => (stem.to_owned(), None),
    }
}

/// `m.room.member` → `RoomMember`; a namespace other than `m.` is kept (`org.example.x` →
/// `OrgExampleX`).
fn type_words(event_type: &str) -> String {
    pascal(event_type.strip_prefix("m.").unwrap_or(event_type))
}

/// The content type's name: `RoomMemberEventContent`, `RoomMessageTextEventContent`; the
/// events output names `AnyEventContent`'s variant after it (`RoomMember`).
pub fn content_name(event_type: &str, variant: Option<&str>) -> String {
    let variant = variant.map(type_words).unwrap_or_default();
    format!("{}{variant}EventContent", type_words(event_type))
}

/// Reads every event schema of the spec.
pub fn read(spec: &Spec, builder: &mut TypeBuilder<'_>) -> Result<Vec<EventDef>> {
    let mut events = Vec::new();
    // names unique among the events (and clear of the enums' `Unknown` and `Redacted`), by file order
    let mut taken: HashSet<String> =
        HashSet::from(["UnknownEventContent".to_owned(), "RedactedEventContent".to_owned()]);
    for key in &spec.events {
        let Some(named) = spec.schemas.get(key) else { continue };
        let Some(kind) = event_kind(&named.schema) else {
            continue; // a part other event schemas share, not an event
        };
        let (event_type, variant) = split_stem(&named.name_hint);
        let name = unique(&content_name(&event_type, variant.as_deref()), &mut taken);
        let content = match builder.property(&named.schema, "content")? {
            Some(schema) => builder.ty(&schema, &Naming::new(name.clone()))?,
            None => Ty::JsonObject,
        };
        // a content without a description of its own is described by its event's
        let what = match &variant {
            Some(v) => format!("The content of `{event_type}` events of `{v}`."),
            None => format!("The content of `{event_type}` events."),
        };
        let doc = match named.schema.description.as_deref() {
            Some(d) => format!("{what}\n\n{}", render(d, named.schema.markup)),
            None => what,
        };
        builder.document(&content, doc);
        events.push(EventDef {
            sets: kinds_of(&event_type, kind),
            event_type,
            variant,
            kind,
            content,
            content_name: name,
            origin: named.location.clone(),
        });
    }
    Ok(events)
}

/// The fields of an event beside its `type` and `content`, as the core event schemas the event
/// schemas build on declare them (`event_id`, `sender`, `origin_server_ts`, `unsigned`,
/// `room_id`, `state_key`, ...) and the event schemas beside their content (`redacts`): every
/// one optional, since each kind of event has some of them.
pub fn envelope(spec: &Spec, builder: &mut TypeBuilder<'_>) -> Result<Vec<Field>> {
    let mut fields: Vec<Field> = Vec::new();
    let mut taken = HashSet::from(["event_type".to_owned(), "content".to_owned(), "other".to_owned()]);
    // the core schemas the event schemas build on (their `allOf`), in the order first named;
    // not every file of that folder (`call_event.yaml` is a content's, `unsigned_prop.yaml` the
    // `unsigned` object's)
    let mut core: Vec<&str> = Vec::new();
    for key in &spec.events {
        let Some(named) = spec.schemas.get(key) else { continue };
        for part in &named.schema.all_of {
            if let crate::frontend::SchemaRef::Ref(r) = part {
                if r.contains("core-event-schema/") && !core.contains(&r.as_str()) {
                    core.push(r);
                }
            }
        }
    }
    let mut declared = Vec::new();
    for named in core.iter().filter_map(|key| spec.schemas.get(*key)) {
        declared.extend(builder.properties(&named.schema)?);
    }
    // then the fields an event schema declares beside its content (`m.room.redaction`'s
    // `redacts`)
    for named in spec.events.iter().filter_map(|key| spec.schemas.get(key)) {
        if event_kind(&named.schema).is_some() {
            declared.extend(named.schema.properties.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
    for (wire, schema) in declared {
        if wire == "type" || wire == "content" || fields.iter().any(|f| f.wire == wire) {
            continue;
        }
        let ty = builder.ty(&schema, &Naming::property("Event", "Event", &wire))?;
        let doc = match &schema {
            crate::frontend::SchemaRef::Inline(s) => s.description.as_deref().map(|t| render(t, s.markup)),
            crate::frontend::SchemaRef::Ref(_) => None,
        };
        let name = unique(&snake(&wire), &mut taken);
        fields.push(Field {
            doc,
            ..Field::new(wire, name, ty)
        });
    }
    Ok(fields)
}

/// Every struct an event's content holds, at any depth, keeps the fields its schema does not
/// name (unless the schema forbids them): nothing a server sends is lost, and an event decoded
/// and encoded again is the event that came.
pub fn keep_unknown_fields(space: &mut TypeSpace, events: &[EventDef], envelope: &[Field]) {
    let roots = events.iter().map(|e| &e.content).chain(envelope.iter().map(|f| &f.ty));
    for id in space.reachable(roots) {
        if let Some(TypeKind::Struct(def)) = space.defs.get_mut(id.index()).map(|d| &mut d.kind) {
            if def.additional.is_none() && !def.closed {
                def.additional = Some(Ty::Json);
            }
        }
    }
}

pub fn event_kind(s: &Schema) -> Option<EventKind> {
    s.all_of.iter().find_map(|part| {
        let SchemaRef::Ref(key) = part else { return None };
        let (_, file) = key.rsplit_once("core-event-schema/")?;
        Some(match file.split('.').next().unwrap_or_default() {
            "state_event" | "sync_state_event" | "stripped_state" => EventKind::State,
            "room_event" | "sync_room_event" | "call_event" => EventKind::Message,
            _ => EventKind::Basic,
        })
    })
}

pub fn event_set(schemas: &Schemas<'_>, s: &Schema) -> Result<Option<EventSet>> {
    if !matches!(schemas.shape(s), SchemaKind::Object) {
        return Ok(None);
    }
    let parts = schemas.object_parts(s, 0)?;
    let is = |name: &str, want: fn(&Schemas<'_>, &Schema) -> bool| -> Result<bool> {
        Ok(match parts.properties.get(name).map(Vec::as_slice) {
            Some([one]) => want(schemas, schemas.deref(one)?),
            _ => false,
        })
    };
    let string = |b: &Schemas<'_>, s: &Schema| matches!(b.shape(s), SchemaKind::Scalar(JsonType::String));
    let open_object = |b: &Schemas<'_>, s: &Schema| {
        matches!(b.shape(s), SchemaKind::Object) && b.object_parts(s, 0).is_ok_and(|p| p.properties.is_empty())
    };
    if !is("type", string)? || !is("content", open_object)? {
        return Ok(None);
    }
    // an object that requires more than an event has (a push notification's `devices`) is
    // something else that carries an event's type and content
    const ENVELOPE: &[&str] = &[
        "type",
        "content",
        "event_id",
        "sender",
        "origin_server_ts",
        "unsigned",
        "room_id",
        "state_key",
        "redacts",
        "prev_content",
        "age",
        "user_id",
        "membership",
        "replaces_state",
        "prev_sender",
        "txn_id",
    ];
    if parts.required.iter().any(|r| !ENVELOPE.contains(r)) {
        return Ok(None);
    }
    let required = |name: &str| parts.required.contains(name);
    Ok(Some(match (required("state_key"), required("event_id")) {
        (true, true) => EventSet::State,
        (true, false) => EventSet::StrippedState,
        (false, true) => EventSet::Timeline,
        (false, false) => EventSet::All,
    }))
}
