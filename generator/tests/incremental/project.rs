//! A random tracebook project, held in memory and written to disk: four kinds with statuses and
//! custom fields, three link kinds (one acyclic), coverage rules, Markdown items over several
//! folders plus a YAML list file, and links pinned with `reviewed:` fingerprints so that a body
//! change makes them suspect. Everything comes from a seeded [`Rng`], so a run (and a failure)
//! is reproducible from its seed.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use super::results::{self, ResultEntry, Results};

/// SplitMix64: tiny, seeded, and the same on every platform.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "BUG: below(0)");
        (self.next() % n as u64) as usize
    }

    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Need,
    Requirement,
    Verification,
    Hazard,
}

impl Kind {
    pub(crate) const ALL: [Kind; 4] = [
        Kind::Need,
        Kind::Requirement,
        Kind::Verification,
        Kind::Hazard,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Need => "need",
            Kind::Requirement => "requirement",
            Kind::Verification => "verification",
            Kind::Hazard => "hazard",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Kind::Need => "STK",
            Kind::Requirement => "SYS",
            Kind::Verification => "VER",
            Kind::Hazard => "HAZ",
        }
    }

    pub(crate) fn statuses(self) -> &'static [&'static str] {
        match self {
            Kind::Verification => &["planned", "passed", "failed"],
            _ => &["draft", "review", "approved", "obsolete"],
        }
    }

    /// Enum fields: name and values. Requirements also have `rationale` (a string).
    pub(crate) fn enum_field(self) -> Option<(&'static str, &'static [&'static str])> {
        match self {
            Kind::Need => None,
            Kind::Requirement => Some(("priority", &["low", "medium", "high"])),
            Kind::Verification => Some((
                "method",
                &["test", "analysis", "inspection", "demonstration"],
            )),
            Kind::Hazard => Some((
                "severity",
                &["catastrophic", "critical", "marginal", "negligible"],
            )),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Link {
    pub(crate) kind: &'static str,
    pub(crate) target: String,
    pub(crate) reviewed: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct Item {
    pub(crate) id: String,
    pub(crate) kind: Kind,
    pub(crate) title: String,
    pub(crate) status: &'static str,
    pub(crate) tags: Vec<&'static str>,
    pub(crate) fields: Vec<(&'static str, String)>,
    pub(crate) links: Vec<Link>,
    /// `results:` entries (verification items only).
    pub(crate) results: Vec<ResultEntry>,
    pub(crate) body: String,
}

impl Item {
    /// The number in the id, which orders requirements: `derives_from` between requirements
    /// only points to a lower number, so no edit can make a cycle.
    pub(crate) fn number(&self) -> u32 {
        number_of(&self.id)
    }
}

fn number_of(id: &str) -> u32 {
    id.rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The parts of `tracebook.yaml` that edits change.
#[derive(Clone, Debug)]
pub(crate) struct Schema {
    pub(crate) project: String,
    pub(crate) need_title: &'static str,
    pub(crate) has_assumptions: bool,
    pub(crate) has_relates_to: bool,
    pub(crate) has_mitigation_rule: bool,
    /// `readiness:` rules, as written.
    pub(crate) readiness: Vec<&'static str>,
    /// Whether `areas:` groups the navigation.
    pub(crate) has_areas: bool,
}

impl Default for Schema {
    fn default() -> Schema {
        Schema {
            project: "Infusion Pump IP-200".to_owned(),
            need_title: "Stakeholder need",
            has_assumptions: false,
            has_relates_to: false,
            has_mitigation_rule: false,
            readiness: Vec::new(),
            has_areas: false,
        }
    }
}

impl Schema {
    pub(crate) fn render(&self) -> String {
        let mut s = format!("project: {}\nkinds:\n", self.project);
        let _ = writeln!(s, "  need: {{ prefix: STK, title: {} }}", self.need_title);
        s.push_str(
            "  requirement: { prefix: SYS, title: System requirement,\n\
             \x20                 fields: { priority: { type: enum, values: [low, medium, high] },\n\
             \x20                           rationale: { type: string } },\n\
             \x20                 statuses: [draft, review, approved, obsolete] }\n\
             \x20 verification: { prefix: VER, title: Verification case,\n\
             \x20                  fields: { method: { type: enum, values: [test, analysis, inspection, demonstration], required: true } },\n\
             \x20                  statuses: [planned, passed, failed] }\n\
             \x20 hazard: { prefix: HAZ, title: Hazard,\n\
             \x20           fields: { severity: { type: enum, values: [catastrophic, critical, marginal, negligible], required: true } } }\n",
        );
        if self.has_assumptions {
            s.push_str("  assumption: { prefix: ASM, title: Assumption }\n");
        }
        s.push_str(
            "links:\n\
             \x20 derives_from: { from: [requirement], to: [need, requirement], acyclic: true }\n\
             \x20 verifies: { from: [verification], to: [requirement] }\n\
             \x20 mitigates: { from: [requirement], to: [hazard] }\n",
        );
        if self.has_relates_to {
            s.push_str("  relates_to: { from: [need], to: [need] }\n");
        }
        s.push_str(
            "rules:\n\
             \x20 - { kind: requirement, needs_incoming: verifies, severity: warning }\n\
             \x20 - { kind: need, needs_incoming: derives_from, severity: warning }\n\
             \x20 - { kind: hazard, needs_incoming: mitigates, severity: warning }\n",
        );
        if self.has_mitigation_rule {
            s.push_str("  - { kind: requirement, needs_outgoing: mitigates, severity: warning }\n");
        }
        if !self.readiness.is_empty() {
            s.push_str("readiness:\n");
            for rule in &self.readiness {
                let _ = writeln!(s, "  - {rule}");
            }
        }
        if self.has_areas {
            s.push_str(
                "areas:\n\
                 \x20 - { title: Definition, kinds: [need, requirement], pages: [dashboard, matrices] }\n\
                 \x20 - { title: Verification, kinds: [verification], pages: [readiness, coverage] }\n",
            );
        }
        s
    }
}

pub(crate) const CONFIG: &str = "tracebook.yaml";
const WORDS: [&str; 24] = [
    "occlusion",
    "alarm",
    "pressure",
    "flow",
    "rate",
    "battery",
    "display",
    "volume",
    "dose",
    "bolus",
    "sensor",
    "valve",
    "motor",
    "keypad",
    "buzzer",
    "tube",
    "air",
    "bubble",
    "latency",
    "limit",
    "drug",
    "library",
    "door",
    "clamp",
];

/// The project: its schema and every content file (path relative to the root → items; a
/// `.md` file holds one item, a `.yaml` file a list).
pub(crate) struct Project {
    pub(crate) schema: Schema,
    pub(crate) files: BTreeMap<String, Vec<Item>>,
    /// Everything under `results/`.
    pub(crate) results: Results,
    next: HashMap<&'static str, u32>,
    pub(crate) folders_made: u32,
}

impl Project {
    /// A project of about 70 items over six folders and a YAML list, with some links pinned.
    pub(crate) fn generate(rng: &mut Rng) -> Project {
        let mut project = Project {
            schema: Schema::default(),
            files: BTreeMap::new(),
            results: Results::default(),
            next: HashMap::new(),
            folders_made: 0,
        };
        let hazards: Vec<Item> = (0..8)
            .map(|_| project.new_item(rng, Kind::Hazard))
            .collect();
        project
            .files
            .insert("content/hazards.yaml".to_owned(), hazards);
        let plan: [(Kind, &str, usize); 6] = [
            (Kind::Need, "content/needs", 12),
            (Kind::Requirement, "content/system", 14),
            (Kind::Requirement, "content/system/alarms", 10),
            (Kind::Requirement, "content/system/pumping", 5),
            (Kind::Verification, "content/verification", 12),
            (Kind::Verification, "content/verification/bench", 6),
        ];
        for (kind, folder, count) in plan {
            for _ in 0..count {
                let item = project.new_item(rng, kind);
                project.insert_md(folder, item);
            }
        }
        results::seed(&mut project, rng);
        let fingerprints = project.fingerprints();
        for item in project.items_mut() {
            for link in &mut item.links {
                if rng.chance(35) {
                    link.reviewed = fingerprints.get(&link.target).cloned();
                }
            }
        }
        project
    }

    /// A new item of `kind` with a fresh id and links to existing items.
    pub(crate) fn new_item(&mut self, rng: &mut Rng, kind: Kind) -> Item {
        let statuses = kind.statuses();
        let next = self.next.entry(kind.prefix()).or_insert(1);
        let id = format!("{}-{:03}", kind.prefix(), *next);
        *next += 1;
        let mut item = Item {
            id,
            kind,
            title: title(rng),
            status: statuses[rng.below(statuses.len())],
            tags: Vec::new(),
            fields: Vec::new(),
            links: Vec::new(),
            results: Vec::new(),
            body: if kind == Kind::Hazard {
                String::new()
            } else {
                body(rng)
            },
        };
        if rng.chance(30) {
            item.tags
                .push(*rng.pick(&["safety", "alarms", "usability"]));
        }
        if let Some((name, values)) = kind.enum_field() {
            // Priority is optional; method and severity are required.
            if kind != Kind::Requirement || rng.chance(70) {
                item.fields.push((name, (*rng.pick(values)).to_owned()));
            }
        }
        if kind == Kind::Requirement && rng.chance(40) {
            item.fields.push((
                "rationale",
                format!("IEC 60601-2-24 clause {}", rng.below(300)),
            ));
        }
        let links = 1 + rng.below(2);
        for _ in 0..links {
            let options = self.link_options(&item);
            if !options.is_empty() {
                let (kind, target) = rng.pick(&options).clone();
                item.links.push(Link {
                    kind,
                    target,
                    reviewed: None,
                });
            }
        }
        item
    }

    /// Puts a Markdown item into `folder`, named after its id.
    pub(crate) fn insert_md(&mut self, folder: &str, item: Item) -> String {
        let path = format!("{folder}/{}.md", item.id);
        self.files.insert(path.clone(), vec![item]);
        path
    }

    /// Links `from` may gain: (link kind, target) pairs it does not have yet.
    pub(crate) fn link_options(&self, from: &Item) -> Vec<(&'static str, String)> {
        let mut options = Vec::new();
        for item in self.items() {
            let kind = match (from.kind, item.kind) {
                (Kind::Requirement, Kind::Need) => "derives_from",
                (Kind::Requirement, Kind::Requirement) if item.number() < from.number() => {
                    "derives_from"
                }
                (Kind::Requirement, Kind::Hazard) => "mitigates",
                (Kind::Verification, Kind::Requirement) => "verifies",
                _ => continue,
            };
            let has = from
                .links
                .iter()
                .any(|l| l.kind == kind && l.target == item.id);
            if !has {
                options.push((kind, item.id.clone()));
            }
        }
        options
    }

    pub(crate) fn items(&self) -> impl Iterator<Item = &Item> {
        self.files.values().flatten()
    }

    pub(crate) fn items_mut(&mut self) -> impl Iterator<Item = &mut Item> {
        self.files.values_mut().flatten()
    }

    /// Ids of every item, with the file each lives in.
    pub(crate) fn ids(&self) -> Vec<(String, String)> {
        self.files
            .iter()
            .flat_map(|(path, items)| items.iter().map(|i| (path.clone(), i.id.clone())))
            .collect()
    }

    pub(crate) fn item(&self, id: &str) -> &Item {
        self.items()
            .find(|i| i.id == id)
            .expect("BUG: no such item")
    }

    pub(crate) fn item_mut(&mut self, id: &str) -> &mut Item {
        self.items_mut()
            .find(|i| i.id == id)
            .expect("BUG: no such item")
    }

    /// The file `rel` as it should be on disk (`None`: not a file of the project).
    pub(crate) fn text_of(&self, rel: &str) -> Option<String> {
        if rel == CONFIG {
            return Some(self.schema.render());
        }
        if rel.starts_with("results/") {
            return self.results.text_of(rel);
        }
        Some(render_file(rel, self.files.get(rel)?))
    }

    /// The paths of every content and results file.
    fn paths(&self) -> impl Iterator<Item = &String> {
        self.files.keys().chain(self.results.paths())
    }

    /// Every file of the project, rendered.
    pub(crate) fn rendered(&self) -> Vec<(String, String)> {
        std::iter::once(CONFIG)
            .chain(self.paths().map(String::as_str))
            .map(|rel| (rel.to_owned(), self.text_of(rel).expect("BUG: listed")))
            .collect()
    }

    /// Current fingerprints of every item, as the model computes them.
    pub(crate) fn fingerprints(&self) -> HashMap<String, String> {
        let rendered = self.rendered();
        let project = tracebook_model::Project::from_memory(
            rendered.iter().map(|(p, t)| (p.as_str(), t.as_bytes())),
        );
        project
            .items
            .iter()
            .map(|i| (i.id.clone(), i.fingerprint.to_string()))
            .collect()
    }

    /// Writes the whole project under `root`.
    pub(crate) fn write_all(&self, root: &Path) {
        for (rel, text) in self.rendered() {
            write(&root.join(rel), &text);
        }
    }

    /// Brings each of `touched` on disk in line with the model: writes what the model has at
    /// or under it, removes what it no longer has.
    pub(crate) fn sync(&self, root: &Path, touched: &[String]) {
        for rel in touched {
            let path = root.join(rel);
            if let Some(text) = self.text_of(rel) {
                write(&path, &text);
                continue;
            }
            let folder = format!("{rel}/");
            let inside: Vec<&String> = self.paths().filter(|k| k.starts_with(&folder)).collect();
            if path.is_dir() && inside.is_empty() {
                std::fs::remove_dir_all(&path).expect("remove folder");
            } else if path.is_file() {
                std::fs::remove_file(&path).expect("remove file");
            }
            for rel in inside {
                write(&root.join(rel), &self.text_of(rel).expect("BUG: listed"));
            }
        }
    }
}

pub(crate) fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

pub(crate) fn title(rng: &mut Rng) -> String {
    let mut words: Vec<&str> = (0..2 + rng.below(3)).map(|_| *rng.pick(&WORDS)).collect();
    let first = words[0];
    let capital = first[..1].to_uppercase() + &first[1..];
    words[0] = &capital;
    let mut title = words.join(" ");
    if rng.chance(30) {
        let _ = write!(title, " {}", rng.below(100));
    }
    title
}

/// A Markdown body: a sentence or two, sometimes a list, emphasis or code.
pub(crate) fn body(rng: &mut Rng) -> String {
    let mut body = format!(
        "The pump **shall** monitor the {} {} within {} s.\n",
        rng.pick(&WORDS),
        rng.pick(&WORDS),
        rng.below(60)
    );
    if rng.chance(50) {
        let _ = write!(
            body,
            "\nWhen the {} fails, the `{}` {} stops.\n",
            rng.pick(&WORDS),
            rng.pick(&WORDS),
            rng.pick(&WORDS)
        );
    }
    if rng.chance(30) {
        let _ = write!(body, "\n- {}\n- {}\n", rng.pick(&WORDS), rng.pick(&WORDS));
    }
    body
}

/// The mapping of `item` without its body, each line indented by `indent`.
fn mapping(item: &Item, indent: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "id: {}", item.id);
    let _ = writeln!(s, "{indent}kind: {}", item.kind.name());
    let _ = writeln!(s, "{indent}title: \"{}\"", item.title);
    let _ = writeln!(s, "{indent}status: {}", item.status);
    if !item.tags.is_empty() {
        let _ = writeln!(s, "{indent}tags: [{}]", item.tags.join(", "));
    }
    let mut kinds: Vec<&str> = Vec::new();
    for link in &item.links {
        if !kinds.contains(&link.kind) {
            kinds.push(link.kind);
        }
    }
    if !kinds.is_empty() {
        let _ = writeln!(s, "{indent}links:");
    }
    for kind in kinds {
        let targets: Vec<String> = item
            .links
            .iter()
            .filter(|l| l.kind == kind)
            .map(|l| match &l.reviewed {
                Some(fp) => format!("{{ id: {}, reviewed: \"{fp}\" }}", l.target),
                None => l.target.clone(),
            })
            .collect();
        let _ = writeln!(s, "{indent}  {kind}: [{}]", targets.join(", "));
    }
    s.push_str(&results::render_entries(&item.results, indent));
    for (name, value) in &item.fields {
        let _ = writeln!(s, "{indent}{name}: \"{value}\"");
    }
    s
}

/// The text of the content file `rel` holding `items`.
pub(crate) fn render_file(rel: &str, items: &[Item]) -> String {
    if rel.ends_with(".md") {
        markdown(&items[0])
    } else {
        yaml_list(items)
    }
}

fn markdown(item: &Item) -> String {
    format!("---\n{}---\n{}", mapping(item, ""), item.body)
}

fn yaml_list(items: &[Item]) -> String {
    let mut s = String::from("# Hazards, one mapping each.\n");
    for item in items {
        let _ = write!(s, "\n- {}", mapping(item, "  "));
    }
    s
}
