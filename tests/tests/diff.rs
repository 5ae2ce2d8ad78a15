//! What a spec change changes for code built on the crate: each classification rule on a pair of
//! specs (`tests/fixtures/diff/base.yaml` and an edit of it), the seed-era Client-Server API
//! against v1.18, and `cargo xtask gen` saying it.

use matrix_api_generator::diff::{compare, compare_renamed, Breaks, Report, Rule, Surface};
use matrix_api_generator::{generate, Settings};
use matrix_api_tests::fixture;

fn surface(yaml: &str) -> Surface {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("api.yaml"), yaml).unwrap();
    generate(&Settings::new(dir.path())).unwrap().surface().unwrap()
}

fn base() -> String {
    std::fs::read_to_string(fixture("diff/base.yaml")).unwrap()
}

/// `base` with `old` replaced by `new` (which must be there).
fn edit(text: &str, old: &str, new: &str) -> String {
    assert!(text.contains(old), "`{old}` is not in the spec");
    text.replacen(old, new, 1)
}

/// The report from `from` to `to` has exactly the `expected` changes (rule, subject, whom it
/// breaks), in any order.
fn check(from: &str, to: &str, expected: &[(Rule, &str, Breaks)]) -> Report {
    let report = compare(&surface(from), &surface(to));
    let mut got: Vec<(Rule, String, Breaks)> = report
        .changes
        .iter()
        .map(|c| (c.rule, c.subject.clone(), c.breaks))
        .collect();
    let mut want: Vec<(Rule, String, Breaks)> = expected.iter().map(|(r, s, b)| (*r, s.to_string(), *b)).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "{}", report.markdown());
    report
}

const PONG: &str =
    "  /pong:\n    get:\n      operationId: pong\n      responses:\n        '200': {description: Pong.}\n  /ping:";

#[test]
fn an_added_operation_breaks_nobody() {
    let to = edit(&base(), "  /ping:", PONG);
    check(&base(), &to, &[(Rule::OperationAdded, "pong", Breaks::Neither)]);
}

#[test]
fn a_removed_operation_breaks_both() {
    let from = edit(&base(), "  /ping:", PONG);
    let report = check(&from, &base(), &[(Rule::OperationRemoved, "pong", Breaks::Both)]);
    assert!(report.changes[0].what.contains("GET /_matrix/client/v3/pong"));
    assert_eq!(report.changes[0].from_at, "api.yaml#/paths/~1pong/get");
    assert_eq!(report.changes[0].to_at, "");
}

#[test]
fn deprecating_an_operation_breaks_nobody() {
    let to = edit(
        &base(),
        "operationId: ping",
        "operationId: ping\n      deprecated: true",
    );
    check(&base(), &to, &[(Rule::OperationDeprecated, "ping", Breaks::Neither)]);
}

#[test]
fn undeprecating_an_operation_breaks_nobody() {
    let from = edit(
        &base(),
        "operationId: ping",
        "operationId: ping\n      deprecated: true",
    );
    check(
        &from,
        &base(),
        &[(Rule::OperationUndeprecated, "ping", Breaks::Neither)],
    );
}

#[test]
fn a_moved_operation_breaks_no_code() {
    let to = edit(&base(), "  /ping:", "  /v2/ping:");
    let report = check(&base(), &to, &[(Rule::OperationMoved, "ping", Breaks::Neither)]);
    assert!(report.changes[0]
        .what
        .contains("`GET /_matrix/client/v3/ping` → `GET /_matrix/client/v3/v2/ping`"));
}

#[test]
fn a_change_of_authentication_breaks_servers() {
    let to = edit(
        &base(),
        "operationId: ping",
        "operationId: ping\n      security:\n        - accessToken: []",
    );
    check(&base(), &to, &[(Rule::AuthChanged, "ping", Breaks::Servers)]);
}

#[test]
fn an_operation_the_history_knows_as_renamed_breaks_both_once() {
    let to = edit(&base(), "operationId: ping", "operationId: pingRenamed");
    // by ids alone: one removed, one added
    check(
        &base(),
        &to,
        &[
            (Rule::OperationRemoved, "ping", Breaks::Both),
            (Rule::OperationAdded, "pingRenamed", Breaks::Neither),
        ],
    );
    // with the history's rename: one operation, renamed (its fields compared with its new self)
    let renamed = std::collections::BTreeMap::from([("ping".to_owned(), "pingRenamed".to_owned())]);
    let report = compare_renamed(&surface(&base()), &surface(&to), &renamed);
    let got: Vec<(Rule, &str, Breaks)> = report
        .changes
        .iter()
        .map(|c| (c.rule, c.subject.as_str(), c.breaks))
        .collect();
    assert_eq!(
        got,
        [(Rule::OperationRenamed, "pingRenamed", Breaks::Both)],
        "{}",
        report.markdown()
    );
    assert!(report.changes[0]
        .what
        .contains("`ping` → `pingRenamed` (`ping` → `ping_renamed`)"));
    // a rename the `to` side does not have is left alone
    let elsewhere = std::collections::BTreeMap::from([("ping".to_owned(), "nowhere".to_owned())]);
    assert_eq!(
        compare_renamed(&surface(&base()), &surface(&to), &elsewhere)
            .changes
            .len(),
        2
    );
}

/// `text` with a second scheme, the `access_token` query parameter, beside the bearer one.
fn with_query_scheme(text: &str) -> String {
    edit(
        text,
        "    accessToken: {type: http, scheme: bearer}",
        "    accessToken: {type: http, scheme: bearer}\n    accessTokenQuery: {type: apiKey, in: query, name: access_token}",
    )
}

#[test]
fn a_token_sent_otherwise_breaks_no_code() {
    // the header only (bearer) → the header or the query string, as v1.11 made the Client-Server API
    let to = with_query_scheme(&base());
    let to = edit(
        &to,
        "        - accessToken: []",
        "        - accessToken: []\n        - accessTokenQuery: []",
    );
    let report = check(
        &base(),
        &to,
        &[(Rule::TokenPlacesChanged, "sendThing", Breaks::Neither)],
    );
    assert!(
        report.changes[0]
            .what
            .contains("in the header → in the header or query"),
        "{}",
        report.markdown()
    );
    // and an operation that gains a token is authenticated otherwise, not sent otherwise
    let secured = edit(
        &base(),
        "operationId: ping",
        "operationId: ping\n      security:\n        - accessTokenQuery: []",
    );
    let secured = with_query_scheme(&secured);
    check(&base(), &secured, &[(Rule::AuthChanged, "ping", Breaks::Servers)]);
}

#[test]
fn a_required_field_breaks_clients_in_a_request_and_servers_in_a_response() {
    let to = edit(&base(), "required: [body]", "required: [body, filter]");
    let to = to.replace(
        "                body: {type: string}",
        "                body: {type: string}\n                txn: {type: string}",
    );
    let to = edit(&to, "required: [body, filter]", "required: [body, filter, txn]");
    check(
        &base(),
        &to,
        &[
            (Rule::RequiredFieldAdded, "sendThing", Breaks::Clients),
            (Rule::FieldNowRequired, "sendThing", Breaks::Both),
        ],
    );
    let to = edit(
        &base(),
        "                  event_id: {type: string}",
        "                  event_id: {type: string}\n                  origin: {type: string}",
    );
    let to = edit(&to, "required: [event_id]", "required: [event_id, origin]");
    check(
        &base(),
        &to,
        &[(Rule::RequiredFieldAdded, "sendThing", Breaks::Servers)],
    );
    // in a named type: the side it is used on
    let to = edit(
        &base(),
        "        count: {type: integer}",
        "        count: {type: integer}\n        room: {type: string}\n      required: [room]",
    );
    check(&base(), &to, &[(Rule::RequiredFieldAdded, "State", Breaks::Servers)]);
    let to = edit(
        &base(),
        "        types: {type: array, items: {type: string}}",
        "        types: {type: array, items: {type: string}}\n        limit: {type: integer}\n      required: [limit]",
    );
    check(&base(), &to, &[(Rule::RequiredFieldAdded, "Filter", Breaks::Clients)]);
}

#[test]
fn an_optional_field_or_parameter_breaks_nobody() {
    let to = edit(&base(), "        - {in: query, name: limit, schema: {type: integer}}", "        - {in: query, name: limit, schema: {type: integer}}\n        - {in: query, name: since, schema: {type: string}}");
    let report = check(
        &base(),
        &to,
        &[(Rule::OptionalFieldAdded, "sendThing", Breaks::Neither)],
    );
    assert!(
        report.changes[0].what.contains("request `query since`: `String`"),
        "{}",
        report.changes[0].what
    );
}

#[test]
fn a_removed_field_breaks_both() {
    let to = edit(
        &base(),
        "        - {in: query, name: limit, schema: {type: integer}}\n",
        "",
    );
    check(&base(), &to, &[(Rule::FieldRemoved, "sendThing", Breaks::Both)]);
}

#[test]
fn a_field_now_required_breaks_both() {
    let to = edit(&base(), "required: [event_id]", "required: [event_id, state]");
    check(&base(), &to, &[(Rule::FieldNowRequired, "sendThing", Breaks::Both)]);
}

#[test]
fn a_field_now_optional_breaks_both() {
    let to = edit(&base(), "              required: [body]\n", "");
    check(&base(), &to, &[(Rule::FieldNowOptional, "sendThing", Breaks::Both)]);
}

#[test]
fn a_field_of_another_type_breaks_both() {
    let to = edit(
        &base(),
        "        count: {type: integer}",
        "        count: {type: string}",
    );
    let report = check(&base(), &to, &[(Rule::FieldTypeChanged, "State", Breaks::Both)]);
    assert!(
        report.changes[0].what.contains("`count`: `i64` → `String`"),
        "{}",
        report.changes[0].what
    );
}

#[test]
fn a_deprecated_field_breaks_nobody() {
    let to = edit(
        &base(),
        "                body: {type: string}",
        "                body: {type: string, deprecated: true}",
    );
    check(&base(), &to, &[(Rule::FieldDeprecated, "sendThing", Breaks::Neither)]);
}

#[test]
fn an_added_type_breaks_nobody_and_a_removed_one_both() {
    let to = edit(
        &base(),
        "                  state: {$ref: '#/components/schemas/State'}",
        "                  state: {type: object}",
    );
    let to = edit(
        &to,
        "    State:\n      type: object\n      properties:\n        membership: {type: string, enum: [join, leave]}\n        count: {type: integer}\n",
        "",
    );
    check(
        &base(),
        &to,
        &[
            (Rule::TypeRemoved, "State", Breaks::Both),
            (Rule::TypeRemoved, "Membership", Breaks::Both),
            (Rule::FieldTypeChanged, "sendThing", Breaks::Both),
        ],
    );
    check(
        &to,
        &base(),
        &[
            (Rule::TypeAdded, "State", Breaks::Neither),
            (Rule::TypeAdded, "Membership", Breaks::Neither),
            (Rule::FieldTypeChanged, "sendThing", Breaks::Both),
        ],
    );
}

#[test]
fn a_type_of_another_kind_breaks_both() {
    let to = edit(
        &base(),
        "    State:\n      type: object\n      properties:\n        membership: {type: string, enum: [join, leave]}\n        count: {type: integer}",
        "    State: {type: string, enum: [joined, left]}",
    );
    check(
        &base(),
        &to,
        &[
            (Rule::TypeKindChanged, "State", Breaks::Both),
            (Rule::TypeRemoved, "Membership", Breaks::Both),
        ],
    );
}

#[test]
fn an_added_enum_value_breaks_nobody_and_a_removed_one_both() {
    let to = edit(&base(), "enum: [join, leave]", "enum: [join, leave, knock]");
    check(&base(), &to, &[(Rule::EnumValueAdded, "Membership", Breaks::Neither)]);
    check(&to, &base(), &[(Rule::EnumValueRemoved, "Membership", Breaks::Both)]);
}

#[test]
fn the_same_spec_has_no_changes() {
    assert!(compare(&surface(&base()), &surface(&base())).is_empty());
}

/// Every variant of [`Rule`]: the match has no wildcard, so a new rule does not build here
/// until it is listed (and then [`Rule::ALL`] must hold it too).
fn every_variant() -> Vec<Rule> {
    let all = [
        Rule::OperationAdded,
        Rule::OperationRemoved,
        Rule::OperationDeprecated,
        Rule::OperationUndeprecated,
        Rule::OperationMoved,
        Rule::OperationRenamed,
        Rule::AuthChanged,
        Rule::TokenPlacesChanged,
        Rule::RequiredFieldAdded,
        Rule::OptionalFieldAdded,
        Rule::FieldRemoved,
        Rule::FieldNowRequired,
        Rule::FieldNowOptional,
        Rule::FieldTypeChanged,
        Rule::FieldDeprecated,
        Rule::TypeAdded,
        Rule::TypeRemoved,
        Rule::TypeKindChanged,
        Rule::EnumValueAdded,
        Rule::EnumValueRemoved,
    ];
    for rule in all {
        match rule {
            Rule::OperationAdded
            | Rule::OperationRemoved
            | Rule::OperationDeprecated
            | Rule::OperationUndeprecated
            | Rule::OperationMoved
            | Rule::OperationRenamed
            | Rule::AuthChanged
            | Rule::TokenPlacesChanged
            | Rule::RequiredFieldAdded
            | Rule::OptionalFieldAdded
            | Rule::FieldRemoved
            | Rule::FieldNowRequired
            | Rule::FieldNowOptional
            | Rule::FieldTypeChanged
            | Rule::FieldDeprecated
            | Rule::TypeAdded
            | Rule::TypeRemoved
            | Rule::TypeKindChanged
            | Rule::EnumValueAdded
            | Rule::EnumValueRemoved => {}
        }
    }
    all.to_vec()
}

#[test]
fn every_rule_is_written_down_once_and_says_what_breaks_decides() {
    let variants = every_variant();
    let mut listed = Rule::ALL.to_vec();
    listed.sort();
    listed.dedup();
    assert_eq!(listed.len(), Rule::ALL.len(), "a rule is listed twice in Rule::ALL");
    let mut sorted = variants.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "Rule::ALL does not list every rule");
    let mut reasons = std::collections::HashSet::new();
    for rule in variants {
        let why = rule.reason();
        assert!(!why.is_empty(), "{rule:?} has no reason");
        // the words say whom it breaks, on the side the rule names, as `breaks` decides
        let (request, response) = (rule.breaks(true, false), rule.breaks(false, true));
        let words = if why.starts_with("compatible") {
            (Breaks::Neither, Breaks::Neither)
        } else if why.starts_with("breaks clients and servers") {
            (Breaks::Both, Breaks::Both)
        } else if why.starts_with("breaks servers") {
            (Breaks::Servers, Breaks::Servers)
        } else if why.starts_with("in a request, breaks clients") {
            (Breaks::Clients, Breaks::Servers)
        } else {
            panic!("{rule:?}: the reason does not say whom it breaks: {why}");
        };
        assert_eq!(
            (request, response),
            words,
            "{rule:?}: `breaks` and its reason disagree: {why}"
        );
        assert!(reasons.insert(why), "{rule:?} shares its reason with another rule");
    }
}

#[test]
fn the_seed_era_api_against_v1_18_reports_what_changed() {
    let (Some(seed), Some(current)) = (matrix_api_tests::corpus(), matrix_api_tests::current_spec()) else {
        return;
    };
    let side = |root: &std::path::Path| {
        let mut s = Settings::new(root.join("api/client-server"));
        s.root = Some(root.to_path_buf());
        generate(&s).unwrap().surface().unwrap()
    };
    let report = compare(&side(&seed), &side(&current));
    let has = |rule: Rule, subject: &str, what: &str, breaks: Breaks| {
        report
            .changes
            .iter()
            .any(|c| c.rule == rule && c.subject == subject && c.what.contains(what) && c.breaks == breaks)
    };
    // checked by hand against the two specs' YAML
    // profile.yaml: v1.18 reads and writes any profile field at /profile/{userId}/{keyName}
    assert!(has(
        Rule::OperationRemoved,
        "getDisplayName",
        "GET /_matrix/client/r0/profile/{userId}/displayname",
        Breaks::Both
    ));
    // r0 to v3
    assert!(has(
        Rule::OperationMoved,
        "sync",
        "`GET /_matrix/client/r0/sync` → `GET /_matrix/client/v3/sync`",
        Breaks::Neither
    ));
    // login.yaml: access_token, device_id and user_id are required in v1.18's response
    assert!(has(
        Rule::FieldNowRequired,
        "login",
        "response `body access_token`",
        Breaks::Both
    ));
    // room_initial_sync.yaml: `deprecated: true` in r0, `deprecated: false` in v1.18
    assert!(has(Rule::OperationUndeprecated, "roomInitialSync", "", Breaks::Neither));
    // content-repo.yaml: the unauthenticated media endpoints are deprecated (Matrix 1.11)
    assert!(has(
        Rule::OperationDeprecated,
        "getContent",
        "/_matrix/media/v3/download",
        Breaks::Neither
    ));
    // sync.yaml: `use_state_after` (Matrix 1.16)
    assert!(has(
        Rule::OptionalFieldAdded,
        "sync",
        "request `query use_state_after`: `bool`",
        Breaks::Neither
    ));
    let summary = report.summary();
    assert!(
        summary.starts_with("API changes: operations 61 added, 12 removed"),
        "{summary}"
    );
    let markdown = report.markdown();
    assert!(markdown.contains("## Operations removed (12)"), "{markdown}");
}

/// The surface of the `events` snapshot fixture (an API carrying events in its responses, with
/// its own event schemas), `m.room.topic`'s content schema edited by `edit`.
fn events_surface(edit: impl Fn(String) -> String) -> Surface {
    let dir = tempfile::tempdir().unwrap();
    let from = fixture("snapshots/events");
    std::fs::create_dir_all(dir.path().join("events/core-event-schema")).unwrap();
    for rel in ["api.yaml", "events/m.room.topic.yaml"]
        .into_iter()
        .map(String::from)
        .chain(
            std::fs::read_dir(from.join("events/core-event-schema"))
                .unwrap()
                .map(|e| format!("events/core-event-schema/{}", e.unwrap().file_name().to_string_lossy())),
        )
    {
        let text = std::fs::read_to_string(from.join(&rel)).unwrap();
        let text = if rel == "events/m.room.topic.yaml" {
            edit(text)
        } else {
            text
        };
        std::fs::write(dir.path().join(&rel), text).unwrap();
    }
    let mut settings = Settings::new(dir.path());
    settings.events = Some(dir.path().join("events"));
    generate(&settings).unwrap().surface().unwrap()
}

/// The rule and whom it breaks of the change `compare` finds to `m.room.topic`'s content.
fn content_change(from: &Surface, to: &Surface) -> (Rule, Breaks) {
    let report = compare(from, to);
    let change = report
        .changes
        .iter()
        .find(|c| c.subject == "RoomTopicEventContent")
        .unwrap_or_else(|| panic!("no change to the content:\n{}", report.markdown()));
    (change.rule, change.breaks)
}

#[test]
fn a_change_to_an_event_content_counts_where_the_api_carries_events() {
    // the fixture's `/sync` response carries events: a field the topic's content now requires
    // breaks servers (they build those events), a removed one breaks both sides
    let base = events_surface(|t| t);
    let required = events_surface(|t| {
        edit(
            &t,
            "    required: [topic]",
            "      lang: {type: string}\n    required: [topic, lang]",
        )
    });
    assert_eq!(
        content_change(&base, &required),
        (Rule::RequiredFieldAdded, Breaks::Servers)
    );
    let removed = events_surface(|t| edit(&t, "      weight: {type: number}\n", ""));
    assert_eq!(content_change(&base, &removed), (Rule::FieldRemoved, Breaks::Both));
}
