//! The edit form of an item, for people (`/items/{id}/edit`; the item pages of a served site
//! link to it). Plain HTML that works without JavaScript: `GET` shows the form, `POST` saves
//! through [`Editor::update`], waits for the rebuilt site and sends the browser to the item page.
//!
//! Nothing typed is ever lost: whenever a save fails (someone else changed the item, the edit
//! would add errors, anything else) the form comes back with the text as it was posted, and a
//! message saying why. Only changed parts are patched, so the commit touches what the person
//! changed and nothing else.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use serde::{Deserialize, Serialize};
use tracebook_model::Diagnostic;
use tracebook_worker::Waited;

use super::table::{Access, Route};
use crate::accounts::Role;
use crate::auth::Principal;
use crate::edits::{Author, ETag, EditError, Editor, Patch};
use crate::error::EditStatus;
use crate::pages;
use crate::state::AppState;
use crate::views::{ItemView, viewed};

/// How long a save waits for the rebuilt site before sending the browser on anyway (the
/// request timeout is 30 s, and the edit itself comes first).
const PUBLISH_WAIT: Duration = Duration::from_secs(20);

/// The domain of the commit emails of people who edit in the browser: `.invalid` never
/// resolves, so the address cannot reach anyone by mistake.
const EMAIL_DOMAIN: &str = "users.tracebook.invalid";

pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::new("/items/{id}/edit", Access::SignedIn)
            .get(edit_item_form)
            .post(save_item_form),
    ]
}

/// The form's fields as posted. Each defaults to empty, so a partial post is shown back rather
/// than rejected; `csrf_token` is checked by the CSRF layer and ignored here.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct EditForm {
    pub(crate) title: String,
    pub(crate) status: String,
    /// Comma-separated.
    pub(crate) tags: String,
    pub(crate) body: String,
    /// The ETag of the item the form was filled from (`If-Match` of the update).
    pub(crate) etag: String,
}

impl EditForm {
    /// The form filled from `item`.
    fn of(item: &ItemView, etag: &ETag) -> EditForm {
        EditForm {
            title: item.title.clone(),
            status: item.status.clone(),
            tags: item.tags.join(", "),
            body: item.body.clone(),
            etag: etag.to_string(),
        }
    }

    /// The parts of `item` this form changes. Browsers post text areas with CRLF line ends;
    /// the body keeps the line ends the file has.
    fn patch_of(&self, item: &ItemView) -> Patch {
        let title = self.title.trim();
        let status = self.status.trim();
        let tags = split_tags(&self.tags);
        let crlf = item.body.contains("\r\n");
        let mut body = self.body.replace("\r\n", "\n");
        if !body.is_empty() && !body.ends_with('\n') {
            body.push('\n');
        }
        if crlf {
            body = body.replace('\n', "\r\n");
        }
        Patch {
            title: (title != item.title).then(|| title.to_owned()),
            status: (status != item.status).then(|| status.to_owned()),
            tags: (tags != item.tags).then_some(tags),
            body: (body != item.body && is_markdown(item)).then_some(body),
            ..Patch::default()
        }
    }
}

fn split_tags(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Items of YAML lists have no body.
fn is_markdown(item: &ItemView) -> bool {
    item.file.ends_with(".md")
}

/// `GET /items/{id}/edit`.
async fn edit_item_form(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Response {
    let page = FormPage::new(&principal, &id);
    let editor = match editor_for(&state, &principal) {
        Ok(editor) => editor,
        Err((status, message)) => return page.refuse(status, &message),
    };
    match editor.item(&id).await.map(viewed) {
        Ok((item, etag)) => page
            .with_item(&item)
            .render(StatusCode::OK, &EditForm::of(&item, &etag)),
        Err(err) => page.refuse(err.status(), &public_message(&id, &err)),
    }
}

/// `POST /items/{id}/edit`.
async fn save_item_form(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    Form(form): Form<EditForm>,
) -> Response {
    let page = FormPage::new(&principal, &id);
    let editor = match editor_for(&state, &principal) {
        Ok(editor) => editor,
        Err((status, message)) => return page.refuse(status, &message),
    };
    let (item, etag) = match editor.item(&id).await.map(viewed) {
        Ok(found) => found,
        Err(err) => return page.failed(&form, &err),
    };
    let page = page.with_item(&item);
    if etag.as_str() != form.etag {
        return page.stale(form, &item, &etag);
    }
    let patch = form.patch_of(&item);
    if patch == Patch::default() {
        return see_other(&item_page(&item.id));
    }
    let if_match = ETag::new(form.etag.clone());
    match editor
        .update(&id, patch, &if_match, author(&principal))
        .await
    {
        Ok(commit) => {
            // A queue that is down was logged; the save stands and the site catches up.
            if state.after_commit(&commit.id).await.is_none() {
                wait_for_site(&state, &commit.id).await;
            }
            see_other(&item_page(&item.id))
        }
        // Changed between our read and the update: show the newest version.
        Err(EditError::Stale { current }) => match editor.item(&id).await.map(viewed) {
            Ok((theirs, etag)) => page.stale(form, &theirs, &etag),
            Err(_) => page.stale(form, &item, &current),
        },
        Err(err) => page.failed(&form, &err),
    }
}

/// The editor, when this user may edit and the server can.
fn editor_for<'s>(
    state: &'s AppState,
    principal: &Principal,
) -> Result<&'s Editor, (StatusCode, String)> {
    principal
        .require(Role::Editor)
        .map_err(|err| (StatusCode::FORBIDDEN, err.to_string()))?;
    state.editor.as_deref().ok_or_else(|| {
        let message = "Editing is off on this server: the project is not in a git work tree.";
        (StatusCode::SERVICE_UNAVAILABLE, message.to_owned())
    })
}

/// The commit author for `principal`: their name, and an address that cannot be delivered.
fn author(principal: &Principal) -> Author {
    // git refuses `<` and `>` in names and addresses; user names may hold them.
    let name: String = principal
        .user
        .name
        .chars()
        .map(|c| if matches!(c, '<' | '>') { '-' } else { c })
        .collect();
    let local: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+') {
                c
            } else {
                '-'
            }
        })
        .collect();
    Author {
        email: format!("{local}@{EMAIL_DOMAIN}"),
        name,
    }
}

/// Waits, bounded, until the site shows `commit`, so the page the browser is sent to is new.
async fn wait_for_site(state: &AppState, commit: &str) {
    let Some(publishing) = &state.publishing else {
        return;
    };
    match publishing.wait_published(commit, PUBLISH_WAIT).await {
        Waited::Published => {}
        Waited::Failed(build) => tracing::warn!(
            commit,
            message = build.message.as_deref().unwrap_or(""),
            "the build of the edit failed; sending the browser to the last good site"
        ),
        Waited::TimedOut => tracing::warn!(
            commit,
            "the site did not show the edit in time; sending the browser on anyway"
        ),
    }
}

/// The item page a save returns to (ids are checked by the editor: a path segment as is).
fn item_page(id: &str) -> String {
    format!("/items/{id}/index.html")
}

fn see_other(target: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, target.to_owned())],
    )
        .into_response()
}

/// What people are told about an error; server-side detail goes to the log only.
fn public_message(id: &str, err: &EditError) -> String {
    match err {
        EditError::NotFound(_) => format!("There is no item {id}."),
        EditError::BadRequest(message) | EditError::Conflict(message) => message.clone(),
        EditError::Stale { .. } => format!("{id} changed while you were editing it."),
        EditError::Invalid(found) => format!(
            "The edit was not saved: it would add {} problem(s) to the project, listed below.",
            found.len()
        ),
        EditError::Io { .. } | EditError::Git(_) | EditError::Task(_) => {
            tracing::error!(error = %err, id, "editing an item failed");
            "The edit could not be saved because of an error on the server.".to_owned()
        }
    }
}

/// One page of `edit.html`: who asks, for which item, with what message.
struct FormPage<'a> {
    principal: &'a Principal,
    id: &'a str,
    item: Option<&'a ItemView>,
}

/// A diagnostic as the form lists it.
#[derive(Serialize)]
struct DiagnosticRow<'a> {
    code: String,
    severity: &'static str,
    file: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
    hint: Option<&'a str>,
}

impl<'d> From<&'d Diagnostic> for DiagnosticRow<'d> {
    fn from(d: &'d Diagnostic) -> DiagnosticRow<'d> {
        DiagnosticRow {
            code: d.code.to_string(),
            severity: d.severity.as_str(),
            file: &d.span.file,
            line: d.span.line,
            column: d.span.column,
            message: &d.message,
            hint: d.hint.as_deref(),
        }
    }
}

impl<'a> FormPage<'a> {
    fn new(principal: &'a Principal, id: &'a str) -> FormPage<'a> {
        FormPage {
            principal,
            id,
            item: None,
        }
    }

    fn with_item(self, item: &'a ItemView) -> FormPage<'a> {
        FormPage {
            item: Some(item),
            ..self
        }
    }

    fn context(&self) -> tera::Context {
        let mut context = pages::context(&format!("Edit {}", self.id));
        context.insert("user", &self.principal.user.name);
        context.insert(
            "csrf_token",
            self.principal.csrf_token().unwrap_or_default(),
        );
        context.insert("item_id", self.id);
        if let Some(item) = self.item {
            context.insert("item_href", &item_page(&item.id));
        }
        context
    }

    /// The form filled with `form`.
    fn render(&self, status: StatusCode, form: &EditForm) -> Response {
        self.render_with(status, form, |_| ())
    }

    fn render_with(
        &self,
        status: StatusCode,
        form: &EditForm,
        extra: impl FnOnce(&mut tera::Context),
    ) -> Response {
        let mut context = self.context();
        context.insert("form", form);
        context.insert("has_body", &self.item.is_none_or(is_markdown));
        extra(&mut context);
        pages::render(status, "edit.html", &context)
    }

    /// No form: only the reason (no role, no editor, no such item, bad id).
    fn refuse(&self, status: StatusCode, message: &str) -> Response {
        let mut context = self.context();
        context.insert("error", message);
        pages::render(status, "edit.html", &context)
    }

    /// 412: the person's text, the other version beside it, and its ETag, so saving again
    /// replaces the other version knowingly.
    fn stale(&self, mut form: EditForm, theirs: &ItemView, etag: &ETag) -> Response {
        let message = format!(
            "Someone else changed {} after you opened this form. Your text is kept below; \
             their version is shown under it. Save again to replace their version with yours.",
            self.id
        );
        form.etag = etag.to_string();
        self.render_with(StatusCode::PRECONDITION_FAILED, &form, |context| {
            context.insert("error", &message);
            context.insert("theirs", &EditForm::of(theirs, etag));
        })
    }

    /// Any other failure: the form as posted, with the reason (and diagnostics for 422).
    fn failed(&self, form: &EditForm, err: &EditError) -> Response {
        let message = public_message(self.id, err);
        let rows: Vec<DiagnosticRow<'_>> = match err {
            EditError::Invalid(found) => found.iter().map(DiagnosticRow::from).collect(),
            _ => Vec::new(),
        };
        self.render_with(err.status(), form, |context| {
            context.insert("error", &message);
            context.insert("diagnostics", &rows);
        })
    }
}

#[cfg(test)]
mod tests;
