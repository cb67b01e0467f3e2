//! The document parses, documents exactly the routes the router has, and its copies of answer
//! types defined elsewhere match what those routes really send.

use std::collections::BTreeSet;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderValue, Method, Request};
use axum::response::Response;
use serde_json::Value;
use tower::ServiceExt;

use super::document;
use crate::accounts::AccountStore;
use crate::config::ServerConfig;
use crate::state::AppState;

fn json() -> Value {
    serde_json::to_value(document()).expect("the document serializes")
}

fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            found.insert((method.to_uppercase(), path.clone()));
        }
    }
    found
}

#[test]
fn document_is_openapi_3_1_json() {
    // Parsed back as plain JSON: utoipa 6 cannot deserialize its own `oneOf` schemas (the
    // untagged `RefOr`), though it writes them correctly.
    let text = serde_json::to_string(&document()).unwrap();
    let doc: Value = serde_json::from_str(&text).expect("parses");
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "tracebook");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["session"]["name"], "tb_session");
}

#[test]
fn every_reference_resolves() {
    fn refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    out.push(target.clone());
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(list) => list.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let doc = json();
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty());
    for target in found {
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected $ref {target}"));
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "{target} is not defined"
        );
    }
}

/// The JSON routes of the route table (the router is built from it): `/api/…` and `/healthz`.
fn api_operations_in_the_table() -> BTreeSet<(String, String)> {
    crate::routes::specs()
        .into_iter()
        .filter(|spec| spec.path.starts_with("/api/") || spec.path == "/healthz")
        .flat_map(|spec| {
            spec.methods
                .into_iter()
                .map(move |method| (method.as_str().to_owned(), spec.path.to_owned()))
        })
        .collect()
}

/// A JSON route added to the router without documentation, or an operation documented but not
/// routed, fails here: both sides come from the code.
#[test]
fn documents_exactly_the_routed_json_operations_and_guards_all_but_public_ones() {
    let doc = json();
    let table = api_operations_in_the_table();
    assert!(table.contains(&("GET".to_owned(), "/api/items".to_owned())));
    assert_eq!(operations(&doc), table);
    for spec in crate::routes::specs() {
        for method in &spec.methods {
            let operation = &doc["paths"][spec.path][method.as_str().to_lowercase()];
            if operation.is_null() {
                continue; // not a JSON route
            }
            let public = spec.access == crate::routes::table::Access::Public;
            assert_eq!(
                operation["security"] == Value::Array(vec![]),
                public,
                "{method} {}: public routes (only) override the document's security",
                spec.path
            );
            assert_eq!(
                operation["responses"].get("403").is_some(),
                !public,
                "{method} {}: the auth answers are documented on guarded routes",
                spec.path
            );
        }
    }
    let put = &doc["paths"]["/api/items/{id}"]["put"];
    for status in ["200", "401", "403", "412", "422", "428", "503"] {
        assert!(put["responses"].get(status).is_some(), "PUT lacks {status}");
    }
    assert!(doc["security"].as_array().is_some_and(|s| s.len() == 2));
}

/// Marks every answer that came from a route (not from the 404 fallback nor a 405).
async fn mark(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert("x-routed", HeaderValue::from_static("1"));
    response
}

async fn probe_router() -> (Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("accounts.db").display());
    let accounts = AccountStore::open(&url).await.expect("accounts");
    let config = ServerConfig {
        secret_key: b"a test key that is long enough for signing cookies".to_vec(),
        ..ServerConfig::default()
    };
    let root = dir.path().join("project");
    let state = AppState::new(root, dir.path().join("site"), accounts, config);
    let router = crate::routes::router()
        .route_layer(axum::middleware::map_response(mark))
        .with_state(state);
    (router, dir)
}

/// Requests carry no principal, so every protected route is refused by its extractor: the
/// probe has no side effects.
#[tokio::test]
async fn the_router_answers_exactly_the_documented_methods() {
    let (router, _dir) = probe_router().await;
    let methods = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
    ];
    let table = api_operations_in_the_table();
    let paths: BTreeSet<&str> = table.iter().map(|(_, p)| p.as_str()).collect();
    for path in paths {
        for method in &methods {
            let uri = path.replace("{id}", "SYS-001");
            let request = Request::builder()
                .method(method)
                .uri(&uri)
                .body(Body::empty())
                .unwrap();
            let response = router.clone().oneshot(request).await.unwrap();
            // `route_layer` also wraps a matched path's 405 answer; no handler answers 405.
            let routed = response.headers().contains_key("x-routed")
                && response.status() != axum::http::StatusCode::METHOD_NOT_ALLOWED;
            let documented = operations(&json()).contains(&(method.to_string(), path.to_owned()));
            assert_eq!(
                routed, documented,
                "{method} {path}: routed {routed}, documented {documented}"
            );
        }
    }
}

/// The property names of component schema `name`.
fn properties(doc: &Value, name: &str) -> BTreeSet<String> {
    doc["components"]["schemas"][name]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("schema {name} has no properties"))
        .keys()
        .cloned()
        .collect()
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().expect("object").keys().cloned().collect()
}

#[tokio::test]
async fn answer_copies_match_the_real_types() {
    use tracebook_generator::{Facets, Highlight, Hit, SearchResults, Snippet};
    let results = SearchResults {
        total: 1,
        fuzzy: false,
        hits: vec![Hit {
            id: "SYS-001".to_owned(),
            title: "Alarm".to_owned(),
            kind: "requirement".to_owned(),
            status: "draft".to_owned(),
            score: 1.0,
            snippet: Snippet {
                text: "alarm".to_owned(),
                highlights: vec![Highlight { start: 0, end: 5 }],
            },
        }],
        facets: Facets::default(),
    };
    let real = serde_json::to_value(&results).unwrap();
    let doc = json();
    assert_eq!(properties(&doc, "SearchResults"), keys(&real));
    assert_eq!(properties(&doc, "Hit"), keys(&real["hits"][0]));
    assert_eq!(
        properties(&doc, "Snippet"),
        keys(&real["hits"][0]["snippet"])
    );
    let highlight = &real["hits"][0]["snippet"]["highlights"][0];
    assert_eq!(properties(&doc, "Highlight"), keys(highlight));
    assert_eq!(properties(&doc, "Facets"), keys(&real["facets"]));

    let (router, _dir) = probe_router().await;
    let request = Request::get("/healthz").body(Body::empty()).unwrap();
    let response = router.oneshot(request).await.unwrap();
    let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    let health: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(properties(&doc, "Health"), keys(&health));
}

#[test]
fn account_and_build_copies_match_the_real_types() {
    let doc = json();
    let record = tracebook_worker::BuildRecord::start(Some("abc".to_owned()), "main", "w1", 1);
    let real = serde_json::to_value(&record).unwrap();
    assert_eq!(properties(&doc, "BuildRecord"), keys(&real));
    let results = &doc["components"]["schemas"]["BuildResult"]["enum"];
    for result in ["running", "published", "failed"] {
        assert!(
            results.as_array().unwrap().contains(&Value::from(result)),
            "{results}"
        );
    }
    assert_eq!(real["result"], "running");

    let user = crate::accounts::User {
        id: 1,
        name: "ann".to_owned(),
        role: crate::accounts::Role::Editor,
        created_at: 0,
        is_disabled: false,
        has_mfa: false,
    };
    let real = serde_json::to_value(&user).unwrap();
    assert_eq!(properties(&doc, "User"), keys(&real));
    assert_eq!(real["role"], "editor");
    let roles = &doc["components"]["schemas"]["Role"]["enum"];
    assert_eq!(roles, &serde_json::json!(["viewer", "editor", "admin"]));

    let token = crate::accounts::TokenInfo {
        id: 1,
        user_name: "ann".to_owned(),
        name: "ci".to_owned(),
        created_at: 0,
        last_used_at: None,
        revoked_at: None,
    };
    let real = serde_json::to_value(&token).unwrap();
    assert_eq!(properties(&doc, "TokenInfo"), keys(&real));
}
