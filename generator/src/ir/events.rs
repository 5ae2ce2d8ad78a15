//! The event types of the spec's event schemas: for each, the type its `content` decodes to and
//! the kind of event it is, read from the core schema it builds on.

use std::collections::HashSet;

use super::docs::render;
use super::naming::{pascal, snake, unique};
use super::types::{Field, Naming, TypeBuilder};
use super::{Location, Ty, TypeKind, TypeSpace};
use crate::error::Result;
use crate::frontend::Spec;

/// What kind of event a schema builds on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventKind {
    /// A room event of the timeline (`core-event-schema/room_event.yaml`).
    Message,
    /// A state event (`state_event.yaml`): in the timeline and the room's state.
    State,
    /// Any other event (`event.yaml`): account data, to-device, ephemeral, presence.
    Basic,
}

impl EventKind {
    /// `message`, `state` or `basic`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Message => "message",
            EventKind::State => "state",
            EventKind::Basic => "basic",
        }
    }
}

/// The events of a kind, as a place of the API or an enum of the events output holds them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventSet {
    /// Events of any kind.
    All,
    /// Room events of the timeline: message and state events.
    Timeline,
    /// State events.
    State,
    /// Stripped state: a state event's `type`, `state_key`, `sender` and `content` (invites,
    /// knocks, the space hierarchy).
    StrippedState,
    /// Ephemeral room events (typing, receipts).
    Ephemeral,
    /// Account data, global or of a room.
    AccountData,
    /// To-device messages.
    ToDevice,
    /// Presence.
    Presence,
}

impl EventSet {
    /// Every kind an enum of the events output stands for, in order.
    pub const KINDS: [EventSet; 8] = [
        EventSet::All,
        EventSet::Timeline,
        EventSet::State,
        EventSet::StrippedState,
        EventSet::Ephemeral,
        EventSet::AccountData,
        EventSet::ToDevice,
        EventSet::Presence,
    ];

    /// The words of its names: `Timeline` (`TimelineEvent`, `AnyTimelineEventContent`); empty
    /// for events of any kind (`Event`, `AnyEventContent`).
    pub fn words(self) -> &'static str {
        match self {
            EventSet::All => "",
            EventSet::Timeline => "Timeline",
            EventSet::State => "State",
            EventSet::StrippedState => "StrippedState",
            EventSet::Ephemeral => "Ephemeral",
            EventSet::AccountData => "AccountData",
            EventSet::ToDevice => "ToDevice",
            EventSet::Presence => "Presence",
        }
    }

    /// An event of the kind, for documentation: `a timeline event`.
    pub fn noun(self) -> &'static str {
        match self {
            EventSet::All => "an event of any kind",
            EventSet::Timeline => "a timeline event",
            EventSet::State => "a state event",
            EventSet::StrippedState => "a stripped state event",
            EventSet::Ephemeral => "an ephemeral event",
            EventSet::AccountData => "an account data event",
            EventSet::ToDevice => "a to-device event",
            EventSet::Presence => "a presence event",
        }
    }

    /// The content enum of its events: stripped state has a state event's content.
    pub fn content(self) -> EventSet {
        match self {
            EventSet::StrippedState => EventSet::State,
            other => other,
        }
    }
}

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
        let Some(kind) = builder.event_kind(&named.schema) else {
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
        if builder.event_kind(&named.schema).is_some() {
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
