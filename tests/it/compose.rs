//! The container runtimes, checked without a Docker engine (none runs on our build machines):
//! `docker-compose.yml` (local) and `docker-compose-deploy.yml` (production) against the
//! official Compose Specification JSON schema (vendored in `tests/it/compose/`, see its
//! README), then against our own rules; `deploy/Caddyfile`, `deploy/tracebook.env.example` and
//! the `Dockerfile` against what the compose files expect of them. A test feeds the schema
//! broken documents, so the schema check cannot pass vacuously.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_json::{Value, json};

use crate::common::{code, repo_root, stderr, tracebook};

const LOCAL: &str = "docker-compose.yml";
const DEPLOY: &str = "docker-compose-deploy.yml";
const ENV_EXAMPLE: &str = "deploy/tracebook.env.example";
const ENV_FILE: &str = "deploy/tracebook.env";

/// The services of one compose file, by role.
struct Names {
    file: &'static str,
    app: &'static str,
    worker: &'static str,
    migrate: &'static str,
    db: &'static str,
    redis: &'static str,
}

const LOCAL_NAMES: Names = Names {
    file: LOCAL,
    app: "app",
    worker: "worker",
    migrate: "migrate",
    db: "db",
    redis: "redis",
};

const DEPLOY_NAMES: Names = Names {
    file: DEPLOY,
    app: "tracebook-app",
    worker: "tracebook-worker",
    migrate: "tracebook-migrate",
    db: "tracebook-db",
    redis: "tracebook-redis",
};
const DEPLOY_PROXY: &str = "tracebook-proxy";

/// Environment variables the compose files hand to tracebook that no source file names yet:
/// they come with `tracebook worker` and the git webhook, being written alongside.
/// Drop a name from here once the code reads it.
const PENDING_ENV: &[&str] = &["TRACEBOOK_WEBHOOK_SECRET", "TRACEBOOK_WORKER_NAME"];

fn read(rel: &str) -> String {
    let path = repo_root().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// A YAML document as JSON values (merge keys `<<: *anchor` expanded, as Compose does).
fn yaml(text: &str, what: &str) -> Value {
    serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("{what} is not valid YAML: {e}"))
}

fn compose(rel: &str) -> Value {
    yaml(&read(rel), rel)
}

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let schema: Value = serde_json::from_str(&read("tests/it/compose/compose-spec.json"))
            .expect("compose-spec.json is JSON");
        assert_eq!(schema["title"], "Compose Specification");
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .build(&schema)
            .expect("the Compose Specification schema compiles")
    })
}

/// Every schema violation of a document, as `path: message` lines.
fn schema_errors(doc: &Value) -> Vec<String> {
    validator()
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn service<'a>(doc: &'a Value, file: &str, name: &str) -> &'a Value {
    let found = &doc["services"][name];
    assert!(found.is_object(), "{file}: no service `{name}`");
    found
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The command of a service as a list of arguments (we write commands in exec form only).
fn command<'a>(svc: &'a Value, what: &str) -> Vec<&'a str> {
    assert!(
        svc["command"].is_array(),
        "{what}: write `command:` as a list (exec form), not a shell string"
    );
    strings(&svc["command"])
}

/// The value that follows `flag` in a command.
fn flag<'a>(cmd: &[&'a str], name: &str) -> Option<&'a str> {
    cmd.iter()
        .position(|arg| *arg == name)
        .and_then(|i| cmd.get(i + 1).copied())
}

/// A service's `environment:` map (we write the map form only).
fn environment(svc: &Value, what: &str) -> serde_json::Map<String, Value> {
    match &svc["environment"] {
        Value::Object(map) => map.clone(),
        Value::Null => serde_json::Map::new(),
        other => panic!("{what}: write `environment:` as a map, not {other}"),
    }
}

/// Splits a short-syntax volume `SOURCE:TARGET[:MODE]` at the colons outside `${...}`.
fn volume_parts(spec: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut depth = 0usize;
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' if chars.peek() == Some(&'{') => {
                depth += 1;
                parts.last_mut().expect("a part").push(c);
                continue;
            }
            '}' if depth > 0 => depth -= 1,
            ':' if depth == 0 => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        parts.last_mut().expect("a part").push(c);
    }
    parts
}

/// `(source, target)` of every short-syntax volume of a service.
fn volumes(svc: &Value) -> Vec<(String, String)> {
    strings(&svc["volumes"])
        .into_iter()
        .map(|spec| {
            let parts = volume_parts(spec);
            assert!(parts.len() >= 2, "volume `{spec}` has no target");
            (parts[0].clone(), parts[1].clone())
        })
        .collect()
}

/// The names of the variables a string interpolates: `${NAME}`, `${NAME:-x}`, `${NAME:?x}`,
/// `$NAME` (`$$` is a literal dollar), with whether each has a default.
fn interpolations(text: &str) -> Vec<(String, bool)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        if bytes.get(i + 1) == Some(&b'$') {
            i += 2;
            continue;
        }
        let braced = bytes.get(i + 1) == Some(&b'{');
        let start = if braced { i + 2 } else { i + 1 };
        let end = (start..bytes.len())
            .find(|&j| !(bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_'))
            .unwrap_or(bytes.len());
        if end > start {
            let rest = &text[end..];
            let has_default = braced && (rest.starts_with(":-") || rest.starts_with('-'));
            found.push((text[start..end].to_owned(), has_default));
        }
        i = end.max(i + 1);
    }
    found
}

/// Every string of a document (keys excluded).
fn all_strings<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|v| all_strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| all_strings(v, out)),
        _ => {}
    }
}

/// The `KEY=VALUE` lines of an env file (comments and blank lines skipped).
fn env_file_keys(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (key, value) = line
                .split_once('=')
                .unwrap_or_else(|| panic!("{ENV_EXAMPLE}: `{line}` is not KEY=VALUE"));
            (key.trim().to_owned(), value.trim().to_owned())
        })
        .collect()
}

/// The environment variables tracebook reads: every `"TRACEBOOK_…"`, `"DATABASE_URL"` and
/// `"REDIS_URL"` string literal in the Rust sources of the workspace (clap's `env = "…"` and
/// `std::env::var("…")` alike), plus the pending ones.
fn env_names_tracebook_reads() -> BTreeSet<String> {
    let mut names: BTreeSet<String> = PENDING_ENV.iter().map(|s| (*s).to_owned()).collect();
    for dir in ["src", "api/src", "worker/src", "generator/src", "model/src"] {
        for entry in walkdir::WalkDir::new(repo_root().join(dir)) {
            let entry = entry.expect("walking the sources");
            if entry.path().extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(entry.path()).expect("a source file");
            for literal in text.split('"').skip(1).step_by(2) {
                let known = literal == "DATABASE_URL" || literal == "REDIS_URL";
                let ours = literal.starts_with("TRACEBOOK_")
                    && literal
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
                if known || ours {
                    names.insert(literal.to_owned());
                }
            }
        }
    }
    names
}

fn depends_on_condition<'a>(svc: &'a Value, on: &str) -> Option<&'a str> {
    svc["depends_on"][on]["condition"].as_str()
}

fn healthcheck_test(svc: &Value) -> Vec<&str> {
    strings(&svc["healthcheck"]["test"])
}

// --- the schema ------------------------------------------------------------------------------

#[test]
fn compose_files_match_the_compose_specification_schema() {
    for file in [LOCAL, DEPLOY] {
        let errors = schema_errors(&compose(file));
        assert!(
            errors.is_empty(),
            "{file} breaks the Compose Specification schema:\n{}",
            errors.join("\n")
        );
    }
}

#[test]
fn compose_schema_rejects_broken_documents() {
    // The check is only worth something if the schema does reject: a document of the right
    // shape passes, and each broken one fails.
    let fine = json!({"services": {"app": {"image": "x", "ports": ["8080:8080"]}}});
    assert_eq!(schema_errors(&fine), Vec::<String>::new());

    let broken: &[(&str, &str)] = &[
        ("wrong types", "services: {app: {image: 1, ports: \"x\"}}"),
        (
            "unknown service key",
            "services: {app: {image: x, restrat: always}}",
        ),
        (
            "unknown top-level key",
            "services: {}\nservice: {app: {image: x}}",
        ),
        (
            "unknown depends_on condition",
            "services:\n  app:\n    image: x\n    depends_on:\n      db: {condition: service_ready}\n  db: {image: y}",
        ),
        (
            "healthcheck test as a number",
            "services: {app: {image: x, healthcheck: {test: 5}}}",
        ),
        ("bad service name", "services: {\"app one\": {image: x}}"),
        (
            "unknown healthcheck key",
            "services: {app: {image: x, healthcheck: {test: [CMD, \"true\"], intervall: 5s}}}",
        ),
        (
            "unknown resource limit",
            "services: {app: {image: x, deploy: {resources: {limits: {cpu: 2}}}}}",
        ),
    ];
    for (what, text) in broken {
        let errors = schema_errors(&yaml(text, what));
        assert!(
            !errors.is_empty(),
            "the schema accepted a document with {what}"
        );
    }

    // And our own files, broken the same ways, fail too.
    let mut doc = compose(DEPLOY);
    doc["services"]["tracebook-app"]["restart"] = json!(["always"]);
    assert!(!schema_errors(&doc).is_empty());
    let mut doc = compose(LOCAL);
    doc["services"]["app"]["helthcheck"] = json!({"test": ["CMD", "true"]});
    assert!(!schema_errors(&doc).is_empty());
}

// --- our rules, both files -------------------------------------------------------------------

/// What both files must do: the roles, their commands and dependencies, the shared site volume
/// and the content mount.
fn check_runtime(doc: &Value, names: &Names) {
    let file = names.file;
    let app = service(doc, file, names.app);
    let worker = service(doc, file, names.worker);
    let migrate = service(doc, file, names.migrate);
    let db = service(doc, file, names.db);
    let redis = service(doc, file, names.redis);

    // Commands.
    let serve = command(app, names.app);
    assert_eq!(serve[..2], ["serve", "/content"], "{file}: {}", names.app);
    assert_eq!(flag(&serve, "--bind"), Some("0.0.0.0"), "{file}: app bind");
    let port = flag(&serve, "--port").expect("app --port");
    assert_eq!(port, "8080", "{file}: app port (the image EXPOSEs 8080)");
    assert_eq!(
        flag(&serve, "--out"),
        Some("/site/public"),
        "{file}: app --out"
    );
    let work = command(worker, names.worker);
    assert_eq!(
        work[..2],
        ["worker", "/content"],
        "{file}: {}",
        names.worker
    );
    assert_eq!(
        flag(&work, "--out"),
        Some("/site/public"),
        "{file}: worker --out"
    );
    assert_eq!(
        command(migrate, names.migrate),
        ["migrate", "--root", "/content"]
    );
    assert_eq!(migrate["restart"], "no", "{file}: the migration runs once");

    // The published site: one volume, mounted where --out points, in app and worker.
    for (name, svc) in [(names.app, app), (names.worker, worker)] {
        let mounts = volumes(svc);
        let site = mounts.iter().find(|(_, target)| target == "/site");
        let (source, _) = site.unwrap_or_else(|| panic!("{file}: {name} does not mount /site"));
        assert!(
            doc["volumes"].get(source).is_some(),
            "{file}: {name}'s /site is `{source}`, not a named volume"
        );
        assert!(
            mounts.iter().any(
                |(source, target)| target == "/content" && source.contains("TRACEBOOK_CONTENT")
            ),
            "{file}: {name} must bind-mount ${{TRACEBOOK_CONTENT...}} at /content"
        );
        // Scaling needs Compose to name the containers.
        assert!(
            svc.get("container_name").is_none(),
            "{file}: {name} has container_name"
        );
    }

    // Start-up order.
    for (name, svc) in [(names.app, app), (names.worker, worker)] {
        for (on, condition) in [
            (names.db, "service_healthy"),
            (names.redis, "service_healthy"),
            (names.migrate, "service_completed_successfully"),
        ] {
            assert_eq!(
                depends_on_condition(svc, on),
                Some(condition),
                "{file}: {name} must wait for {on} ({condition})"
            );
        }
    }
    assert_eq!(
        depends_on_condition(migrate, names.db),
        Some("service_healthy"),
        "{file}: the migration waits for the database"
    );
    // Every depends_on names a service of the file.
    for (name, svc) in doc["services"].as_object().expect("services") {
        if let Some(deps) = svc["depends_on"].as_object() {
            for on in deps.keys() {
                assert!(
                    doc["services"].get(on).is_some(),
                    "{file}: {name} depends on unknown {on}"
                );
            }
        }
    }

    // Health checks of the long-running roles.
    let app_check = healthcheck_test(app).join(" ");
    assert!(
        app_check.starts_with("CMD curl") && app_check.contains(&format!("127.0.0.1:{port}/livez")),
        "{file}: app health check must GET /livez (liveness) on its port: {app_check}"
    );
    assert_eq!(
        healthcheck_test(worker),
        ["CMD", "tracebook", "worker", "/content", "--check"],
        "{file}: worker health check"
    );
    // The official images, which a machine without a registry swaps for stand-ins
    // (scripts/compose-test.sh, tests/compose/images/).
    assert_eq!(
        db["image"], "${TRACEBOOK_POSTGRES_IMAGE:-postgres:16}",
        "{file}: db image"
    );
    assert!(
        healthcheck_test(db).contains(&"pg_isready"),
        "{file}: db health check"
    );
    assert!(
        volumes(db)
            .iter()
            .any(|(_, target)| target == "/var/lib/postgresql/data"),
        "{file}: the database keeps its data in a volume"
    );
    assert_eq!(
        redis["image"], "${TRACEBOOK_REDIS_IMAGE:-redis:7}",
        "{file}: redis image"
    );
    // Two workers, so a dead one's jobs are taken over (README: the local file runs two).
    assert!(
        worker["deploy"]["replicas"].as_u64() >= Some(2),
        "{file}: at least two workers"
    );
    let redis_cmd = command(redis, names.redis);
    assert_eq!(
        flag(&redis_cmd, "--appendonly"),
        Some("yes"),
        "{file}: redis appendonly"
    );
    assert!(
        healthcheck_test(redis).join(" ").contains("redis-cli ping"),
        "{file}: redis health check"
    );
    assert!(
        volumes(redis).iter().any(|(_, target)| target == "/data"),
        "{file}: redis keeps its data in a volume"
    );

    // The environment tracebook needs, pointing at the services of this file.
    for (name, svc) in [
        (names.app, app),
        (names.worker, worker),
        (names.migrate, migrate),
    ] {
        let env = environment(svc, name);
        let database = env
            .get("DATABASE_URL")
            .and_then(Value::as_str)
            .unwrap_or_default();
        assert!(
            database.starts_with("postgres://tracebook:")
                && database.contains(&format!("@{}:5432/tracebook", names.db)),
            "{file}: {name} DATABASE_URL `{database}`"
        );
        if name != names.migrate {
            let redis_url = env
                .get("REDIS_URL")
                .and_then(Value::as_str)
                .unwrap_or_default();
            assert!(
                redis_url.starts_with("redis://")
                    && redis_url.contains(&format!("{}:6379/0", names.redis)),
                "{file}: {name} REDIS_URL `{redis_url}`"
            );
        }
    }
}

/// Every variable the tracebook containers get is one tracebook reads, the app gets the
/// secrets it needs, and `$VAR`s in their commands are defined.
fn check_environment(doc: &Value, names: &Names, env_file: &[(String, String)]) {
    let file = names.file;
    let reads = env_names_tracebook_reads();
    for name in [names.app, names.worker, names.migrate] {
        let svc = service(doc, file, name);
        let env = environment(svc, name);
        let mut all: BTreeSet<String> = env.keys().cloned().collect();
        if svc.get("env_file").is_some() {
            all.extend(env_file.iter().map(|(key, _)| key.clone()));
        }
        for key in env.keys() {
            assert!(
                reads.contains(key),
                "{file}: {name} sets {key}, which tracebook does not read (a typo?)"
            );
        }
        for arg in command(svc, name) {
            for (var, _) in interpolations(arg) {
                assert!(
                    all.contains(&var),
                    "{file}: {name}'s command uses ${var}, never set"
                );
            }
        }
        let needed: &[&str] = if name == names.app {
            &[
                "DATABASE_URL",
                "REDIS_URL",
                "TRACEBOOK_SECRET_KEY",
                "TRACEBOOK_WEBHOOK_SECRET",
            ]
        } else if name == names.worker {
            &["DATABASE_URL", "REDIS_URL"]
        } else {
            &["DATABASE_URL"]
        };
        for var in needed {
            assert!(all.contains(*var), "{file}: {name} needs {var}");
        }
    }
}

#[test]
fn local_compose_runs_app_worker_db_redis_and_a_migration() {
    let doc = compose(LOCAL);
    check_runtime(&doc, &LOCAL_NAMES);
    check_environment(&doc, &LOCAL_NAMES, &[]);

    // `docker compose up` works with no .env: every interpolation has a default.
    let mut texts = Vec::new();
    all_strings(&doc, &mut texts);
    for text in texts {
        for (var, has_default) in interpolations(text) {
            assert!(
                has_default,
                "{LOCAL}: ${{{var}}} has no default (`${{{var}:-...}}`)"
            );
        }
    }
    // The three tracebook services run the image built from the Dockerfile here.
    for name in ["app", "worker", "migrate"] {
        let svc = service(&doc, LOCAL, name);
        assert_eq!(
            svc["build"]["context"], ".",
            "{LOCAL}: {name} builds the Dockerfile"
        );
        assert_eq!(svc["image"], "tracebook:dev");
    }
    let app = service(&doc, LOCAL, "app");
    let ports = strings(&app["ports"]);
    assert!(
        ports.len() == 1 && ports[0].starts_with("127.0.0.1:") && ports[0].ends_with(":8080"),
        "{LOCAL}: the dev server is published on loopback only: {ports:?}"
    );
}

/// The two runtimes are separate Compose projects: sharing the project name shares the
/// volumes, and the deploy runtime would then start on the local file's database, whose
/// password is the local one (sign-in to PostgreSQL fails).
#[test]
fn local_and_deploy_runtimes_are_separate_projects() {
    let local = compose(LOCAL);
    let deploy = compose(DEPLOY);
    let name = |doc: &Value, file: &str| -> String {
        doc["name"]
            .as_str()
            .unwrap_or_else(|| panic!("{file}: no project name"))
            .to_owned()
    };
    assert_ne!(name(&local, LOCAL), name(&deploy, DEPLOY));
}

/// Every tracebook command the compose files run, as a service or as a health check, is one the
/// binary accepts: clap parses the arguments up to a trailing `--help`, which then exits 0
/// (a misspelt flag or a positional argument the subcommand does not take fails).
#[test]
fn compose_commands_are_ones_tracebook_accepts() {
    for names in [&LOCAL_NAMES, &DEPLOY_NAMES] {
        let file = names.file;
        let doc = compose(file);
        for name in [names.app, names.worker, names.migrate] {
            let svc = service(&doc, file, name);
            let mut runs = vec![command(svc, name)];
            let check = healthcheck_test(svc);
            if check.get(1) == Some(&"tracebook") {
                runs.push(check[2..].to_vec());
            }
            for mut args in runs {
                args.push("--help");
                let out = tracebook(&args);
                assert_eq!(
                    code(&out),
                    0,
                    "{file}: {name}: tracebook does not accept `{}`:\n{}",
                    args.join(" "),
                    stderr(&out)
                );
            }
        }
    }
}

// --- our rules, the deploy file --------------------------------------------------------------

#[test]
fn deploy_compose_is_production_shaped() {
    let doc = compose(DEPLOY);
    let env_file = env_file_keys(&read(ENV_EXAMPLE));
    check_runtime(&doc, &DEPLOY_NAMES);
    check_environment(&doc, &DEPLOY_NAMES, &env_file);
    let services = doc["services"].as_object().expect("services");

    for (name, svc) in services {
        let one_shot = name == DEPLOY_NAMES.migrate;
        // Restart policy and health check everywhere; the one-shot migration restarts never
        // and says so, and has no check to run.
        let restart = svc["restart"].as_str();
        if one_shot {
            assert_eq!(restart, Some("no"), "{DEPLOY}: {name} restart");
            assert_eq!(
                svc["healthcheck"]["disable"], true,
                "{DEPLOY}: {name} healthcheck"
            );
        } else {
            assert_eq!(restart, Some("unless-stopped"), "{DEPLOY}: {name} restart");
            assert!(
                !healthcheck_test(svc).is_empty() && svc["healthcheck"]["disable"] != true,
                "{DEPLOY}: {name} has no health check"
            );
        }
        // Resource limits.
        let limits = &svc["deploy"]["resources"]["limits"];
        assert!(
            limits["cpus"].is_string() && limits["memory"].is_string(),
            "{DEPLOY}: {name} needs cpus and memory limits"
        );
        // Images by tag, nothing built on the server.
        assert!(
            svc.get("build").is_none(),
            "{DEPLOY}: {name} builds on the server"
        );
        let image = svc["image"].as_str().unwrap_or_default();
        assert!(
            image.contains(':'),
            "{DEPLOY}: {name} image `{image}` has no tag"
        );
        // Only the proxy is published.
        if name == DEPLOY_PROXY {
            let mut published: Vec<&str> = strings(&svc["ports"]);
            published.sort_unstable();
            assert_eq!(
                published,
                [
                    "${TRACEBOOK_HTTPS_PORT:-443}:443",
                    "${TRACEBOOK_HTTPS_PORT:-443}:443/udp",
                    "${TRACEBOOK_HTTP_PORT:-80}:80"
                ]
            );
        } else {
            assert!(
                svc.get("ports").is_none(),
                "{DEPLOY}: {name} publishes ports"
            );
        }
    }

    // The tracebook services: the image by tag, the secrets from the env file, and the app
    // configured for the proxy in front of it.
    for name in [DEPLOY_NAMES.app, DEPLOY_NAMES.worker, DEPLOY_NAMES.migrate] {
        let svc = service(&doc, DEPLOY, name);
        assert_eq!(
            svc["image"],
            "${TRACEBOOK_IMAGE:-ghcr.io/example/tracebook:latest}"
        );
        assert_eq!(
            svc["env_file"],
            json!([ENV_FILE]),
            "{DEPLOY}: {name} env_file"
        );
        let env = environment(svc, name);
        assert_eq!(env["TRACEBOOK_TRUST_PROXY"], "true", "{DEPLOY}: {name}");
        let public = env["TRACEBOOK_PUBLIC_URL"].as_str().unwrap_or_default();
        assert!(
            public.starts_with("https://"),
            "{DEPLOY}: {name} public URL `{public}`"
        );
        assert!(
            !env.contains_key("TRACEBOOK_SECRET_KEY")
                && !env.contains_key("TRACEBOOK_WEBHOOK_SECRET"),
            "{DEPLOY}: {name}: secrets come from {ENV_FILE}, not the compose file"
        );
    }
    // More than one app container: Caddy spreads requests over them (see the Caddyfile test).
    let app = service(&doc, DEPLOY, DEPLOY_NAMES.app);
    assert!(
        app["deploy"]["replicas"].as_u64() >= Some(2),
        "{DEPLOY}: at least two app replicas"
    );
    // The databases are not reachable from outside.
    assert_eq!(doc["networks"]["backend"]["internal"], true);
    for name in [DEPLOY_NAMES.db, DEPLOY_NAMES.redis] {
        assert_eq!(
            service(&doc, DEPLOY, name)["networks"],
            json!(["backend"]),
            "{name}"
        );
    }
    // Data that must outlive the containers.
    let proxy = service(&doc, DEPLOY, DEPLOY_PROXY);
    assert_eq!(proxy["image"], "${TRACEBOOK_CADDY_IMAGE:-caddy:2}");
    let proxy_mounts = volumes(proxy);
    assert!(
        proxy_mounts
            .iter()
            .any(|(source, target)| target == "/data" && doc["volumes"].get(source).is_some())
    );
    for volume in ["site", "db-data", "redis-data", "caddy-data"] {
        assert!(
            doc["volumes"].get(volume).is_some(),
            "{DEPLOY}: volume {volume}"
        );
    }

    // Every variable the file interpolates is in the env file template, unless it has a
    // default, and every key of the template is used: by the compose file, the Caddyfile
    // (through the proxy's environment), or tracebook.
    let keys: BTreeSet<&str> = env_file.iter().map(|(key, _)| key.as_str()).collect();
    let mut texts = Vec::new();
    all_strings(&doc, &mut texts);
    let mut interpolated = BTreeSet::new();
    for text in texts {
        for (var, has_default) in interpolations(text) {
            assert!(
                has_default || keys.contains(var.as_str()),
                "{DEPLOY}: ${{{var}}} is not in {ENV_EXAMPLE}"
            );
            interpolated.insert(var);
        }
    }
    let reads = env_names_tracebook_reads();
    for key in &keys {
        assert!(
            interpolated.contains(*key) || reads.contains(*key),
            "{ENV_EXAMPLE}: {key} is used by nothing"
        );
    }
    for (key, value) in &env_file {
        if key.contains("SECRET") || key.contains("PASSWORD") {
            assert!(
                value.starts_with("change-me"),
                "{ENV_EXAMPLE}: {key} must be a placeholder"
            );
        }
    }
}

#[test]
fn real_deploy_env_files_are_ignored() {
    let ignored = |file: &str| read(file).lines().any(|line| line.trim() == "deploy/*.env");
    assert!(ignored(".gitignore"), ".gitignore must ignore deploy/*.env");
    assert!(
        ignored(".dockerignore"),
        ".dockerignore must ignore deploy/*.env"
    );
    assert!(
        !ENV_EXAMPLE.ends_with(".env"),
        "the template must not match deploy/*.env"
    );
}

// --- the Caddyfile ---------------------------------------------------------------------------

#[test]
fn caddyfile_proxies_to_the_app_service() {
    let caddyfile = read("deploy/Caddyfile");
    let doc = compose(DEPLOY);
    let lines: Vec<&str> = caddyfile
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with('#'))
        .collect();

    // Every replica of the app, found by its service name in Docker's DNS and refreshed (a
    // fixed `reverse_proxy tracebook-app:8080` resolves once and sticks to one container).
    assert_eq!(
        lines
            .iter()
            .filter(|line| line.starts_with("reverse_proxy"))
            .collect::<Vec<_>>(),
        [&"reverse_proxy {"]
    );
    let upstreams: Vec<&str> = lines
        .iter()
        .filter_map(|line| line.strip_prefix("dynamic a "))
        .map(|rest| rest.trim_end_matches('{').trim())
        .collect();
    let app = service(&doc, DEPLOY, DEPLOY_NAMES.app);
    let port = flag(&command(app, DEPLOY_NAMES.app), "--port").expect("--port");
    assert_eq!(upstreams, [format!("{} {port}", DEPLOY_NAMES.app)]);
    assert!(
        lines.contains(&"lb_policy round_robin"),
        "requests spread over the replicas"
    );
    assert_eq!(
        strings(&app["expose"]),
        [port],
        "{DEPLOY}: the app exposes its port"
    );
    let networks = |svc: &Value| -> BTreeSet<String> {
        strings(&svc["networks"])
            .into_iter()
            .map(str::to_owned)
            .collect()
    };
    let proxy = service(&doc, DEPLOY, DEPLOY_PROXY);
    assert!(
        networks(proxy)
            .intersection(&networks(app))
            .next()
            .is_some(),
        "the proxy and the app share no network"
    );
    // Caddy sets X-Forwarded-For to the address it saw unless told to trust the client's:
    // the app takes the last entry, so nothing may hand it a client-supplied one.
    assert!(
        !lines
            .iter()
            .any(|line| line.contains("trusted_proxies") || line.contains("header_up")),
        "the proxy must set X-Forwarded-For itself (the app trusts its last entry)"
    );

    // The site is the domain (automatic TLS); Caddy gets the variables from its environment.
    assert!(
        lines.contains(&"{$TRACEBOOK_DOMAIN} {"),
        "site address {{$TRACEBOOK_DOMAIN}}"
    );
    let env = environment(proxy, DEPLOY_PROXY);
    for var in ["TRACEBOOK_DOMAIN", "TRACEBOOK_ACME_EMAIL"] {
        assert!(
            caddyfile.contains(&format!("{{${var}}}")) && env.contains_key(var),
            "{var}: used by the Caddyfile and set on {DEPLOY_PROXY}"
        );
    }
    assert!(
        strings(&proxy["volumes"]).contains(&"./deploy/Caddyfile:/etc/caddy/Caddyfile:ro"),
        "the proxy mounts deploy/Caddyfile"
    );
    let public = environment(app, DEPLOY_NAMES.app)["TRACEBOOK_PUBLIC_URL"].clone();
    assert_eq!(
        public,
        format!("https://${{TRACEBOOK_DOMAIN:?set TRACEBOOK_DOMAIN in {ENV_FILE}}}")
    );
}

// --- the Dockerfile --------------------------------------------------------------------------

/// Dockerfile instructions as `(INSTRUCTION, arguments)`, continuation lines joined.
fn dockerfile() -> Vec<(String, String)> {
    let text = read("Dockerfile");
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(part) => {
                current.push_str(part);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                let (instruction, args) = current.split_once(' ').unwrap_or((&current, ""));
                out.push((instruction.to_uppercase(), args.trim().to_owned()));
                current.clear();
            }
        }
    }
    out
}

#[test]
fn dockerfile_builds_locked_in_stages_and_runs_as_non_root() {
    let instructions = dockerfile();
    let stages: Vec<usize> = instructions
        .iter()
        .enumerate()
        .filter(|(_, (ins, _))| ins == "FROM")
        .map(|(i, _)| i)
        .collect();
    assert!(stages.len() >= 2, "a multi-stage build");
    // Each stage: (its index among the instructions, its image, its name).
    let named: Vec<(usize, &str, &str)> = stages
        .iter()
        .map(|&i| {
            let (image, name) = instructions[i].1.split_once(" AS ").unwrap_or_else(|| {
                panic!("stage `{}` has no name", instructions[i].1);
            });
            (i, image, name)
        })
        .collect();
    let stage_range = |name: &str| -> &[(String, String)] {
        let at = named
            .iter()
            .position(|(_, _, n)| *n == name)
            .unwrap_or_else(|| panic!("no stage {name}"));
        let end = named.get(at + 1).map_or(instructions.len(), |s| s.0);
        &instructions[named[at].0..end]
    };
    let &(build_at, build_image, build_name) = named
        .iter()
        .find(|(_, image, _)| image.starts_with("rust:"))
        .expect("a Rust build stage");
    assert!(build_image.starts_with("rust:"), "{build_image}");
    // The default target (the last stage) is the runtime with the binary built from source,
    // on the runtime base, which is debian:bookworm-slim unless RUNTIME_BASE says otherwise
    // (the compose test's locally made base).
    let &(_, last_image, last_name) = named.last().expect("a stage");
    assert_eq!(last_name, "runtime");
    let base = stage_range(last_image);
    assert_eq!(base[0].1, "${RUNTIME_BASE} AS runtime-base");
    assert!(
        instructions[..stages[0]].contains(&(
            "ARG".to_owned(),
            "RUNTIME_BASE=debian:bookworm-slim".to_owned()
        )),
        "the runtime base defaults to debian:bookworm-slim"
    );
    // The compose test's target: the same base with a binary from the context, before the Rust
    // stage so that the classic builder (which builds every stage up to the target) never
    // needs the rust image.
    let prebuilt = stage_range("prebuilt");
    assert_eq!(prebuilt[0].1, format!("{last_image} AS prebuilt"));
    assert_eq!(
        prebuilt[1..],
        [(
            "COPY".to_owned(),
            "tracebook /usr/local/bin/tracebook".to_owned()
        )]
    );
    assert!(
        named.iter().position(|s| s.2 == "prebuilt") < named.iter().position(|s| s.0 == build_at),
        "the prebuilt stage comes before the Rust stage"
    );
    let last = stage_range(last_name);
    assert_eq!(
        last[1..],
        [(
            "COPY".to_owned(),
            format!("--from={build_name} /usr/local/bin/tracebook /usr/local/bin/tracebook")
        )]
    );

    // The Rust version is the workspace's rust-version.
    let manifest = read("Cargo.toml");
    let rust_version = manifest
        .lines()
        .find_map(|line| line.strip_prefix("rust-version = "))
        .expect("rust-version")
        .trim_matches('"');
    assert!(
        instructions.contains(&("ARG".to_owned(), format!("RUST_VERSION={rust_version}"))),
        "the build image's Rust is the workspace's rust-version {rust_version}"
    );

    // Built --locked, dependencies in their own layer: every workspace member's manifest is
    // copied before the first build, and the sources after it.
    let builds: Vec<usize> = instructions
        .iter()
        .enumerate()
        .filter(|(_, (ins, args))| {
            ins == "RUN" && args.contains("cargo build --release --locked --bin tracebook")
        })
        .map(|(i, _)| i)
        .collect();
    assert_eq!(builds.len(), 2, "a dependency build, then the real one");
    let members_line = manifest
        .lines()
        .find(|line| line.starts_with("members = "))
        .expect("workspace members");
    let members: Vec<&str> = members_line.split('"').skip(1).step_by(2).collect();
    assert!(members.len() >= 5, "{members:?}");
    let copies_before: Vec<&str> = instructions[..builds[0]]
        .iter()
        .filter(|(ins, _)| ins == "COPY")
        .map(|(_, args)| args.as_str())
        .collect();
    for member in members {
        let manifest = if member == "." {
            "Cargo.toml".to_owned()
        } else {
            format!("{member}/Cargo.toml")
        };
        assert!(
            copies_before
                .iter()
                .any(|args| args.split(' ').any(|a| a == manifest)),
            "the dependency layer must copy {manifest}"
        );
    }
    assert!(copies_before.iter().any(|args| args.contains("Cargo.lock")));
    let copy_all = instructions
        .iter()
        .position(|(ins, args)| ins == "COPY" && args == ". .")
        .expect("COPY . .");
    assert!(builds[0] < copy_all && copy_all < builds[1]);
    let ignore = read(".dockerignore");
    for kept in ["migrations", "themes", "api", "src"] {
        assert!(
            !ignore
                .lines()
                .any(|line| line.trim_end_matches('/') == kept),
            ".dockerignore drops {kept}/, which the build embeds"
        );
    }

    // The runtime base: tools the compose files call, a non-root user, the entry point, the
    // port, no health check of its own.
    let last = base;
    let installs: String = last
        .iter()
        .filter(|(ins, args)| ins == "RUN" && args.contains("apt-get install"))
        .map(|(_, args)| args.as_str())
        .collect();
    for package in ["git", "ca-certificates", "curl"] {
        assert!(
            installs.split_whitespace().any(|word| word == package),
            "the runtime installs {package}"
        );
    }
    let user = last
        .iter()
        .rev()
        .find(|(ins, _)| ins == "USER")
        .map(|(_, args)| args.as_str())
        .expect("a USER");
    let user_name = user.split(':').next().unwrap_or_default();
    assert!(
        !["root", "0", ""].contains(&user_name),
        "the image runs as root: USER {user}"
    );
    assert_eq!(user_name, "tracebook");
    // Any uid/gid works, including ids the image has already (root's 0: `groupadd: GID '0'
    // already exists` otherwise).
    assert!(last.iter().any(|(ins, args)| ins == "RUN"
        && args.contains("groupadd --non-unique")
        && args.contains("useradd --non-unique")));
    let entrypoint = last
        .iter()
        .find(|(ins, _)| ins == "ENTRYPOINT")
        .expect("ENTRYPOINT");
    assert_eq!(entrypoint.1, r#"["tracebook"]"#);
    assert!(last.contains(&("EXPOSE".to_owned(), "8080".to_owned())));
    assert!(
        !instructions.iter().any(|(ins, _)| ins == "HEALTHCHECK"),
        "health checks belong to the compose files"
    );
}

#[test]
fn interpolation_and_volume_helpers() {
    assert_eq!(
        interpolations("a ${A:-x} $B ${C:?no} $$D ${E}"),
        [
            ("A".to_owned(), true),
            ("B".to_owned(), false),
            ("C".to_owned(), false),
            ("E".to_owned(), false)
        ]
    );
    assert_eq!(
        volume_parts("${TRACEBOOK_CONTENT:-./}:/content:ro"),
        ["${TRACEBOOK_CONTENT:-./}", "/content", "ro"]
    );
}
